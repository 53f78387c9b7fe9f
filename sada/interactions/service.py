"""Ingest (validate, dedupe, resolve people, store, enqueue) and timelines.

One call of `ingest_batch` is one transaction: stored interactions and the jobs
that enrich them commit together, so a crash loses no work and a replay of the
same batch stores nothing twice (source + external_id is unique per workspace).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.core.validation import MAX_JSON_DEPTH, field_errors, unsafe_json
from sada.db.dialect import (
    chunks,
    insert_ignoring_conflicts,
    insert_many_ignoring_conflicts,
    probe_unique,
    reserve_ids,
)
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.interactions import rollups, who_spoke
from sada.interactions.models import Interaction, Touchpoint

# The reads moved to `sada.interactions.reads`; importable from here as before.
from sada.interactions.reads import (
    count_interactions as count_interactions,
)
from sada.interactions.reads import (
    counts_by_channel as counts_by_channel,
)
from sada.interactions.reads import (
    decode_cursor as decode_cursor,
)
from sada.interactions.reads import (
    encode_cursor as encode_cursor,
)
from sada.interactions.reads import (
    get_interaction as get_interaction,
)
from sada.interactions.reads import (
    interactions_out as interactions_out,
)
from sada.interactions.reads import (
    list_touchpoints as list_touchpoints,
)
from sada.interactions.reads import timeline as timeline
from sada.interactions.reads import with_views as with_views
from sada.interactions.schemas import IngestItem, ItemError, ItemResult
from sada.metrics import catalogue
from sada.people.identities import IdentityKey
from sada.people.schemas import PersonRef
from sada.people.service import SUPPRESSED_MESSAGE, ParsedPerson, Resolver, parse_person
from sada.tenants.models import Membership, User
from sada.tenants.service import Actor

RATING_RANGES: dict[str, tuple[float, float]] = catalogue.RANGES


@dataclass
class IngestLimits:
    max_items: int = 1000
    max_text_bytes: int = 64 * 1024
    max_attributes_bytes: int = 32 * 1024
    # Older than this when it arrives, an interaction is history (backfill): it fires no
    # live action (SADA_LIVE_WINDOW_DAYS).
    live_window: timedelta = timedelta(days=7)


@dataclass(slots=True)
class CheckedItem:
    """An `IngestItem` as the inbox stored it once validated (`checked_form`): the applier
    rebuilds it from that form without pydantic (`from_checked_form`). The same field names
    as `IngestItem` (a test holds them equal); every value already passed its validators."""

    source: str
    external_id: str
    occurred_at: datetime
    channel: str
    type: str
    direction: str
    text: str | None = None
    subject: str | None = None
    rating: float | None = None
    rating_scale: str | None = None
    touchpoint: str | None = None
    conversation_id: str | None = None
    language: str | None = None
    agent: str | None = None
    attributes: dict[str, Any] | None = None
    person: PersonRef | None = None
    anonymous_id: str | None = None
    origin: str | None = None
    backfill: bool | None = None


_CHECKED_FIELDS = tuple(name for name in CheckedItem.__dataclass_fields__ if name != "person")


def origin_of(item: IngestItem | CheckedItem) -> str:
    if item.origin is not None:
        return item.origin
    return "agent" if item.agent and item.direction == "outbound" else "customer"


def is_backfill(
    item: IngestItem | CheckedItem, origin: str, now: datetime, window: timedelta
) -> bool:
    if origin == "import":
        return True
    if item.backfill is not None:
        return item.backfill
    return item.occurred_at < now - window


@dataclass
class _Valid:
    index: int
    item: IngestItem | CheckedItem
    person: ParsedPerson | None


def checked_form(valid: _Valid) -> dict[str, Any]:
    """A validated item as plain JSON-able values (datetimes as orjson writes them), with its
    person reference and normalized identity keys: what the applier needs, without parsing
    or normalizing again."""
    item = valid.item
    form: dict[str, Any] = {}
    for name in _CHECKED_FIELDS:
        value = getattr(item, name)
        if value is not None:
            form[name] = value
    if valid.person is not None:
        form["person"] = valid.person.ref.model_dump(mode="json", exclude_unset=True)
        form["keys"] = [list(key) for key in valid.person.keys]
        form["has_person"] = item.person is not None
    return form


_ITEM_FIELDS = tuple(CheckedItem.__dataclass_fields__)
_OCCURRED_AT = _ITEM_FIELDS.index("occurred_at")
_PERSON = _ITEM_FIELDS.index("person")


def from_checked_form(index: int, form: dict[str, Any]) -> _Valid:
    """The `_Valid` that `checked_form` was made from (PersonRef validated again: pydantic's
    C validator costs less than its pure-Python `model_construct`; no identity is normalized
    again)."""
    # Positional: one C-level lookup per field instead of a copy, pops and keywords.
    values: list[Any] = list(map(form.get, _ITEM_FIELDS))
    values[_OCCURRED_AT] = datetime.fromisoformat(values[_OCCURRED_AT])
    values[_PERSON] = None
    ref_data = form.get("person")
    person: ParsedPerson | None = None
    if ref_data is not None:
        ref = PersonRef.model_validate(ref_data)
        keys = form.get("keys") or []
        person = ParsedPerson(keys=[IdentityKey._make(key) for key in keys], ref=ref)
        if form.get("has_person"):
            values[_PERSON] = ref
    return _Valid(index, CheckedItem(*values), person)


def _pydantic_errors(prefix: str, exc: ValidationError) -> list[ItemError]:
    return [ItemError(path=path, message=message) for path, message in field_errors(prefix, exc)]


_NUL_ESCAPE = b"\\u0000"


def _surely_safe(raw: dict[str, Any]) -> bool:
    """True only when `unsafe_json(raw, ...)` finds nothing, decided in C: orjson refuses a
    string with a surrogate (and a non-string key), writes NUL only as `\\u0000`, and a value
    of at most MAX_JSON_DEPTH objects and arrays in all is nested no deeper than that
    (brackets inside strings only count more). False says nothing: `unsafe_json` decides."""
    try:
        data = orjson.dumps(raw)
    except TypeError:  # orjson.JSONEncodeError
        return False
    return _NUL_ESCAPE not in data and data.count(b"{") + data.count(b"[") <= MAX_JSON_DEPTH


def validate_item(
    raw: Any, index: int, limits: IngestLimits, *, checked: bool = False
) -> tuple[_Valid | None, list[ItemError]]:
    """Validate one raw item. `checked`: the raw JSON already passed this function (the
    inbox accepted it), so the checks that depend on the raw bytes alone (unsafe JSON, text
    and attribute sizes) are skipped; the model is still built."""
    prefix = f"items[{index}]"
    if not isinstance(raw, dict):
        return None, [
            ItemError(path=prefix, message=f"expected an object, got {type(raw).__name__}")
        ]
    if not checked and not _surely_safe(raw):
        unsafe = unsafe_json(raw, prefix)
        if unsafe is not None:
            return None, [ItemError(path=unsafe[0], message=unsafe[1])]
    text = raw.get("text")
    if not checked and isinstance(text, str):
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > limits.max_text_bytes:
            return None, [
                ItemError(
                    path=f"{prefix}.text",
                    message=f"text is {size:,} bytes; the limit is {limits.max_text_bytes:,} bytes "
                    "(it is not truncated: split it or shorten it)",
                )
            ]
    try:
        item = IngestItem.model_validate(raw)
    except ValidationError as exc:
        return None, _pydantic_errors(prefix, exc)
    errors: list[ItemError] = []
    if item.rating is not None:
        scale = item.rating_scale
        if scale is None:
            errors.append(
                ItemError(path=f"{prefix}.rating_scale", message="required when rating is given")
            )
        else:
            low, high = RATING_RANGES[scale]
            if not low <= item.rating <= high:
                errors.append(
                    ItemError(
                        path=f"{prefix}.rating",
                        message=f"{item.rating:g} is outside {scale} range {low:g}-{high:g}",
                    )
                )
    if not checked and item.attributes is not None:
        size = len(orjson.dumps(item.attributes, option=orjson.OPT_NON_STR_KEYS))
        if size > limits.max_attributes_bytes:
            errors.append(
                ItemError(
                    path=f"{prefix}.attributes",
                    message=f"attributes are {size:,} bytes; the limit is {limits.max_attributes_bytes:,}",
                )
            )
    person: ParsedPerson | None = None
    if item.person is not None:
        person = parse_person(item.person, path=f"{prefix}.person", source=item.source)
        errors.extend(ItemError(path=e.path, message=e.message) for e in person.errors)
        if not person.errors and not person.keys and item.anonymous_id is None:
            errors.append(
                ItemError(
                    path=f"{prefix}.person",
                    message="no identity given (email, phone, external_ids, handles or anonymous_id)",
                )
            )
    if item.anonymous_id is not None and (person is None or not person.keys):
        ref_source = item.source
        from sada.people.schemas import PersonRef

        ref = item.person or PersonRef()
        ref = ref.model_copy(update={"anonymous_id": item.anonymous_id})
        person = parse_person(ref, path=f"{prefix}.person", source=ref_source)
        errors.extend(ItemError(path=e.path, message=e.message) for e in person.errors)
    return (None if errors else _Valid(index, item, person)), errors


class TouchpointRegistry:
    """Touchpoint keys to ids; unknown keys are registered on first use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.workspace_id = bound_workspace(session)
        self._ids: dict[str, int] | None = None

    def id_for(self, key: str) -> int:
        if self._ids is None:
            self._ids = dict(self.session.execute(select(Touchpoint.key, Touchpoint.id)).all())
        key = key.strip().lower()
        if key not in self._ids:
            statement = insert_ignoring_conflicts(
                self.session, Touchpoint.__table__, ["workspace_id", "key"]
            )
            self.session.execute(
                statement.values(
                    workspace_id=self.workspace_id,
                    key=key,
                    label=key,
                    description="",
                    created_at=utcnow(),
                )
            )
            self._ids[key] = self.session.execute(
                select(Touchpoint.id).where(Touchpoint.key == key)
            ).scalar_one()
        return self._ids[key]


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
    return resolver.create_new(persons) if persons else 0


