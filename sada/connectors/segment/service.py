"""Translate Segment spec messages into Sada ingest items and identify calls.

Shapes follow Segment's public HTTP Tracking API spec: common fields
`type`, `messageId`, `userId`, `anonymousId`, `timestamp`, `context`,
`properties` / `traits`, `event` (track), `name` (page/screen).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

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


def _timestamp(message: dict[str, Any]) -> str:
    for key in ("timestamp", "originalTimestamp", "sentAt"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return datetime.now(UTC).isoformat()


def _channel(message: dict[str, Any], default: str) -> str:
    context = message.get("context")
    if isinstance(context, dict):
        if isinstance(context.get("device"), dict) or isinstance(context.get("app"), dict):
            return "app"
        if isinstance(context.get("page"), dict):
            return "web"
    return default


def to_item(message: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    """Return (kind, ingest item or None, error). kind is the Segment call type."""
    kind = str(message.get("type") or "").lower()
    message_id = message.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        return kind, None, "messageId is required (Segment deduplicates on it, so does Sada)"
    if kind in ("identify", "group", "alias"):
        return kind, None, None
    person = person_ref(message)
    item: dict[str, Any] = {
        "source": SOURCE,
        "external_id": message_id,
        "occurred_at": _timestamp(message),
        "direction": "inbound",
        "person": person,
    }
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
    return kind, item, None
