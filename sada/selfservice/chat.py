"""Web chat sessions: the assistant first, a person on request or handoff, offline contact.

Every line the customer types is an interaction (`origin="customer"`, channel `web_chat`), and
so is every assistant answer (`origin="system"`). While the assistant handles the chat the
interactions carry no thread, so self-served chats never fill the inbox. On handoff the
customer's message is stored with the chat's thread id, which opens an ordinary inbox
conversation (`sada.cases.threads.attach_interactions`); the transcript, the detected
language, the intent and the reason go on it as an internal note, and `assistant.handoff`
is published. Agents' replies come back through `conversation.replied` (see `tasks`).
With nobody online the widget asks for an email or phone number instead, and the
conversation is opened on the channel the answer can travel by (email, or phone).

The web chat is also a messaging channel of the domain manifest (`message_channels`):
`reachable(session, person_id)` offers `web_chat` while the person has a chat open (active in
the last day), and `send_to_person(...)` puts a survey invitation into that chat as a line with
the survey's link, so a visitor known only by the widget still gets the CSAT.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.assignment import agents_online
from sada.cases.service import do_add_note
from sada.cases.threads import attach_interactions
from sada.core.errors import Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.interactions.ingest import ingest_batch
from sada.metrics import catalogue
from sada.selfservice.assistant import AssistantConfig, ask
from sada.selfservice.models import ChatMessage, ChatSession
from sada.selfservice.schemas import LANGS

SOURCE = "sada.chat"
TOUCHPOINT = "web_chat"
CHANNEL = "web_chat"  # the interaction channel of the widget's lines
# Channels of conversations the widget delivers replies in (`chat`: opened before `web_chat`).
REPLY_CHANNELS = (CHANNEL, "chat", "phone")
CHANNELS = (CHANNEL,)  # what `send_to_person` serves (read by survey invitations)
OPEN_WINDOW = timedelta(days=1)  # a chat quiet for longer is not a way to reach anyone
MAX_MESSAGE_CHARS = 4000

# What the widget says in each case, per language (shown in the chat as Sada's lines).
SYSTEM_LINES: dict[str, dict[str, str]] = {
    "handoff": {
        "en": "I'm connecting you with a person. They can see our conversation.",
        "fa": "شما را به یک همکار وصل می‌کنم. او گفتگوی ما را می‌بیند.",
        "ar": "سأحوّلك إلى أحد الموظفين، وسيرى محادثتنا كاملة.",
        "zh": "正在为您转接人工客服，客服可以看到我们的对话。",
    },
    "offline": {
        "en": "Nobody is online right now. Leave your email or phone number and we will get back to you.",
        "fa": "الان کسی آنلاین نیست. ایمیل یا شمارهٔ تلفن خود را بگذارید تا با شما تماس بگیریم.",
        "ar": "لا يوجد أحد متصل الآن. اترك بريدك الإلكتروني أو رقم هاتفك وسنعود إليك.",
        "zh": "目前没有客服在线。请留下您的邮箱或电话，我们会尽快联系您。",
    },
    "offline_sent": {
        "en": "Thank you. We have your message and will reply soon.",
        "fa": "متشکریم. پیام شما رسید و به‌زودی پاسخ می‌دهیم.",
        "ar": "شكرًا لك. وصلتنا رسالتك وسنرد قريبًا.",
        "zh": "谢谢！我们已收到您的留言，会尽快回复。",
    },
    "ask_person": {
        "en": "I would like to talk to a person.",
        "fa": "می‌خواهم با یک همکار صحبت کنم.",
        "ar": "أريد التحدث إلى أحد الموظفين.",
        "zh": "我想和人工客服交谈。",
    },
    "survey": {
        "en": "Could you tell us how we did? It takes a minute:",
        "fa": "لطفاً بگویید کارمان چطور بود؛ فقط یک دقیقه وقت می‌گیرد:",
        "ar": "هل تخبرنا كيف كانت خدمتنا؟ لن يستغرق ذلك سوى دقيقة:",
        "zh": "能告诉我们这次服务如何吗？只需一分钟：",
    },
    "closed": {
        "en": "This chat has ended. Thank you!",
        "fa": "این گفتگو تمام شد. سپاس!",
        "ar": "انتهت هذه المحادثة. شكرًا لك!",
        "zh": "本次对话已结束，谢谢！",
    },
}  # fmt: skip


def line(name: str, lang: str) -> str:
    return SYSTEM_LINES[name].get(lang) or SYSTEM_LINES[name]["en"]


def user_hash(secret: str, user_id: str) -> str:
    """What a site computes on its server to vouch for its signed-in user."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def start(
    session: Session,
    *,
    lang: str,
    secret: str,
    page_url: str | None = None,
    identity: dict[str, Any] | None = None,
) -> ChatSession:
    """A new chat; a user id is trusted only with a valid hash of it (HMAC-SHA256)."""
    lang = lang if lang in LANGS else "en"
    user_id = email = None
    identity = identity or {}
    claimed = str(identity.get("user_id") or "").strip()[:200]
    given_hash = str(identity.get("user_hash") or "").strip().lower()
    if claimed and given_hash:
        if not hmac.compare_digest(user_hash(secret, claimed), given_hash):
            raise Invalid("the user hash does not match the user id")
        user_id = claimed
        email = str(identity.get("email") or "").strip()[:320] or None
    chat = ChatSession(
        workspace_id=bound_workspace(session),
        token=secrets.token_urlsafe(24),
        lang=lang,
        status="bot",
        anonymous_id=f"chat-{uuid.uuid4().hex}",
        user_id=user_id,
        email=email,
        page_url=(page_url or "")[:1000] or None,
        started_at=utcnow(),
        last_at=utcnow(),
    )
    session.add(chat)
    session.flush()
    return chat


