"""The ingest write path: a batch of raw items in, stored interactions and their jobs out.

Top-down, in the order of this file:

- `ingest_batch` is one transaction (the caller commits): stored interactions and the
  jobs that enrich them commit together, so a crash loses no work and a replay of the
  same batch stores nothing twice (source + external_id is unique per workspace).
  It wraps `ingest_results`, which reports each item's outcome as a plain `RawResult`
  tuple (what the inbox applier writes without building a model per item):
  1. validate every item (`validate_item` in `sada.interactions.service`, or the inbox's
     already checked forms);
  2. drop duplicates: already stored (`stored_keys`) or repeated within the batch;
  3. reject items whose person may not be resolved (`_person_problem`: an unknown
     audience, an erased person's identity), then resolve every other person in one pass
     (`Resolver.resolve_many`);
  4. build one row per new interaction (touchpoints registered and agents looked up on
     the way: `TouchpointRegistry`, `_AgentLookup`);
  5. insert the rows with reserved ids in one order for every writer (`_insert_rows`);
  6. publish `interaction.ingested` for live and history ids, and count the stored rows
     into the rollups last.
- `create_new_people` runs before `ingest_batch`, in a short transaction of its own (the
  synchronous API does so on PostgreSQL): it creates the batch's brand-new people only,
  so that their new identities' index locks are not held for the whole batch.

Validation, dedupe lookups, touchpoints and events stay in `sada.interactions.service`
(the inbox and other writers use them too).
"""

from __future__ import annotations

from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.db.dialect import insert_many_ignoring_conflicts, reserve_ids
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.interactions import rollups
from sada.interactions.models import Interaction
from sada.interactions.schemas import ItemError, ItemResult
from sada.interactions.service import (
    IngestLimits,
    TouchpointRegistry,
    _Valid,
    from_checked_form,
    is_backfill,
    notify_ingested,
    origin_of,
    stored_keys,
    validate_item,
)
from sada.people.bulk_create import create_new
from sada.people.service import SUPPRESSED_MESSAGE, ParsedPerson, Resolver
from sada.tenants.models import Membership, User
from sada.tenants.service import Actor


def ingest_batch(
    session: Session,
    raw_items: list[Any],
    *,
    limits: IngestLimits | None = None,
    actor: Actor | None = None,
    received_at: datetime | None = None,
    arrived: list[datetime] | None = None,
    checked: bool = False,
    forms: list[dict[str, Any]] | None = None,
) -> list[ItemResult]:
    """Store the good items of a batch; report each item's outcome.

    The caller owns the transaction (commit after this returns). `received_at` is when
    the batch arrived (the inbox's accept time; now by default): it decides `backfill`;
    `arrived` gives each item its own (the applier's merged batches).
    `checked`: the items were accepted by `validate_item` before (the inbox applier);
    `forms`: their `checked_form`s, one per item (then they are not validated again).
    """
    return [
        ItemResult.model_construct(
            index=index, status=status, id=iid, person_id=pid, errors=errors or []
        )
        for index, status, iid, pid, errors in ingest_results(
            session,
            raw_items,
            limits=limits,
            actor=actor,
            received_at=received_at,
            arrived=arrived,
            checked=checked,
            forms=forms,
        )
    ]


# One item's outcome as `ingest_results` reports it: (index, status, id, person_id, errors),
# status "stored", "duplicate" or "rejected"; errors None when there are none. A plain tuple:
# the applier writes it into the batch's results without building a model per item.
RawResult = tuple[int, str, int | None, int | None, list[ItemError] | None]


