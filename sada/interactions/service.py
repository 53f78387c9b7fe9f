"""What every ingest writer shares, timelines, and merges' reassignments.

Item validation (`validate_item`, the inbox's `checked_form`), touchpoints, dedupe lookups
(`stored_keys`) and `interaction.ingested` events; the write path that stores a batch
(`ingest_batch`) is in `sada.interactions.ingest`. The timeline reads live in
`sada.interactions.reads`, importable from here as before; merges move a person's
interactions with `move_person_rows` and `restore_person_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sada.core.validation import MAX_JSON_DEPTH, field_errors, unsafe_json
from sada.db.dialect import (
    chunks,
    insert_ignoring_conflicts,
    probe_unique,
)
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.interactions import who_spoke
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
from sada.interactions.schemas import IngestItem, ItemError
from sada.metrics import catalogue
from sada.people.identities import IdentityKey
from sada.people.schemas import PersonRef
from sada.people.service import ParsedPerson, parse_person

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
