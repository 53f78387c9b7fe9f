"""Threading: which conversation a new interaction joins, opening one when none fits.

Interactions join a conversation by their thread: the interaction's
`conversation_id` for chat and social channels, and for email the
`Message-ID` / `In-Reply-To` / `References` headers kept in its attributes, so
a reply lands in the thread it answers even from another address or client.
A new conversation gets its SLA policy and is routed to a team and an agent; a customer's
message on a closed conversation opens a follow-up one.

- `attach_interactions(session, interaction_ids) -> list[Conversation]` (idempotent; the
  ones created)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sada.cases import assignment, sla
from sada.cases.conversations import conversation_payload, log_event
from sada.cases.models import Conversation, ConversationItem
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.interactions.models import Interaction

NOT_CONVERSATIONAL = frozenset(
    {"survey_response", "page_view", "purchase", "order", "signup", "event", "note", "visit"}
)


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
        publish(session, "conversation.created", conversation_payload(conv))
    for conv in changed.values():
        if conv not in created:
            publish(session, "conversation.changed", conversation_payload(conv))
            if conv.id in reopened:
                publish(session, "conversation.reopened", conversation_payload(conv))
    return created


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
                log_event(session, conv, "assigned", "routing", user_id=conv.assignee_id)
    log_event(session, conv, "created", "ingest", interaction_id=row.id)
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
            log_event(session, conv, "reopened", "customer", interaction_id=row.id)
            reopened = True
        conv.status = "open"
        sla.resume(session, conv, at)
    return reopened