def ingest_results(
    session: Session,
    raw_items: list[Any],
    *,
    limits: IngestLimits | None = None,
    actor: Actor | None = None,
    received_at: datetime | None = None,
    arrived: list[datetime] | None = None,
    checked: bool = False,
    forms: list[dict[str, Any]] | None = None,
) -> list[RawResult]:
    """`ingest_batch` with each outcome as a `RawResult` tuple, in input order."""
    limits = limits or IngestLimits()
    workspace_id = bound_workspace(session)
    if len(raw_items) > limits.max_items:
        raise Invalid(f"a batch holds at most {limits.max_items:,} items; got {len(raw_items):,}")
    results: list[RawResult | None] = [None] * len(raw_items)
    valid: list[_Valid] = []
    if forms is not None:
        assert len(forms) == len(raw_items)
        valid = [from_checked_form(index, form) for index, form in enumerate(forms)]
        raw_items = []
    for index, raw in enumerate(raw_items):
        good, errors = validate_item(raw, index, limits, checked=checked)
        if good is None:
            results[index] = (index, "rejected", None, None, errors)
        else:
            valid.append(good)

    # Duplicates: already stored, or repeated within this batch.
    keys = [(v.item.source, v.item.external_id) for v in valid]
    existing = stored_keys(session, keys)
    fresh: list[_Valid] = []
    seen: dict[tuple[str, str], int] = {}
    for v, key in zip(valid, keys, strict=True):
        if key in existing:
            iid, pid = existing[key]
            results[v.index] = (v.index, "duplicate", iid, pid, None)
        elif key in seen:
            error = ItemError(
                path=f"items[{v.index}].external_id",
                message=f"same source and external_id as items[{seen[key]}]",
            )
            results[v.index] = (v.index, "duplicate", None, None, [error])
        else:
            seen[key] = v.index
            fresh.append(v)

    # People: rejected audiences first, then every person of the batch in one pass.
    resolver = Resolver(session, actor=actor)
    with_people: list[_Valid] = []
    for v in fresh:
        if v.person is None or not v.person.keys:
            continue
        problem = _person_problem(resolver, v)
        if problem:
            path, message = problem
            results[v.index] = (
                v.index,
                "rejected",
                None,
                None,
                [ItemError(path=path, message=message)],
            )
        else:
            with_people.append(v)
    resolved = resolver.resolve_many([v.person for v in with_people if v.person is not None])
    person_of = {v.index: r.person_id for v, r in zip(with_people, resolved, strict=True)}
    touchpoints = TouchpointRegistry(session)
    agents = _AgentLookup(session)
    now = received_at or utcnow()
    window = limits.live_window
    rows: list[dict[str, Any]] = []
    row_index: list[int] = []
    for v in fresh:
        index = v.index
        if results[index] is not None:
            continue
        item = v.item
        attributes = dict(item.attributes) if item.attributes else {}
        agent_id = None
        if item.agent:
            agent_id = agents.id_for(item.agent)
            attributes.setdefault("agent", item.agent)
        origin = origin_of(item)
        if arrived is not None:
            now = arrived[index]
        rows.append(
            {
                "workspace_id": workspace_id,
                "person_id": person_of.get(index),
                "anonymous_id": item.anonymous_id,
                "occurred_at": item.occurred_at,
                "received_at": now,
                "channel": item.channel,
                "touchpoint_id": touchpoints.id_for(item.touchpoint) if item.touchpoint else None,
                "direction": item.direction,
                "type": item.type,
                "subject": item.subject,
                "text": item.text,
                "language": item.language,
                "rating": item.rating,
                "rating_scale": item.rating_scale,
                "agent_id": agent_id,
                "conversation_id": item.conversation_id,
                "attributes": attributes,
                "source": item.source,
                "external_id": item.external_id,
                "origin": origin,
                "backfill": is_backfill(item, origin, now, window),
            }
        )
        row_index.append(index)

    zones = rollups.kept_zones(session) if rows else []
    stored_ids = _insert_rows(session, rows)
    new_ids: list[int] = []
    history_ids: list[int] = []
    counted: list[dict[str, Any]] = []
    for index, row in zip(row_index, rows, strict=True):
        stored_id = stored_ids.get((row["source"], row["external_id"]))
        if stored_id is None:  # a concurrent request stored it first
            iid = session.execute(
                select(Interaction.id).where(
                    Interaction.source == row["source"],
                    Interaction.external_id == row["external_id"],
                )
            ).scalar_one()
            results[index] = (index, "duplicate", iid, row["person_id"], None)
        else:
            counted.append(row)
            (history_ids if row["backfill"] else new_ids).append(stored_id)
            results[index] = (index, "stored", stored_id, row["person_id"], None)
    notify_ingested(session, new_ids)
    notify_ingested(session, history_ids, live=False)
    # Last: the rollup rows are shared by every concurrent writer (locks held until commit).
    rollups.count_ingested(session, counted, zones)
    return [r for r in results if r is not None]


