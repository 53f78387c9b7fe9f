"""Translate Segment spec messages into Sada ingest items and identify calls.

Shapes follow Segment's public HTTP Tracking API spec: common fields
`type`, `messageId` (optional), `userId`, `anonymousId`, `timestamp`, `sentAt`, `context`,
`properties` / `traits`, `event` (track), `name` (page/screen), `groupId` (group),
`previousId` (alias). See README.md for the field-by-field mapping.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.connectors.base import Item, load_json, register
from sada.people.identities import (
    IdentityError,
    IdentityKey,
    anonymous_key,
    normalize_external_id,
)
from sada.people.merges import do_merge
from sada.people.models import Identity
from sada.people.schemas import PersonRef
from sada.people.service import ParsedPerson, Resolver
from sada.tenants.service import Actor

# Segment's documented limits.
MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024

SOURCE = "segment"

_EVENT_TYPES = {
    "order completed": "order",
    "order placed": "order",
    "checkout completed": "purchase",
    "product purchased": "purchase",
    "signed up": "signup",
    "account created": "signup",
    "subscription cancelled": "cancel",
    "subscription canceled": "cancel",
    "account deleted": "churn",
    "review submitted": "review",
    "product reviewed": "review",
    "subscription renewed": "renewal",
    "order refunded": "refund",
    "complaint submitted": "complaint",
}
_SLUG_RE = re.compile(r"[^a-z0-9_.\-]+")


def event_type(event: str) -> str:
    mapped = _EVENT_TYPES.get(event.strip().lower())
    if mapped:
        return mapped
    slug = _SLUG_RE.sub("_", event.strip().lower()).strip("_")[:60]
    return f"custom:{slug}" if slug else "event"


def person_ref(message: dict[str, Any]) -> dict[str, Any] | None:
    ref: dict[str, Any] = {}
    user_id = message.get("userId")
    if user_id not in (None, ""):
        ref["external_ids"] = {SOURCE: str(user_id)}
    anonymous_id = message.get("anonymousId")
    if anonymous_id not in (None, ""):
        ref["anonymous_id"] = str(anonymous_id)
    traits = message.get("traits")
    if not isinstance(traits, dict):
        context = message.get("context")
        traits = context.get("traits") if isinstance(context, dict) else None
    if isinstance(traits, dict):
        traits = dict(traits)
        email = traits.pop("email", None)
        phone = traits.pop("phone", None)
        name = traits.pop("name", None) or " ".join(
            str(traits.get(k)) for k in ("firstName", "lastName") if traits.get(k)
        )
        if isinstance(email, str) and email:
            ref["email"] = email
        if isinstance(phone, str) and phone:
            ref["phone"] = phone
        if name:
            ref["name"] = str(name)[:300]
        if traits:
            ref["traits"] = traits
    return ref or None


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 time as Segment sends it; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def occurred_at(
    message: dict[str, Any], received_at: datetime, batch_sent_at: datetime | None = None
) -> datetime:
    """When it happened, corrected for the sender's clock as Segment does.

    With `sentAt` (the message's, else the batch's): received_at - (sentAt - timestamp), so a
    device whose clock is off still lands at the right moment. Without it the timestamp is
    taken as given; without any time, the time it arrived.
    """
    stamp = parse_time(message.get("timestamp")) or parse_time(message.get("originalTimestamp"))
    sent = parse_time(message.get("sentAt")) or batch_sent_at
    if stamp is not None and sent is not None:
        return received_at - (sent - stamp)
    return stamp or received_at


def context_fields(context: Any, *, keep_ip: bool) -> tuple[str | None, dict[str, Any]]:
    """(language, attributes) from Segment's `context`: locale, campaign (UTM), userAgent,
    ip (only when the workspace keeps IP addresses), page."""
    if not isinstance(context, dict):
        return None, {}
    attributes: dict[str, Any] = {}
    language = None
    locale = context.get("locale")
    if isinstance(locale, str) and locale:
        code = locale.replace("_", "-").split("-")[0].lower()
        if code.isalpha() and 2 <= len(code) <= 3:
            language = code
        attributes["locale"] = locale[:35]
    campaign = context.get("campaign")
    if isinstance(campaign, dict):
        for key in ("name", "source", "medium", "term", "content"):
            value = campaign.get(key)
            if isinstance(value, str | int | float) and value != "":
                attributes[f"utm_{'campaign' if key == 'name' else key}"] = str(value)[:300]
    agent = context.get("userAgent")
    if isinstance(agent, str) and agent:
        attributes["user_agent"] = agent[:500]
    ip = context.get("ip")
    if keep_ip and isinstance(ip, str) and ip:
        attributes["ip"] = ip[:64]
    page = context.get("page")
    if isinstance(page, dict):
        attributes["page"] = {
            k: str(page[k])[:1000]
            for k in ("path", "referrer", "search", "title", "url")
            if isinstance(page.get(k), str) and page.get(k)
        }
    for key in ("app", "device", "os", "library", "timezone"):
        value = context.get(key)
        if isinstance(value, dict | str) and value:
            attributes[key] = value
    return language, attributes


def _channel(message: dict[str, Any], default: str) -> str:
    context = message.get("context")
    if isinstance(context, dict):
        if isinstance(context.get("device"), dict) or isinstance(context.get("app"), dict):
            return "app"
        if isinstance(context.get("page"), dict):
            return "web"
    return default


def to_item(
    message: dict[str, Any],
    *,
    received_at: datetime | None = None,
    sent_at: datetime | None = None,
    keep_ip: bool = False,
) -> tuple[str, dict[str, Any] | None, str | None]:
    """Return (kind, ingest item or None, error). kind is the Segment call type.

    `messageId` is optional, as in Segment's HTTP API: when present it deduplicates
    (it is the interaction's external id); without it each call is stored.
    """
    kind = str(message.get("type") or "").lower()
    message_id = message.get("messageId")
    if message_id is not None and (not isinstance(message_id, str | int) or message_id == ""):
        return kind, None, "messageId must be a non-empty string when given"
    if kind in ("identify", "group", "alias"):
        return kind, None, None
    received_at = received_at or datetime.now(UTC)
    person = person_ref(message)
    language, context_attributes = context_fields(message.get("context"), keep_ip=keep_ip)
    item: dict[str, Any] = {
        "source": SOURCE,
        "external_id": str(message_id) if message_id is not None else f"gen-{uuid.uuid4()}",
        "occurred_at": occurred_at(message, received_at, sent_at).isoformat(),
        "direction": "inbound",
        "person": person,
    }
    if language:
        item["language"] = language
    raw_properties = message.get("properties")
    properties: dict[str, Any] = raw_properties if isinstance(raw_properties, dict) else {}
    if kind == "track":
        event = message.get("event")
        if not isinstance(event, str) or not event:
            return kind, None, "track calls need an 'event' name"
        item.update(
            channel=_channel(message, "web"),
            type=event_type(event),
            attributes={"event": event, "properties": properties},
        )
        text = properties.get("text") or properties.get("comment") or properties.get("review")
        if isinstance(text, str):
            item["text"] = text
        touchpoint = properties.get("touchpoint")
        if isinstance(touchpoint, str) and touchpoint:
            item["touchpoint"] = touchpoint[:100]
    elif kind in ("page", "screen"):
        item.update(
            channel="web" if kind == "page" else "app",
            type="page_view",
            attributes={
                "name": message.get("name"),
                "category": message.get("category"),
                "properties": properties,
            },
        )
        title = message.get("name") or properties.get("title")
        if isinstance(title, str):
            item["subject"] = title[:1000]
    else:
        return kind, None, f"unsupported Segment call type {kind!r}"
    if person is None:
        return kind, None, "userId or anonymousId is required"
    item["attributes"].update(context_attributes)
    return kind, item, None


def _owner(session: Session, key: IdentityKey) -> int | None:
    return session.execute(
        select(Identity.person_id).where(
            Identity.kind == key.kind,
            Identity.namespace == key.namespace,
            Identity.value == key.value,
        )
    ).scalar_one_or_none()


def do_alias(
    session: Session, message: dict[str, Any], *, actor: Actor | None = None
) -> str | None:
    """Segment `alias`: previousId and userId are one person. Returns an error or None.

    When both ids already belong to different profiles, the previousId's profile is merged
    into the userId's with the people domain's merge (audited; `do_unmerge` reverses it).
    Otherwise the missing id is attached to the profile that exists (or a new one).
    """
    user_id, previous_id = message.get("userId"), message.get("previousId")
    if not isinstance(user_id, str | int) or user_id == "":
        return "alias calls need a userId"
    if not isinstance(previous_id, str | int) or previous_id == "":
        return "alias calls need a previousId"
    try:
        user_key = normalize_external_id(SOURCE, user_id)
        as_user = normalize_external_id(SOURCE, previous_id)
        as_anonymous = anonymous_key(SOURCE, str(previous_id))
    except IdentityError as exc:
        return str(exc)
    survivor = _owner(session, user_key)
    previous_key, previous = as_user, _owner(session, as_user)
    if previous is None:
        previous_key, previous = as_anonymous, _owner(session, as_anonymous)
    if survivor is not None and previous is not None and survivor != previous:
        do_merge(
            session,
            survivor,
            previous,
            reason=f"segment alias: {str(previous_id)[:100]} is {str(user_id)[:100]}",
            actor=actor,
        )
        return None
    ref = PersonRef(external_ids={SOURCE: str(user_id)})
    parsed = ParsedPerson(keys=[user_key, previous_key], ref=ref)
    Resolver(session, actor=actor).resolve(parsed)
    return None


_CALL_BY_FIELD = (
    ("event", "track"),
    ("groupId", "group"),
    ("previousId", "alias"),
    ("name", "page"),
    ("traits", "identify"),
)


def _parse(data: bytes | str, **options: Any) -> list[Item]:
    body = load_json(data)
    messages = body.get("batch") if isinstance(body, dict) and "batch" in body else [body]
    out = []
    for index, message in enumerate(messages if isinstance(messages, list) else []):
        if not isinstance(message, dict):
            out.append(Item(f"batch[{index}]", outcome="rejected: not an object"))
            continue
        if "type" not in message:  # a single call's body: its type is the endpoint's
            guess = next(
                (t for f, t in _CALL_BY_FIELD if f in message), str(options.get("call", "track"))
            )
            message = {**message, "type": guess}
        kind, item, error = to_item(message)
        if error:
            out.append(Item(f"batch[{index}]", outcome=f"rejected: {error}"))
        else:
            out.append(Item(f"batch[{index}]", record=item or message))
    return out


# Segment authenticates with the write key (HTTP Basic), not a body signature.
register(SOURCE, ("webhook",), _parse)
