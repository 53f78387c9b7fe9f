"""Brand-new people created in bulk, apart from the Resolver's one-by-one path.

A batch of events often names many people nobody has seen yet. Creating them one by one
(`Resolver.resolve`) costs an insert and an identity lookup each; here they are created
with two bulk inserts. Top-down:

- `create_new(resolver, items)`: the people of `items` whose identities are all unknown,
  and nothing else, in a short transaction of their own before the batch
  (`sada.interactions.ingest.create_new_people`); retried after a lost race.
- `new_person_groups(items, known)`: items that share an identity become one person; a
  group in which any identity is already known is left to the one-by-one path.
- `create_groups(resolver, items, groups)`: one person per group with every identity of
  its items, driver-ready rows in two bulk inserts. It raises `LostRace` when a concurrent
  writer took one of the identities: the caller rolls back to its savepoint and calls
  `forget_groups`, so that those identities are looked up again.

`Resolver.resolve_many` uses the last three for the brand-new people of every batch it
resolves. All of them read and fill the resolver's identity cache (`Resolver.cache` and
`Resolver.absent`).
"""

from __future__ import annotations

from collections.abc import Container
from operator import itemgetter
from typing import Any

from sada.db.dialect import driver_converters, insert_values_ignoring_conflicts, reserve_ids
from sada.db.types import utcnow
from sada.people.identities import IdentityKey
from sada.people.models import Identity, IdentityKind, Person
from sada.people.service import ParsedPerson, Resolution, Resolver, _str_or_none
from sada.text.normalize import fold_for_search

# Column orders of the rows `create_groups` builds for its bulk inserts.
_PERSON_COLUMNS = [
    "id",
    "workspace_id",
    "name",
    "name_search",
    "audience",
    "traits",
    "language",
    "segment",
    "created_at",
    "updated_at",
]
_IDENTITY_COLUMNS = [
    "id",
    "workspace_id",
    "person_id",
    "kind",
    "namespace",
    "value",
    "value_search",
    "created_at",
]
_IDENTITY_KEY = itemgetter(3, 4, 5)  # kind, namespace, value
_PHONE = IdentityKind.PHONE.value


class LostRace(Exception):
    """A concurrent transaction created one of the identities of a bulk insert."""


def create_new(resolver: Resolver, items: list[ParsedPerson]) -> int:
    """Create the people of `items` whose identities are all unknown; nothing else.

    For a short transaction of its own before the one that resolves and stores a
    batch: the unique-index locks of new identities are then held only until this
    commits, not for the whole batch (a concurrent creator waits milliseconds, not
    the length of a batch). Known people, merges and profile updates are left to
    `resolve_many`. After a lost race (another writer made some of them) the people
    still missing are looked for and created again, up to three attempts; what is
    left then goes to `resolve_many`. Returns how many people the last attempt made.
    """
    resolver.refuse_suppressed(items)  # callers leave such items out first
    keys = [k for p in items for k in p.keys]
    for _attempt in range(3):
        resolver.prefetch(keys)
        groups = new_person_groups(items, resolver.cache)
        if not groups:
            return 0
        try:
            with resolver.session.begin_nested():
                create_groups(resolver, items, groups)
            return len(groups)
        except LostRace:
            # Another writer created some of them (and has committed: the insert waited
            # for it): look again, and create those still missing here, not in the batch.
            forget_groups(resolver, items, groups)
    return 0