def _person_problem(resolver: Resolver, v: _Valid) -> tuple[str, str] | None:
    """(path, message) where the item's person may not be resolved: an unknown audience,
    or an identity of an erased person; None where it may."""
    assert v.person is not None
    audience = v.item.person.audience if v.item.person is not None else None
    problem = resolver.check_audience(audience) if audience else None
    if problem:
        return f"items[{v.index}].person.audience", problem
    if resolver.is_suppressed(v.person):
        return f"items[{v.index}].person", SUPPRESSED_MESSAGE
    return None


class _AgentLookup:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._ids: dict[str, int | None] = {}

    def id_for(self, email: str) -> int | None:
        email = email.strip().lower()
        if email not in self._ids:
            self._ids[email] = self.session.execute(
                select(User.id)
                .join(Membership, Membership.user_id == User.id)
                .where(User.email == email)
            ).scalar_one_or_none()
        return self._ids[email]


_SOURCE_KEY = itemgetter("source", "external_id")


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert with reserved ids; rows that lost a race for source+external_id are left out."""
    if not rows:
        return {}
    table = Interaction.__table__
    # One order for every writer: concurrent batches with overlapping keys then wait on
    # each other instead of deadlocking on the unique index.
    rows = sorted(rows, key=_SOURCE_KEY)
    for row, iid in zip(rows, reserve_ids(session, table, len(rows)), strict=True):
        row["id"] = iid
    inserted = insert_many_ignoring_conflicts(
        session, table, rows, ["workspace_id", "source", "external_id"]
    )
    return {(r["source"], r["external_id"]): r["id"] for r in rows if r["id"] in inserted}


def create_new_people(
    session: Session,
    raw_items: list[Any],
    *,
    limits: IngestLimits | None = None,
    actor: Actor | None = None,
) -> int:
    """Create a batch's brand-new people (every identity unknown), and nothing else.

    Run in a short transaction of its own, committed before the `ingest_batch` of the same
    items: on PostgreSQL a new identity's unique-index entry blocks every other writer of
    that identity until its transaction ends, so creating the people inside the batch's
    transaction made concurrent requests that name the same new people wait for each
    other's whole batch (p50 1.4 s for synchronous answers in `bench/concurrent_ingest.py`).
    Items that `ingest_batch` would reject (invalid, unknown audience, an erased person's
    identity) or report as duplicates create nobody. If the batch then fails, its new people remain without
    interactions and are found again by the retry. Returns how many were created.
    """
    limits = limits or IngestLimits()
    if len(raw_items) > limits.max_items:
        return 0  # `ingest_batch` refuses the batch with the reason
    resolver = Resolver(session, actor=actor)
    valid: list[_Valid] = []
    for index, raw in enumerate(raw_items):
        good, _errors = validate_item(raw, index, limits)
        if good is not None and good.person is not None and good.person.keys:
            valid.append(good)
    # Duplicates (already stored, or repeated within the batch) resolve nobody.
    keys = [(v.item.source, v.item.external_id) for v in valid]
    stored = stored_keys(session, keys)
    persons: list[ParsedPerson] = []
    for v, key in zip(valid, keys, strict=True):
        if key in stored or v.person is None:
            continue
        stored[key] = (0, None)  # a later item with this key repeats it
        if _person_problem(resolver, v) is None:
            persons.append(v.person)
    return create_new(resolver, persons) if persons else 0
