"""HubSpot history: CRM v3 tickets, contacts, conversation threads and feedback submissions.

Files read (each a saved API answer, a list of saved pages, or JSON Lines of objects):
- tickets: `GET /crm/v3/objects/tickets?associations=contacts` (`{"results": [...], "paging":
  {"next": {"after": ...}}}`), or the tickets CSV export of the HubSpot UI;
- contacts: `GET /crm/v3/objects/contacts` (email, firstname, lastname, phone, hs_language);
- threads: `GET /conversations/v3/conversations/threads` (associatedContactId, associatedTicketId);
- messages: `GET /conversations/v3/conversations/threads/{id}/messages`, messages carrying
  `conversationsThreadId` (or pages saved as `{"threadId": ..., "results": [...]}`);
- feedback: `GET /crm/v3/objects/feedback_submissions` (hs_survey_type, hs_response_value).

`import_data(db, workspace_id, tickets=..., contacts=..., threads=..., messages=...,
feedback=...)` stores parsed data; `import_files(...)` reads files first. Everything is history
(backfill); HubSpot ids make every external id, so re-running stores nothing twice. People are
matched on the contact's email and phone (and the HubSpot contact id). Survey types come from
`hs_survey_type`, never from the values: NPS 0-10 (nps), CES 1-7 (ces7), CSAT HubSpot's three
faces 0/1/2 (csat5 1/3/5, the HubSpot value kept); a custom survey is kept as text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sada.connectors.base import Item, PermanentError, decode_text, load_json, register
from sada.connectors.history import channel_of, history, import_items, iso, read_json
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary

SOURCE = "hubspot"
# Ticket `source_type` values HubSpot documents that Sada's channel names do not spell.
SOURCE_TYPES = {"form": "web", "facebook_messenger": "facebook", "email": "email"}
# Conversations channel ids (`GET /conversations/v3/conversations/channels`).
CHANNEL_IDS = {"1000": "chat", "1001": "facebook", "1002": "email", "1003": "web"}
CSAT = {0: 1, 1: 3, 2: 5}  # HubSpot's unsatisfied / neutral / satisfied onto csat5
SCALES = {"NPS": ("nps", 0, 10), "CES": ("ces7", 1, 7)}


def _results(data: Any, what: str) -> list[dict[str, Any]]:
    """The objects of one saved answer, a list of pages, or a plain list of objects."""
    if isinstance(data, dict):
        if isinstance(data.get("results"), list):
            return [r for r in data["results"] if isinstance(r, dict)]
        raise PermanentError(f"not a HubSpot {what} export: expected a list under results")
    if isinstance(data, list):
        out: list[dict[str, Any]] = []
        for row in data:
            if isinstance(row, dict) and isinstance(row.get("results"), list):
                out += _results(row, what)
            elif isinstance(row, dict):
                out.append(row)
        return out
    raise PermanentError(f"not a HubSpot {what} export: expected a JSON object or list")


def _d(value: Any) -> dict[str, Any]:
    """An object of the export, or an empty one where the file has something else."""
    return value if isinstance(value, dict) else {}


def _props(row: dict[str, Any]) -> dict[str, Any]:
    return _d(row.get("properties"))


def _text(value: Any, limit: int | None = None) -> str | None:
    text = str(value).strip() if value not in (None, "") else ""
    return (text[:limit] if limit else text) or None


def _associated(row: dict[str, Any], kind: str) -> list[str]:
    results = _d(_d(row.get("associations")).get(kind)).get("results")
    if not isinstance(results, list):
        return []
    return [str(r["id"]) for r in results if isinstance(r, dict) and r.get("id")]


def contacts_of(data: Any) -> dict[str, dict[str, Any]]:
    """Contacts by id: the person each becomes (email, phone, name, language)."""
    people: dict[str, dict[str, Any]] = {}
    for c in _results(data, "contacts"):
        if c.get("id") in (None, ""):
            continue
        p = _props(c)
        person: dict[str, Any] = {"external_ids": {SOURCE: str(c["id"])}}
        if _text(p.get("email")):
            person["email"] = str(p["email"]).strip()[:320]
        phone = _text(p.get("phone")) or _text(p.get("mobilephone"))
        if phone:
            person["phone"] = phone[:64]
        name = " ".join(x for x in (_text(p.get("firstname")), _text(p.get("lastname"))) if x)
        if name:
            person["name"] = name[:300]
        if _text(p.get("hs_language")):
            person["traits"] = {"language": str(p["hs_language"]).strip()[:35]}
        people[str(c["id"])] = person
    return people


def _person(contact_id: Any, contacts: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if contact_id in (None, ""):
        return None
    return contacts.get(str(contact_id)) or {"external_ids": {SOURCE: str(contact_id)}}


def _channel(source_type: Any) -> str:
    name = str(source_type or "").strip().lower()
    return SOURCE_TYPES.get(name) or channel_of(name, "other")


def ticket_items(data: Any, contacts: dict[str, dict[str, Any]] | None = None) -> Iterator[Item]:
    contacts = contacts or {}
    for t in _results(data, "tickets"):
        p = _props(t)
        tid = t.get("id") or p.get("hs_object_id")
        where = f"ticket {tid}"
        if tid in (None, ""):
            yield Item(where, outcome="rejected: ticket without id")
            continue
        if t.get("archived") is True:
            yield Item(where, outcome="skipped: archived")
            continue
        people = _associated(t, "contacts")
        item = {
            "source": SOURCE,
            "external_id": f"ticket:{tid}",
            "occurred_at": iso(p.get("createdate") or t.get("createdAt")),
            "channel": _channel(p.get("source_type")),
            "type": "message",
            "direction": "inbound",
            "subject": _text(p.get("subject"), 1000),
            "text": _text(p.get("content")),
            "conversation_id": f"{SOURCE}:{tid}",
            "person": _person(people[0] if people else None, contacts),
            "attributes": {
                name: p.get(key)
                for name, key in (
                    ("pipeline", "hs_pipeline"),
                    ("pipeline_stage", "hs_pipeline_stage"),
                    ("priority", "hs_ticket_priority"),
                    ("category", "hs_ticket_category"),
                    ("source_type", "source_type"),
                    ("owner_id", "hubspot_owner_id"),
                    ("last_modified", "hs_lastmodifieddate"),
                )
                if p.get(key) not in (None, "")
            },
        }
        yield Item(where, history(item))


# ---------------------------------------------------------------- the tickets CSV export

_CSV_COLUMNS = {
    "id": ("ticket id", "record id"),
    "subject": ("ticket name",),
    "text": ("ticket description",),
    "created": ("create date", "created date"),
    "status": ("ticket status",),
    "pipeline": ("pipeline",),
    "priority": ("priority",),
    "source": ("source",),
    "category": ("category",),
    "contact": ("associated contact",),
    "contact_ids": ("associated contact ids", "associated contact id"),
    "email": ("email", "contact email"),
}
_EMAIL_RE = re.compile(r"[^\s()<>,;]+@[^\s()<>,;]+\.[^\s()<>,;]+")
_CSV_TIME = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _csv_time(value: str, zone: ZoneInfo) -> str | None:
    value = value.strip()
    if not value:
        return None
    for pattern in _CSV_TIME:
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=zone).isoformat()
        except ValueError:
            continue
    return iso(value)  # ISO with an offset, or ingest says what is wrong with it


def csv_ticket_items(text: str, timezone: str | None = None) -> Iterator[Item]:
    """The HubSpot UI's tickets export (CSV): one ticket a row, times in `timezone`."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (KeyError, ValueError):
        raise PermanentError(f"unknown time zone {timezone!r}") from None
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    where_is = {
        field: next((header.index(n) for n in names if n in header), None)
        for field, names in _CSV_COLUMNS.items()
    }
    if where_is["id"] is None:
        raise PermanentError("not a HubSpot tickets CSV: no 'Ticket ID' or 'Record ID' column")
    for n, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(field: str, row: list[str] = row) -> str:
            at = where_is[field]
            return row[at].strip() if at is not None and at < len(row) else ""

        tid = cell("id")
        where = f"row {n}"
        if not tid:
            yield Item(where, outcome="rejected: row without a ticket id")
            continue
        person: dict[str, Any] = {}
        ids = [i.strip() for i in re.split(r"[;,]", cell("contact_ids")) if i.strip()]
        if ids:
            person["external_ids"] = {SOURCE: ids[0]}
        found = _EMAIL_RE.search(cell("email") or cell("contact"))
        if found:
            person["email"] = found.group(0)[:320]
            name = cell("contact").split("(")[0].strip()
            if name and "@" not in name:
                person["name"] = name[:300]
        item = {
            "source": SOURCE,
            "external_id": f"ticket:{tid}",
            "occurred_at": _csv_time(cell("created"), zone),
            "channel": _channel(cell("source").replace(" ", "_")),
            "type": "message",
            "direction": "inbound",
            "subject": cell("subject")[:1000] or None,
            "text": cell("text") or None,
            "conversation_id": f"{SOURCE}:{tid}",
            "person": person or None,
            "attributes": {
                f: cell(f) for f in ("status", "pipeline", "priority", "category") if cell(f)
            },
        }
        yield Item(where, history(item))


