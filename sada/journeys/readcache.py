"""Results of heavy journey reads, kept in the process while the data they read is unchanged.

Retention cohorts and churn scan every interaction of an audience (about two seconds at
300k interactions on SQLite); their answer changes only when the rows they read change.
`cached(session, name, args, compute)` keeps the answer under a key made of the database,
the workspace, the arguments and a *fingerprint* of the data: cheap aggregates, read in
one statement (one snapshot), that move on every write those reads depend on:

- interactions: count, highest id, count and sum of `person_id` (an insert, a deletion
  such as an erasure or a retention policy, an identity resolved later, a merge or
  unmerge moving rows), read from the (workspace, person, time) index alone;
- people: count, highest id, latest `updated_at` (audience, segment, traits, merges);
- person merges: count, highest id, undone count and latest `undone_at`;
- SLA events, cases and conversations where those tables exist (churn's SLA breaches).

Interactions are otherwise append-only (DESIGN.md), so an unchanged fingerprint means an
unchanged answer; the fingerprint is read before the computation, so a write racing it
can only make the next request compute again, never serve an older answer. Each process
keeps its own entries (bounded, least recently used first out).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from sada.journeys.analytics import session_ws
from sada.journeys.experience import _has_table

T = TypeVar("T")

MAX_ENTRIES = 128

_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()

# Optional tables (other domains): aggregates that move when their rows do.
_OPTIONAL = {
    "sla_events": "COUNT(*), MAX(id)",
    "cases": "COUNT(*), MAX(id), COUNT(person_id), SUM(person_id)",
    "conversations": "COUNT(*), MAX(id), COUNT(person_id), SUM(person_id)",
}


def fingerprint(session: Session) -> tuple[Any, ...]:
    """Aggregates of the workspace's interactions, people, merges (and SLA events, cases,
    conversations where installed) that change whenever any of their rows does."""
    ws = session_ws(session)
    parts = [
        "SELECT COUNT(*) AS a0, MAX(id) AS a1, COUNT(person_id) AS a2, SUM(person_id) AS a3 "
        f"FROM interactions WHERE workspace_id = {ws}",
        "SELECT COUNT(*) AS b0, MAX(id) AS b1, MAX(updated_at) AS b2 "
        f"FROM people WHERE workspace_id = {ws}",
        "SELECT COUNT(*) AS c0, MAX(id) AS c1, COUNT(undone_at) AS c2, MAX(undone_at) AS c3 "
        f"FROM person_merges WHERE workspace_id = {ws}",
    ]
    for n, (table, columns) in enumerate(sorted(_OPTIONAL.items())):
        if _has_table(session, table):
            named = ", ".join(f"{c} AS t{n}_{k}" for k, c in enumerate(columns.split(", ")))
            parts.append(f"SELECT {named} FROM {table} WHERE workspace_id = {ws}")
    sql = "SELECT * FROM " + ", ".join(f"({p}) f{k}" for k, p in enumerate(parts))
    row = session.execute(text(sql)).one()
    return tuple(str(v) if v is not None and not isinstance(v, int) else v for v in row)


def cached(session: Session, name: str, args: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or the answer it gave for the same database, workspace, `name`, `args`
    and data fingerprint (a deep copy either way: callers may change what they get)."""
    bind = session.get_bind()
    key = (str(bind.engine.url), session_ws(session), name, args, fingerprint(session))
    with _lock:
        hit = _entries.get(key)
        if hit is not None:
            _entries.move_to_end(key)
            return copy.deepcopy(hit)
    value = compute()
    with _lock:
        _entries[key] = copy.deepcopy(value)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every kept answer (tests)."""
    with _lock:
        _entries.clear()


__all__ = ["cached", "clear", "fingerprint"]
