"""The import's fast path: posts that Sada's own parsers built, stored set-based.

`sada import x|telegram|...` hands over items made by `sources.post_item`: their shape is
known, so the generic per-item validation of `ingest_batch` (a pydantic model per item, a walk
of every string, a person model per item) is replaced by the few checks that such an item can
still fail (a NUL or unpaired surrogate in a text, sizes, an implausible date, a handle that
does not normalize). An item that is not plainly of that shape, or fails one of those checks,
goes through `ingest_batch` with the rest of its kind, which reports it precisely.

The store is the same as the generic path's: dedupe by (source, network id) against stored
posts and within the part, one person per handle (resolved once per part, however many posts
the author wrote), interactions with reserved ids in one insert, the interaction rollups and
`interaction.ingested` events (history marked as backfill by age), then mentions from the
posts kept in memory (no read-back), the brand-day and term rollups.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from sada.db.dialect import insert_many_ignoring_conflicts, reserve_ids
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.interactions import rollups
from sada.interactions.models import Interaction
from sada.interactions.schemas import CHANNELS, check_occurred_at
from sada.interactions.service import IngestLimits, notify_ingested, stored_keys
from sada.listening import days as local
from sada.listening.brands import matcher_for
from sada.listening.ingest import finish_mentions, ingest_posts, insert_mentions, mention_row
from sada.listening.matching import Matcher, Mention
from sada.listening.sources import NETWORKS, SOURCE_PREFIX
from sada.people.identities import IdentityError, IdentityKey, normalize_handle
from sada.people.models import BUILTIN_AUDIENCES
from sada.people.schemas import PersonRef
from sada.people.service import SUPPRESSED_MESSAGE, ParsedPerson, Resolver

_ITEM_KEYS = frozenset(
    {
        "source",
        "external_id",
        "occurred_at",
        "channel",
        "type",
        "direction",
        "text",
        "origin",
        "attributes",
        "language",
        "person",
    }
)
_PERSON_KEYS = frozenset({"handles", "audience", "name"})
_CHANNELS = frozenset(c for c in (*NETWORKS, "other") if c in CHANNELS)
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


@dataclass
class Stored:
    """What a part came to: counts, and each rejected item's index and reason."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Post:
    index: int
    item: dict[str, Any]
    at: datetime
    key: IdentityKey | None


def _plain(item: Any, limits: IngestLimits) -> _Post | None:
    """The item as a post of `post_item`'s shape that passes every check of the generic path;
    None when it is not plainly one (it then takes the generic path)."""
    if not isinstance(item, dict) or not item.keys() <= _ITEM_KEYS:
        return None
    source, external_id, text = item.get("source"), item.get("external_id"), item.get("text")
    language, attributes = item.get("language"), item.get("attributes")
    if not (
        isinstance(source, str)
        and source.startswith(SOURCE_PREFIX)
        and len(source) <= 100
        and isinstance(external_id, str)
        and 1 <= len(external_id) <= 200
        and isinstance(text, str)
        and item.get("channel") in _CHANNELS
        and item.get("type") == "message"
        and item.get("direction") == "inbound"
        and item.get("origin") == "customer"
        and (language is None or (isinstance(language, str) and _LANGUAGE.match(language)))
        and isinstance(attributes, dict)
    ):
        return None
    if (
        len(text) * 4 > limits.max_text_bytes
        and len(text.encode("utf-8", "surrogatepass")) > limits.max_text_bytes
    ):
        return None
    strings = [source, external_id, text]
    key: IdentityKey | None = None
    person = item.get("person")
    if person is not None:
        if not isinstance(person, dict) or not person.keys() <= _PERSON_KEYS:
            return None
        handles, name = person.get("handles"), person.get("name")
        if not isinstance(handles, dict) or len(handles) != 1:
            return None
        ((network, handle),) = handles.items()
        if not (isinstance(network, str) and 1 <= len(network) <= 100 and isinstance(handle, str)):
            return None
        if not 1 <= len(handle) <= 320 or person.get("audience") not in BUILTIN_AUDIENCES:
            return None
        if name is not None and not (isinstance(name, str) and len(name) <= 300):
            return None
        strings.extend((network, handle, name or ""))
        try:
            key = normalize_handle(network, handle)
        except IdentityError:
            return None
    if _UNSAFE.search("".join(strings)):
        return None
    try:
        encoded = orjson.dumps(attributes)  # no unpaired surrogate (orjson refuses one)
    except orjson.JSONEncodeError:
        return None
    if len(encoded) > limits.max_attributes_bytes or b"\\u0000" in encoded:
        return None
    if any(isinstance(v, dict | list) for v in attributes.values()):
        return None  # nested attributes: the generic path checks their depth
    try:
        at = datetime.fromisoformat(str(item.get("occurred_at")))
        if at.tzinfo is None:
            return None
        check_occurred_at(at)
    except ValueError:
        return None
    return _Post(index=0, item=item, at=at, key=key)


