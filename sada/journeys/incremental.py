"""Journey page figures brought up to date person by person after a write.

The journey map, retention and scorecard figures are all built from rows that belong to one
person each (a person's events per touchpoint, their funnel times, their path, their months of
activity, their ratings): the figures are sums, counts or quantiles over people. So instead of
scanning every person again after an ingest, a reader keeps each query's rows *per person* in
the process and, when the workspace's change counter (`journey_data_versions`, migration 1850)
has moved, asks the change log (`journey_person_changes`, migration 1940: the people each
counted write touched, recorded by the same triggers under the version they raised) which
people changed, fetches the rows of those people only (the same SQL with
`i.person_id IN (...)`) and replaces theirs. The figures are then derived from the rows as
the full query would give them, so they are identical to a computation from scratch.

Why this is exact:

- the counter and the log are read in one statement (one snapshot), and a version is raised
  in the writing transaction while it holds the counter row, so every commit up to the
  version read has its people in the log under a version at most that one, whatever order
  ids were allocated in (out-of-order commits included);
- a person's rows depend only on that person's interactions, person row and text analyses
  (the queries partition by person), and every write to those names the person: an update
  of an interaction's person (a merge, an unmerge) names the person before and after;
- rows fetched after the version was read can only be newer than it; their people are named
  again by the log under a later version, so they are fetched again next time.

What is kept per query is its rows per person and an *aggregate* of them (`Aggregate`:
sums per key, funnel counts and sorted step durations, path counts; see
`sada.journeys.aggregates`): a changed person's old rows are taken out of it and the new ones
put in, so a request after a write costs in proportion to the people it changed, not to all
people kept; a person whose rows came back unchanged (a write outside the query's period)
changes nothing, and the answer derived from the aggregate is reused.

A full computation is done when nothing is kept yet, when the kept version is more than
`KEEP_VERSIONS` behind (the log may have been pruned) or when more than
`MAX_CHANGED_PEOPLE` people changed (a bulk load: one scan is cheaper). Everything runs on
the main database (`SqlEngine`), the columnar copy is not involved: a delta must come from the
same state as the rows it is merged into.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from sada.journeys.analytics import session_ws

log = logging.getLogger(__name__)

# As in migration 1940: the triggers keep this many versions of the log.
KEEP_VERSIONS = 20_000
MAX_CHANGED_PEOPLE = 2_000
MAX_ENTRIES = 32

Row = tuple[Any, ...]
Fetch = Callable[[Sequence[int] | None], Iterable[Row]]


class Aggregate(Protocol):
    """What a query's rows add up to: one person's rows go in (`sign` 1) or out (-1), in any
    order; `value()` is the answer for the rows in it now."""

    def add(self, rows: list[Row], sign: int) -> None: ...

    def value(self) -> Any: ...


class AllRows:
    """The rows themselves (`person_rows`): no aggregate, every row listed."""

    def __init__(self, kept: dict[int, list[Row]]) -> None:
        self.kept = kept

    def add(self, rows: list[Row], sign: int) -> None:
        del rows, sign  # the value is read from the kept rows

    def value(self) -> list[Row]:
        return [row for rows in self.kept.values() for row in rows]


class Sums:
    """Rows grouped by their `nkey` columns after the person, each value column summed (NULLs
    count as nothing); a key whose rows all left is dropped (`summed_rows`)."""

    def __init__(self, nkey: int) -> None:
        self.nkey = nkey
        self.sums: dict[Row, list[Any]] = {}

    def add(self, rows: list[Row], sign: int) -> None:
        nkey = self.nkey
        for row in rows:
            key = tuple(row[1 : 1 + nkey])
            acc = self.sums.get(key)
            if acc is None:
                acc = self.sums[key] = [0] * (len(row) - nkey)
            acc[0] += sign
            for n, v in enumerate(row[1 + nkey :], start=1):
                if v is not None:
                    acc[n] += sign * v
            if acc[0] == 0:
                del self.sums[key]

    def value(self) -> list[Row]:
        return [(*k, *v[1:]) for k, v in self.sums.items()]


@dataclass
class _Entry:
    version: int
    # person -> that person's rows (the full rows, person first).
    rows: dict[int, list[Row]]
    agg: Aggregate
    # agg.value() while nothing changed since it was computed.
    answer: Any = None
    fresh: bool = False
    # An update failed half-way: read everything again.
    broken: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def value(self) -> Any:
        if not self.fresh:
            self.answer = self.agg.value()
            self.fresh = True
        return self.answer


_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_lock = threading.Lock()
_stats = {"full": 0, "delta": 0, "same": 0, "people": 0}


def changes_since(session: Session, version: int) -> tuple[int, set[int]]:
    """The workspace's current version and the people changed after `version` up to it,
    read together in one statement (one snapshot)."""
    rows = session.execute(
        text(
            "SELECT v.version, c.person_id FROM journey_data_versions v "
            "LEFT JOIN journey_person_changes c ON c.workspace_id = v.workspace_id "
            "AND c.version > :since AND c.version <= v.version WHERE v.workspace_id = :ws"
        ),
        {"ws": session_ws(session), "since": int(version)},
    ).all()
    if not rows:
        return 0, set()
    return int(rows[0][0]), {int(r[1]) for r in rows if r[1] is not None}


def current_version(session: Session) -> int:
    return changes_since(session, 1 << 62)[0]


def _by_person(rows: Iterable[Row]) -> dict[int, list[Row]]:
    out: dict[int, list[Row]] = {}
    for row in rows:
        out.setdefault(int(row[0]), []).append(tuple(row))
    return out


def _full(fetch: Fetch, version: int, make: Callable[[dict[int, list[Row]]], Aggregate]) -> _Entry:
    rows = _by_person(fetch(None))
    agg = make(rows)
    for person_rows in rows.values():
        agg.add(person_rows, 1)
    return _Entry(version, rows, agg)


def _apply(entry: _Entry, version: int, changed: set[int], fetch: Fetch) -> None:
    """Bring `entry` to `version` in place (its lock held): the rows of `changed` people
    fetched again; where they differ from the kept ones, the old rows leave the aggregate and
    the new ones join it."""
    fresh = _by_person(fetch(sorted(changed))) if changed else {}
    rows = entry.rows
    for person in changed:
        before = rows.get(person)
        now = fresh.get(person)
        if before == now:
            continue
        entry.fresh = False
        if before:
            entry.agg.add(before, -1)
            del rows[person]
        if now:
            rows[person] = now
            entry.agg.add(now, 1)
    entry.version = version


def kept(
    session: Session,
    key: Hashable,
    fetch: Fetch,
    make: Callable[[dict[int, list[Row]]], Aggregate],
) -> Any:
    """`make(rows)`'s value over every row `fetch(None)` would return now (person first),
    kept per person with the aggregate and brought up to date with `fetch(changed people)`.
    `key` must name everything the rows and the aggregate depend on besides the data (the
    SQL text and the aggregate's parameters). The value is shared with later callers while
    the data is unchanged: read it, never change it."""
    full_key = (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        session_ws(session),
        key,
    )
    with _lock:
        entry = _entries.get(full_key)
        if entry is not None:
            _entries.move_to_end(full_key)
    if entry is None:
        entry = _full(fetch, current_version(session), make)
        _stats["full"] += 1
        _keep(full_key, entry)
        with entry.lock:
            return entry.value()
    with entry.lock:
        version, changed = changes_since(session, entry.version)
        if version <= entry.version and not entry.broken:
            # Unchanged (or this session's snapshot is older than the kept rows).
            _stats["same"] += 1
            return entry.value()
        if (
            entry.broken
            or version - entry.version > KEEP_VERSIONS
            or len(changed) > MAX_CHANGED_PEOPLE
        ):
            renewed = _full(fetch, version, make)
            _stats["full"] += 1
            _keep(full_key, renewed)
            with renewed.lock:
                return renewed.value()
        try:
            _apply(entry, version, changed, fetch)
        except Exception:
            # Possibly half applied: never used again; everything read again.
            log.exception("journey figures: a delta failed; reading everything again")
            entry.broken = True
            renewed = _full(fetch, version, make)
            _stats["full"] += 1
            _keep(full_key, renewed)
            with renewed.lock:
                return renewed.value()
        _stats["delta"] += 1
        _stats["people"] += len(changed)
        return entry.value()


def _keep(full_key: Hashable, entry: _Entry) -> None:
    with _lock:
        _entries[full_key] = entry
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def person_rows(session: Session, key: Hashable, fetch: Fetch) -> list[Row]:
    """Every row `fetch(None)` would return now (person first; in no particular order), kept
    per person and brought up to date with `fetch(changed people)`. `key` must name
    everything the rows depend on besides the data (the SQL text does)."""
    rows: list[Row] = kept(session, ("rows", key), fetch, AllRows)
    return list(rows)


def summed_rows(session: Session, key: Hashable, fetch: Fetch, nkey: int) -> list[Row]:
    """The rows `fetch(None)`'s rows give when grouped by their `nkey` columns after the person
    (the key first, then each value column summed; NULLs count as nothing, a sum of only
    NULLs is 0): a GROUP BY of the same query without the person, kept up to date by
    subtracting a changed person's old rows and adding the new ones."""
    rows: list[Row] = kept(session, ("sums", nkey, key), fetch, lambda _rows: Sums(nkey))
    return list(rows)


def stats() -> dict[str, int]:
    with _lock:
        return {**_stats, "entries": len(_entries)}


def clear() -> None:
    with _lock:
        _entries.clear()


__all__ = [
    "AllRows",
    "Aggregate",
    "Sums",
    "changes_since",
    "clear",
    "current_version",
    "kept",
    "person_rows",
    "stats",
    "summed_rows",
]
