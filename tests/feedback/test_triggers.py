"""Triggers: an ingested interaction that matches schedules an invitation after a delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sada.feedback import service
from sada.feedback.models import Invitation, SurveyTrigger
from sada.feedback.tasks import matches
from sada.interactions.ingest import ingest_batch
from sada.jobs.models import Job
from sada.jobs.service import run_pending
from tests.feedback.factories import csat_survey


def test_conditions() -> None:
    facts = {
        "type": "message",
        "channel": "chat",
        "touchpoint": None,
        "attributes": {"status": "closed"},
    }
    assert matches({"channel": ["chat", "email"], "attributes": {"status": "closed"}}, facts)
    assert not matches({"channel": "email"}, facts)
    assert not matches({"attributes": {"status": "open"}}, facts)


def test_csat_after_closed_conversation(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(
            s, csat_survey(settings={"ignore_contact_frequency": True})
        )
        s.add(
            SurveyTrigger(
                survey_id=survey.id,
                conditions={"channel": "chat", "attributes": {"status": "closed"}},
                delay_seconds=3600,
            )
        )
    now = datetime.now(UTC)
    with db.transaction(workspace.id) as s:
        results = ingest_batch(
            s,
            [
                {
                    "source": "chat",
                    "external_id": f"t-{workspace.id}-1",
                    "occurred_at": (now - timedelta(hours=2)).isoformat(),
                    "channel": "chat",
                    "type": "message",
                    "direction": "inbound",
                    "attributes": {"status": "closed"},
                    "person": {"email": "closed@example.com"},
                },
                {
                    "source": "chat",
                    "external_id": f"t-{workspace.id}-2",
                    "occurred_at": now.isoformat(),
                    "channel": "chat",
                    "type": "message",
                    "direction": "inbound",
                    "attributes": {"status": "open"},
                    "person": {"email": "open@example.com"},
                },
            ],
        )
    assert [r.status for r in results] == ["stored", "stored"]
    run_pending(db, kinds=["feedback.match_triggers"])
    with db.reader() as s:
        jobs = (
            s.execute(
                select(Job).where(
                    Job.kind == "feedback.trigger_send", Job.workspace_id == workspace.id
                )
            )
            .scalars()
            .all()
        )
    assert len(jobs) == 1  # only the closed conversation, due now (occurred 2 h ago + 1 h delay)
    run_pending(db, kinds=["feedback.trigger_send"])
    with db.reader(workspace.id) as s:
        invs = (
            s.execute(select(Invitation).where(Invitation.survey_id == survey.id)).scalars().all()
        )
        assert [i.email for i in invs] == ["closed@example.com"]
        assert invs[0].hidden.get("channel") == "chat"
