"""Retention policies (delete or anonymise after N days, as a job) and consent records."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.feedback import invitations
from sada.feedback import service as fb
from sada.feedback.schemas import Recipient
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.jobs.models import Job
from sada.jobs.service import run_pending
from sada.people import consent
from sada.privacy import retention
from sada.privacy.models import RetentionPolicy
from tests.feedback.factories import nps_survey


def _item(n: int, days_ago: int, text: str) -> dict[str, Any]:
    return {
        "source": "ret",
        "external_id": f"{uuid.uuid4().hex}-{n}",
        "occurred_at": (utcnow() - timedelta(days=days_ago)).isoformat(),
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "subject": f"from {n}",
        "text": text,
        "person": {"email": f"r{n}-{uuid.uuid4().hex[:6]}@example.com"},
    }


def test_retention_anonymises_old_texts_and_deletes_old_jobs(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    with db.transaction(workspace.id) as s:
        ingest_batch(
            s,
            [
                _item(1, 400, "old text, mail me at old.person@example.org"),
                _item(2, 2, "recent text, mail me at new.person@example.org"),
            ],
        )
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    r = client.put(
        "/api/v1/privacy/retention",
        json={"kind": "interaction_texts", "days": 365, "action": "anonymise"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    r = client.put(
        "/api/v1/privacy/retention", json={"kind": "job_payloads", "days": 1}, headers=admin
    )
    assert r.status_code == 200 and r.json()["action"] == "delete"
    bad = client.put(
        "/api/v1/privacy/retention", json={"kind": "everything", "days": 0}, headers=admin
    )
    assert bad.status_code == 422
    assert client.get("/api/v1/privacy/retention", headers=admin).json()[0]["days"] == 365

    # The daily job is queued once per day, then runs the policies.
    with db.reader(workspace.id) as s:
        queued = (
            s.execute(
                select(Job).where(
                    Job.kind == retention.RETENTION_JOB, Job.workspace_id == workspace.id
                )
            )
            .scalars()
            .all()
        )
    assert len(queued) == 1 and queued[0].run_at > utcnow()
    run_pending(db)  # analyses and the like finish now (their jobs become old below)
    counts = retention.run(db, workspace.id, now=utcnow() + timedelta(days=3))
    assert counts["interaction_texts"] == 1 and counts["job_payloads"] >= 1
    with db.reader(workspace.id) as s:
        texts = sorted(s.execute(select(Interaction.text)).scalars(), key=str)
        assert texts[0] is not None and "[EMAIL]" in texts[0] and "old.person" not in texts[0]
        assert "new.person@example.org" in texts[1]
        policy = s.execute(
            select(RetentionPolicy).where(RetentionPolicy.kind == "interaction_texts")
        ).scalar_one()
        assert policy.last_run_at is not None
    assert client.delete("/api/v1/privacy/retention/job_payloads", headers=admin).status_code == 204
    assert client.delete("/api/v1/privacy/retention/job_payloads", headers=admin).status_code == 404


def test_withdrawn_or_missing_consent_stops_survey_invitations(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    with db.transaction(workspace.id) as s:
        survey = fb.do_create_survey(s, nps_survey())
    emails = [f"c{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(3)]
    with db.transaction(workspace.id) as s:
        survey = fb.access_survey(s, survey.id)
        first = invitations.do_create_invitations(
            s,
            survey,
            [Recipient(email=emails[0])],
            secret="k",
            base_url="http://x",
            send_email=False,
        )
    person = first[0].person_id
    r = client.post(
        f"/api/v1/people/{person}/consents",
        json={
            "channel": "email",
            "purpose": "surveys",
            "granted": False,
            "source": "preference centre",
        },
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["granted"] is False
    bad = client.post(
        f"/api/v1/people/{person}/consents",
        json={"channel": "pigeon", "purpose": "surveys", "granted": True},
        headers=admin,
    )
    assert bad.status_code == 422
    listed = client.get(f"/api/v1/people/{person}/consents", headers=admin).json()
    assert listed[0]["source"] == "preference centre" and listed[0]["at"]

    with db.transaction(workspace.id) as s:
        survey = fb.access_survey(s, survey.id)
        reach = invitations.check_reach(s, survey, person)
        assert reach.status == "unsubscribed" and reach.reason == "withdrawn"
        out = invitations.do_create_invitations(
            s, survey, [Recipient(email=emails[0])], secret="k", base_url="http://x"
        )
        assert out[0].status == "skipped" and out[0].reason == "withdrawn"
    # A workspace that requires consent for surveys skips people without one.
    r = client.patch(
        "/api/v1/privacy/settings", json={"require_consent": ["surveys"]}, headers=admin
    )
    assert r.status_code == 200 and r.json() == {
        "allow_return": False,
        "require_consent": ["surveys"],
        "webhook_pii": "raw",
    }
    bad = client.patch(
        "/api/v1/privacy/settings", json={"require_consent": ["spam"]}, headers=admin
    )
    assert bad.status_code == 422
    with db.transaction(workspace.id) as s:
        survey = fb.access_survey(s, survey.id)
        out = invitations.do_create_invitations(
            s, survey, [Recipient(email=emails[1])], secret="k", base_url="http://x"
        )
        assert out[0].status == "skipped" and out[0].reason == "no consent"
        other = out[0].person_id
        assert other is not None
        consent.record(s, other, "email", "surveys", granted=True, source="signup form")
    with db.transaction(workspace.id) as s:
        survey = fb.access_survey(s, survey.id)
        out = invitations.do_create_invitations(
            s, survey, [Recipient(email=emails[1])], secret="k", base_url="http://x"
        )
        assert out[0].status != "skipped"
