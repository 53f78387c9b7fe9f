"""Replying on the network, from a post opened as a conversation in the inbox.

The inbox asks every domain with a reply path whether a reply reaches the customer
(`delivers_replies`) and, when none does, why (`reply_refusal`): a post from X or from a
Telegram discussion group is answered there when the workspace has configured its token
(`ListeningAccount`); a review, a feed item, a Telegram channel post or a network Sada has no
reply connector for is refused with its reason, shown on the reply box, and never stored as if
sent.

After the inbox stores the agent's reply and announces it (`conversation.replied`), the
`listening.send_reply` job posts it: X API v2 `POST /2/tweets` with
`reply.in_reply_to_tweet_id`, or the Bot API's `sendMessage` with `reply_to_message_id`,
through the SSRF guard, retried with backoff (`network.call`, then the job runner's retries).
The network's id of the reply is kept on the reply (`attributes.network_reply_id`), so a
retried job never posts twice; a refusal marks the reply failed with the network's reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import ConversationItem
from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.jobs.registry import Priority, handler
from sada.listening import network
from sada.listening.sources import SOURCE_PREFIX

log = logging.getLogger(__name__)


def N_(message: str) -> str:  # noqa: N802 - marks a UI string (translated where shown)
    return message


SEND_JOB = "listening.send_reply"
REPLYABLE = frozenset({"x", "telegram"})
REVIEWS = frozenset({"google_reviews", "trustpilot", "app_store", "play_store"})

NO_REPLY_REVIEW = N_(
    "Review sites take answers only from the business's own review console: answer this "
    "review there."
)
NO_REPLY_FEED = N_("This post comes from a feed (RSS or Atom), which cannot be answered.")
NO_REPLY_CHANNEL = N_(
    "This is a Telegram channel post: a bot can answer only in the channel's discussion group."
)
NO_REPLY_NETWORK = N_("Sada cannot post replies on this network: answer the author there.")
NO_REPLY_X_TOKEN = N_(
    "Replies on X need the workspace's X token (an admin sets it: "
    "PUT /api/v1/listening/accounts/x)."
)
NO_REPLY_TELEGRAM_TOKEN = N_(
    "Replies on Telegram need the workspace's bot token (an admin sets it: "
    "PUT /api/v1/listening/accounts/telegram)."
)
NO_REPLY_IMPORTED = N_("This post was imported without the ids the network needs to answer it.")


@dataclass(frozen=True)
class Target:
    network: str
    post_id: str  # X: the post's id; Telegram: the message id
    chat_id: str | None = None  # Telegram only


def _post_of(session: Session, conversation_id: int) -> Interaction | None:
    """The latest inbound listening post of a conversation (the one a reply answers).

    The conversation's inbound items first, then those interactions by id: joined and
    ordered by time in one query, SQLite walked the workspace's whole log in time order
    looking for the conversation's rows (seconds at 300k interactions, on every
    conversation page, which asks this twice)."""
    ids = list(
        session.execute(
            select(ConversationItem.interaction_id).where(
                ConversationItem.conversation_id == conversation_id,
                ConversationItem.direction == "inbound",
            )
        ).scalars()
    )
    latest: tuple[Any, int] | None = None
    for part in range(0, len(ids), 500):
        for iid, at in session.execute(
            select(Interaction.id, Interaction.occurred_at).where(
                Interaction.id.in_(ids[part : part + 500]),
                Interaction.source.startswith(SOURCE_PREFIX),
            )
        ):
            if latest is None or (at, iid) > latest:
                latest = (at, iid)
    return session.get(Interaction, latest[1]) if latest is not None else None


def telegram_chat_id(raw: str) -> str:
    """The Bot API's id of a group or channel: Telegram Desktop exports write supergroups and
    channels without the `-100` prefix the Bot API uses."""
    raw = raw.strip()
    if raw.lstrip("-").isdigit() and not raw.startswith("-"):
        return f"-100{raw}"
    return raw


def target_of(post: Interaction) -> Target | str:
    """Where a reply to this post goes, or why it cannot (a message id of `NO_REPLY_*`)."""
    channel = post.channel
    attrs = post.attributes or {}
    if channel in REVIEWS:
        return NO_REPLY_REVIEW
    if channel == "web" or attrs.get("feed"):
        return NO_REPLY_FEED
    if channel not in REPLYABLE:
        return NO_REPLY_NETWORK
    external = str(post.external_id or "")
    if channel == "x":
        return Target("x", external) if external.isdigit() else NO_REPLY_IMPORTED
    chat_type = str(attrs.get("chat_type") or "")
    if chat_type.endswith("channel"):
        return NO_REPLY_CHANNEL
    chat, _, message = external.rpartition(":")
    chat = str(attrs.get("chat_id") or chat)
    if not chat or not message.isdigit():
        return NO_REPLY_IMPORTED
    return Target("telegram", message, telegram_chat_id(chat))


def reply_refusal(session: Session, conversation_id: int, channel: str) -> str | None:
    """Why a reply in this conversation cannot be posted on the network (None: it can, or the
    conversation is not a listening post's)."""
    post = _post_of(session, conversation_id)
    if post is None:
        return None
    target = target_of(post)
    if isinstance(target, str):
        return target
    if network.account(session, target.network) is None:
        return NO_REPLY_X_TOKEN if target.network == "x" else NO_REPLY_TELEGRAM_TOKEN
    return None


def delivers_replies(session: Session, conversation_id: int, channel: str) -> bool:
    """The inbox's question (a domain reply path): does listening post this reply?"""
    post = _post_of(session, conversation_id)
    if post is None:
        return False
    return reply_refusal(session, conversation_id, channel) is None


def _mark(db: Database, workspace_id: int, reply_id: int, status: str, **attributes: Any) -> None:
    with db.transaction(workspace_id) as session:
        reply = session.get(Interaction, reply_id)
        if reply is not None:
            reply.attributes = {**(reply.attributes or {}), **attributes}
        for item in session.execute(
            select(ConversationItem).where(ConversationItem.interaction_id == reply_id)
        ).scalars():
            item.delivery_status = status


def deliver(db: Database, workspace_id: int, conversation_id: int, reply_id: int) -> str | None:
    """Post an agent's stored reply on the network; returns the network's id of the reply
    (None when it is not listening's to post). Raises `network.Retryable` to be retried."""
    from sada.listening.tasks import feed_policy

    with db.reader(workspace_id) as session:
        reply = session.get(Interaction, reply_id)
        post = _post_of(session, conversation_id)
        if reply is None or post is None:
            return None
        done = (reply.attributes or {}).get("network_reply_id")
        if done:
            return str(done)  # posted already (a retried job)
        target = target_of(post)
        acc = network.account(session, post.channel) if not isinstance(target, str) else None
        text = reply.text or ""
    if isinstance(target, str) or acc is None:
        _mark(db, workspace_id, reply_id, "failed", delivery_error=target or "no token")
        return None
    policy = feed_policy()
    try:
        if target.network == "x":
            sent = network.post_x_reply(policy, acc, target.post_id, text)
        else:
            assert target.chat_id is not None
            sent = network.post_telegram_reply(
                policy, acc, target.chat_id, int(target.post_id), text
            )
    except network.Refused as exc:
        log.warning("reply %s refused by %s: %s", reply_id, target.network, exc)
        _mark(db, workspace_id, reply_id, "failed", delivery_error=str(exc)[:500])
        return None
    _mark(db, workspace_id, reply_id, "sent", network_reply_id=sent, delivery_status="sent")
    return sent


@handler(SEND_JOB, on=("conversation.replied",), priority=Priority.INTERACTIVE)
def send_reply(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """An agent replied in a conversation opened from a post: post the reply on the network.
    A retryable failure raises (the job runner retries with its backoff)."""
    conversation = payload.get("conversation") or {}
    if workspace_id is None or payload.get("channel") not in REPLYABLE:
        return
    if conversation.get("id") is None or payload.get("interaction_id") is None:
        return
    deliver(db, workspace_id, int(conversation["id"]), int(payload["interaction_id"]))