def new_person_groups(items: list[ParsedPerson], known: Container[IdentityKey]) -> list[list[int]]:
    """Indexes of `items` grouped by shared identities (union-find), the groups in which
    no identity is `known`."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with_key: dict[IdentityKey, int] = {}
    for index, parsed in enumerate(items):
        for key in parsed.keys:
            other = first_with_key.setdefault(key, index)
            if other != index:
                parent[find(index)] = find(other)
    components: dict[int, list[int]] = {}
    for index in range(len(items)):
        components.setdefault(find(index), []).append(index)
    return [
        members
        for members in components.values()
        if all(k not in known for i in members for k in items[i].keys)
    ]


def create_groups(
    resolver: Resolver, items: list[ParsedPerson], groups: list[list[int]]
) -> dict[int, Resolution]:
    """One new person per group, with every identity of its items: driver-ready rows
    built directly (the shared values converted once), two bulk inserts."""
    session = resolver.session
    now = utcnow()
    table = Person.__table__
    identities = Identity.__table__
    convert = driver_converters(session, table)
    stamp = convert["created_at"](now)
    to_json = convert["traits"]
    workspace_id = resolver.workspace_id
    ids = reserve_ids(session, table, len(groups))
    person_rows: list[tuple[Any, ...]] = []
    group_keys: list[list[IdentityKey]] = []
    for members, person_id in zip(groups, ids, strict=True):
        name = None
        audience = "customer"
        traits: dict[str, Any] = {}
        own: set[IdentityKey] = set()
        for index in members:
            parsed = items[index]
            ref = parsed.ref
            name = ref.name or name
            audience = ref.audience or audience
            if ref.traits:
                traits.update(ref.traits)
            own.update(parsed.keys)
        group_keys.append(sorted(own))
        person_rows.append(
            (
                person_id,
                workspace_id,
                name,
                search_fold(name) if name else None,
                audience,
                to_json(traits),
                _str_or_none(traits.get("language")),
                _str_or_none(traits.get("segment")),
                stamp,
                stamp,
            )
        )
    insert_values_ignoring_conflicts(session, table, _PERSON_COLUMNS, person_rows, ids, ["id"])
    identity_ids = iter(reserve_ids(session, identities, sum(map(len, group_keys))))
    identity_rows: list[tuple[Any, ...]] = []
    for sorted_keys, person_id in zip(group_keys, ids, strict=True):
        for kind, namespace, value in sorted_keys:
            identity_rows.append(
                (
                    next(identity_ids),
                    workspace_id,
                    person_id,
                    kind,
                    namespace,
                    value,
                    value.lstrip("+") if kind == _PHONE else search_fold(value),
                    stamp,
                )
            )
    # Every writer inserts identities in key order, so two batches that create the
    # same new people wait for each other instead of deadlocking on the unique index.
    identity_rows.sort(key=_IDENTITY_KEY)
    inserted = insert_values_ignoring_conflicts(
        session,
        identities,
        _IDENTITY_COLUMNS,
        identity_rows,
        [row[0] for row in identity_rows],
        ["workspace_id", "kind", "namespace", "value"],
    )
    if len(inserted) != len(identity_rows):
        raise LostRace
    results: dict[int, Resolution] = {}
    cache = resolver.cache
    absent = resolver.absent
    for group, members, person_id in zip(group_keys, groups, ids, strict=True):
        for key in group:
            cache[key] = person_id
        absent.difference_update(group)
        results[members[0]] = Resolution(person_id=person_id, created=True)
        for index in members[1:]:
            results[index] = Resolution(person_id=person_id)
    return results


def forget_groups(resolver: Resolver, items: list[ParsedPerson], groups: list[list[int]]) -> None:
    """After a `LostRace`: the identities of `groups` are neither known nor known absent,
    so the next lookup reads them again."""
    for group in groups:
        for index in group:
            for key in items[index].keys:
                resolver.cache.pop(key, None)
                resolver.absent.discard(key)


def search_fold(text: str) -> str:
    """`fold_for_search`, with its ASCII case (most emails, external ids, many names) done
    without the Unicode passes, which change no ASCII character (a test holds the two equal
    over every ASCII character): bulk people creation folds a name and an identity per
    person."""
    if text.isascii():
        return " ".join(text.lower().split())
    return fold_for_search(text)


def value_search(key: IdentityKey) -> str:
    """`IdentityKey.search_value` through `search_fold`."""
    if key.kind == IdentityKind.PHONE:
        return key.search_value
    return search_fold(key.value)
