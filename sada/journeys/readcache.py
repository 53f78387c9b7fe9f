"""Results of heavy journey reads (retention cohorts and churn), kept in the process while the
data they read is unchanged.

Retention cohorts and churn scan every interaction of an audience (about two seconds at
300k interactions on SQLite); their answer changes only when the rows they read change.
`cached(session, name, args, compute)` keeps the answer through `sada.journeys.pagecache`
(the journey pages' cache), keyed on the workspace's change counter — raised by database
triggers in the same transaction as every insert, delete or relevant update of
interactions, people and text analyses, so ingest, a person resolved later, audience
changes, merges, unmerges and erasure all move it — plus a *fingerprint* of the few other
tables churn reads (SLA events, cases, conversations where installed): cheap aggregates of
small tables, read in one statement. The counter and the fingerprint are read before the
computation, so a write racing it can only make the next request compute again, never
serve an older answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from sada.journeys import pagecache
from sada.journeys.analytics import session_ws
from sada.journeys.experience import _has_table

T = TypeVar("T")

# Optional tables (other domains): aggregates that move when their rows do.
_OPTIONAL = {
    "sla_events": "COUNT(*), MAX(id)",
    "cases": "COUNT(*), MAX(id), COUNT(person_id), SUM(person_id)",
    "conversations": "COUNT(*), MAX(id), COUNT(person_id), SUM(person_id)",
}


def fingerprint(session: Session) -> tuple[Any, ...]:
    """The workspace's change counter and aggregates of SLA events, cases and conversations
    (where installed): moves whenever any row churn and cohorts read changes."""
    ws = session_ws(session)
    parts = []
    for n, (table, columns) in enumerate(sorted(_OPTIONAL.items())):
        if _has_table(session, table):
            named = ", ".join(f"{c} AS t{n}_{k}" for k, c in enumerate(columns.split(", ")))
            parts.append(f"SELECT {named} FROM {table} WHERE workspace_id = {ws}")
    extra: tuple[Any, ...] = ()
    if parts:
        sql = "SELECT * FROM " + ", ".join(f"({p}) f{k}" for k, p in enumerate(parts))
        row = session.execute(text(sql)).one()
        extra = tuple(str(v) if v is not None and not isinstance(v, int) else v for v in row)
    return (pagecache.data_version(session), *extra)


def cached(session: Session, name: str, args: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or the answer it gave for the same database, workspace, `name`, `args`
    and data (a deep copy either way: callers may change what they get)."""
    return pagecache.cached(session, ("readcache", name, args, fingerprint(session)), compute)


def clear() -> None:
    """Forget every kept answer (tests)."""
    pagecache.clear()


__all__ = ["cached", "clear", "fingerprint"]
