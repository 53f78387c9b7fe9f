"""A survey import publishes its events once per flush, not once per response: each
subscriber gets one job holding every imported interaction (same ids as before), and ids of a
response rolled back to its savepoint are never published."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sada.connectors.qualtrics import service as qualtrics
from sada.events import coalesced, publish
from sada.feedback.models import Response
from sada.jobs.models import Job

FIXTURES = Path(__file__).parent / "fixtures"


def test_import_queues_one_job_per_subscriber_with_every_id(db, workspace):  # type: ignore[no-untyped-def]
    summary = qualtrics.import_file(db, workspace.id, FIXTURES / "qualtrics_nps.csv")
    assert summary.imported == 5
    with db.reader(workspace.id) as s:
        ids = set(
            s.execute(
                select(Response.interaction_id).where(Response.survey_id == summary.survey_id)
            ).scalars()
        )
        jobs = s.execute(
            select(Job.kind, Job.payload).where(Job.workspace_id == workspace.id)
        ).all()
    ids.discard(None)
    assert len(ids) >= 2
    ingested = [p for _kind, p in jobs if p.get("event") == "interaction.ingested"]
    kinds = [k for k, p in jobs if p.get("event") == "interaction.ingested"]
    assert ingested and len(kinds) == len(set(kinds))  # one job per subscriber
    for payload in ingested:
        assert set(payload["interaction_ids"]) == ids
        assert payload["live"] is False


def test_a_rolled_back_savepoint_publishes_nothing(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s, coalesced(s) as events:
        publish(s, "interaction.ingested", {"interaction_ids": [-1]}, live=False)
        with pytest.raises(ValueError), events.savepoint(), s.begin_nested():
            publish(s, "interaction.ingested", {"interaction_ids": [-2]}, live=False)
            raise ValueError("rolled back")
        publish(s, "interaction.ingested", {"interaction_ids": [-3]}, live=False)
    with db.reader(workspace.id) as s:
        payloads = [
            p
            for p in s.execute(
                select(Job.payload).where(Job.workspace_id == workspace.id)
            ).scalars()
            if p.get("event") == "interaction.ingested"
        ]
    assert payloads and all(p["interaction_ids"] == [-1, -3] for p in payloads)
