"""Conversations (the shared inbox): a conversation's shape, and what agents do to one.

- `conversation_out(conv) -> ConversationOut`, `conversation_payload(conv)` (its event payload)
- `access_conversation(session, conversation_id) -> Conversation` (NotFound for other
  workspaces' ids)
- `log_event(session, conv, kind, label, **details)` (its history: a `CaseEvent`)
- agent actions: `do_set_status`, `do_update` (status, snooze, priority, tags), `do_snooze` /
  `wake_snoozed`, `do_assign`; `publish_changed` publishes a change and the events of its
  status move (`status_events(previous, status)`)

How messages join a conversation is in `sada.cases.threads`; replying in
`sada.cases.replies`; the inbox's views and filters in `sada.cases.inbox_views`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases import assignment, sla
from sada.cases.models import CONVERSATION_STATUSES, PRIORITIES, CaseEvent, Conversation
from sada.cases.schemas import ConversationOut
from sada.core.errors import Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.jobs.service import enqueue
from sada.notifications import service as notifications

WAKE_JOB = "inbox.wake_snoozed"


def conversation_out(conv: Conversation) -> ConversationOut:
    return ConversationOut(
        id=conv.id,
        thread_key=conv.thread_key,
        person_id=conv.person_id,
        channel=conv.channel,
        subject=conv.subject,
        language=conv.language,
        status=conv.status,
        priority=conv.priority,
        tags=list(conv.tags or []),
        assignee_id=conv.assignee_id,
        team_id=conv.team_id,
        opened_at=conv.opened_at,
        last_message_at=conv.last_message_at,
        first_response_at=conv.first_response_at,
        solved_at=conv.solved_at,
        closed_at=conv.closed_at,
        reopen_count=conv.reopen_count,
        sla_policy_id=conv.sla_policy_id,
        first_response_due_at=conv.first_response_due_at,
        resolution_due_at=conv.resolution_due_at,
        paused=conv.paused_at is not None,
        snoozed_until=conv.snoozed_until,
    )


def conversation_payload(conv: Conversation) -> dict[str, Any]:
    return conversation_out(conv).model_dump(mode="json")


def log_event(session: Session, conv: Conversation, kind: str, label: str, **details: Any) -> None:
    session.add(
        CaseEvent(
            workspace_id=bound_workspace(session),
            conversation_id=conv.id,
            at=utcnow(),
            actor_label=label,
            kind=kind,
            details=details,
        )
    )


def access_conversation(session: Session, conversation_id: int) -> Conversation:
    conv = session.execute(
        select(Conversation).where(Conversation.id == conversation_id)
    ).scalar_one_or_none()
    if conv is None:
        raise NotFound(f"no conversation {conversation_id}")
    return conv


def do_set_status(session: Session, conv: Conversation, status: str, *, label: str = "api") -> bool:
    if status not in CONVERSATION_STATUSES:
        raise Invalid(f"status must be one of {', '.join(CONVERSATION_STATUSES)}")
    if status == conv.status:
        return False
    now = utcnow()
    previous = conv.status
    if previous == "pending":
        sla.resume(session, conv, now)
    if status == "pending":
        sla.pause(conv, now)
    if status in ("solved", "closed") and conv.solved_at is None:
        conv.solved_at = now
    if status == "closed":
        conv.closed_at = now
    if status == "open" and previous in ("solved", "closed"):
        conv.reopen_count += 1
        conv.solved_at = None
        conv.closed_at = None
    conv.snoozed_until = None
    conv.status = status
    conv.updated_at = now
    log_event(session, conv, "status", label, **{"from": previous, "to": status})
    return True


def do_update(
    session: Session,
    conversation_id: int,
    changes: dict[str, Any],
    *,
    label: str = "api",
    depth: int = 0,
    chain: tuple[int, ...] = (),
) -> Conversation:
    conv = access_conversation(session, conversation_id)
    changed = False
    previous_status = conv.status
    if changes.get("status"):
        changed |= do_set_status(session, conv, changes["status"], label=label)
    if changes.get("snooze_until") is not None:
        changed |= do_snooze(session, conv, changes["snooze_until"], label=label)
    if changes.get("priority") and changes["priority"] != conv.priority:
        if changes["priority"] not in PRIORITIES:
            raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
        conv.priority = changes["priority"]
        if conv.first_response_at is None or conv.solved_at is None:
            sla.apply_to_conversation(session, conv)
        changed = True
    tags = set(conv.tags or [])
    if changes.get("tags") is not None:
        tags = {t.strip()[:60] for t in changes["tags"] if t.strip()}
    if changes.get("add_tags"):
        tags |= {t.strip()[:60] for t in changes["add_tags"] if t.strip()}
    if sorted(tags) != sorted(conv.tags or []):
        conv.tags = sorted(tags)
        changed = True
    if changed:
        conv.updated_at = utcnow()
        publish_changed(session, conv, previous_status, depth=depth, chain=chain)
    return conv


def do_snooze(session: Session, conv: Conversation, until: datetime, *, label: str = "api") -> bool:
    """Pending until `until`; a job puts it back in the open queue then (or the customer does)."""
    now = utcnow()
    if until.tzinfo is None:
        raise Invalid("give the snooze time with its time zone")
    until = until.astimezone(UTC)
    if until <= now:
        raise Invalid("the snooze time must be in the future")
    if until > now + timedelta(days=366):
        raise Invalid("snooze for a year at most")
    if conv.status in ("solved", "closed"):
        raise Invalid("only an open or pending conversation can be snoozed")
    if conv.status != "pending":
        do_set_status(session, conv, "pending", label=label)
    conv.snoozed_until = until
    conv.updated_at = now
    log_event(session, conv, "snoozed", label, until=until.isoformat())
    session.flush()
    enqueue(
        session,
        WAKE_JOB,
        {"conversation_id": conv.id, "until": until.isoformat()},
        workspace_id=bound_workspace(session),
        run_at=until,
        dedupe_key=f"{WAKE_JOB}:{bound_workspace(session)}:{conv.id}:{until.isoformat()}",
    )
    return True


def wake_snoozed(session: Session, conversation_id: int, until: str) -> bool:
    """The snooze time came: back to open (unless someone moved it meanwhile)."""
    conv = session.execute(
        select(Conversation).where(Conversation.id == conversation_id)
    ).scalar_one_or_none()
    if conv is None or conv.snoozed_until is None or conv.status != "pending":
        return False
    if conv.snoozed_until.isoformat() != until:
        return False
    do_set_status(session, conv, "open", label="snooze")
    session.flush()
    publish(session, "conversation.changed", conversation_payload(conv))
    return True


def publish_changed(
    session: Session,
    conv: Conversation,
    previous_status: str,
    *,
    depth: int = 0,
    chain: tuple[int, ...] = (),
) -> None:
    """Flush, then publish `conversation.changed` and the events of its status move."""
    session.flush()
    payload = conversation_payload(conv)
    for event in ["conversation.changed", *status_events(previous_status, conv.status)]:
        publish(session, event, payload, depth=depth, chain=chain)


def status_events(previous: str, status: str) -> list[str]:
    """The catalogue events a status move publishes besides `conversation.changed`."""
    if status == previous:
        return []
    if status == "solved":
        return ["conversation.solved"]
    if status == "open" and previous in ("solved", "closed"):
        return ["conversation.reopened"]
    return []


def do_assign(
    session: Session,
    conversation_id: int,
    *,
    user_id: int | None = None,
    team_id: int | None = None,
    strategy: str | None = None,
    label: str = "api",
    depth: int = 0,
    chain: tuple[int, ...] = (),
    actor_id: int | None = None,
) -> Conversation:
    """Assign to a user, or let the team's strategy (or the given one) pick an agent."""
    conv = access_conversation(session, conversation_id)
    before = conv.assignee_id
    if team_id is not None:
        assignment.access_team(session, team_id)
        conv.team_id = team_id
    if user_id is not None:
        assignment.check_member_user(session, user_id)
        conv.assignee_id = user_id
    elif strategy == "manual":
        conv.assignee_id = None
    elif conv.team_id is not None:
        conv.assignee_id = assignment.pick_assignee(session, conv.team_id, strategy)
    else:
        raise Invalid("give a user_id, or a team_id whose strategy picks an agent")
    conv.updated_at = utcnow()
    log_event(session, conv, "assigned", label, user_id=conv.assignee_id, team_id=conv.team_id)
    session.flush()
    publish(session, "conversation.assigned", conversation_payload(conv), depth=depth, chain=chain)
    if conv.assignee_id != before:
        notifications.assigned(
            session, conv.assignee_id, actor=label, conversation_id=conv.id, actor_id=actor_id
        )
    return conv
