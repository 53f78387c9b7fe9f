"""Chatwoot: signed webhooks (message and conversation events) and conversation exports.

Webhooks are signed as Chatwoot signs them: `X-Chatwoot-Timestamp` (unix seconds) and
`X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`;
unsigned, wrong or older than 5 minutes → 401 before parsing; a replayed
`X-Chatwoot-Delivery` stores nothing. `message_created` / `message_updated` become
interactions (contacts' messages origin customer, agents' replies origin agent; private
notes and activity messages are skipped), `conversation_status_changed` /
`conversation_resolved` an `event` interaction with the status.

Exports (`sada import chatwoot FILE`): conversations as the API lists them (each with
its `messages`), or `{"payload": [messages]}`; stored as history.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sada.connectors.base import Item, PermanentError, load_json, register
from sada.connectors.history import channel_of, history, import_items, iso, read_json
from sada.core.errors import Unauthorized
from sada.db.engine import Database
from sada.feedback import imports
from sada.feedback.imports import ImportSummary
from sada.feedback.models import SurveySource
from sada.interactions.ingest import ingest_batch

SOURCE = "chatwoot"
TOLERANCE_S = 300
_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}


def verify(headers: dict[str, str], body: bytes, secret: str, now: float | None = None) -> bool:
    stamp = headers.get("x-chatwoot-timestamp", "")
    signature = headers.get("x-chatwoot-signature", "")
    if not stamp.isdigit() or not signature.startswith("sha256="):
        return False
    if abs((now or time.time()) - int(stamp)) > TOLERANCE_S:
        return False
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature[len("sha256=") :], expected)


def _d(value: Any) -> dict[str, Any]:
    """A nested object of the payload, or {} when the sender put something else there."""
    return value if isinstance(value, dict) else {}


def _person(sender: dict[str, Any]) -> dict[str, Any] | None:
    person: dict[str, Any] = {}
    if sender.get("id") is not None:
        person["external_ids"] = {SOURCE: str(sender["id"])}
    if sender.get("email"):
        person["email"] = str(sender["email"])
    if sender.get("phone_number"):
        person["phone"] = str(sender["phone_number"])
    if sender.get("name") and person:
        person["name"] = str(sender["name"])[:300]
    return person or None


def message_item(m: dict[str, Any], conversation: dict[str, Any] | None = None) -> Item:
    conversation = _d(conversation or m.get("conversation"))
    mid = m.get("id")
    where = f"message {mid}"
    kind = m.get("message_type")
    kind = _TYPES.get(kind, kind) if isinstance(kind, int) else kind
    if m.get("private"):
        return Item(where, outcome="skipped: private note")
    if kind not in ("incoming", "outgoing", "template"):
        return Item(where, outcome=f"skipped: {kind or 'unknown'} message")
    if not m.get("content"):
        return Item(where, outcome="skipped: no text")
    conv_id = conversation.get("display_id") or conversation.get("id") or m.get("conversation_id")
    account = _d(m.get("account")).get("id") or m.get("account_id") or ""
    sender = _d(m.get("sender"))
    item: dict[str, Any] = {
        "source": SOURCE,
        "external_id": f"message:{account}:{mid}",
        "occurred_at": iso(m.get("created_at")),
        "channel": channel_of(conversation.get("channel") or m.get("channel"), "chat"),
        "type": "message",
        "direction": "inbound" if kind == "incoming" else "outbound",
        "text": str(m["content"]),
        "conversation_id": f"{SOURCE}:{account}:{conv_id}",
        "attributes": {"inbox": _d(m.get("inbox")).get("name") or m.get("inbox_id")},
    }
    if kind == "incoming":
        contact = sender if sender.get("type", "contact") == "contact" else {}
        item["person"] = _person(contact or _d(_d(conversation.get("meta")).get("sender")))
        if item["person"] is None:
            return Item(where, outcome="rejected: an incoming message without its contact")
        item["origin"] = "customer"
    else:
        item["agent"] = str(sender.get("email") or sender.get("name") or "agent")[:320]
        item["origin"] = "agent"
    return Item(where, item)


def conversation_items(c: dict[str, Any]) -> Iterator[Item]:
    messages = c.get("messages")
    for m in messages if isinstance(messages, list) else []:
        if isinstance(m, dict):
            yield message_item(m, c)


def export_items(data: Any) -> Iterator[Item]:
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]
    if isinstance(data, dict) and isinstance(data.get("payload"), list):
        rows = data["payload"]
    elif isinstance(data, list):
        rows = data
    else:
        raise PermanentError(
            "not a Chatwoot export: expected conversations with their messages or "
            "{'payload': [messages]}"
        )
    for row in rows:
        if not isinstance(row, dict):
            continue
        found = list(conversation_items(row)) if "messages" in row else [message_item(row)]
        for item in found:
            if item.record is not None:
                item.record = history(item.record, item.record.get("origin", "import"))
                if item.record["origin"] == "customer":
                    item.record["origin"] = "import"
            yield item


def handle(
    db: Database, source: SurveySource, body: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    if not verify(headers, body, source.secret):
        raise Unauthorized("missing, wrong or stale X-Chatwoot-Signature")
    try:
        event = json.loads(body)
    except ValueError:
        raise PermanentError("not a Chatwoot webhook: the body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise PermanentError("not a Chatwoot webhook: no 'event'")
    name = event["event"]
    if name in ("message_created", "message_updated"):
        item = message_item(event)
    elif name in ("conversation_status_changed", "conversation_resolved", "conversation_opened"):
        account = _d(event.get("account")).get("id") or ""
        conv = event.get("display_id") or event.get("id")
        sender = _d(_d(event.get("meta")).get("sender"))
        stamp = headers.get("x-chatwoot-timestamp", "")
        item = Item(
            f"conversation {conv}",
            {
                "source": SOURCE,
                "external_id": f"conversation:{account}:{conv}:{event.get('status')}:{stamp}",
                "occurred_at": iso(event.get("timestamp") or int(stamp or time.time())),
                "channel": channel_of(event.get("channel"), "chat"),
                "type": "event",
                "direction": "inbound",
                "conversation_id": f"{SOURCE}:{account}:{conv}",
                "person": _person(sender),
                "origin": "system",
                "attributes": {"status": event.get("status"), "event": name},
            },
        )
    else:
        return {"status": "ignored", "event": name}
    if item.outcome is not None:
        return {"status": item.outcome.split(":")[0], "reason": item.outcome.split(": ", 1)[-1]}
    delivery = headers.get("x-chatwoot-delivery") or item.record["external_id"]
    with db.transaction(source.workspace_id) as session:
        if not imports.claim_message(session, source, delivery):
            return {"status": "duplicate"}
        result = ingest_batch(session, [item.record])[0]
    if result.status == "rejected":
        raise PermanentError("; ".join(f"{e.path}: {e.message}" for e in result.errors))
    return {"status": result.status, "id": result.id}


def import_file(db: Database, workspace_id: int, path: Path) -> ImportSummary:
    return import_items(db, workspace_id, export_items(read_json(path)))


register(
    SOURCE,
    ("webhook", "file"),
    lambda data, **_: list(export_items(load_json(data))),
    lambda headers, body, secret: verify(dict(headers), body, secret),
)
