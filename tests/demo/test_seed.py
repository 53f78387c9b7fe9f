"""A small demo seeded end to end: bulk-written history as the ORM would store it, and the
overview's rollups equal to what `sada metrics rebuild` makes from the same rows."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from sqlalchemy import func, insert, select, text

from sada.dashboards.rollups import rebuild
from sada.db.engine import Database
from sada.demo.bulk import insert_rows
from sada.demo.seed import seed_demo
from sada.interactions.models import (
    Interaction,
    InteractionRollup,
    SpokeDays,
    SpokeMonths,
    TopicRollup,
)
from sada.tenants.models import Workspace


def _rollup_rows(db: Database, workspace_id: int) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.reader(workspace_id) as session:
        for model in (InteractionRollup, SpokeMonths, SpokeDays, TopicRollup):
            columns = [c for c in model.__table__.columns if c.name != "id"]
            out[model.__tablename__] = sorted(
                tuple(row) for row in session.execute(select(*columns)).all()
            )
    return out


def test_small_demo_rollups_equal_a_rebuild(db: Database) -> None:
    info = seed_demo(
        db,
        people=150,
        reset=True,
        seed=3,
        console=Console(file=io.StringIO()),
        only=("journeys", "feedback", "cases"),
    )
    assert info["people"] == 150 and info["interactions"] > 1000
    assert info["analysed_days"] == 90 and info["analysed"] > 50
    with db.reader() as session:
        workspace_id = session.execute(
            select(Workspace.id).where(Workspace.name == "demo")
        ).scalar_one()
    seeded = _rollup_rows(db, workspace_id)
    # Each of the 150 people spoke: a month mask per zone and dimension set at least.
    assert len(seeded["who_spoke_months"]) >= 2 * 150 and len(seeded["who_spoke_days"]) > 600
    with db.reader(workspace_id) as session:
        zones = set(session.execute(select(SpokeMonths.zone).distinct()).scalars())
    assert zones == {"UTC", "Asia/Tehran"}
    with db.transaction(workspace_id) as session:
        rebuild(session)  # what `sada metrics rebuild` runs for interaction rollups
    assert _rollup_rows(db, workspace_id) == seeded

    now = datetime.now(UTC)
    with db.reader(workspace_id) as session:
        demo_rows = session.execute(
            select(Interaction).where(Interaction.source == "demo").order_by(Interaction.id)
        ).scalars()
        texts = 0
        for row in demo_rows:
            assert row.backfill is True  # history: no rule opens cases from it
            assert row.occurred_at.tzinfo is not None and row.occurred_at <= now
            assert isinstance(row.attributes, dict)
            texts += row.text is not None
        assert texts > 100
        cases = session.execute(text("SELECT count(*) FROM cases")).scalar_one()
        assert cases > 0
        # The last 90 days' texts were analysed during seeding by the real pipeline (no
        # embeddings), older ones are left to the background jobs.
        analysed = session.execute(
            text(
                "SELECT i.occurred_at, a.model_version FROM text_analyses a "
                "JOIN interactions i ON i.id = a.interaction_id WHERE a.workspace_id = :ws"
            ),
            {"ws": workspace_id},
        ).all()
        assert len(analysed) == info["analysed"]
        assert all(
            v.startswith("sada-text-1;") and v.endswith(";no-embeddings") for _, v in analysed
        )
        topics = session.execute(select(func.count()).select_from(TopicRollup)).scalar_one()
        assert topics > 0


def test_bulk_writer_stores_what_the_orm_stores(db: Database, workspace: Workspace) -> None:
    at = datetime(2026, 3, 20, 21, 15, 7, 123456, tzinfo=UTC)
    row: dict[str, Any] = {
        "workspace_id": workspace.id,
        "person_id": None,
        "anonymous_id": None,
        "occurred_at": at,
        "received_at": at,
        "channel": "chat",
        "touchpoint_id": None,
        "direction": "inbound",
        "type": "message",
        "subject": None,
        "text": "سلام «دنیا» 你好",
        "language": "fa",
        "rating": 4.0,
        "rating_scale": "csat5",
        "agent_id": None,
        "conversation_id": None,
        "attributes": {"topic_hint": "دیر", "n": [1, 2.5, None]},
        "source": "bulk-test",
        "origin": "customer",
        "backfill": True,
    }
    with db.transaction(workspace.id) as session:
        session.execute(insert(Interaction), [{**row, "external_id": "orm"}])
        insert_rows(session, Interaction.__table__, [{**row, "external_id": "bulk"}])  # type: ignore[arg-type]
    columns = [c.name for c in Interaction.__table__.columns if c.name not in ("id", "external_id")]
    with db.reader(workspace.id) as session:
        raw = {
            ext: values
            for ext, *values in session.execute(
                text(
                    f"SELECT external_id, {', '.join(columns)} FROM interactions "
                    "WHERE source = 'bulk-test' AND workspace_id = :ws"
                ),
                {"ws": workspace.id},
            ).all()
        }
        assert raw["orm"] == raw["bulk"]
        assert (
            session.execute(
                select(func.count()).where(
                    Interaction.source == "bulk-test", Interaction.occurred_at == at
                )
            ).scalar_one()
            == 2
        )