def access_chat(session: Session, token: str) -> ChatSession:
    chat = session.execute(
        select(ChatSession).where(ChatSession.token == token)
    ).scalar_one_or_none()
    if chat is None:
        raise NotFound("no such chat")
    return chat


def chat_of_conversation(session: Session, conversation_id: int) -> ChatSession | None:
    return session.execute(
        select(ChatSession).where(ChatSession.conversation_id == conversation_id)
    ).scalar_one_or_none()


def messages_after(session: Session, chat: ChatSession, after: int = 0) -> list[ChatMessage]:
    return list(
        session.execute(
            select(ChatMessage)
            .where(ChatMessage.session_id == chat.id, ChatMessage.id > after)
            .order_by(ChatMessage.id)
            .limit(200)
        ).scalars()
    )


def message_out(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "role": message.role,
        "text": message.text,
        "citations": message.citations or [],
        "at": message.at.isoformat(),
    }


def chat_out(chat: ChatSession) -> dict[str, Any]:
    return {
        "token": chat.token,
        "status": chat.status,
        "lang": chat.lang,
        "verified": chat.user_id is not None,
        "rated": chat.csat is not None,
    }


def _add(
    session: Session,
    chat: ChatSession,
    role: str,
    text: str,
    citations: list[dict[str, Any]] | None = None,
    interaction_id: int | None = None,
) -> ChatMessage:
    message = ChatMessage(
        workspace_id=bound_workspace(session),
        session_id=chat.id,
        role=role,
        text=text,
        citations=citations or [],
        interaction_id=interaction_id,
        at=utcnow(),
    )
    session.add(message)
    chat.last_at = message.at
    session.flush()
    return message


def _person(chat: ChatSession) -> dict[str, Any]:
    ref: dict[str, Any] = {"anonymous_id": chat.anonymous_id}
    if chat.user_id:
        ref["external_ids"] = {"web": chat.user_id}
    if chat.email:
        ref["email"] = chat.email
    if chat.phone:
        ref["phone"] = chat.phone
    return ref


def _thread(chat: ChatSession) -> str:
    return f"webchat-{chat.id}-{chat.token[:12]}"


