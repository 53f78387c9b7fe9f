"""Replies: an agent answers the customer in the conversation's channel.

- `do_reply(session, conversation_id, text, ...) -> ConversationItem`: recorded as an outbound
  interaction, sending queued (job `inbox.send_reply`) after commit
- `send_reply(session, item_id, settings) -> str`: the job: email over SMTP, other channels
  handed to outbound webhooks (`conversation.replied`)
- `can_reply(session, conv)` / `reply_refusal(session, conv)`: whether a reply reaches the
  customer here, and why not (the domains named by the manifest's `reply_paths`)
- `person_ref(session, person_id)`: a person's identities in the ingest API's shape
"""

from __future__ import annotations

import importlib
import uuid
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases import attachments as files_store
from sada.cases.conversations import (
    access_conversation,
    conversation_payload,
    do_set_status,
    log_event,
    publish_changed,
)
from sada.cases.models import Case, Conversation, ConversationItem
from sada.core.errors import Conflict, Invalid
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.domains import reply_path_functions
from sada.events import publish
from sada.interactions.models import Interaction
from sada.jobs.service import enqueue

SEND_REPLY_JOB = "inbox.send_reply"
REPLY_SOURCE = "sada.inbox"


def person_ref(session: Session, person_id: int | None) -> dict[str, Any] | None:
    """Identities of a person in the ingest API's shape (to write to their timeline)."""
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
    from sada.interactions.ingest import ingest_batch

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
    ref = person_ref(session, conv.person_id)
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
        publish_changed(session, conv, previous_status)
    log_event(session, conv, "reply", label, interaction_id=results[0].id)
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
    ref = person_ref(session, conv.person_id) or {}
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
            "conversation": conversation_payload(conv),
            "interaction_id": interaction.id,
            "channel": conv.channel,
            "text": interaction.text,
            "person": ref,
        },
    )
    return row.delivery_status