def store_posts(
    session: Session,
    items: list[dict[str, Any]],
    *,
    matcher: Matcher | None = None,
    found: Sequence[list[Mention]] | None = None,
    terms: Sequence[tuple[str, dict[str, str]]] | None = None,
    limits: IngestLimits | None = None,
) -> Stored:
    """Store a part of an import (one transaction, the caller's) and its mentions and terms.

    `found`, `terms`: the items' mentions and terms, aligned with `items` (found in worker
    processes), else found here."""
    limits = limits or IngestLimits()
    matcher = matcher or matcher_for(session)
    out = Stored()
    plain: list[_Post] = []
    other: list[int] = []
    for index, item in enumerate(items):
        post = _plain(item, limits)
        if post is None:
            other.append(index)
        else:
            post.index = index
            plain.append(post)
    if other:  # the generic path, with its precise per-item errors
        results = ingest_posts(
            session,
            [items[i] for i in other],
            matcher=matcher,
            found=[found[i] for i in other] if found is not None else None,
            terms=[terms[i] for i in other] if terms is not None else None,
        )
        for r in results:
            if r.status == "stored":
                out.stored += 1
            elif r.status == "duplicate":
                out.duplicates += 1
            else:
                out.rejected.append((other[r.index], "; ".join(e.message for e in r.errors)))

    # Duplicates: stored already, or repeated within the part.
    existing = stored_keys(session, [(p.item["source"], p.item["external_id"]) for p in plain])
    fresh: list[_Post] = []
    seen: set[tuple[str, str]] = set()
    for p in plain:
        k = (p.item["source"], p.item["external_id"])
        if k in existing or k in seen:
            out.duplicates += 1
        else:
            seen.add(k)
            fresh.append(p)

    person_of = _people(session, fresh, out)
    workspace_id = bound_workspace(session)
    now = utcnow()
    history_before = now - limits.live_window
    rows: list[dict[str, Any]] = []
    by_row: list[_Post] = []
    for p in fresh:
        if p.key is not None and p.key not in person_of:
            continue  # rejected with its person
        item = p.item
        rows.append(
            {
                "workspace_id": workspace_id,
                "person_id": person_of.get(p.key) if p.key is not None else None,
                "anonymous_id": None,
                "occurred_at": p.at,
                "received_at": now,
                "channel": item["channel"],
                "touchpoint_id": None,
                "direction": "inbound",
                "type": "message",
                "subject": None,
                "text": item["text"],
                "language": item.get("language"),
                "rating": None,
                "rating_scale": None,
                "agent_id": None,
                "conversation_id": None,
                "attributes": dict(item["attributes"]),
                "source": item["source"],
                "external_id": item["external_id"],
                "origin": "customer",
                "backfill": p.at < history_before,
            }
        )
        by_row.append(p)
    zones = rollups.kept_zones(session) if rows else []  # before the insert: see there
    stored = _insert(session, rows)
    out.duplicates += len(rows) - len(stored)  # a concurrent import stored them first
    kept = [(r, p) for r, p in zip(rows, by_row, strict=True) if r["id"] in stored]
    out.stored += len(kept)
    if not kept:
        return out
    rollups.count_ingested(session, [r for r, _p in kept], zones)
    notify_ingested(session, [r["id"] for r, _p in kept if not r["backfill"]])
    notify_ingested(session, [r["id"] for r, _p in kept if r["backfill"]], live=False)

    tz = local.keep_zone(session)
    if matcher.brands:
        if found is None:
            posts = [r for r, _p in kept]
            mentions = matcher.find([r["text"] for r in posts], [r["language"] for r in posts])
        else:
            mentions = [found[p.index] for _r, p in kept]
        mention_rows = [
            mention_row(workspace_id, r, m)
            for (r, _p), ms in zip(kept, mentions, strict=True)
            for m in ms
        ]
        finish_mentions(session, insert_mentions(session, mention_rows), tz)
    local.add_terms(
        session,
        (
            (
                r["occurred_at"],
                *(
                    terms[p.index]
                    if terms is not None
                    else local.post_terms(r["text"], r["language"])
                ),
            )
            for r, p in kept
        ),
        tz,
    )
    return out


def _people(session: Session, posts: list[_Post], out: Stored) -> dict[IdentityKey, int]:
    """One person per handle of the part: the last name and audience given win, as they do
    when the same author's posts are resolved one after another. Posts whose person may not
    be stored (an erased person's handle) are counted as rejected."""
    refs: dict[IdentityKey, dict[str, Any]] = {}
    for p in posts:
        if p.key is None:
            continue
        person = p.item["person"]
        ref = refs.setdefault(p.key, {"handles": person["handles"]})
        if person.get("name"):
            ref["name"] = person["name"]
        ref["audience"] = person["audience"]
    if not refs:
        return {}
    resolver = Resolver(session)
    parsed: list[ParsedPerson] = []
    barred: set[IdentityKey] = set()
    for key, ref in refs.items():
        one = ParsedPerson(keys=[key], ref=PersonRef.model_construct(**ref))
        if resolver.is_suppressed(one):
            barred.add(key)
        else:
            parsed.append(one)
    for p in posts:
        if p.key in barred:
            out.rejected.append((p.index, SUPPRESSED_MESSAGE))
    resolved = resolver.resolve_many(parsed)
    return {one.keys[0]: r.person_id for one, r in zip(parsed, resolved, strict=True)}


def _insert(session: Session, rows: list[dict[str, Any]]) -> set[int]:
    """Insert with reserved ids, in one key order for every writer; the ids inserted (a row
    that lost a race for its source and network id is left out)."""
    if not rows:
        return set()
    table = Interaction.__table__
    ordered = sorted(rows, key=lambda r: (r["source"], r["external_id"]))
    for row, iid in zip(ordered, reserve_ids(session, table, len(rows)), strict=True):
        row["id"] = iid
    return insert_many_ignoring_conflicts(
        session, table, ordered, ["workspace_id", "source", "external_id"]
    )
