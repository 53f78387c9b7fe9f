"""Conversations (the shared inbox): threading, status, assignment, replies, notes.

Interactions join a conversation by their thread: the interaction's
`conversation_id` for chat and social channels, and for email the
`Message-ID` / `In-Reply-To` / `References` headers kept in its attributes, so
a reply lands in the thread it answers even from another address or client.
"""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import make_msgid
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select, type_coerce
from sqlalchemy import case as when
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from sada.cases import assignment, sla
from sada.cases import attachments as files_store
from sada.cases.models import (
    CONVERSATION_STATUSES,
    PRIORITIES,
    Case,
    CaseEvent,
    Conversation,
    ConversationItem,
    NoteMention,
    TeamMember,
)
from sada.cases.schemas import ConversationOut
from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.domains import reply_path_functions
from sada.events import publish
from sada.interactions.models import Interaction
from sada.jobs.service import enqueue
from sada.notifications import service as notifications
from sada.people.models import Person

SEND_REPLY_JOB = "inbox.send_reply"
WAKE_JOB = "inbox.wake_snoozed"
NOT_CONVERSATIONAL = frozenset(
    {"survey_response", "page_view", "purchase", "order", "signup", "event", "note", "visit"}
)
REPLY_SOURCE = "sada.inbox"


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


def _payload(conv: Conversation) -> dict[str, Any]:
    return conversation_out(conv).model_dump(mode="json")


def _log(session: Session, conv: Conversation, kind: str, label: str, **details: Any) -> None:
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


