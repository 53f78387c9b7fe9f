"""The event spine: one catalogue, origins, history that fires nothing live, honest loops."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.automation.models import Rule, RuleFiring, WebhookDelivery
from sada.automation.webhooks import do_create_endpoint
from sada.cases.models import Case
from sada.core.ssrf import HostPolicy
from sada.db.types import utcnow
from sada.events import UnknownEvent, publish
from sada.events.catalogue import render_markdown
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.jobs.models import Job
from sada.jobs.registry import subscriptions
from sada.text.models import TextAnalysis

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def _item(**kw):  # type: ignore[no-untyped-def]
    base = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "person": {"email": f"p-{uuid.uuid4().hex[:8]}@example.com"},
    }
    base.update(kw)
    return base


def _ingest(db, ws_id, items):  # type: ignore[no-untyped-def]
    with db.transaction(ws_id) as session:
        results = ingest_batch(session, items)
    assert all(r.status == "stored" for r in results), results
    return [r.id for r in results]


def _jobs(db, ws_id):  # type: ignore[no-untyped-def]
    with db.reader() as session:
        return session.execute(select(Job).where(Job.workspace_id == ws_id)).scalars().all()


def test_catalogue_document_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "regenerate it: python -m sada.events.catalogue > docs/events.md"
    )


def test_publishing_a_name_outside_the_catalogue_is_refused(db, workspace) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session, pytest.raises(UnknownEvent):
        publish(session, "case.exploded", {})
    with db.transaction(workspace.id) as session, pytest.raises(ValueError, match="reserved"):
        publish(session, "case.created", {"live": 1})


def test_every_subscription_names_a_catalogued_event() -> None:
    from sada.events.catalogue import valid_pattern
    from sada.jobs import registry

    registry.load_all_handlers()
    for entry in registry._SUBSCRIPTIONS:
        assert valid_pattern(entry.pattern), entry


def test_origin_and_backfill_are_recorded_and_returned(db, workspace, client, api_headers) -> None:  # type: ignore[no-untyped-def]
    old = (utcnow() - timedelta(days=30)).isoformat()
    items = [
        _item(),
        _item(direction="outbound", agent="agent@example.com"),
        _item(origin="system", type="note"),
        _item(origin="import"),
        _item(occurred_at=old),
        _item(occurred_at=old, backfill=False),
    ]
    r = client.post(
        "/api/v1/interactions:batch?wait=true", json={"items": items}, headers=api_headers
    )
    assert r.status_code == 200, r.text
    ids = [x["id"] for x in r.json()["results"]]
    got = [client.get(f"/api/v1/interactions/{i}", headers=api_headers).json() for i in ids]
    assert [(g["origin"], g["backfill"]) for g in got] == [
        ("customer", False),
        ("agent", False),
        ("system", False),
        ("import", True),
        ("customer", True),
        ("customer", False),
    ]
    bad = client.post(
        "/api/v1/interactions:batch?wait=true",
        json={"items": [_item(origin="robot")]},
        headers=api_headers,
    )
    assert bad.json()["results"][0]["status"] == "rejected"
    assert bad.json()["results"][0]["errors"][0]["path"] == "items[0].origin"


def test_history_feeds_analysis_but_fires_nothing_live(db, workspace) -> None:  # type: ignore[no-untyped-def]
    """A year-old detractor arrives: its text is analysed, but no case, rule or webhook runs."""
    with db.transaction(workspace.id) as session:
        do_create_endpoint(
            session, url="https://93.184.216.34/hook", events=["*"], policy=HostPolicy()
        )
    old = (utcnow() - timedelta(days=300)).isoformat()
    (iid,) = _ingest(
        db,
        workspace.id,
        [
            _item(
                occurred_at=old,
                type="survey_response",
                channel="survey",
                rating=1,
                rating_scale="nps",
                text="The worst service I have ever had, nobody answered for days",
            )
        ],
    )
    kinds = [job.kind for job in _jobs(db, workspace.id)]
    history = [s.kind for s in subscriptions("interaction.ingested") if s.history]
    assert sorted(history) == ["automation.history_rules", "segments.update", "text.analyze"]
    # Of those, only analysis has something to do here: no segment, no rule opted in to
    # history (their `wanted` predicates), and nothing live.
    assert kinds == ["text.analyze"]
    ran = drain_jobs(db, workspace.id)
    assert not {"automation.ingested", "automation.text_analyzed", "webhooks.fanout"} & set(ran)
    with db.reader(workspace.id) as session:
        assert session.execute(
            select(TextAnalysis).where(TextAnalysis.interaction_id == iid)
        ).first()
        assert not session.execute(select(Case)).first()
        assert not session.execute(select(RuleFiring)).first()
        assert not session.execute(select(WebhookDelivery)).first()


def test_the_same_detractor_live_opens_a_case_and_its_note_is_not_customer_voice(
    db, workspace
) -> None:  # type: ignore[no-untyped-def]
    (iid,) = _ingest(
        db,
        workspace.id,
        [
            _item(
                type="survey_response",
                channel="survey",
                rating=1,
                rating_scale="nps",
                text="The worst service I have ever had, nobody answered for days",
            )
        ],
    )
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        (case,) = session.execute(select(Case)).scalars().all()
        notes = (
            session.execute(select(Interaction).where(Interaction.source == "sada.automation"))
            .scalars()
            .all()
        )
        analysed = set(session.execute(select(TextAnalysis.interaction_id)).scalars())
    assert case.person_id is not None
    assert notes and all(n.origin == "system" for n in notes)
    # The rule's note is on the timeline but never analysed as the customer's voice.
    assert iid in analysed and not analysed & {n.id for n in notes}


def test_sentiment_rules_follow_text_analysis_without_a_timer(
    db, workspace, client, api_headers
) -> None:  # type: ignore[no-untyped-def]
    rule = {
        "name": "negative chat",
        "triggers": ["sentiment.computed"],
        "conditions": [{"field": "sentiment.label", "op": "eq", "value": "negative"}],
        "actions": [{"type": "tag", "tags": ["unhappy"]}],
    }
    r = client.post("/api/v1/rules", json=rule, headers=api_headers)
    assert r.status_code == 201, r.text
    _ingest(db, workspace.id, [_item(text="Terrible, the app crashed again and I lost my order")])
    ran = drain_jobs(db, workspace.id)
    assert ran.index("text.analyze") < ran.index("automation.text_analyzed")
    assert "automation.tick" not in ran[: ran.index("automation.text_analyzed")]
    with db.reader(workspace.id) as session:
        firings = session.execute(select(RuleFiring)).scalars().all()
    assert any(f.trigger == "sentiment.computed" for f in firings)


def test_solving_a_conversation_publishes_conversation_solved(
    db, workspace, client, api_headers
) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        do_create_endpoint(
            session,
            url="https://93.184.216.34/hook",
            events=["conversation.solved"],
            policy=HostPolicy(),
        )
        # A rule on every change of a conversation (never matching), so that each event
        # published about it records a job (subscribers with nothing to do get none).
        session.add(
            Rule(
                name="watch conversations",
                triggers=["conversation.changed"],
                conditions=[{"field": "conversation.channel", "op": "eq", "value": "none"}],
                actions=[{"type": "tag", "tags": ["x"]}],
            )
        )
    _ingest(db, workspace.id, [_item(text="Where is my parcel?", conversation_id="chat-1")])
    drain_jobs(db, workspace.id)
    conv = client.get("/api/v1/conversations", headers=api_headers).json()["items"][0]
    r = client.patch(
        f"/api/v1/conversations/{conv['id']}", json={"status": "solved"}, headers=api_headers
    )
    assert r.status_code == 200, r.text
    events = [j.payload.get("event") for j in _jobs(db, workspace.id) if j.status == "queued"]
    assert "conversation.solved" in events and "conversation.changed" in events
    drain_jobs(db, workspace.id, kinds=["webhooks.fanout"])
    with db.reader(workspace.id) as session:
        hooks = session.execute(select(WebhookDelivery.event_type)).scalars().all()
    assert hooks == ["conversation.solved"]


def test_webhook_fan_out_replayed_records_each_delivery_once(db, workspace) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        do_create_endpoint(
            session, url="https://93.184.216.34/hook", events=["case.*"], policy=HostPolicy()
        )
        publish(session, "case.created", {"id": 1})
    with db.reader() as session:
        (job,) = (
            session.execute(
                select(Job).where(Job.workspace_id == workspace.id, Job.kind == "webhooks.fanout")
            )
            .scalars()
            .all()
        )
    from sada.jobs.service import run_job

    run_job(db, job)
    run_job(db, job)  # a crash after the deliveries committed: the job runs again
    with db.reader(workspace.id) as session:
        assert len(session.execute(select(WebhookDelivery)).scalars().all()) == 1


def test_webhook_subscriptions_use_catalogue_names(db, workspace, client, api_headers) -> None:  # type: ignore[no-untyped-def]
    url = "https://93.184.216.34/hook"
    bad = client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["case.exploded"]}, headers=api_headers
    )
    assert bad.status_code == 422 and "catalogue" in bad.text
    old = client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": ["alert.fired", "case.*"]},
        headers=api_headers,
    )
    assert old.status_code == 201, old.text
    assert old.json()["events"] == ["alert.raised", "case.*"]


def test_importing_survey_history_opens_no_case_and_sends_no_email(db, workspace) -> None:  # type: ignore[no-untyped-def]
    """A Qualtrics export with detractors (NPS 3): metrics get them, the loop does not."""
    from sada.automation.defaults import ensure_default_rules
    from sada.connectors.qualtrics import service as qualtrics

    with db.transaction(workspace.id) as session:
        ensure_default_rules(session)  # the detractor rule is there and enabled
    path = Path(__file__).resolve().parents[1] / "feedback" / "fixtures" / "qualtrics_nps.csv"
    summary = qualtrics.import_file(db, workspace.id, path)
    assert summary.imported >= 4
    ran = drain_jobs(db, workspace.id)
    assert "text.analyze" in ran
    assert not {"automation.response_received", "automation.ingested", "notify.email"} & set(ran)
    # No rule opted in to history: not even a job to look (the `wanted` predicate).
    assert "automation.history_rules" not in ran
    with db.reader(workspace.id) as session:
        rows = session.execute(select(Interaction)).scalars().all()
        assert rows and all(r.origin == "import" and r.backfill for r in rows)
        assert any(r.rating is not None and r.rating <= 6 for r in rows)
        assert not session.execute(select(Case)).first()
        assert not session.execute(select(RuleFiring)).first()


def test_a_rule_may_opt_in_to_history(db, workspace, client, api_headers) -> None:  # type: ignore[no-untyped-def]
    rule = {
        "name": "tag old complaints",
        "triggers": ["interaction.ingested"],
        "conditions": [{"field": "interaction.type", "op": "eq", "value": "complaint"}],
        "actions": [{"type": "tag", "tags": ["history"]}],
    }
    live_only = client.post("/api/v1/rules", json=rule, headers=api_headers).json()
    opted = client.post(
        "/api/v1/rules",
        json={**rule, "name": "history too", "include_history": True},
        headers=api_headers,
    ).json()
    assert opted["include_history"] is True and live_only["include_history"] is False
    old = (utcnow() - timedelta(days=90)).isoformat()
    _ingest(db, workspace.id, [_item(occurred_at=old, type="complaint", text="late again")])
    ran = drain_jobs(db, workspace.id)
    assert "automation.history_rules" in ran
    from sada.cases.models import Conversation

    with db.reader(workspace.id) as session:
        fired = {f.rule_id for f in session.execute(select(RuleFiring)).scalars()}
        assert not session.execute(select(Conversation)).first()  # history opens none
    assert fired == {opted["id"]}
