"""Subscribers with nothing to do get no job (`handler(..., wanted=...)`).

The 2026-11-30 soaks: every live event queued `webhooks.fanout`, `segments.update` and
`feedback.match_triggers` even in a workspace with no webhook, segment or survey trigger, each
a claim and two writes that did nothing. The predicate is asked in the publishing transaction
and reads the database every time, so what another node created counts from its commit on.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from sada.automation import webhooks
from sada.automation.models import Rule
from sada.core.ssrf import HostPolicy
from sada.db.engine import Database, open_database
from sada.events import publish
from sada.feedback import service as feedback
from sada.feedback.models import SurveyTrigger
from sada.jobs.models import Job
from sada.jobs.registry import handler
from sada.people import membership
from tests.feedback.factories import csat_survey

LOOPBACK = HostPolicy.from_setting("127.0.0.1/32")
SKIPPED = ("webhooks.fanout", "segments.update", "feedback.match_triggers")


def _publish(db: Database, ws: int, event: str, live: bool = True, **data: object) -> Counter[str]:
    """Publish one event; the kinds of the jobs it recorded."""
    marker = uuid.uuid4().hex
    with db.transaction(ws) as session:
        publish(session, event, {"marker": marker, **data}, live=live)
    with db.reader() as session:
        rows = session.execute(select(Job.kind, Job.payload).where(Job.workspace_id == ws)).all()
    return Counter(kind for kind, payload in rows if payload.get("marker") == marker)


def _ingested(db: Database, ws: int) -> Counter[str]:
    return _publish(db, ws, "interaction.ingested", interaction_ids=[uuid.uuid4().int % 10**9])


def test_no_job_for_subscribers_with_nothing_to_do(db, workspace):  # type: ignore[no-untyped-def]
    jobs = _ingested(db, workspace.id)
    assert not any(jobs[kind] for kind in SKIPPED), jobs
    # Work that is always there is still queued.
    assert jobs["text.analyze"] == 1 and jobs["automation.ingested"] == 1
    # No rule follows conversations or sentiment in a workspace without rules.
    assert _publish(db, workspace.id, "conversation.created", id=1) == Counter()
    assert _publish(db, workspace.id, "text.analyzed", interaction_ids=[1]) == Counter()


def test_a_webhook_listening_gets_its_fanout_job(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        endpoint = webhooks.do_create_endpoint(
            session, url="http://127.0.0.1:9/hook", events=["interaction.*"], policy=LOOPBACK
        )
        endpoint_id = endpoint.id
    assert _ingested(db, workspace.id)["webhooks.fanout"] == 1
    # An event the endpoint does not subscribe to records nothing for it.
    assert _publish(db, workspace.id, "conversation.created", id=1)["webhooks.fanout"] == 0
    with db.transaction(workspace.id) as session:
        webhooks.do_set_enabled(session, endpoint_id, False)
    assert _ingested(db, workspace.id)["webhooks.fanout"] == 0


def test_a_segment_gets_its_update_jobs_history_included(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        membership.save_segment(
            session,
            key="vip",
            names={"en": "VIP"},
            definition={
                "all": [{"type": "trait", "field": "traits.plan", "op": "eq", "value": "x"}]
            },
            create=True,
        )
    assert _ingested(db, workspace.id)["segments.update"] == 1
    history = _publish(db, workspace.id, "interaction.ingested", live=False, interaction_ids=[1])
    assert history["segments.update"] == 1


def test_an_active_trigger_on_the_event_gets_its_match_job(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        survey = feedback.do_create_survey(session, csat_survey())
        session.add(SurveyTrigger(survey_id=survey.id, event="conversation.solved"))
        session.add(SurveyTrigger(survey_id=survey.id, event="interaction.ingested", active=False))
    # Only the event an active trigger follows.
    assert _ingested(db, workspace.id)["feedback.match_triggers"] == 0
    assert _publish(db, workspace.id, "conversation.solved", id=1)["feedback.match_triggers"] == 1
    with db.transaction(workspace.id) as session:
        for trigger in session.execute(select(SurveyTrigger)).scalars():
            trigger.active = True
    assert _ingested(db, workspace.id)["feedback.match_triggers"] == 1


def test_rule_jobs_follow_the_rules_in_force(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        session.add(
            Rule(
                name="on conversations",
                triggers=["conversation.changed"],
                conditions=[],
                actions=[{"type": "tag", "tags": ["x"]}],
            )
        )
        session.add(
            Rule(
                name="on sentiment",
                triggers=["sentiment.computed"],
                conditions=[],
                actions=[{"type": "tag", "tags": ["x"]}],
            )
        )
    assert _publish(db, workspace.id, "conversation.created", id=1)["automation.evaluate"] == 1
    # An agent's reply is not a change of the conversation: the handler ignores it.
    assert _publish(db, workspace.id, "conversation.replied", id=1)["automation.evaluate"] == 0
    assert _publish(db, workspace.id, "case.created", id=1)["automation.evaluate"] == 0
    analyzed = _publish(db, workspace.id, "text.analyzed", interaction_ids=[1])
    assert analyzed["automation.text_analyzed"] == 1
    # History reaches only the rules that opted in.
    history = _publish(db, workspace.id, "text.analyzed", live=False, interaction_ids=[1])
    assert history["automation.history_rules"] == 0
    with db.transaction(workspace.id) as session:
        for rule in session.execute(select(Rule)).scalars():
            rule.include_history = True
    history = _publish(db, workspace.id, "text.analyzed", live=False, interaction_ids=[1])
    assert history["automation.history_rules"] == 1


def test_what_another_node_creates_counts_from_its_commit(db, workspace):  # type: ignore[no-untyped-def]
    """No per-process cache: a second connection pool (another node) adds a webhook; this
    one's next event records the fan-out."""
    assert _ingested(db, workspace.id)["webhooks.fanout"] == 0
    other = open_database(db.url)
    try:
        with other.transaction(workspace.id) as session:
            webhooks.do_create_endpoint(
                session, url="http://127.0.0.1:9/hook", events=["*"], policy=LOOPBACK
            )
    finally:
        other.dispose()
    assert _ingested(db, workspace.id)["webhooks.fanout"] == 1


def test_a_predicate_needs_events() -> None:
    with pytest.raises(ValueError, match="follows no event"):
        handler(f"test.wanted.{uuid.uuid4().hex}", wanted=lambda s, e, live: True)
