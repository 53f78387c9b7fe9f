"""Automatic theme discovery: cluster embeddings, label clusters by distinctive words.

`discover_themes(texts, vectors, ...)` is pure: spherical k-means (k-means++
seeding, cosine) over centred embeddings, then each cluster is labelled with
the words that are most over-represented in it compared with the rest (a
class-based TF-IDF), in the language of the cluster's texts. Chinese is
segmented with jieba; Arabic and Persian words are folded so spelling
variants count together; function words are left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from sada.text.normalize import fold_for_search, to_simplified

_WORD = re.compile(r"[^\W\d_]{2,}")
_FUNCTION_WORDS = """
the a an and or but if of to in on at by for with from as is was were are be been being it its
this that these those i me my we our you your he she they them their his her not no nor so too
very just than then there here what when where which who why how all any some more most much
can could will would should do does did done have has had get got also only again still really
one two out about over into after before because while am pm ok okay yes please thanks thank
email phone card iban national url user
و في من على الى إلى عن مع هذا هذه ذلك التي الذي الذين كان كانت يكون لا ما لم لن قد ان أن إن
او أو ثم كل بعد قبل عند هو هي انا أنا انت نحن هم يا بس مش اللي شي فيه الله والله جدا
و در به از که را با این آن برای تا هم یا است بود شد هست نیست من ما شما او آنها یه یک رو تو
خیلی ولی اما دیگه چون اگر همه هیچ باید کنم کرد کردم کنید میشه بودم
的 了 是 我 也 都 就 在 和 有 不 很 还 这 那 个 吧 啊 吗 呢 说 买 没有 一个 我们 你们 他们 还是 就是
"""
_STOP = {fold_for_search(w) for w in _FUNCTION_WORDS.split()}


def tokens(text: str, lang: str) -> list[str]:
    if lang == "zh":
        import jieba

        jieba.setLogLevel(60)
        words = [w.strip() for w in jieba.lcut(to_simplified(text))]
        return [w for w in words if len(w) >= 2 and w not in _STOP and not w.isdigit()]
    folded = fold_for_search(text)
    return [w for w in _WORD.findall(folded) if w not in _STOP]


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iters: int = 30) -> np.ndarray:
    """Spherical k-means with k-means++ seeding; returns a label per row."""
    n = x.shape[0]
    rng = np.random.default_rng(seed)
    centers = [x[rng.integers(n)]]
    dist = 1.0 - x @ centers[0]
    for _ in range(1, k):
        p = np.clip(dist, 0, None) ** 2
        total = p.sum()
        idx = int(rng.choice(n, p=p / total)) if total > 0 else int(rng.integers(n))
        centers.append(x[idx])
        dist = np.minimum(dist, 1.0 - x @ x[idx])
    c = np.stack(centers)
    labels = np.zeros(n, dtype=int)
    for _ in range(iters):
        new = np.argmax(x @ c.T, axis=1)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                v = members.sum(axis=0)
                c[j] = v / max(np.linalg.norm(v), 1e-9)
    return labels


def choose_k(n: int) -> int:
    return int(max(2, min(20, round(math.sqrt(n / 3)))))


def discover_themes(
    texts: Sequence[str],
    vectors: np.ndarray,
    languages: Sequence[str],
    *,
    sentiments: Sequence[str] | None = None,
    k: int | None = None,
    center: np.ndarray | None = None,
    top_words: int = 4,
    min_size: int = 2,
) -> list[dict[str, Any]]:
    """Themes, largest first: label, words, size, share of negative texts, examples."""
    n = len(texts)
    if n < 2:
        return []
    x = np.asarray(vectors, dtype=np.float32)
    if center is not None and center.shape[-1] == x.shape[1]:
        x = x - center
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    k = min(k or choose_k(n), n)
    labels = kmeans(x, k)
    docs = [tokens(t, lang) for t, lang in zip(texts, languages, strict=True)]
    cluster_counts: list[Counter[str]] = [Counter() for _ in range(k)]
    for doc, lab in zip(docs, labels, strict=True):
        cluster_counts[lab].update(set(doc))
    df: Counter[str] = Counter()
    for counts in cluster_counts:
        df.update(counts.keys())
    themes: list[dict[str, Any]] = []
    for j in range(k):
        members = np.flatnonzero(labels == j)
        if len(members) < min_size:
            continue
        counts = cluster_counts[j]
        scored = sorted(
            (
                (w, (c / len(members)) * math.log(1 + k / df[w]))
                for w, c in counts.items()
                if c >= 2
            ),
            key=lambda kv: -kv[1],
        )
        words = [w for w, _ in scored[:top_words]]
        lang_counts = Counter(languages[int(i)] for i in members)
        centroid = x[members].mean(axis=0)
        order = members[np.argsort(-(x[members] @ centroid))]
        neg = (
            sum(1 for i in members if sentiments[int(i)] == "negative") / len(members)
            if sentiments is not None
            else 0.0
        )
        themes.append(
            {
                "label": " · ".join(words) if words else f"theme {j + 1}",
                "words": words,
                "size": int(len(members)),
                "language": lang_counts.most_common(1)[0][0],
                "negative_share": round(neg, 3),
                "examples": [texts[i] for i in order[:5]],
                "members": [int(i) for i in members],
            }
        )
    themes.sort(key=lambda t: -t["size"])
    return themes


def discover_workspace_themes(
    db: Any,
    workspace_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    k: int | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    """Themes over a workspace's analysed interactions of a period."""
    from sqlalchemy import select

    from sada.interactions.models import Interaction
    from sada.text.embeddings import from_blob, get_embedder
    from sada.text.models import TextAnalysis, TextEmbedding
    from sada.text.sentiment import load_head

    with db.reader(workspace_id) as session:
        query = (
            select(
                Interaction.id,
                TextAnalysis.redacted_text,
                Interaction.subject,
                Interaction.text,
                TextAnalysis.language,
                TextAnalysis.sentiment,
                TextAnalysis.text_hash,
            )
            .join(TextAnalysis, TextAnalysis.interaction_id == Interaction.id)
            .order_by(Interaction.occurred_at.desc())
            .limit(limit)
        )
        if since is not None:
            query = query.where(Interaction.occurred_at >= since)
        if until is not None:
            query = query.where(Interaction.occurred_at < until)
        rows = session.execute(query).all()
        hashes = [r.text_hash for r in rows]
        cached = dict(
            session.execute(
                select(TextEmbedding.text_hash, TextEmbedding.vector).where(
                    TextEmbedding.text_hash.in_(hashes)
                )
            ).all()
        ) if hashes else {}  # fmt: skip
    if len(rows) < 2:
        return []
    texts = [r.redacted_text or "\n".join(p for p in (r.subject, r.text) if p) for r in rows]
    vectors: list[np.ndarray | None] = [
        from_blob(cached[h]) if h in cached else None for h in hashes
    ]
    missing = [i for i, v in enumerate(vectors) if v is None]
    if missing:
        embedder = get_embedder()
        if embedder is None:
            raise RuntimeError(
                "theme discovery needs embeddings: pip install 'sada-cx[embeddings]'"
            )
        for i, v in zip(missing, embedder.embed([texts[i] for i in missing]), strict=True):
            vectors[i] = v
    head = load_head()
    found = discover_themes(
        texts,
        np.stack([v for v in vectors if v is not None]),
        [r.language for r in rows],
        sentiments=[r.sentiment for r in rows],
        k=k,
        center=head.center if head is not None else None,
    )
    for theme in found:
        theme["interaction_ids"] = [int(rows[i].id) for i in theme.pop("members")]
    return found
