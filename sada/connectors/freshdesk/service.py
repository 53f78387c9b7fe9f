"""Freshdesk tickets, their conversations and satisfaction ratings (API v2 JSON) as history.

Files: tickets (`GET /api/v2/tickets?include=requester`, a list or pages), conversations
(`GET /api/v2/tickets/{id}/conversations`: a list with `ticket_id`), ratings
(`GET /api/v2/surveys/satisfaction_ratings`). Ticket `source` codes give the channel
(1 email, 2 portal, 3 phone, 7 chat, 9 feedback widget, 10 outbound email, 13 WhatsApp).
Ratings on Freshdesk's scale (103 … -103) become CSAT (csat5).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sada.connectors.base import Item, PermanentError, load_json, register
from sada.connectors.history import history, import_items, iso, read_json
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary

SOURCE = "freshdesk"
CHANNELS = {1: "email", 2: "web", 3: "phone", 7: "chat", 9: "web", 10: "email", 13: "whatsapp"}
RATINGS = {103: 5, 102: 5, 101: 4, 100: 3, -101: 2, -102: 1, -103: 1}


def _rows(data: Any, what: str) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise PermanentError(f"not a Freshdesk {what} export: expected a JSON list")
    out: list[dict[str, Any]] = []
    for row in data:
        if isinstance(row, list):
            out += [r for r in row if isinstance(r, dict)]
        elif isinstance(row, dict):
            out.append(row)
    return out


def _person(user_id: Any, requester: dict[str, Any] | None = None) -> dict[str, Any] | None:
    person: dict[str, Any] = {}
    if user_id is not None:
        person["external_ids"] = {SOURCE: str(user_id)}
    requester = requester or {}
    if requester.get("email"):
        person["email"] = str(requester["email"])
    if requester.get("name") and person:
        person["name"] = str(requester["name"])[:300]
    return person or None


def ticket_items(data: Any) -> Iterator[Item]:
    for t in _rows(data, "tickets"):
        tid = t.get("id")
        if t.get("deleted") or t.get("spam"):
            yield Item(f"ticket {tid}", outcome="skipped: spam or deleted")
            continue
        item = {
            "source": SOURCE,
            "external_id": f"ticket:{tid}",
            "occurred_at": iso(t.get("created_at")),
            "channel": CHANNELS.get(t.get("source") or 0, "other"),
            "type": "message",
            "direction": "inbound",
            "subject": str(t.get("subject") or "")[:1000] or None,
            "text": t.get("description_text") or None,
            "conversation_id": f"{SOURCE}:{tid}",
            "person": _person(t.get("requester_id"), t.get("requester")),
            "attributes": {
                k: t.get(k)
                for k in ("status", "priority", "type", "tags", "group_id", "responder_id")
                if t.get(k) not in (None, "", [])
            },
        }
        yield Item(f"ticket {tid}", history(item))


def conversation_items(data: Any) -> Iterator[Item]:
    for c in _rows(data, "conversations"):
        cid = c.get("id")
        if not c.get("body_text"):
            yield Item(f"conversation {cid}", outcome="skipped: no text")
            continue
        item: dict[str, Any] = {
            "source": SOURCE,
            "external_id": f"conversation:{cid}",
            "occurred_at": iso(c.get("created_at")),
            "channel": CHANNELS.get(c.get("source") or 0, "email"),
            "type": "note" if c.get("private") else "message",
            "text": c["body_text"],
            "conversation_id": f"{SOURCE}:{c.get('ticket_id')}",
        }
        if c.get("incoming") and not c.get("private"):
            item.update(direction="inbound", person=_person(c.get("user_id")))
            yield Item(f"conversation {cid}", history(item))
        else:
            item.update(direction="outbound", agent=str(c.get("from_email") or c.get("user_id")))
            yield Item(
                f"conversation {cid}", history(item, "system" if c.get("private") else "agent")
            )


def rating_items(data: Any) -> Iterator[Item]:
    for r in _rows(data, "satisfaction ratings"):
        rid = r.get("id")
        value = (r.get("ratings") or {}).get("default_question")
        if value not in RATINGS:
            yield Item(f"rating {rid}", outcome=f"rejected: unknown rating {value!r}")
            continue
        item = {
            "source": SOURCE,
            "external_id": f"rating:{rid}",
            "occurred_at": iso(r.get("created_at")),
            "channel": "survey",
            "type": "survey_response",
            "direction": "inbound",
            "rating": RATINGS[value],
            "rating_scale": "csat5",
            "text": r.get("feedback") or None,
            "conversation_id": f"{SOURCE}:{r.get('ticket_id')}",
            "person": _person(r.get("user_id")),
            "attributes": {"freshdesk_rating": value},
        }
        yield Item(f"rating {rid}", history(item))


def import_files(
    db: Database,
    workspace_id: int,
    *,
    tickets: Path | None = None,
    conversations: Path | None = None,
    ratings: Path | None = None,
) -> ImportSummary:
    if not (tickets or conversations or ratings):
        raise PermanentError("give --tickets, --conversations and/or --ratings")
    items: list[Item] = []
    if tickets:
        items += ticket_items(read_json(tickets))
    if conversations:
        items += conversation_items(read_json(conversations))
    if ratings:
        items += rating_items(read_json(ratings))
    return import_items(db, workspace_id, items)


register(SOURCE, ("file",), lambda data, **_: list(ticket_items(load_json(data))))
