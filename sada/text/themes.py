"""Automatic theme discovery: clusters by subject, labelled with phrases in their own script.

`discover_themes(texts, vectors, ...)` is pure:

1. **Subject, not sentiment or language.** Embeddings are centred, the
   directions the sentiment head reads (`EmbeddingHead.coef`) are projected out,
   and each language's mean is subtracted from its texts, so "delivery was late"
   and «ارسال خیلی دیر بود» land together, and "great food" and "great delivery"
   do not.
2. **Clusters**: spherical k-means (k-means++ seeding, cosine).
3. **Labels**: the one or two word sequences (one to three words; in Chinese,
   jieba words and pairs of them) most over-represented in the cluster compared
   with the others (class-based TF-IDF), that neither start nor end with a
   function word and are not only sentiment words — shown in the spelling most
   used in the cluster's own texts (never the folded search form).

Kept themes and an analyst's renames and merges: `sada.text.theme_store`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from sada.text.normalize import fold_for_search, to_simplified
from sada.text.polarity import lexicon

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


_PLACEHOLDERS = {"email", "phone", "card", "iban", "national_id", "address", "name", "url", "user"}


def tokens(text: str, lang: str) -> list[str]:
    """Folded content words of a text (function words left out); for matching and tests."""
    return [key for key, _surface in surface_tokens(text, lang) if key not in _STOP]


def surface_tokens(text: str, lang: str) -> list[tuple[str, str]]:
    """(folded key, word as written) for each word, function words included."""
    if lang == "zh":
        import jieba

        jieba.setLogLevel(60)
        out = []
        for w in jieba.lcut(text):
            w = w.strip()
            if w and not w.isdigit() and any("\u4e00" <= ch <= "\u9fff" for ch in w):
                out.append((to_simplified(w), w))
        return out
    return [
        (fold_for_search(m.group()), m.group())
        for m in _WORD_SURFACE.finditer(text)
        if fold_for_search(m.group()) not in _PLACEHOLDERS
    ]


_WORD_SURFACE = re.compile(r"[^\W\d_]+(?:[\u200c'][^\W\d_]+)*")


def _phrases(text: str, lang: str) -> dict[str, str]:
    """Candidate label phrases of a text: folded key -> surface form."""
    words = surface_tokens(text, lang)
    polar = _polar_words()
    out: dict[str, str] = {}
    joiner = "" if lang == "zh" else " "
    max_n = 2 if lang == "zh" else 3
    for n in range(1, max_n + 1):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            keys = [k for k, _ in gram]
            if keys[0] in _STOP or keys[-1] in _STOP or (lang != "zh" and len(keys[0]) < 2):
                continue
            if lang == "zh" and n == 1 and len(keys[0]) < 2:
                continue
            if all(k in polar or k in _STOP for k in keys):
                continue  # "great", "very bad": sentiment, not a subject
            out.setdefault(" ".join(keys), joiner.join(w for _, w in gram))
    return out


@lru_cache(maxsize=1)
def _polar_words() -> frozenset[str]:
    words, _negators, zh_terms = lexicon()
    return frozenset({fold_for_search(w) for w in words} | {t for t, _ in zh_terms})


def center_by_language(x: np.ndarray, languages: Sequence[str], min_count: int = 3) -> np.ndarray:
    """Each language's mean subtracted from its rows: multilingual embeddings of short
    texts sit closer to other texts of their language than to the same subject in
    another language, so without this, themes split by language."""
    out = x.copy()
    langs = np.asarray(list(languages))
    for lang in set(languages):
        rows = langs == lang
        if rows.sum() >= min_count and len(set(languages)) > 1:
            out[rows] -= x[rows].mean(axis=0)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def sentiment_axis(x: np.ndarray, sentiments: Sequence[str]) -> np.ndarray | None:
    """Mean of the negative texts and mean of the positive ones (2 x dim), when both exist."""
    labels = np.asarray(list(sentiments))
    pos, neg = labels == "positive", labels == "negative"
    if pos.sum() < 2 or neg.sum() < 2:
        return None
    return np.stack([x[neg].mean(axis=0), x[pos].mean(axis=0)])


def remove_sentiment(x: np.ndarray, directions: np.ndarray | None) -> np.ndarray:
    """Rows of `x` with their component along `directions` removed, renormalized."""
    if directions is None or directions.shape[-1] != x.shape[1]:
        return x
    d = directions - directions.mean(axis=0)  # softmax is shift-invariant: differences matter
    q, _r = np.linalg.qr(d.T)
    q = q[:, : np.linalg.matrix_rank(d)]
    out = x - (x @ q) @ q.T
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


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
    sentiment_directions: np.ndarray | None = None,
    top_phrases: int = 2,
    min_size: int = 2,
) -> list[dict[str, Any]]:
    """Themes, largest first: label, phrases, size, share of negative texts, examples."""
    n = len(texts)
    if n < 2:
        return []
    x = np.asarray(vectors, dtype=np.float32)
    if center is not None and center.shape[-1] == x.shape[1]:
        x = x - center
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    x = center_by_language(x, languages)
    x = remove_sentiment(x, sentiment_directions)
    if sentiments is not None:  # and the direction that separates this period's texts by sentiment
        x = remove_sentiment(x, sentiment_axis(x, sentiments))
    k = min(k or choose_k(n), n)
    labels = kmeans(x, k)
    docs = [_phrases(t, lang) for t, lang in zip(texts, languages, strict=True)]
    cluster_counts: list[Counter[str]] = [Counter() for _ in range(k)]
    surfaces: list[dict[str, Counter[str]]] = [{} for _ in range(k)]
    for doc, lab in zip(docs, labels, strict=True):
        cluster_counts[lab].update(doc.keys())
        for key, surface in doc.items():
            surfaces[lab].setdefault(key, Counter())[surface] += 1
    df: Counter[str] = Counter()
    for counts in cluster_counts:
        df.update(counts.keys())
    themes: list[dict[str, Any]] = []
    for j in range(k):
        members = np.flatnonzero(labels == j)
        if len(members) < min_size:
            continue
        counts = cluster_counts[j]
        need = 2 if any(c >= 2 for c in counts.values()) else 1
        scored = sorted(
            (
                (key, (c / len(members)) * math.log(1 + k / df[key]) * (1 + 0.25 * key.count(" ")))
                for key, c in counts.items()
                if c >= need
            ),
            key=lambda kv: (-kv[1], kv[0]),
        )
        chosen: list[str] = []
        for key, _score in scored:
            parts = set(key.split())
            if any(parts <= set(c.split()) or set(c.split()) <= parts for c in chosen):
                continue  # "delivery" when "late delivery" is already in
            chosen.append(key)
            if len(chosen) >= top_phrases:
                break
        phrases = [surfaces[j][key].most_common(1)[0][0] for key in chosen]
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
                "label": " · ".join(phrases) if phrases else f"#{j + 1}",
                "phrases": phrases,
                "words": [w for key in chosen for w in key.split()],
                "size": int(len(members)),
                "language": lang_counts.most_common(1)[0][0],
                "negative_share": round(neg, 3),
                "examples": [texts[i] for i in order[:5]],
                "members": [int(i) for i in members],
                "centroid": centroid / max(float(np.linalg.norm(centroid)), 1e-9),
            }
        )
    themes.sort(key=lambda t: -t["size"])
    return themes