def _email_ids(attributes: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(own Message-ID, the ids it answers: In-Reply-To first, then References newest first)."""
    own = attributes.get("message_id")
    parents: list[str] = []
    reply_to = attributes.get("in_reply_to")
    if isinstance(reply_to, str) and reply_to:
        parents.append(reply_to)
    refs = attributes.get("references") or []
    if isinstance(refs, str):
        refs = refs.split()
    parents.extend(r for r in reversed(refs) if isinstance(r, str) and r not in parents)
    return (own if isinstance(own, str) and own else None), parents


def _is_conversational(row: Interaction) -> bool:
    if row.origin == "system" or row.type in NOT_CONVERSATIONAL:
        return False
    if row.conversation_id:
        return True
    return row.channel == "email" and bool((row.attributes or {}).get("message_id"))


def _latest_with_key(session: Session, key: str) -> Conversation | None:
    return session.execute(
        select(Conversation)
        .where(or_(Conversation.thread_key == key, Conversation.thread_key.startswith(key + "#")))
        .order_by(Conversation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _find_thread(session: Session, row: Interaction) -> tuple[Conversation | None, str]:
    attributes = row.attributes or {}
    if row.channel == "email":
        _own, parents = _email_ids(attributes)
        if parents:
            hit = session.execute(
                select(ConversationItem.conversation_id)
                .where(ConversationItem.message_id.in_(parents[:50]))
                .order_by(ConversationItem.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if hit is not None:
                conv = session.get(Conversation, hit)
                if conv is not None:
                    return conv, conv.thread_key
            if row.conversation_id is None:
                # Answer to a message Sada never saw: thread on the oldest known reference.
                key = f"email:{parents[-1]}"
                return _latest_with_key(session, key), key
    if row.conversation_id:
        key = f"{row.channel}:{row.conversation_id}"
    else:
        own, _parents = _email_ids(attributes)
        key = f"email:{own}"
    return _latest_with_key(session, key), key


def attach_interactions(session: Session, interaction_ids: list[int]) -> list[Conversation]:
    """Thread new interactions into conversations (idempotent); return the ones created."""
    if not interaction_ids:
        return []
    done = set(
        session.execute(
            select(ConversationItem.interaction_id).where(
                ConversationItem.interaction_id.in_(interaction_ids)
            )
        ).scalars()
    )
    rows = [
        r
        for r in session.execute(
            select(Interaction)
            .where(Interaction.id.in_(interaction_ids))
            .order_by(Interaction.occurred_at, Interaction.id)
        ).scalars()
        if r.id not in done and _is_conversational(r)
    ]
    created: list[Conversation] = []
    changed: dict[int, Conversation] = {}
    reopened: set[int] = set()
    for row in rows:
        conv, key = _find_thread(session, row)
        if conv is not None and conv.status == "closed" and row.direction == "inbound":
            # A closed conversation stays closed; the customer's new message starts a follow-up.
            key = f"{key.split('#', 1)[0]}#{row.id}"
            conv = None
        if conv is None:
            conv = _open_conversation(session, row, key)
            created.append(conv)
        else:
            if _apply_message(session, conv, row):
                reopened.add(conv.id)
            changed[conv.id] = conv
        own, _ = _email_ids(row.attributes or {})
        session.add(
            ConversationItem(
                workspace_id=bound_workspace(session),
                conversation_id=conv.id,
                interaction_id=row.id,
                message_id=own,
                direction=row.direction,
                at=row.occurred_at,
            )
        )
        session.flush()
    for conv in created:
        publish(session, "conversation.created", _payload(conv))
    for conv in changed.values():
        if conv not in created:
            publish(session, "conversation.changed", _payload(conv))
            if conv.id in reopened:
                publish(session, "conversation.reopened", _payload(conv))
    return created


def _open_conversation(session: Session, row: Interaction, key: str) -> Conversation:
    attributes = row.attributes or {}
    conv = Conversation(
        workspace_id=bound_workspace(session),
        thread_key=key[:400],
        person_id=row.person_id,
        channel=row.channel,
        subject=row.subject,
        language=row.language,
        status="open" if row.direction == "inbound" else "pending",
        priority="normal",
        tags=[],
        opened_at=row.occurred_at,
        last_message_at=row.occurred_at,
        first_response_at=row.occurred_at if row.direction == "outbound" else None,
        updated_at=utcnow(),
    )
    session.add(conv)
    session.flush()
    if row.direction == "inbound":
        sla.apply_to_conversation(session, conv)
        team = assignment.route_team(
            session,
            channel=row.channel,
            language=row.language,
            preferred=attributes.get("mailbox_team_id"),
        )
        if team is not None:
            conv.assignee_id = assignment.pick_assignee(session, team.id)
            conv.team_id = team.id
            if conv.assignee_id is not None:
                _log(session, conv, "assigned", "routing", user_id=conv.assignee_id)
    _log(session, conv, "created", "ingest", interaction_id=row.id)
    return conv


def _apply_message(session: Session, conv: Conversation, row: Interaction) -> bool:
    """Apply a new message to its conversation; True when it reopened a solved one."""
    at = row.occurred_at
    reopened = False
    conv.last_message_at = max(conv.last_message_at, at)
    conv.updated_at = utcnow()
    if row.direction == "outbound":
        if conv.first_response_at is None and at >= conv.opened_at:
            conv.first_response_at = at
        return False
    if conv.status in ("pending", "solved"):
        if conv.status == "solved":
            conv.reopen_count += 1
            conv.solved_at = None
            _log(session, conv, "reopened", "customer", interaction_id=row.id)
            reopened = True
        conv.status = "open"
        sla.resume(session, conv, at)
    return reopened


# ---------------------------------------------------------------- agent actions


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
    _log(session, conv, "status", label, **{"from": previous, "to": status})
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
        session.flush()
        payload = _payload(conv)
        for event in ["conversation.changed", *status_events(previous_status, conv.status)]:
            publish(session, event, payload, depth=depth, chain=chain)
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
    _log(session, conv, "snoozed", label, until=until.isoformat())
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
    publish(session, "conversation.changed", _payload(conv))
    return True


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
    _log(session, conv, "assigned", label, user_id=conv.assignee_id, team_id=conv.team_id)
    session.flush()
    publish(session, "conversation.assigned", _payload(conv), depth=depth, chain=chain)
    if conv.assignee_id != before:
        notifications.assigned(
            session, conv.assignee_id, actor=label, conversation_id=conv.id, actor_id=actor_id
        )
    return conv


def _person_ref(session: Session, person_id: int | None) -> dict[str, Any] | None:
    if person_id is None:
        return None
    from sada.people.service import identities_of

    ref: dict[str, Any] = {}
    for ident in identities_of(session, [person_id]).get(person_id, []):
        if ident.kind == "email":
            ref.setdefault("email", ident.value)
        elif ident.kind == "phone":
            ref.setdefault("phone", ident.value)
        elif ident.kind == "external_id":
            ref.setdefault("external_ids", {})[ident.namespace] = ident.value
        elif ident.kind == "handle":
            ref.setdefault("handles", {})[ident.namespace] = ident.value
        elif ident.kind == "anonymous_id":
            ref.setdefault("anonymous_id", ident.value)
    return ref or None


def person_ref(session: Session, person_id: int | None) -> dict[str, Any] | None:
    """Identities of a person in the ingest API's shape (to write to their timeline)."""
    return _person_ref(session, person_id)


def do_reply(
    session: Session,
    conversation_id: int,
    text: str,
    *,
    agent_email: str | None = None,
    status: str | None = None,
    label: str = "api",
    files: list[files_store.Incoming] | None = None,
    limits: files_store.Limits | None = None,
) -> ConversationItem:
    """Record the reply as an outbound interaction and queue its sending (after commit).

    `files` go out as MIME attachments of the email; other channels refuse them (Conflict)
    rather than drop them, and a file over `limits` refuses the whole reply (Invalid)."""
    from sada.interactions.service import ingest_batch

    conv = access_conversation(session, conversation_id)
    if conv.status == "closed":
        raise Invalid("this conversation is closed; the customer's next message opens a new one")
    if files and conv.channel != "email":
        raise Conflict(
            f"attachments cannot be sent in the {conv.channel} channel from Sada (only by "
            "email): nothing was sent"
        )
    if files:
        refused = [o for o in files_store.judge(files, limits or files_store.Limits()) if o.reason]
        if refused:
            raise Invalid(f"{refused[0].filename}: {refused[0].describe()}; nothing was sent")
    ref = _person_ref(session, conv.person_id)
    if ref is None:
        raise Invalid("this conversation has no known person to reply to")
    if conv.channel == "email" and not ref.get("email"):
        raise Conflict("this customer has no email address: the reply cannot be sent")
    if not can_reply(session, conv):
        raise Conflict(
            reply_refusal(session, conv)
            or f"replies in the {conv.channel} channel cannot be sent from Sada: no connector "
            "delivers them (connect the channel, or answer the customer there)"
        )
    now = utcnow()
    message_id = make_msgid(domain="sada.local") if conv.channel == "email" else None
    last_inbound = session.execute(
        select(ConversationItem.message_id)
        .where(
            ConversationItem.conversation_id == conv.id,
            ConversationItem.direction == "inbound",
            ConversationItem.message_id.is_not(None),
        )
        .order_by(ConversationItem.at.desc(), ConversationItem.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    thread_id = (
        conv.thread_key.split(":", 1)[1].split("#", 1)[0] if ":" in conv.thread_key else None
    )
    item: dict[str, Any] = {
        "source": REPLY_SOURCE,
        "external_id": f"reply-{uuid.uuid4().hex}",
        "occurred_at": now.isoformat(),
        "channel": conv.channel,
        "type": "message",
        "direction": "outbound",
        "text": text,
        "subject": ("Re: " + conv.subject)[:1000] if conv.subject else None,
        "language": conv.language,
        "attributes": {
            "sada_conversation_id": conv.id,
            **({"message_id": message_id} if message_id else {}),
            **({"in_reply_to": last_inbound} if last_inbound else {}),
        },
        "person": ref,
    }
    if conv.channel != "email" and thread_id:
        item["conversation_id"] = thread_id[:200]
    if agent_email:
        item["agent"] = agent_email
    item["origin"] = "agent"
    results = ingest_batch(session, [item])
    if results[0].status != "stored" or results[0].id is None:
        raise Invalid(f"reply not stored: {[e.message for e in results[0].errors]}")
    if files:
        files_store.store(session, results[0].id, files, limits or files_store.Limits())
    row = ConversationItem(
        workspace_id=bound_workspace(session),
        conversation_id=conv.id,
        interaction_id=results[0].id,
        message_id=message_id,
        direction="outbound",
        at=now,
        delivery_status="queued",
    )
    session.add(row)
    conv.last_message_at = now
    if conv.first_response_at is None:
        conv.first_response_at = now
    # Replying counts as contacting the customer for the cases on this conversation.
    for case in session.execute(
        select(Case).where(Case.conversation_id == conv.id, Case.contacted_at.is_(None))
    ).scalars():
        case.contacted_at = now
        case.contact_channel = conv.channel
    previous_status = conv.status
    if status and do_set_status(session, conv, status, label=label):
        session.flush()
        payload = _payload(conv)
        for event in ["conversation.changed", *status_events(previous_status, conv.status)]:
            publish(session, event, payload)
    _log(session, conv, "reply", label, interaction_id=results[0].id)
    session.flush()
    enqueue(
        session,
        SEND_REPLY_JOB,
        {"item_id": row.id},
        workspace_id=bound_workspace(session),
        dedupe_key=f"reply:{bound_workspace(session)}:{row.id}",
    )
    return row


def can_reply(session: Session, conv: Conversation) -> bool:
    """Whether a reply in this conversation reaches the customer: email over SMTP, or a
    domain that delivers it (the web chat, a connector's webhook; `reply_paths` in the
    manifest)."""
    if conv.channel == "email":
        return True
    for target in reply_path_functions():
        module_name, _, function = target.partition(":")
        check = getattr(importlib.import_module(module_name), function)
        if check(session, conv.id, conv.channel):
            return True
    return False


def reply_refusal(session: Session, conv: Conversation) -> str | None:
    """Why no reply can be sent here, when a reply-path domain says (`reply_refusal` beside its
    `delivers_replies`: a review site, a feed, a missing token); None when none does."""
    for target in reply_path_functions():
        module_name, _, _function = target.partition(":")
        explain = getattr(importlib.import_module(module_name), "reply_refusal", None)
        reason = explain(session, conv.id, conv.channel) if explain is not None else None
        if reason:
            return str(reason)
    return None


def send_reply(session: Session, item_id: int, settings: Any) -> str:
    """Send a queued reply by email, or hand it to outbound webhooks for other channels."""
    from sada.automation.notify import send_mail

    row = session.execute(
        select(ConversationItem).where(ConversationItem.id == item_id)
    ).scalar_one_or_none()
    if row is None or row.delivery_status != "queued":
        return "skipped"
    conv = access_conversation(session, row.conversation_id)
    interaction = session.get(Interaction, row.interaction_id)
    assert interaction is not None
    ref = _person_ref(session, conv.person_id) or {}
    if conv.channel == "email":
        to = ref.get("email")
        if not to:
            row.delivery_status = "failed"
            return "failed"
        refs = [
            m
            for m in session.execute(
                select(ConversationItem.message_id)
                .where(
                    ConversationItem.conversation_id == conv.id,
                    ConversationItem.message_id.is_not(None),
                    ConversationItem.id != row.id,
                )
                .order_by(ConversationItem.at, ConversationItem.id)
            ).scalars()
            if m
        ]
        headers = {"References": " ".join(refs[-20:])} if refs else {}
        if refs:
            headers["In-Reply-To"] = (interaction.attributes or {}).get("in_reply_to") or refs[-1]
        send_mail(
            settings,
            [to],
            interaction.subject or conv.subject or "",
            interaction.text or "",
            headers=headers,
            message_id=row.message_id,
            attachments=files_store.files_for_mail(session, interaction.id),
        )
        row.delivery_status = "sent"
    else:
        row.delivery_status = "handed_off"
    publish(
        session,
        "conversation.replied",
        {
            "conversation": _payload(conv),
            "interaction_id": interaction.id,
            "channel": conv.channel,
            "text": interaction.text,
            "person": ref,
        },
    )
    return row.delivery_status


# ---------------------------------------------------------------- reads


VIEWS = ("mine", "unassigned", "team", "all", "mentions")
SORTS = ("last_activity", "sla_due")
SLA_STATES = ("due_soon", "breached")
DUE_SOON = timedelta(hours=1)


@dataclass
class InboxFilter:
    """What the inbox page and `GET /api/v1/conversations` share: a view and filters."""

    view: str = "all"
    status: list[str] = field(default_factory=list)
    channel: str | None = None
    language: str | None = None
    audience: str | None = None
    priority: str | None = None
    tag: str | None = None
    sla: str | None = None
    sort: str = "last_activity"
    assignee_id: int | None = None
    team_id: int | None = None
    person_id: int | None = None
    opened_since: datetime | None = None  # a drill-down from the performance page
    opened_until: datetime | None = None
    ids: list[int] | None = None  # the conversations behind a figure (CSAT, NPS)

    def check(self) -> InboxFilter:
        if self.view not in VIEWS:
            raise Invalid(f"view must be one of {', '.join(VIEWS)}")
        bad = [s for s in self.status if s not in CONVERSATION_STATUSES]
        if bad:
            raise Invalid(f"status must be among {', '.join(CONVERSATION_STATUSES)}")
        if self.priority and self.priority not in PRIORITIES:
            raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
        if self.sla and self.sla not in SLA_STATES:
            raise Invalid(f"sla must be one of {', '.join(SLA_STATES)}")
        if self.sort not in SORTS:
            raise Invalid(f"sort must be one of {', '.join(SORTS)}")
        return self


def _next_due() -> Any:
    """The SLA target that runs now: first response until answered, then resolution."""
    return when(
        (Conversation.first_response_at.is_(None), Conversation.first_response_due_at),
        else_=Conversation.resolution_due_at,
    )


def _has_tag(session: Session, tag: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Conversation.tags, JSONB).contains([tag])
    each = func.json_each(Conversation.tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == tag))


def _filtered(session: Session, f: InboxFilter, user_id: int | None, view: str) -> Select[Any]:
    query = select(Conversation)
    if f.status:
        query = query.where(Conversation.status.in_(f.status))
    for column, value in (
        (Conversation.channel, f.channel),
        (Conversation.language, f.language),
        (Conversation.priority, f.priority),
        (Conversation.assignee_id, f.assignee_id),
        (Conversation.team_id, f.team_id),
        (Conversation.person_id, f.person_id),
    ):
        if value is not None and value != "":
            query = query.where(column == value)
    if f.opened_since is not None:
        query = query.where(Conversation.opened_at >= f.opened_since)
    if f.opened_until is not None:
        query = query.where(Conversation.opened_at < f.opened_until)
    if f.ids is not None:
        query = query.where(Conversation.id.in_(f.ids or [-1]))
    if f.audience:
        query = query.where(
            Conversation.person_id.in_(select(Person.id).where(Person.audience == f.audience))
        )
    if f.tag:
        query = query.where(_has_tag(session, f.tag))
    if f.sla:
        now = utcnow()
        due = _next_due()
        running = and_(Conversation.solved_at.is_(None), Conversation.paused_at.is_(None))
        if f.sla == "breached":
            query = query.where(running, due < now)
        else:
            query = query.where(running, due >= now, due < now + DUE_SOON)
    if view == "mine":
        query = query.where(Conversation.assignee_id == (user_id or -1))
    elif view == "unassigned":
        query = query.where(Conversation.assignee_id.is_(None))
    elif view == "team":
        teams = select(TeamMember.team_id).where(TeamMember.user_id == (user_id or -1))
        query = query.where(Conversation.team_id.in_(teams))
    elif view == "mentions":
        mentioned = select(NoteMention.conversation_id).where(
            NoteMention.user_id == (user_id or -1), NoteMention.conversation_id.is_not(None)
        )
        query = query.where(Conversation.id.in_(mentioned))
    return query


def inbox(
    session: Session,
    f: InboxFilter,
    *,
    user_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ConversationOut]:
    """Conversations of a view, filtered and sorted (SLA due first, or latest activity)."""
    query = _filtered(session, f.check(), user_id, f.view)
    if f.sort == "sla_due":
        due = _next_due()
        query = query.order_by(due.is_(None), due, Conversation.id)
    else:
        query = query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    rows = session.execute(query.limit(limit).offset(offset)).scalars()
    return [conversation_out(r) for r in rows]


def view_counts(session: Session, f: InboxFilter, *, user_id: int | None) -> dict[str, int]:
    """How many conversations each view holds under the same filters."""
    f.check()
    out: dict[str, int] = {}
    for view in VIEWS:
        if view in ("mine", "team", "mentions") and user_id is None:
            out[view] = 0
            continue
        inner = _filtered(session, f, user_id, view).with_only_columns(Conversation.id)
        out[view] = int(
            session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()
        )
    return out


def list_conversations(
    session: Session,
    *,
    status: list[str] | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    unassigned: bool = False,
    person_id: int | None = None,
    tag: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ConversationOut]:
    f = InboxFilter(
        view="unassigned" if unassigned else "all",
        status=list(status or []),
        assignee_id=assignee_id,
        team_id=team_id,
        person_id=person_id,
        tag=tag,
    )
    return inbox(session, f, limit=limit, offset=offset)


def messages_of(session: Session, conversation_id: int) -> list[dict[str, Any]]:
    from sada.interactions.service import interactions_out

    items = list(
        session.execute(
            select(ConversationItem)
            .where(ConversationItem.conversation_id == conversation_id)
            .order_by(ConversationItem.at, ConversationItem.id)
        ).scalars()
    )
    by_id = {
        r.id: r
        for r in session.execute(
            select(Interaction).where(Interaction.id.in_([i.interaction_id for i in items]))
        ).scalars()
    }
    outs = {o.id: o for o in interactions_out(session, list(by_id.values()))}
    files = files_store.attachments_of(session, list(by_id))
    return [
        {
            **outs[i.interaction_id].model_dump(mode="json"),
            "message_id": i.message_id,
            "delivery_status": i.delivery_status,
            "files": [f.as_json() for f in files.get(i.interaction_id, [])],
        }
        for i in items
        if i.interaction_id in outs
    ]


def person_history(
    session: Session, person_id: int, *, limit: int = 100, before: datetime | None = None
) -> dict[str, Any]:
    """The person's whole cross-channel history beside a conversation."""
    from sada.interactions.service import timeline

    items, cursor = timeline(session, person_id, limit=limit, until=before)
    convs = list_conversations(session, person_id=person_id, limit=50)
    from sada.cases.service import list_cases

    return {
        "interactions": [i.model_dump(mode="json") for i in items],
        "next_cursor": cursor,
        "conversations": [c.model_dump(mode="json") for c in convs],
        "cases": [c.model_dump(mode="json") for c in list_cases(session, person_id=person_id)],
    }
