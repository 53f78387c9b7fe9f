"""Deletions lower the overview's rollups: after an erasure or a retention run, the stored
interaction, topic and metric rollups equal a rebuild from scratch (`sada metrics rebuild`)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from sada.dashboards import rollups as dash_rollups
from sada.feedback import service as feedback
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction, InteractionRollup, TopicRollup
from sada.metrics import rollups as metric_rollups
from sada.people.schemas import PersonRef
from sada.privacy import retention
from sada.privacy.erase import erase
from sada.text.service import analyze_interactions
from tests.feedback.factories import nps_survey

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
TEXTS = ["great service, thanks", "the courier was late and rude", "ok", "خیلی بد بود"]


def _plant(db: Any, ws: int, tag: str) -> None:
    rng = random.Random(7)
    items = []
    for i in range(120):
        item: dict[str, Any] = {
            "source": "rollup-del",
            "external_id": f"{tag}-{i}",
            "occurred_at": (
                NOW - timedelta(days=rng.randrange(30), hours=rng.randrange(24))
            ).isoformat(),
            "channel": rng.choice(["email", "chat"]),
            "type": "message",
            "direction": "inbound",
            "origin": rng.choice(["customer", "customer", "agent"]),
            "person": {"email": f"{tag}-p{i % 4}@example.com"},
        }
        if rng.random() < 0.8:
            item["text"] = rng.choice(TEXTS)
        if rng.random() < 0.7:
            item["language"] = rng.choice(["en", "fa"])
        items.append(item)
    with db.transaction(ws) as s:
        ingest_batch(s, items, received_at=NOW)
        ids = list(s.execute(select(Interaction.id)).scalars())
    analyze_interactions(db, ws, ids[::2], embedder=False)
    with db.transaction(ws) as s:
        survey = feedback.do_create_survey(s, nps_survey())
        for i in range(24):
            record = feedback.ExternalRecord(
                source="rollup-del",
                external_id=f"{tag}-r{i}",
                answers={"nps": i % 11},
                submitted_at=NOW - timedelta(days=i, hours=i),
                person=PersonRef(email=f"{tag}-p{i % 4}@example.com"),
            )
            assert feedback.do_import_response(s, survey, record) == "imported"


def _stored(db: Any, ws: int) -> tuple[dict, dict, dict]:
    with db.reader(ws) as s:
        inter = {
            (r.zone, str(r.day), r.channel, r.language, r.voice): (
                r.n,
                r.texts,
                r.analysed,
                r.positive,
                r.neutral,
                r.negative,
            )
            for r in s.execute(select(InteractionRollup)).scalars()
            if r.n
        }
        topics = {
            (r.zone, str(r.day), r.channel, r.language, r.name): (
                r.positive,
                r.neutral,
                r.negative,
                r.mixed,
            )
            for r in s.execute(select(TopicRollup)).scalars()
            if r.positive or r.neutral or r.negative or r.mixed
        }
        metrics = {k: v for k, v in metric_rollups.stored(s).items() if v[0]}
    return inter, topics, metrics


def _rebuilt(db: Any, ws: int) -> tuple[dict, dict, dict]:
    with db.transaction(ws) as s:
        dash_rollups.rebuild(s)
        metric_rollups.rebuild(s)
    return _stored(db, ws)


def _person(db: Any, ws: int, email: str) -> int:
    from sada.people.models import Identity

    with db.reader(ws) as s:
        return int(
            s.execute(select(Identity.person_id).where(Identity.value == email)).scalar_one()
        )


def test_erasure_lowers_the_rollups_to_a_rebuild(db, make_workspace):  # type: ignore[no-untyped-def]
    ws = make_workspace(db).id
    _plant(db, ws, "erase")
    before = _stored(db, ws)
    assert before == _rebuilt(db, ws)  # kept at write time
    with db.transaction(ws) as s:
        erase(s, _person(db, ws, "erase-p1@example.com"))
    after = _stored(db, ws)
    assert after != before
    assert after == _rebuilt(db, ws)


def test_retention_lowers_the_rollups_to_a_rebuild(db, make_workspace):  # type: ignore[no-untyped-def]
    ws = make_workspace(db).id
    _plant(db, ws, "keep")
    before = _stored(db, ws)
    with db.transaction(ws) as s:
        retention.set_policy(s, "interaction_texts", 10, "delete")
        retention.set_policy(s, "survey_responses", 10, "delete")
    with db.transaction(ws) as s:
        counts = retention.apply_policies(s, now=NOW)
    assert counts["interaction_texts"] and counts["survey_responses"]
    after = _stored(db, ws)
    assert after != before
    assert after == _rebuilt(db, ws)