def _ingest(
    session: Session,
    chat: ChatSession,
    message: ChatMessage,
    *,
    direction: str,
    origin: str,
    channel: str = CHANNEL,
    threaded: bool = False,
    subject: str | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    item: dict[str, Any] = {
        "source": SOURCE,
        "external_id": f"chat-{chat.id}-{message.id}",
        "occurred_at": message.at.isoformat(),
        "channel": channel,
        "type": "message",
        "direction": direction,
        "text": message.text,
        "language": chat.lang,
        "touchpoint": TOUCHPOINT,
        "origin": origin,
        "person": _person(chat),
        "attributes": {"chat_session": chat.id, **(extra or {})},
    }
    if chat.page_url:
        item["attributes"]["page_url"] = chat.page_url
    if threaded:
        item["conversation_id"] = _thread(chat)
        if subject:
            item["subject"] = subject[:200]
    result = ingest_batch(session, [item])[0]
    if result.status not in ("stored", "duplicate") or result.id is None:
        errors = "; ".join(f"{e.path}: {e.message}" for e in result.errors)
        raise Invalid(f"message not stored: {errors}")
    if result.person_id is not None and chat.person_id is None:
        chat.person_id = result.person_id
    message.interaction_id = result.id
    return int(result.id)


def _transcript(session: Session, chat: ChatSession) -> str:
    names = {"customer": "Customer", "assistant": "Assistant", "agent": "Agent", "system": "Sada"}
    lines = []
    for m in messages_after(session, chat, 0):
        cited = ", ".join(f"{c.get('key')} ({c.get('lang')})" for c in m.citations or [])
        lines.append(f"{names.get(m.role, m.role)}: {m.text}" + (f" [{cited}]" if cited else ""))
    return "\n".join(lines)


def _first_question(session: Session, chat: ChatSession) -> str:
    first = session.execute(
        select(ChatMessage.text)
        .where(ChatMessage.session_id == chat.id, ChatMessage.role == "customer")
        .order_by(ChatMessage.id)
        .limit(1)
    ).scalar_one_or_none()
    return " ".join((first or "").split())[:120]


def _open_conversation(
    session: Session,
    chat: ChatSession,
    message: ChatMessage,
    reason: str,
    intent: str | None,
    channel: str = CHANNEL,
) -> int:
    """Store the customer's message in a thread, open the conversation, note the transcript."""
    subject = _first_question(session, chat) or message.text[:120]
    interaction_id = _ingest(
        session,
        chat,
        message,
        direction="inbound",
        origin="customer",
        channel=channel,
        threaded=True,
        subject=subject,
        extra={"handoff_reason": reason, "intent": intent, "detected_language": chat.lang},
    )
    created = attach_interactions(session, [interaction_id])
    if not created:
        raise Invalid("the conversation could not be opened")
    conversation_id = created[0].id
    chat.conversation_id = conversation_id
    chat.handoff_reason = reason
    chat.intent = intent
    header = (
        f"Web chat handed over by the assistant. Reason: {reason}. "
        f"Intent: {intent or 'none'}. Language: {chat.lang}."
        + (f" Verified site user: {chat.user_id}." if chat.user_id else "")
        + (f" Page: {chat.page_url}" if chat.page_url else "")
    )
    do_add_note(
        session,
        body=header + "\n\n" + _transcript(session, chat),
        conversation_id=conversation_id,
        author_label="assistant",
    )
    publish(
        session,
        "assistant.handoff",
        {
            "session_id": chat.id,
            "conversation_id": conversation_id,
            "reason": reason,
            "intent": intent,
            "language": chat.lang,
        },
    )
    return conversation_id


def _hand_off(
    session: Session, chat: ChatSession, message: ChatMessage, reason: str, intent: str | None
) -> list[ChatMessage]:
    if not agents_online(session):
        chat.status = "offline"
        chat.handoff_reason = reason
        chat.intent = intent
        _ingest(session, chat, message, direction="inbound", origin="customer")
        return [message, _add(session, chat, "system", line("offline", chat.lang))]
    _open_conversation(session, chat, message, reason, intent)
    chat.status = "waiting"
    return [message, _add(session, chat, "system", line("handoff", chat.lang))]


def post(
    session: Session, chat: ChatSession, text: str, config: AssistantConfig
) -> list[ChatMessage]:
    """The customer wrote: answer, hand off, or pass it to the person already on it."""
    text = " ".join(text.split("\x00")).strip()
    if not text:
        raise Invalid("the message is empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise Invalid(f"a message holds at most {MAX_MESSAGE_CHARS} characters")
    if chat.status == "closed":
        raise Invalid("this chat has ended; start a new one")
    message = _add(session, chat, "customer", text)
    if chat.status in ("waiting", "human") and chat.conversation_id is not None:
        _ingest(session, chat, message, direction="inbound", origin="customer", threaded=True)
        attach_interactions(session, [message.interaction_id or 0])
        return [message]
    if chat.status == "offline":
        _ingest(session, chat, message, direction="inbound", origin="customer")
        return [message]
    out = ask(session, text, chat.lang, config=config, session_id=chat.id)
    if out.handoff:
        return _hand_off(session, chat, message, out.reason, out.intent)
    _ingest(session, chat, message, direction="inbound", origin="customer")
    citations = [c.model_dump() for c in out.citations]
    reply = _add(session, chat, "assistant", out.answer or "", citations)
    _ingest(
        session,
        chat,
        reply,
        direction="outbound",
        origin="system",
        extra={"citations": citations, "confidence": out.confidence},
    )
    chat.answered += 1
    return [message, reply]


def request_person(session: Session, chat: ChatSession) -> list[ChatMessage]:
    """The 'talk to a person' button."""
    if chat.status in ("waiting", "human", "offline"):
        return []
    if chat.status == "closed":
        raise Invalid("this chat has ended; start a new one")
    message = _add(session, chat, "customer", line("ask_person", chat.lang))
    return _hand_off(session, chat, message, "human_requested", "human_requested")


def leave_contact(
    session: Session, chat: ChatSession, *, email: str, phone: str, text: str
) -> list[ChatMessage]:
    """Offline mode: an email or phone number and a message open a conversation."""
    email, phone = email.strip()[:320], phone.strip()[:40]
    if not email and not phone:
        raise Invalid(
            "leave an email or a phone number",
            details=[{"path": "email", "message": "an email or a phone number is required"}],
        )
    if email and ("@" not in email or " " in email):
        raise Invalid("not an email address", details=[{"path": "email", "message": "invalid"}])
    chat.email = email or chat.email
    chat.phone = phone or chat.phone
    body = text.strip()[:MAX_MESSAGE_CHARS] or _first_question(session, chat) or "-"
    message = _add(session, chat, "customer", body)
    _open_conversation(
        session,
        chat,
        message,
        chat.handoff_reason or "offline",
        chat.intent,
        channel="email" if email else "phone",
    )
    chat.status = "waiting"
    return [message, _add(session, chat, "system", line("offline_sent", chat.lang))]


def rate(session: Session, chat: ChatSession, score: int, comment: str = "") -> None:
    """CSAT at the end of a chat (1-5), stored as a rating on the person's timeline."""
    low, high = catalogue.RANGES["csat5"]
    if not low <= score <= high:
        raise Invalid("rate from 1 to 5", details=[{"path": "score", "message": "1 to 5"}])
    if chat.csat is not None:
        raise Invalid("this chat was already rated")
    chat.csat = score
    item = {
        "source": SOURCE,
        "external_id": f"chat-{chat.id}-csat",
        "occurred_at": utcnow().isoformat(),
        "channel": CHANNEL,
        "type": "survey_response",
        "direction": "inbound",
        "rating": score,
        "rating_scale": "csat5",
        "text": comment.strip()[:2000] or None,
        "language": chat.lang,
        "touchpoint": TOUCHPOINT,
        "origin": "customer",
        "person": _person(chat),
        "attributes": {
            "chat_session": chat.id,
            "handed_off": chat.conversation_id is not None,
            **({"sada_conversation_id": chat.conversation_id} if chat.conversation_id else {}),
        },
    }
    ingest_batch(session, [item])


def end(session: Session, chat: ChatSession) -> ChatMessage | None:
    if chat.status == "closed":
        return None
    chat.status = "closed"
    chat.ended_at = utcnow()
    return _add(session, chat, "system", line("closed", chat.lang))


def delivers_replies(session: Session, conversation_id: int, channel: str) -> bool:
    """The inbox asks whether an agent's reply reaches the customer: yes in a widget chat."""
    return channel in REPLY_CHANNELS and chat_of_conversation(session, conversation_id) is not None


def on_agent_reply(
    session: Session, conversation_id: int, interaction_id: int | None, text: str
) -> bool:
    """An agent answered in the inbox: show it in the widget (once)."""
    chat = chat_of_conversation(session, conversation_id)
    if chat is None:
        return False
    if interaction_id is not None:
        seen = session.execute(
            select(ChatMessage.id).where(
                ChatMessage.session_id == chat.id, ChatMessage.interaction_id == interaction_id
            )
        ).first()
        if seen is not None:
            return False
    _add(session, chat, "agent", text, interaction_id=interaction_id)
    if chat.status in ("waiting", "offline", "bot"):
        chat.status = "human"
    return True


# ---------------------------------------------------------------- a messaging channel for surveys


class Unreachable(Invalid):
    """No open chat to deliver in: retrying will not help."""

    retryable = False


def _open_chat(session: Session, person_id: int) -> ChatSession | None:
    return session.execute(
        select(ChatSession)
        .where(
            ChatSession.person_id == person_id,
            ChatSession.status.in_(("bot", "waiting", "human")),
            ChatSession.last_at >= utcnow() - OPEN_WINDOW,
        )
        .order_by(ChatSession.last_at.desc(), ChatSession.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def reachable(session: Session, person_id: int) -> list[tuple[str, str]]:
    """`web_chat` while the person has a chat open (its address names the chat, not its token)."""
    chat = _open_chat(session, person_id)
    return [(CHANNEL, f"chat-{chat.id}")] if chat is not None else []


def send_to_person(
    db: Any,
    settings: Any,
    workspace_id: int,
    person_id: int,
    channel: str,
    text: str,
    parameters: list[str],
    *,
    idempotency_key: str | None = None,
) -> str:
    """A survey invitation as a line of the person's open chat, with the survey's link (a path
    on Sada, which serves the chat frame); the chat's id of the line is returned.

    Sent once per `idempotency_key`: a retried job finds the line it already added to the chat
    (the same survey link among the chat's system lines) and returns its id instead of adding
    a second one."""
    if channel != CHANNEL:
        raise Unreachable(f"the web chat does not send on {channel}")
    name, link = (parameters + ["", ""])[:2] if len(parameters) >= 2 else ("", "")
    if not link:
        lines = text.strip().splitlines()
        name, link = (lines[0] if len(lines) > 1 else ""), (lines[-1] if lines else "")
    parts = urlsplit(link)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/"):
        raise Unreachable("the survey link is not a link on Sada")
    with db.transaction(workspace_id) as session:
        chat = _open_chat(session, person_id)
        if chat is None:
            raise Unreachable("the person has no web chat open")
        survey = {"key": "survey", "url": path, "title": (name or path)[:200]}
        if idempotency_key:
            earlier = session.scalars(
                select(ChatMessage).where(
                    ChatMessage.session_id == chat.id, ChatMessage.role == "system"
                )
            ).all()
            for line_ in earlier:
                if any(c.get("url") == path for c in line_.citations or []):
                    return f"chat-{chat.id}-{line_.id}"
        message = _add(session, chat, "system", line("survey", chat.lang), [survey])
        return f"chat-{chat.id}-{message.id}"
