"""Bulk analysis (demo seeding): each distinct text through the real pipeline once, stored
as the job would store it; the history job then skips what is current."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.text import service
from sada.text.bulk import analyze_texts, texts_in_period
from sada.text.models import TextAnalysis
from sada.text.tasks import analyze_job
from tests.text.test_db import ingest

TEXTS = [
    ("b1", "ارسال خیلی دیر بود ولی غذا خوشمزه بود"),
    ("b2", "ارسال خیلی دیر بود ولی غذا خوشمزه بود"),  # the same text: analysed once
    ("b3", "التوصيل كان متأخر جدا لكن الاكل لذيذ"),
    ("b4", "Great support, thanks! I want a refund for the broken charger"),
    ("b5", "客服态度很好，但是快递太慢了"),
    ("b6", None),
]
KEPT = ("language", "script", "sentiment", "sentiment_score", "scores", "sentences", "aspects",
        "topics", "mentions", "pii", "redacted_text", "text_hash", "model_version")  # fmt: skip


def _stored(db: Database, workspace_id: int) -> dict[int, tuple[Any, ...]]:
    with db.reader(workspace_id) as session:
        rows = session.execute(select(TextAnalysis)).scalars().all()
    return {r.interaction_id: tuple(getattr(r, k) for k in KEPT) for r in rows}


def _analysed_at(db: Database, workspace_id: int) -> dict[int, Any]:
    with db.reader(workspace_id) as session:
        rows = session.execute(select(TextAnalysis.interaction_id, TextAnalysis.analyzed_at))
        return {int(i): at for i, at in rows}


def test_bulk_analyses_equal_the_jobs_and_the_history_job_skips_them(
    db: Database,
    workspace: Any,
) -> None:
    service._PIPELINES.clear()
    ids = ingest(db, workspace.id, TEXTS)
    items = texts_in_period(db, workspace.id, None)
    assert [i for i, _t, _l in items] == ids[:5]  # the interaction without text is left out
    done: list[int] = []
    stored, distinct = analyze_texts(
        db, workspace.id, items, embeddings=False, progress=done.append
    )
    assert (stored, distinct, sum(done)) == (5, 4, 5)
    bulk = _stored(db, workspace.id)
    assert set(bulk) == set(ids[:5]) and bulk[ids[0]] == bulk[ids[1]]
    assert bulk[ids[0]][0] == "fa" and bulk[ids[4]][0] == "zh"

    # The history job finds them current (same text, same pipeline version): not again.
    before = _analysed_at(db, workspace.id)
    assert service.analyze_interactions(db, workspace.id, ids, embedder=False, skip_current=True)
    assert _analysed_at(db, workspace.id) == before

    # A changed text is analysed again.
    with db.transaction(workspace.id) as session:
        session.execute(
            update(Interaction).where(Interaction.id == ids[3]).values(text="Terrible, never again")
        )
    service.analyze_interactions(db, workspace.id, ids, embedder=False, skip_current=True)
    after = _analysed_at(db, workspace.id)
    assert after[ids[3]] != before[ids[3]]
    assert {i: at for i, at in after.items() if i != ids[3]} == {
        i: at for i, at in before.items() if i != ids[3]
    }
    assert _stored(db, workspace.id)[ids[3]][2] == "negative"

    # The job's own path (no skipping) stores exactly what the bulk path stored.
    service.analyze_interactions(db, workspace.id, ids, embedder=False)
    bulk_again = dict(bulk)
    bulk_again[ids[3]] = _stored(db, workspace.id)[ids[3]]
    assert _stored(db, workspace.id) == bulk_again


def test_live_job_always_analyses(db: Database, workspace: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(service, "get_embedder", lambda *_a, **_k: None)
    service._PIPELINES.clear()
    ids = ingest(db, workspace.id, TEXTS[:2])
    analyze_texts(db, workspace.id, texts_in_period(db, workspace.id, None), embeddings=False)
    before = _analysed_at(db, workspace.id)
    analyze_job(db, workspace.id, {"interaction_ids": ids, "live": False})
    assert _analysed_at(db, workspace.id) == before
    analyze_job(db, workspace.id, {"interaction_ids": ids, "live": True})
    assert all(_analysed_at(db, workspace.id)[i] != before[i] for i in ids)
