"""The loop closes for real: rules and triggers send surveys, or say why they could not."""

from __future__ import annotations

import uuid

from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.automation.models import RuleFiring
from sada.db.types import utcnow
from sada.feedback import service
from sada.feedback.models import Invitation
from sada.interactions.ingest import ingest_batch
from tests.feedback.factories import csat_survey


def _survey(db, ws_id, **settings):  # type: ignore[no-untyped-def]
    with db.transaction(ws_id) as session:
        return service.do_create_survey(
            session, csat_survey(settings={"ignore_contact_frequency": True, **settings})
        ).id


def _chat(db, ws_id, person, text="Where is my parcel?"):  # type: ignore[no-untyped-def]
    """A live chat message from `person`; returns the conversation id it opened."""
    thread = f"chat-{uuid.uuid4().hex[:8]}"
    with db.transaction(ws_id) as session:
        (result,) = ingest_batch(
            session,
            [
                {
                    "source": "chat",
                    "external_id": uuid.uuid4().hex,
                    "occurred_at": utcnow().isoformat(),
                    "channel": "chat",
                    "type": "message",
                    "direction": "inbound",
                    "text": text,
                    "conversation_id": thread,
                    "person": person,
                }
            ],
        )
    assert result.status == "stored"
    drain_jobs(db, ws_id, kinds=["automation.ingested"])
    from sada.cases.models import Conversation

    with db.reader(ws_id) as session:
        return session.execute(
            select(Conversation.id).where(Conversation.thread_key.contains(thread))
        ).scalar_one()


def _solve(client, headers, conv_id):  # type: ignore[no-untyped-def]
    r = client.patch(f"/api/v1/conversations/{conv_id}", json={"status": "solved"}, headers=headers)
    assert r.status_code == 200, r.text


def test_rule_sends_the_csat_when_a_conversation_is_solved(
    db, workspace, client, api_headers, smtp
) -> None:  # type: ignore[no-untyped-def]
    survey_id = _survey(db, workspace.id)
    rule = {
        "name": "CSAT after a solved conversation",
        "triggers": ["conversation.solved"],
        "actions": [{"type": "send_survey", "survey_id": survey_id}],
    }
    r = client.post("/api/v1/rules", json=rule, headers=api_headers)
    assert r.status_code == 201, r.text
    reachable = _chat(db, workspace.id, {"email": "mina@example.com", "name": "مینا"})
    phone_only = _chat(db, workspace.id, {"phone": "+98 912 000 1111"})
    _solve(client, api_headers, reachable)
    _solve(client, api_headers, phone_only)
    ran = drain_jobs(db, workspace.id)
    assert "feedback.send_invitation" in ran
    (mail,) = smtp.wait(1)
    assert "mina@example.com" in mail["To"]
    listed = client.get(f"/api/v1/surveys/{survey_id}/invitations", headers=api_headers).json()
    by_status = {row["status"]: row for row in listed}
    assert set(by_status) == {"sent", "unreachable"}
    assert by_status["sent"]["channel"] == "email" and by_status["sent"]["person_id"]
    assert by_status["sent"]["requested_by"].startswith("rule:")
    assert "no address on a channel" in by_status["unreachable"]["reason"]
    # Reopened and solved again: a new event, but the rule's firing for it is recorded too,
    # and nothing is ever sent twice for one firing.
    with db.reader(workspace.id) as session:
        firings = session.execute(select(RuleFiring)).scalars().all()
    assert {f.results[0]["status"] for f in firings} == {"pending", "unreachable"}


def test_rules_that_cannot_run_are_refused(db, workspace, client, api_headers) -> None:  # type: ignore[no-untyped-def]
    rule = {"name": "x", "triggers": ["conversation.solved"]}
    missing = client.post(
        "/api/v1/rules",
        json={**rule, "actions": [{"type": "send_survey", "survey_id": 999_999}]},
        headers=api_headers,
    )
    assert missing.status_code == 422 and "no survey" in missing.text
    with db.transaction(workspace.id) as session:
        survey = service.do_create_survey(session, csat_survey())
        survey.status = "draft"
    draft = client.post(
        "/api/v1/rules",
        json={**rule, "actions": [{"type": "send_survey", "survey_id": survey.id}]},
        headers=api_headers,
    )
    assert draft.status_code == 422 and "activate" in draft.text
    no_id = client.post(
        "/api/v1/rules", json={**rule, "actions": [{"type": "send_survey"}]}, headers=api_headers
    )
    assert no_id.status_code == 422
    unknown = client.post(
        "/api/v1/rules",
        json={**rule, "triggers": ["conversation.exploded"], "actions": [{"type": "tag"}]},
        headers=api_headers,
    )
    assert unknown.status_code == 422


def test_survey_trigger_on_solved_conversations_sends_once_per_conversation(
    db, workspace, client, api_headers
) -> None:  # type: ignore[no-untyped-def]
    survey_id = _survey(db, workspace.id)
    r = client.post(
        f"/api/v1/surveys/{survey_id}/triggers",
        json={"event": "conversation.solved", "conditions": {"channel": "chat"}},
        headers=api_headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["event"] == "conversation.solved"
    bad = client.post(
        f"/api/v1/surveys/{survey_id}/triggers",
        json={"event": "conversation.solved", "conditions": {"touchpoint": "x"}},
        headers=api_headers,
    )
    assert bad.status_code == 422
    conv = _chat(db, workspace.id, {"email": "li@example.cn", "name": "李"})
    _solve(client, api_headers, conv)
    drain_jobs(db, workspace.id)
    # The customer writes again (reopens), the agent solves it again: still one CSAT.
    r = client.patch(f"/api/v1/conversations/{conv}", json={"status": "open"}, headers=api_headers)
    assert r.status_code == 200
    _solve(client, api_headers, conv)
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        rows = session.execute(select(Invitation)).scalars().all()
    assert len(rows) == 1
    assert rows[0].requested_by.startswith("trigger:") and rows[0].hidden["conversation_id"]


def test_throttles_are_recorded_not_silent(db, workspace, client, api_headers, smtp) -> None:  # type: ignore[no-untyped-def]
    survey_id = _survey(db, workspace.id, throttle_days=30)
    client.post(
        f"/api/v1/surveys/{survey_id}/triggers",
        json={"event": "conversation.solved"},
        headers=api_headers,
    )
    person = {"email": "sami@example.ae", "name": "سامي"}
    for _ in range(2):
        conv = _chat(db, workspace.id, person)
        _solve(client, api_headers, conv)
        drain_jobs(db, workspace.id)
    listed = client.get(f"/api/v1/surveys/{survey_id}/invitations", headers=api_headers).json()
    assert sorted(row["status"] for row in listed) == ["sent", "throttled"]
    throttled = next(row for row in listed if row["status"] == "throttled")
    assert "30 days" in throttled["reason"]
