"""Identity resolution, profile updates, merges and unmerges, search.

The same identity always resolves to the same person. An event carrying
identities of several existing people merges them into the oldest, recording
what moved so that `do_unmerge` can put everything back. Brand-new people of a
batch are created in bulk by `sada.people.bulk_create`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import Table, Text, delete, insert, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.privacy import identity_digest
from sada.db.dialect import (
    chunks,
    insert_ignoring_conflicts,
    probe_unique,
)
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.people.identities import (
    IdentityError,
    IdentityKey,
    anonymous_key,
    normalize_email,
    normalize_external_id,
    normalize_handle,
    normalize_phone,
)
from sada.people.models import (
    BUILTIN_AUDIENCES,
    AudienceType,
    Identity,
    IdentityKind,
    Person,
    SuppressedIdentity,
)

# The reads moved to `sada.people.reads`; importable from here as before.
from sada.people.reads import access_person as access_person
from sada.people.reads import count_people as count_people
from sada.people.reads import identities_of as identities_of
from sada.people.reads import person_out as person_out
from sada.people.reads import (
    search_condition as search_condition,
)
from sada.people.reads import search_people as search_people
from sada.people.schemas import PersonRef
from sada.settings import get_settings
from sada.tenants.models import Workspace
from sada.tenants.service import Actor, record_audit
from sada.text.normalize import fold_for_search

PROMOTED_TRAITS = ("language", "segment")


@dataclass
class FieldError:
    path: str
    message: str


@dataclass
class ParsedPerson:
    keys: list[IdentityKey]
    ref: PersonRef
    errors: list[FieldError] = field(default_factory=list)


def parse_person(ref: PersonRef, *, path: str, source: str) -> ParsedPerson:
    """Normalize every identity of `ref`; collect precise errors instead of raising."""
    parsed = ParsedPerson(keys=[], ref=ref)

    def attempt(field_path: str, fn: Any, *args: Any) -> None:
        try:
            parsed.keys.append(fn(*args))
        except IdentityError as exc:
            parsed.errors.append(FieldError(field_path, str(exc)))

    if ref.email is not None:
        attempt(
            f"{path}.email",
            lambda v: IdentityKey(IdentityKind.EMAIL, "", normalize_email(v)),
            ref.email,
        )
    if ref.phone is not None:
        region = ref.country.upper() if ref.country else None
        attempt(
            f"{path}.phone",
            lambda v: IdentityKey(IdentityKind.PHONE, "", normalize_phone(v, region)),
            ref.phone,
        )
    for system, value in (ref.external_ids or {}).items():
        attempt(f"{path}.external_ids.{system}", normalize_external_id, system, value)
    for network, handle in (ref.handles or {}).items():
        attempt(f"{path}.handles.{network}", normalize_handle, network, handle)
    if ref.anonymous_id is not None:
        attempt(f"{path}.anonymous_id", anonymous_key, source, ref.anonymous_id)
    if ref.traits is not None:
        for key in ref.traits:
            if not isinstance(key, str) or not key or len(key) > 100:
                parsed.errors.append(
                    FieldError(f"{path}.traits", "trait names must be 1-100 characters")
                )
    # Identity kinds are plain strings in keys (StrEnum compares equal to its value).
    parsed.keys = [IdentityKey(str(k.kind), k.namespace, k.value) for k in parsed.keys]
    return parsed


class Suppressed(Conflict):
    """The person behind this identity was erased; their events are not stored again."""

    code = "suppressed"


SUPPRESSED_MESSAGE = (
    "this identity belongs to an erased person: events about them are not stored "
    "(an admin can allow their return)"
)


def allows_return(session: Session) -> bool:
    """The workspace setting that lets erased people come back with their next event."""
    workspace = session.get(Workspace, bound_workspace(session))
    privacy = (workspace.settings or {}).get("privacy") if workspace is not None else None
    return bool(isinstance(privacy, dict) and privacy.get("allow_return"))


@dataclass
class Resolution:
    person_id: int
    created: bool = False
    merged_ids: list[int] = field(default_factory=list)


class Resolver:
    """Resolves people for one transaction; caches identities seen in the batch."""

    def __init__(self, session: Session, *, actor: Actor | None = None) -> None:
        self.session = session
        self.workspace_id = bound_workspace(session)
        self.actor = actor
        # The identity cache, shared with bulk creation (`sada.people.bulk_create`): keys
        # known in this transaction -> their person.
        self.cache: dict[IdentityKey, int] = {}
        # Keys looked up in this transaction and not found: a batch of new people then costs
        # one lookup per chunk instead of one per person. Inserts still use ON CONFLICT, and a
        # lost race drops the key from here, so concurrent creators are still detected.
        self.absent: set[IdentityKey] = set()
        self._audiences: set[str] | None = None
        self._attach_statement: Any = None
        self._profiles: dict[int, Person] = {}
        # (name, audience, traits) read with Core: most events change nothing, and only a
        # person whose profile does change is loaded as an ORM object.
        self._profile_rows: dict[int, tuple[str | None, str, Any]] = {}
        self._suppressed: set[str] | None = None  # digests; None until first needed

    # -- lookups

    def prefetch(self, keys: list[IdentityKey]) -> None:
        wanted = sorted(k for k in set(keys) if k not in self.cache and k not in self.absent)
        for part in chunks(wanted, 500):
            rows = probe_unique(
                self.session,
                Identity,
                ["kind", "namespace", "value"],
                [(k.kind, k.namespace, k.value) for k in part],
                ["person_id"],
            )
            for kind, namespace, value, person_id in rows:
                self.cache[IdentityKey(kind, namespace, value)] = person_id
            self.absent.update(k for k in part if k not in self.cache)

    def _load_suppressed(self) -> set[str]:
        if self._suppressed is None:
            self._suppressed = set()
            has_any = self.session.execute(select(SuppressedIdentity.id).limit(1)).first()
            if has_any is not None and not allows_return(self.session):
                self._suppressed = set(
                    self.session.execute(select(SuppressedIdentity.digest)).scalars()
                )
        return self._suppressed

    def is_suppressed(self, parsed: ParsedPerson) -> bool:
        """Whether any identity of `parsed` belongs to an erased person (and may not return)."""
        suppressed = self._load_suppressed()
        if not suppressed:
            return False
        secret = get_settings().secret_key
        return any(
            identity_digest(secret, self.workspace_id, str(k.kind), k.namespace, k.value)
            in suppressed
            for k in parsed.keys
        )

    def refuse_suppressed(self, items: list[ParsedPerson]) -> None:
        """Raise `Suppressed` where any identity of `items` belongs to an erased person."""
        if self._load_suppressed() and any(self.is_suppressed(p) for p in items):
            raise Suppressed(SUPPRESSED_MESSAGE)

    def check_audience(self, audience: str) -> str | None:
        """Return an error message for an unknown audience, else None."""
        if audience in BUILTIN_AUDIENCES:
            return None
        if self._audiences is None:
            self._audiences = set(self.session.execute(select(AudienceType.key)).scalars())
        if audience in self._audiences:
            return None
        return f"unknown audience {audience!r}; use one of {', '.join(BUILTIN_AUDIENCES)} or define it first"

    # -- resolution

    def resolve(self, parsed: ParsedPerson) -> Resolution:
        from sada.people.merges import do_merge

        if not parsed.keys:
            raise Invalid(
                "a person needs at least one identity (email, phone, external_ids, handles or anonymous_id)"
            )
        if self.is_suppressed(parsed):
            raise Suppressed(SUPPRESSED_MESSAGE)
        for _attempt in range(3):
            self.prefetch(parsed.keys)
            owners = sorted({self.cache[k] for k in parsed.keys if k in self.cache})
            if not owners:
                resolution = self._create(parsed)
                if resolution is not None:
                    return resolution
                continue  # someone else created one of these identities meanwhile
            survivor = owners[0]
            merged: list[int] = []
            for other in owners[1:]:
                do_merge(
                    self.session,
                    survivor,
                    other,
                    reason="identities seen together in one event",
                    actor=self.actor,
                )
                merged.append(other)
                self._profile_rows.pop(survivor, None)  # the merge may have changed it
                for key, pid in list(self.cache.items()):
                    if pid == other:
                        self.cache[key] = survivor
            missing = [k for k in parsed.keys if k not in self.cache]
            if missing and not self._attach(survivor, missing):
                continue
            self._update_profile(survivor, parsed.ref)
            return Resolution(person_id=survivor, merged_ids=merged)
        raise RuntimeError("identity resolution did not settle after 3 attempts")

    def resolve_many(self, items: list[ParsedPerson]) -> list[Resolution]:
        """Resolve a batch; brand-new people are created in bulk.

        Items whose identities are all unknown (and share no identity with an item
        that has a known one) become new people with two executemany statements.
        If a concurrent transaction claims one of those identities meanwhile, the
        bulk step is rolled back to its savepoint and every item takes the
        one-by-one path, which handles races and merges.
        """
        # Imported here: bulk_create imports this module (as resolve imports merges).
        from sada.people.bulk_create import (
            LostRace,
            create_groups,
            forget_groups,
            new_person_groups,
        )

        self.refuse_suppressed(items)  # callers leave such items out first
        self.prefetch([k for p in items for k in p.keys])
        known = {self.cache[k] for p in items for k in p.keys if k in self.cache}
        wants_update = any(p.ref.name or p.ref.traits or p.ref.audience for p in items)
        if known and wants_update:
            # Read profiles once (only a person that changes is loaded as an ORM object).
            wanted = known - set(self._profiles) - set(self._profile_rows)
            # The traits as JSON text, decoded by orjson (the JSON type's per-row decoding
            # cost more than the rest of the read).
            traits_text = sql_cast(Person.traits, Text)
            for part in chunks(sorted(wanted), 500):
                for pid, name, audience, traits in self.session.execute(
                    select(Person.id, Person.name, Person.audience, traits_text).where(
                        Person.id.in_(part)
                    )
                ):
                    self._profile_rows[pid] = (
                        name,
                        audience,
                        orjson.loads(traits) if traits is not None else None,
                    )
        groups = new_person_groups(items, self.cache)
        results: dict[int, Resolution] = {}
        if groups:
            try:
                with self.session.begin_nested():
                    results = create_groups(self, items, groups)
            except LostRace:
                results = {}
                forget_groups(self, items, groups)
        # Known people (every identity already points at one person) need no statement but
        # their profile update, unless another item of the batch is about to merge that
        # person away: those, and the rest, go one by one.
        rest = [i for i in range(len(items)) if i not in results]
        single: dict[int, int] = {}
        involved: set[int] = set()
        for index in rest:
            keys = items[index].keys
            owners = {self.cache.get(k) for k in keys}
            owner = next(iter(owners)) if len(owners) == 1 else None
            if keys and owner is not None:
                single[index] = owner
            else:
                involved.update(o for o in owners if o is not None)
        for index, owner in single.items():
            if owner not in involved:
                self._update_profile(owner, items[index].ref)
                results[index] = Resolution(person_id=owner)
        # The rest one by one, in key order: concurrent batches then claim shared new
        # identities in the same order (fewer deadlocks; the caller retries the others).
        order = sorted(
            (i for i in rest if i not in results),
            key=lambda i: min(items[i].keys, default=IdentityKey("", "", "")),
        )
        for index in order:
            results[index] = self.resolve(items[index])
        return [results[i] for i in range(len(items))]

    def _create(self, parsed: ParsedPerson) -> Resolution | None:
        ref = parsed.ref
        traits = dict(ref.traits or {})
        now = utcnow()
        table = cast(Table, Person.__table__)
        # A Core insert: a unit-of-work flush per new person cost more than the insert itself.
        person_id = self.session.execute(
            insert(table).returning(table.c.id),
            {
                "workspace_id": self.workspace_id,
                "name": ref.name,
                "name_search": fold_for_search(ref.name) if ref.name else None,
                "audience": ref.audience or "customer",
                "traits": traits,
                "language": _str_or_none(traits.get("language")),
                "segment": _str_or_none(traits.get("segment")),
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        if not self._attach(person_id, parsed.keys):
            # Lost a race for an identity: drop the empty profile and resolve again.
            self.session.execute(delete(Identity).where(Identity.person_id == person_id))
            self.session.execute(table.delete().where(table.c.id == person_id))
            return None
        return Resolution(person_id=person_id, created=True)

    def _attach(self, person_id: int, keys: list[IdentityKey]) -> bool:
        """Insert identities for a person; False if any was taken concurrently."""
        now = utcnow()
        table = Identity.__table__
        if self._attach_statement is None:
            self._attach_statement = insert_ignoring_conflicts(
                self.session, table, ["workspace_id", "kind", "namespace", "value"]
            ).returning(table.c.id)
        ok = True
        for key in sorted(keys):
            inserted = self.session.execute(
                self._attach_statement,
                {
                    "workspace_id": self.workspace_id,
                    "person_id": person_id,
                    "kind": key.kind,
                    "namespace": key.namespace,
                    "value": key.value,
                    "value_search": key.search_value,
                    "created_at": now,
                },
            ).first()
            self.absent.discard(key)
            if inserted is None:
                ok = False
                self.cache.pop(key, None)
            else:
                self.cache[key] = person_id
        return ok

    def _update_profile(self, person_id: int, ref: PersonRef) -> None:
        if ref.name is None and ref.traits is None and ref.audience is None:
            return
        person = self._profiles.get(person_id)
        if person is None:
            row = self._profile_rows.get(person_id)
            if row is not None and not _changes(row, ref):
                return
            person = self.session.get(Person, person_id)
            if person is None:  # pragma: no cover - identities point at live people
                raise NotFound(f"person {person_id} vanished")
            self._profiles[person_id] = person
            self._profile_rows.pop(person_id, None)
        apply_profile(person, ref)


def _changes(row: tuple[str | None, str, Any], ref: PersonRef) -> bool:
    """Whether `apply_profile` would change a profile read as (name, audience, traits)."""
    name, audience, traits = row
    if ref.name and ref.name != name:
        return True
    if ref.audience and ref.audience != audience:
        return True
    return bool(ref.traits) and {**(traits or {}), **(ref.traits or {})} != traits


def apply_profile(person: Person, ref: PersonRef) -> None:
    changed = False
    if ref.name and ref.name != person.name:
        person.name = ref.name
        person.name_search = fold_for_search(ref.name)
        changed = True
    if ref.audience and ref.audience != person.audience:
        person.audience = ref.audience
        changed = True
    if ref.traits:
        merged = {**(person.traits or {}), **ref.traits}
        if merged != person.traits:
            person.traits = merged
            person.language = _str_or_none(merged.get("language"))
            person.segment = _str_or_none(merged.get("segment"))
            changed = True
    if changed:
        person.updated_at = utcnow()


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)[:100]
    return text or None


# ---------------------------------------------------------------- audiences

_AUDIENCE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


def list_audience_types(session: Session) -> list[tuple[str, str, bool]]:
    custom = session.execute(
        select(AudienceType.key, AudienceType.label).order_by(AudienceType.key)
    ).all()
    return [(key, key, True) for key in BUILTIN_AUDIENCES] + [
        (k, lbl or k, False) for k, lbl in custom
    ]


def do_define_audience_type(
    session: Session, key: str, label: str, *, actor: Actor | None = None
) -> AudienceType:
    """A workspace's own audience (parents, alumni, volunteers...), usable at ingest."""
    key = key.strip().lower()
    if key in BUILTIN_AUDIENCES:
        raise Invalid(f"{key!r} is a built-in audience")
    if not _AUDIENCE_KEY.match(key):
        raise Invalid("audience keys are 2-50 of a-z, 0-9 and '_', starting with a letter")
    row = session.execute(select(AudienceType).where(AudienceType.key == key)).scalar_one_or_none()
    if row is None:
        row = AudienceType(workspace_id=bound_workspace(session), key=key, label=label or key)
        session.add(row)
    else:
        row.label = label or row.label
    session.flush()
    record_audit(session, actor, "audience_type.define", "audience_type", key, {"label": row.label})
    return row
