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

A full computation is done when nothing is kept yet, when the kept version is more than
`KEEP_VERSIONS` behind (the log may have been pruned) or when more than
`MAX_CHANGED_PEOPLE` people changed (a bulk load: one scan is cheaper). Everything runs on
the main database (`SqlEngine`), the columnar copy is not involved: a delta must come from the
same state as the rows it is merged into.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sada.journeys.analytics import session_ws

# As in migration 1940: the triggers keep this many versions of the log.
KEEP_VERSIONS = 20_000
MAX_CHANGED_PEOPLE = 2_000
MAX_ENTRIES = 32

Row = tuple[Any, ...]
Fetch = Callable[[Sequence[int] | None], Iterable[Row]]


@dataclass
class _Entry:
    version: int
    # person -> that person's rows (the full rows, person first).
    rows: dict[int, list[Row]]
    # Additive entries: key columns -> [number of rows, value sums...].
    sums: dict[Row, list[Any]] | None = None
    nkey: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_lock = threading.Lock()
_stats = {"full": 0, "delta": 0, "same": 0}


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


def _add(entry: _Entry, row: Row, sign: int) -> None:
    assert entry.sums is not None
    key = tuple(row[1 : 1 + entry.nkey])
    acc = entry.sums.get(key)
    if acc is None:
        acc = entry.sums[key] = [0] * (len(row) - entry.nkey)
    acc[0] += sign
    for n, v in enumerate(row[1 + entry.nkey :], start=1):
        if v is not None:
            acc[n] += sign * v
    if acc[0] == 0:
        del entry.sums[key]


def _full(fetch: Fetch, version: int, nkey: int | None) -> _Entry:
    rows: dict[int, list[Row]] = {}
    for row in fetch(None):
        rows.setdefault(int(row[0]), []).append(tuple(row))
    entry = _Entry(version, rows, {} if nkey is not None else None, nkey or 0)
    if nkey is not None:
        for person_rows in rows.values():
            for row in person_rows:
                _add(entry, row, 1)
    return entry


def _entry(session: Session, key: Hashable, fetch: Fetch, nkey: int | None) -> _Entry:
    full_key = (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        session_ws(session),
        nkey,
        key,
    )
    with _lock:
        entry = _entries.get(full_key)
        if entry is not None:
            _entries.move_to_end(full_key)
    if entry is None:
        version = current_version(session)
        entry = _full(fetch, version, nkey)
        _stats["full"] += 1
    else:
        with entry.lock:
            version, changed = changes_since(session, entry.version)
            if version <= entry.version:
                # Unchanged (or this session's snapshot is older than the kept rows).
                _stats["same"] += 1
                return entry
            if version - entry.version > KEEP_VERSIONS or len(changed) > MAX_CHANGED_PEOPLE:
                entry = _full(fetch, version, nkey)
                _stats["full"] += 1
            else:
                entry = _apply(entry, version, changed, fetch)
                _stats["delta"] += 1
    with _lock:
        _entries[full_key] = entry
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return entry


def _apply(old: _Entry, version: int, changed: set[int], fetch: Fetch) -> _Entry:
    """A new entry: `old` with the rows of `changed` people fetched again (old is left as it
    is for readers still holding it)."""
    rows = dict(old.rows)
    sums = None if old.sums is None else {k: list(v) for k, v in old.sums.items()}
    entry = _Entry(version, rows, sums, old.nkey)
    fresh: dict[int, list[Row]] = {}
    if changed:
        for row in fetch(sorted(changed)):
            fresh.setdefault(int(row[0]), []).append(tuple(row))
    for person in changed:
        before = rows.pop(person, None)
        if sums is not None:
            for row in before or ():
                _add(entry, row, -1)
        now = fresh.get(person)
        if now:
            rows[person] = now
            if sums is not None:
                for row in now:
                    _add(entry, row, 1)
    return entry


def person_rows(session: Session, key: Hashable, fetch: Fetch) -> list[Row]:
    """Every row `fetch(None)` would return now (person first; in no particular order), kept
    per person and brought up to date with `fetch(changed people)`. `key` must name
    everything the rows depend on besides the data (the SQL text does)."""
    entry = _entry(session, key, fetch, None)
    return [row for rows in entry.rows.values() for row in rows]


def summed_rows(session: Session, key: Hashable, fetch: Fetch, nkey: int) -> list[Row]:
    """The rows `fetch(None)`'s rows give when grouped by their `nkey` columns after the person
    (the key first, then each value column summed; NULLs count as nothing, a sum of only
    NULLs is 0): a GROUP BY of the same query without the person, kept up to date by
    subtracting a changed person's old rows and adding the new ones."""
    entry = _entry(session, key, fetch, nkey)
    assert entry.sums is not None
    return [(*k, *v[1:]) for k, v in entry.sums.items()]


def stats() -> dict[str, int]:
    with _lock:
        return {**_stats, "entries": len(_entries)}


def clear() -> None:
    with _lock:
        _entries.clear()


__all__ = [
    "changes_since",
    "clear",
    "current_version",
    "person_rows",
    "stats",
    "summed_rows",
]