def stored_keys(
    session: Session, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int | None]]:
    """(source, external_id) -> (id, person_id) of stored interactions: one index probe per key."""
    existing: dict[tuple[str, str], tuple[int, int | None]] = {}
    for part in chunks(sorted(set(keys)), 500):
        for source, external_id, iid, pid in probe_unique(
            session,
            Interaction,
            ["source", "external_id"],
            part,
            ["id", "person_id"],
        ):
            existing[(source, external_id)] = (iid, pid)
    return existing


# Ids per `interaction.ingested` event at most (the applier's merged batches: fuller jobs,
# still bounded).
IDS_PER_EVENT = 1000


def notify_ingested(session: Session, interaction_ids: list[int], *, live: bool = True) -> None:
    """Publish `interaction.ingested` in the caller's transaction (history: `live=False`),
    once per IDS_PER_EVENT ids."""
    for part in chunks(interaction_ids, IDS_PER_EVENT):
        publish(session, "interaction.ingested", {"interaction_ids": part}, live=live)


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


# ---------------------------------------------------------------- merges support


def move_person_rows(session: Session, from_person: int, to_person: int) -> list[int]:
    """A merge: the person's interactions go to the survivor (the manifest's person_rows)."""
    moved = reassign_interactions_of(session, from_person, to_person)
    who_spoke.move_people(session, [from_person, to_person])
    return moved


def restore_person_rows(
    session: Session, ids: list[int], holders: list[int], to_person: int
) -> None:
    """An unmerge: the moved interactions go back, wherever later merges took them."""
    reassign_interactions(session, ids, holders, to_person)
    who_spoke.move_people(session, [*holders, to_person])


def reassign_interactions_of(session: Session, from_person: int, to_person: int) -> list[int]:
    ids = list(
        session.execute(
            select(Interaction.id).where(Interaction.person_id == from_person)
        ).scalars()
    )
    for part in chunks(ids, 500):
        session.execute(
            update(Interaction).where(Interaction.id.in_(part)).values(person_id=to_person)
        )
    return ids


def reassign_interactions(
    session: Session, ids: list[int], holders: list[int], to_person: int
) -> None:
    for part in chunks(ids, 500):
        session.execute(
            update(Interaction)
            .where(Interaction.id.in_(part), Interaction.person_id.in_(holders))
            .values(person_id=to_person)
        )


__all__ = ["ingest_batch", "timeline", "insert"]
