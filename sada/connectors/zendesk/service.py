"""Zendesk history from its API's JSON: incremental ticket export, comments/audits, ratings.

Files read (any of them, each a saved API answer or JSON Lines of its objects):
- tickets: `GET /api/v2/incremental/tickets.json` (or `/cursor.json`) `{"tickets": [...],
  "users": [...]}` (users side-loaded with `include=users` give requesters' emails);
- comments: `GET /api/v2/incremental/ticket_events.json?include=comment_events`
  (`ticket_events` with `child_events` of type Comment), ticket audits
  (`{"audits": [{"ticket_id", "events": [...]}]}`), or `{"ticket_id", "comments": [...]}`;
- ratings: `GET /api/v2/satisfaction_ratings.json` `{"satisfaction_ratings": [...]}`.

`items(tickets=..., comments=..., ratings=...)` yields ingest items (history);
`import_files(db, workspace_id, tickets=Path, ratings=Path, comments=Path)` stores them.
Good/bad ratings become CSAT (csat5: good 5, bad 1); offered-but-unanswered are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sada.connectors.base import Item, PermanentError, load_json, register
from sada.connectors.history import channel_of, history, import_items, iso, read_json
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary

SOURCE = "zendesk"
RATING = {"good": 5, "bad": 1}


def _list(data: Any, *keys: str) -> list[dict[str, Any]]:
    if isinstance(data, list):
        out: list[dict[str, Any]] = []
        for d in data:
            if isinstance(d, dict) and any(isinstance(d.get(k), list) for k in keys):
                out += _list(d, *keys)  # several saved pages
            elif isinstance(d, dict):
                out.append(d)
        return out
    if isinstance(data, dict):
        for key in keys:
            if isinstance(data.get(key), list):
                return [d for d in data[key] if isinstance(d, dict)]
    raise PermanentError(f"not a Zendesk export: expected a list under {' or '.join(keys)}")


def _users(data: Any) -> dict[str, dict[str, Any]]:
    pages = data if isinstance(data, list) else [data]
    return {
        str(u.get("id")): u
        for page in pages
        if isinstance(page, dict)
        for u in page.get("users") or []
        if isinstance(u, dict)
    }


def _person(user_id: Any, users: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    if user_id in (None, ""):
        return None
    person: dict[str, Any] = {"external_ids": {SOURCE: str(user_id)}}
    user = users.get(str(user_id)) or {}
    if user.get("email"):
        person["email"] = str(user["email"])
    if user.get("name"):
        person["name"] = str(user["name"])[:300]
    return person


def ticket_items(data: Any) -> Iterator[Item]:
    users = _users(data)
    for t in _list(data, "tickets", "results"):
        tid = t.get("id")
        where = f"ticket {tid}"
        if tid is None:
            yield Item(where, outcome="rejected: ticket without id")
            continue
        if str(t.get("status")) == "deleted":
            yield Item(where, outcome="skipped: deleted")
            continue
        via = (t.get("via") or {}).get("channel")
        item = {
            "source": SOURCE,
            "external_id": f"ticket:{tid}",
            "occurred_at": iso(t.get("created_at")),
            "channel": channel_of(via, "email"),
            "type": "complaint" if str(t.get("type")) == "problem" else "message",
            "direction": "inbound",
            "subject": str(t.get("subject") or t.get("raw_subject") or "")[:1000] or None,
            "text": t.get("description") or None,
            "conversation_id": f"{SOURCE}:{tid}",
            "person": _person(t.get("requester_id"), users),
            "attributes": {
                k: t.get(k)
                for k in ("status", "priority", "type", "tags", "group_id", "assignee_id")
                if t.get(k) not in (None, "", [])
            },
        }
        yield Item(where, history(item))


def _comment(
    c: dict[str, Any], ticket_id: Any, when: Any, users: dict[str, dict[str, Any]], requester: Any
) -> Item:
    cid = c.get("id")
    author = c.get("author_id")
    customer = requester is not None and str(author) == str(requester)
    user = users.get(str(author)) or {}
    if not requester and user.get("role") == "end-user":
        customer = True
    item: dict[str, Any] = {
        "source": SOURCE,
        "external_id": f"comment:{cid}",
        "occurred_at": iso(c.get("created_at") or when),
        "channel": channel_of((c.get("via") or {}).get("channel"), "email"),
        "type": "message" if c.get("public", True) else "note",
        "direction": "inbound" if customer else "outbound",
        "text": c.get("plain_body") or c.get("body") or None,
        "conversation_id": f"{SOURCE}:{ticket_id}",
        "attributes": {"ticket_id": ticket_id, "public": bool(c.get("public", True))},
    }
    if customer:
        item["person"] = _person(author, users)
        return Item(f"comment {cid}", history(item))
    item["agent"] = str(user.get("email") or author or "agent")[:320]
    return Item(f"comment {cid}", history(item, "agent" if c.get("public", True) else "system"))


def comment_items(data: Any, requesters: dict[str, Any] | None = None) -> Iterator[Item]:
    """Comments from ticket events, audits or per-ticket comment lists."""
    users = _users(data)
    requesters = requesters or {}
    for row in _list(data, "ticket_events", "audits", "comments"):
        if "child_events" in row or "events" in row:
            ticket_id = row.get("ticket_id")
            for event in row.get("child_events") or row.get("events") or []:
                if isinstance(event, dict) and event.get("type") in ("Comment", "VoiceComment"):
                    if event.get("event_type") not in (None, "Comment", "VoiceComment"):
                        continue
                    yield _comment(
                        event,
                        ticket_id,
                        row.get("created_at"),
                        users,
                        requesters.get(str(ticket_id)),
                    )
        elif "ticket_id" in row and isinstance(row.get("comments"), list):
            for c in row["comments"]:
                yield _comment(
                    c, row["ticket_id"], None, users, requesters.get(str(row["ticket_id"]))
                )
        elif row.get("type") == "Comment" or "body" in row:
            ticket_id = row.get("ticket_id")
            yield _comment(row, ticket_id, None, users, requesters.get(str(ticket_id)))


def rating_items(data: Any) -> Iterator[Item]:
    for r in _list(data, "satisfaction_ratings"):
        rid = r.get("id")
        where = f"rating {rid}"
        score = str(r.get("score") or "")
        if score.startswith("offered") or score.startswith("unoffered"):
            yield Item(where, outcome=f"skipped: {score.split('_')[0]}")
            continue
        if score.split("_")[0] not in RATING:
            yield Item(where, outcome=f"rejected: unknown score {score[:40]!r}")
            continue
        item = {
            "source": SOURCE,
            "external_id": f"rating:{rid}",
            "occurred_at": iso(r.get("updated_at") or r.get("created_at")),
            "channel": "survey",
            "type": "survey_response",
            "direction": "inbound",
            "rating": RATING[score.split("_")[0]],
            "rating_scale": "csat5",
            "text": r.get("comment") or None,
            "conversation_id": f"{SOURCE}:{r.get('ticket_id')}",
            "person": _person(r.get("requester_id"), {}),
            "attributes": {
                "ticket_id": r.get("ticket_id"),
                "zendesk_score": score,
                **({"reason": r["reason"]} if r.get("reason") else {}),
            },
        }
        yield Item(where, history(item))


def import_data(
    db: Database, workspace_id: int, tickets: Any, comments: Any, ratings: Any
) -> ImportSummary:
    """Parsed tickets/comments/ratings (any may be None) stored as history."""
    requesters: dict[str, Any] = {}
    all_items: list[Item] = []
    if tickets is not None:
        for t in _list(tickets, "tickets", "results"):
            requesters[str(t.get("id"))] = t.get("requester_id")
        all_items += ticket_items(tickets)
    if comments is not None:
        all_items += comment_items(comments, requesters)
    if ratings is not None:
        all_items += rating_items(ratings)
    return import_items(db, workspace_id, all_items)


def import_files(
    db: Database,
    workspace_id: int,
    *,
    tickets: Path | None = None,
    comments: Path | None = None,
    ratings: Path | None = None,
) -> ImportSummary:
    if not (tickets or comments or ratings):
        raise PermanentError("give --tickets, --comments and/or --ratings")
    return import_data(
        db,
        workspace_id,
        read_json(tickets) if tickets else None,
        read_json(comments) if comments else None,
        read_json(ratings) if ratings else None,
    )


register(SOURCE, ("file",), lambda data, **_: list(ticket_items(load_json(data))))
