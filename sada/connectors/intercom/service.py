"""Intercom conversations (API `GET /conversations/{id}` / search results) as history.

A file holds `{"conversations": [...]}` (list or search pages), a list of conversations, or
JSON Lines. The first message (`source`) and each `conversation_parts` comment become
interactions in the conversation `intercom:<id>`: users' and leads' as the customer's
(origin import), admins' as agent replies, notes as Sada notes (origin system); assignment,
open/close and other parts are skipped. `conversation_rating` (1–5) becomes CSAT (csat5).
HTML bodies are reduced to text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sada.connectors.base import Item, PermanentError, load_json, register
from sada.connectors.history import channel_of, history, import_items, iso, read_json
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary

SOURCE = "intercom"
_TAG = re.compile(r"<[^>]+>")


def text_of(body: Any) -> str | None:
    if not body:
        return None
    text = _TAG.sub(" ", re.sub(r"<br\s*/?>|</p>", "\n", str(body)))
    return re.sub(r"[ \t]+", " ", html.unescape(text)).strip() or None


def _person(author: dict[str, Any]) -> dict[str, Any] | None:
    person: dict[str, Any] = {}
    if author.get("id"):
        person["external_ids"] = {SOURCE: str(author["id"])}
    if author.get("email"):
        person["email"] = str(author["email"])
    if author.get("name") and person:
        person["name"] = str(author["name"])[:300]
    return person or None


def _part(
    pid: Any, when: Any, body: Any, author: dict[str, Any], conv: Any, channel: str, note: bool
) -> Item:
    where = f"part {pid}"
    text = text_of(body)
    if not text:
        return Item(where, outcome="skipped: no text")
    item: dict[str, Any] = {
        "source": SOURCE,
        "external_id": f"part:{pid}",
        "occurred_at": iso(when),
        "channel": channel,
        "type": "note" if note else "message",
        "text": text,
        "conversation_id": f"{SOURCE}:{conv}",
    }
    if str(author.get("type")) in ("user", "lead", "contact") and not note:
        item.update(direction="inbound", person=_person(author))
        return Item(where, history(item))
    item.update(
        direction="outbound", agent=str(author.get("email") or author.get("name") or "agent")[:320]
    )
    return Item(where, history(item, "system" if note else "agent"))


def conversation_items(c: dict[str, Any]) -> Iterator[Item]:
    cid = c.get("id")
    source = c.get("source") or {}
    channel = channel_of(source.get("delivered_as") or source.get("type"), "chat")
    if source.get("type") == "email":
        channel = "email"
    if source:
        yield _part(
            f"{cid}-source",
            c.get("created_at"),
            source.get("body"),
            source.get("author") or {},
            cid,
            channel,
            False,
        )
    parts = (c.get("conversation_parts") or {}).get("conversation_parts") or []
    for p in parts:
        kind = str(p.get("part_type") or "")
        if kind not in ("comment", "note"):
            yield Item(f"part {p.get('id')}", outcome=f"skipped: {kind or 'unknown'} part")
            continue
        yield _part(
            p.get("id"),
            p.get("created_at"),
            p.get("body"),
            p.get("author") or {},
            cid,
            channel,
            kind == "note",
        )
    rating = c.get("conversation_rating") or {}
    if rating.get("rating") is not None:
        contact = rating.get("contact") or {}
        item = {
            "source": SOURCE,
            "external_id": f"rating:{cid}",
            "occurred_at": iso(rating.get("created_at") or c.get("updated_at")),
            "channel": "survey",
            "type": "survey_response",
            "direction": "inbound",
            "rating": rating.get("rating"),
            "rating_scale": "csat5",
            "text": text_of(rating.get("remark")),
            "conversation_id": f"{SOURCE}:{cid}",
            "person": _person({**contact, "type": "user"}),
        }
        yield Item(f"rating {cid}", history(item))


def export_items(data: Any) -> Iterator[Item]:
    pages = data if isinstance(data, list) else [data]
    conversations: list[dict[str, Any]] = []
    for page in pages:
        if isinstance(page, dict) and isinstance(page.get("conversations"), list):
            conversations += page["conversations"]
        elif isinstance(page, dict) and page.get("type") == "conversation":
            conversations.append(page)
    if not conversations and data:
        raise PermanentError("not an Intercom export: expected {'conversations': [...]}")
    for c in conversations:
        yield from conversation_items(c)


def import_file(db: Database, workspace_id: int, path: Path) -> ImportSummary:
    return import_items(db, workspace_id, export_items(read_json(path)))


register(SOURCE, ("file",), lambda data, **_: list(export_items(load_json(data))))