# ---------------------------------------------------------------- conversations


def _threads(data: Any) -> dict[str, dict[str, Any]]:
    return {str(t["id"]): t for t in _results(data, "threads") if t.get("id") not in (None, "")}


def _messages(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    pages = data if isinstance(data, list) else [data]
    for page in pages:
        if isinstance(page, dict) and isinstance(page.get("results"), list):
            thread = page.get("threadId")
            for m in page["results"]:
                if isinstance(m, dict):
                    yield str(m.get("conversationsThreadId") or thread or ""), m
        elif isinstance(page, dict):
            yield str(page.get("conversationsThreadId") or ""), page
        else:
            raise PermanentError("not a HubSpot messages export: expected objects under results")


def _sender_person(message: dict[str, Any]) -> dict[str, Any] | None:
    senders = message.get("senders")
    for sender in senders if isinstance(senders, list) else []:
        sender = _d(sender)
        ident = _d(sender.get("deliveryIdentifier"))
        kind, value = str(ident.get("type") or ""), _text(ident.get("value"), 320)
        if value and kind == "HS_EMAIL_ADDRESS":
            return {"email": value, **({"name": sender["name"]} if sender.get("name") else {})}
        if value and kind == "HS_PHONE_NUMBER":
            return {"phone": value[:64]}
    return None


def message_items(
    data: Any,
    threads: dict[str, dict[str, Any]] | None = None,
    contacts: dict[str, dict[str, Any]] | None = None,
) -> Iterator[Item]:
    """MESSAGE (customer in, agent out) and COMMENT (internal note); other events skipped."""
    threads, contacts = threads or {}, contacts or {}
    for thread_id, m in _messages(data):
        mid = m.get("id")
        where = f"message {mid}"
        kind = str(m.get("type") or "")
        if mid in (None, "") or not thread_id:
            yield Item(where, outcome="rejected: message without id or thread")
            continue
        if kind not in ("MESSAGE", "COMMENT"):
            yield Item(where, outcome=f"skipped: {kind.lower().replace('_', ' ') or 'event'}")
            continue
        thread = threads.get(thread_id) or {}
        ticket = thread.get("associatedTicketId")
        incoming = kind == "MESSAGE" and str(m.get("direction")) == "INCOMING"
        channel = CHANNEL_IDS.get(str(m.get("channelId") or thread.get("originalChannelId")))
        item: dict[str, Any] = {
            "source": SOURCE,
            "external_id": f"message:{mid}",
            "occurred_at": iso(m.get("createdAt")),
            "channel": channel or "other",
            "type": "message" if kind == "MESSAGE" else "note",
            "direction": "inbound" if incoming else "outbound",
            "subject": _text(m.get("subject"), 1000),
            "text": _text(m.get("text")),
            "conversation_id": f"{SOURCE}:{ticket}" if ticket else f"{SOURCE}:thread:{thread_id}",
            "attributes": {"thread_id": thread_id, **({"ticket_id": ticket} if ticket else {})},
        }
        if incoming:
            item["person"] = _person(thread.get("associatedContactId"), contacts) or _sender_person(
                m
            )
            yield Item(where, history(item))
            continue
        senders = m.get("senders")
        first = _d(senders[0]) if isinstance(senders, list) and senders else {}
        item["agent"] = str(first.get("name") or m.get("createdBy") or "agent")[:320]
        yield Item(where, history(item, "agent" if kind == "MESSAGE" else "system"))


# ---------------------------------------------------------------- feedback submissions


def feedback_items(data: Any, contacts: dict[str, dict[str, Any]] | None = None) -> Iterator[Item]:
    contacts = contacts or {}
    for f in _results(data, "feedback submissions"):
        p = _props(f)
        fid = f.get("id") or p.get("hs_object_id")
        where = f"feedback {fid}"
        if fid in (None, ""):
            yield Item(where, outcome="rejected: feedback without id")
            continue
        kind = str(p.get("hs_survey_type") or "").upper()
        raw = p.get("hs_response_value")
        rating: float | None = None
        scale: str | None = None
        if kind in SCALES or kind == "CSAT":
            try:
                value = float(str(raw).strip())
            except ValueError:
                yield Item(where, outcome=f"rejected: {kind} value {str(raw)[:20]!r} not a number")
                continue
            if kind == "CSAT":
                if value not in CSAT:
                    yield Item(where, outcome=f"rejected: CSAT value {raw!r} is not 0, 1 or 2")
                    continue
                rating, scale = CSAT[int(value)], "csat5"
            else:
                scale, low, high = SCALES[kind]
                if not low <= value <= high:
                    yield Item(
                        where, outcome=f"rejected: {kind} value {raw!r} outside {low}-{high}"
                    )
                    continue
                rating = value
        people = _associated(f, "contacts")
        contact = people[0] if people else p.get("hs_contact_id")
        person = _person(contact, contacts)
        if person is None and _text(p.get("hs_contact_email_rollup")):
            person = {"email": str(p["hs_contact_email_rollup"]).strip()[:320]}
        item = {
            "source": SOURCE,
            "external_id": f"feedback:{fid}",
            "occurred_at": iso(
                p.get("hs_submission_timestamp") or p.get("hs_createdate") or f.get("createdAt")
            ),
            "channel": "survey",
            "type": "survey_response",
            "direction": "inbound",
            "rating": rating,
            "rating_scale": scale,
            "text": _text(p.get("hs_content")),
            "touchpoint": f"hubspot_{kind.lower() or 'survey'}"[:100],
            "person": person,
            "attributes": {
                name: p.get(key)
                for name, key in (
                    ("survey_type", "hs_survey_type"),
                    ("survey_name", "hs_survey_name"),
                    ("survey_id", "hs_survey_id"),
                    ("hubspot_value", "hs_response_value"),
                    ("sentiment", "hs_sentiment"),
                    ("survey_channel", "hs_survey_channel"),
                )
                if p.get(key) not in (None, "")
            },
        }
        yield Item(where, history(item))


# ---------------------------------------------------------------- storing


def import_data(
    db: Database,
    workspace_id: int,
    *,
    tickets: Any = None,
    contacts: Any = None,
    threads: Any = None,
    messages: Any = None,
    feedback: Any = None,
    tickets_csv: str | None = None,
    timezone: str | None = None,
) -> ImportSummary:
    """Parsed HubSpot answers (any may be None) stored as history."""
    people = contacts_of(contacts) if contacts is not None else {}
    items: list[Item] = []
    if tickets is not None:
        items += ticket_items(tickets, people)
    if tickets_csv is not None:
        items += csv_ticket_items(tickets_csv, timezone)
    if messages is not None:
        items += message_items(messages, _threads(threads) if threads else {}, people)
    if feedback is not None:
        items += feedback_items(feedback, people)
    return import_items(db, workspace_id, items)


def _is_csv(path: Path) -> bool:
    if path.suffix.lower() == ".csv":
        return True
    head = decode_text(path.read_bytes()[:2000], path.name).lstrip()
    return not head.startswith(("{", "["))


def import_files(
    db: Database,
    workspace_id: int,
    *,
    tickets: Path | None = None,
    contacts: Path | None = None,
    threads: Path | None = None,
    messages: Path | None = None,
    feedback: Path | None = None,
    timezone: str | None = None,
) -> ImportSummary:
    if not (tickets or messages or feedback):
        raise PermanentError("give --tickets, --messages and/or --feedback")
    csv_text = None
    if tickets is not None and _is_csv(tickets):
        csv_text = decode_text(tickets.read_bytes(), tickets.name)
    return import_data(
        db,
        workspace_id,
        tickets=read_json(tickets) if tickets and csv_text is None else None,
        tickets_csv=csv_text,
        contacts=read_json(contacts) if contacts else None,
        threads=read_json(threads) if threads else None,
        messages=read_json(messages) if messages else None,
        feedback=read_json(feedback) if feedback else None,
        timezone=timezone,
    )


def _parse(data: bytes | str, **_: Any) -> list[Item]:
    text = decode_text(data)
    if not text.lstrip().startswith(("{", "[")):
        return list(csv_ticket_items(text))
    return list(ticket_items(load_json(text)))


register(SOURCE, ("file", "api"), _parse)
