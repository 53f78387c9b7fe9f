"""Job handlers: email sending, and survey triggers on catalogued events.

- `feedback.send_invitation` {"invitation_id", "reminder"?}: send one email (mail.send_invitation).
- `feedback.match_triggers` (on interaction.ingested, conversation.*, case.*; live events only;
  recorded only when an active trigger follows the event, `any_trigger`): for every active
  trigger on that event whose conditions match, schedule `feedback.trigger_send` after the
  trigger's delay (dedupe key: trigger + subject, so replays schedule once).
- `feedback.trigger_send` {"trigger_id", "subject", "person_id", "hidden"}: request the survey
  for the person (`invitations.do_request_survey`): an invitation on a channel they can be
  reached on, or a recorded `unreachable` / `throttled` / `unsubscribed` entry with the reason;
  at most one per trigger and subject (one CSAT per solved conversation).
- `feedback.invite_segment` {"survey_id", "segment", "channel", "requested_by"}: a survey sent to
  a segment too large to send in the request, one page of members per transaction
  (`invitations.invite_segment_page`).
- `feedback.case_followup` (on `case.changed`, live events only): the follow-up survey after a
  case opened from a low score is resolved with the customer contacted, when the workspace
  sends them (`followup.do_request_case_followup`; once per case).

Trigger conditions on new interactions: {"type": "message"|[...], "channel", "touchpoint",
"audience", "language", "attributes": {"status": "closed"}}; on conversation and case events:
{"channel", "audience", "language", "priority", "tags"} — all given ones must match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.registry import Priority, handler
from sada.jobs.service import enqueue

TRIGGER_SEND = "feedback.trigger_send"


@handler("feedback.send_invitation", priority=Priority.FOLLOW_UP)
def send_invitation_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.feedback.invitations import send_on_channel
    from sada.feedback.mail import send_invitation
    from sada.feedback.models import Invitation
    from sada.settings import get_settings

    if workspace_id is None:
        return
    with db.reader(workspace_id) as session:
        row = session.get(Invitation, int(payload["invitation_id"]))
        channel = row.channel if row is not None else None
    if channel not in (None, "email", "link", "none"):
        if not int(payload.get("reminder", 0)):  # reminders go by email only
            send_on_channel(db, get_settings(), workspace_id, int(payload["invitation_id"]))
        return
    send_invitation(
        db,
        get_settings(),
        workspace_id,
        int(payload["invitation_id"]),
        reminder=int(payload.get("reminder", 0)),
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def matches(conditions: dict[str, Any], facts: dict[str, Any]) -> bool:
    for name in ("type", "channel", "touchpoint", "audience", "language", "priority"):
        if name in conditions and facts.get(name) not in _as_list(conditions[name]):
            return False
    if "tags" in conditions and not set(_as_list(conditions["tags"])) & set(
        facts.get("tags") or []
    ):
        return False
    wanted = conditions.get("attributes") or {}
    attributes = facts.get("attributes") or {}
    return all(attributes.get(k) in _as_list(v) for k, v in wanted.items())


@dataclass
class _Subject:
    key: str  # "interaction:5", "conversation:7", "case:3"
    person_id: int
    at: datetime
    facts: dict[str, Any]
    hidden: dict[str, str]


def _interaction_subjects(session: Session, ids: list[int]) -> list[_Subject]:
    from sada.interactions.models import Interaction, Touchpoint
    from sada.people.models import Person

    touchpoints = {i: k for i, k in session.execute(select(Touchpoint.id, Touchpoint.key))}
    out = []
    for inter in session.execute(select(Interaction).where(Interaction.id.in_(ids))).scalars():
        if inter.type == "survey_response" or inter.person_id is None:
            continue
        if inter.origin != "customer" or inter.backfill:
            continue
        person = session.get(Person, inter.person_id)
        touchpoint = touchpoints.get(inter.touchpoint_id) if inter.touchpoint_id else None
        out.append(
            _Subject(
                key=f"interaction:{inter.id}",
                person_id=inter.person_id,
                at=inter.occurred_at,
                facts={
                    "type": inter.type,
                    "channel": inter.channel,
                    "touchpoint": touchpoint,
                    "audience": person.audience if person else None,
                    "language": (inter.language or (person.language if person else None)),
                    "attributes": inter.attributes or {},
                },
                hidden={
                    k: str(v)
                    for k, v in {
                        "touchpoint": touchpoint,
                        "channel": inter.channel,
                        "agent": (inter.attributes or {}).get("agent"),
                        "conversation_id": inter.conversation_id,
                    }.items()
                    if v
                },
            )
        )
    return out


def _event_subject(session: Session, payload: dict[str, Any]) -> _Subject | None:
    """A conversation or case event: the person it is about, and what a trigger can test."""
    from sada.people.models import Person

    person_id = payload.get("person_id")
    if not person_id:
        return None
    kind = str(payload["event"]).split(".")[0]
    person = session.get(Person, int(person_id))
    facts = {
        "channel": payload.get("channel"),
        "audience": person.audience if person else None,
        "language": payload.get("language") or (person.language if person else None),
        "priority": payload.get("priority"),
        "tags": payload.get("tags") or [],
    }
    hidden = {
        k: str(v)
        for k, v in {
            f"{kind}_id": payload.get("id"),
            "channel": payload.get("channel"),
            "agent_id": payload.get("assignee_id") or payload.get("owner_id"),
        }.items()
        if v
    }
    return _Subject(f"{kind}:{payload.get('id')}", int(person_id), utcnow(), facts, hidden)


def any_trigger(session: Session, event: str) -> bool:
    """Whether an active survey trigger of the session's workspace follows `event`: the
    `wanted` predicate of `feedback.match_triggers` (no trigger, no job). One probe of
    `ix_survey_triggers_ws_event`."""
    from sada.feedback.models import SurveyTrigger

    return (
        session.execute(
            select(SurveyTrigger.id)
            .where(SurveyTrigger.event == event, SurveyTrigger.active.is_(True))
            .limit(1)
        ).first()
        is not None
    )


@handler(
    "feedback.match_triggers",
    on=("interaction.ingested", "conversation.*", "case.*"),
    priority=Priority.FOLLOW_UP,
    wanted=lambda session, event, live: any_trigger(session, event),
)
def match_triggers(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.feedback.models import SurveyTrigger

    if workspace_id is None:
        return
    event = str(payload.get("event") or "interaction.ingested")
    with db.transaction(workspace_id) as session:
        triggers = list(
            session.execute(
                select(SurveyTrigger).where(
                    SurveyTrigger.active.is_(True), SurveyTrigger.event == event
                )
            ).scalars()
        )
        if not triggers:
            return
        if event == "interaction.ingested":
            ids = [int(i) for i in payload.get("interaction_ids", [])]
            subjects = _interaction_subjects(session, ids) if ids else []
        else:
            subject = _event_subject(session, payload)
            subjects = [subject] if subject is not None else []
        for subject in subjects:
            for trigger in triggers:
                if not matches(trigger.conditions or {}, subject.facts):
                    continue
                enqueue(
                    session,
                    TRIGGER_SEND,
                    {
                        "trigger_id": trigger.id,
                        "subject": subject.key,
                        "person_id": subject.person_id,
                        "hidden": subject.hidden,
                    },
                    workspace_id=workspace_id,
                    run_at=max(utcnow(), subject.at + timedelta(seconds=trigger.delay_seconds)),
                    dedupe_key=f"{TRIGGER_SEND}:{workspace_id}:{trigger.id}:{subject.key}",
                )


@handler(TRIGGER_SEND, priority=Priority.FOLLOW_UP)
def trigger_send(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.core.errors import NotFound
    from sada.feedback import invitations, service
    from sada.feedback.models import SurveyTrigger
    from sada.settings import get_settings

    if workspace_id is None:
        return
    settings = get_settings()
    subject = payload.get("subject") or f"interaction:{payload.get('interaction_id')}"
    with db.transaction(workspace_id) as session:
        trigger = session.get(SurveyTrigger, int(payload["trigger_id"]))
        if trigger is None or not trigger.active:
            return
        try:
            survey = service.access_survey(session, trigger.survey_id)
        except NotFound:
            return
        invitations.do_request_survey(
            session,
            survey,
            int(payload["person_id"]),
            secret=settings.secret_key,
            requested_by=f"trigger:{trigger.id}",
            dedupe_key=f"trigger:{trigger.id}:{subject}",
            hidden={k: str(v) for k, v in (payload.get("hidden") or {}).items()},
            contact_days_default=settings.survey_contact_days,
        )


@handler("feedback.invite_segment", priority=Priority.FOLLOW_UP)
def invite_segment(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Send a survey to a large segment: one keyset page of members per transaction, so a
    retried job goes on where it stopped (members already invited are skipped)."""
    from sada.core.errors import NotFound
    from sada.feedback import invitations, service
    from sada.settings import get_settings

    if workspace_id is None:
        return
    settings = get_settings()
    out = invitations.SegmentSend(segment=str(payload["segment"]))
    after: int | None = None
    while True:
        with db.transaction(workspace_id) as session:
            try:
                survey = service.access_survey(session, int(payload["survey_id"]))
                if survey.status != "active":
                    return
                after = invitations.invite_segment_page(
                    session,
                    survey,
                    out.segment,
                    out,
                    channel=str(payload.get("channel") or "email"),
                    secret=settings.secret_key,
                    requested_by=str(payload.get("requested_by") or "segment")[:100],
                    after=after,
                    contact_days_default=settings.survey_contact_days,
                )
            except NotFound:  # the survey or the segment is gone: nothing left to send
                return
        if after is None:
            return


@handler("feedback.case_followup", on=("case.changed",), priority=Priority.FOLLOW_UP)
def case_followup(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.feedback import followup
    from sada.settings import get_settings

    if workspace_id is None or not payload.get("loop_closed") or not payload.get("person_id"):
        return
    settings = get_settings()
    with db.transaction(workspace_id) as session:
        followup.do_request_case_followup(
            session,
            payload,
            secret=settings.secret_key,
            contact_days_default=settings.survey_contact_days,
        )
