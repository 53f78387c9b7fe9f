"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause, Insert


def insert_ignoring_conflicts(
    session: Session, table: Table | FromClause, index_elements: list[str]
) -> Insert:
    """INSERT ... ON CONFLICT (cols) DO NOTHING for the session's dialect."""
    assert isinstance(table, Table)
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    raise NotImplementedError(f"unsupported database {name}")


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def reserve_ids(session: Session, table: Table | FromClause, count: int) -> list[int]:
    """Ids for `count` new rows, so bulk inserts need no RETURNING.

    SQLite writers hold the write lock (BEGIN IMMEDIATE), so max(id)+1.. is ours;
    PostgreSQL hands out values from the column's sequence.
    """
    from sqlalchemy import func, select, text

    if count <= 0:
        return []
    assert isinstance(table, Table)
    if dialect_name(session) == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        ).scalars()
        return [int(v) for v in rows]
    start = int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
    return list(range(start, start + count))


def insert_many_ignoring_conflicts(
    session: Session,
    table: Table | FromClause,
    rows: list[dict[str, Any]],
    index_elements: list[str],
) -> set[int]:
    """Insert rows that carry their own `id`; return the ids actually inserted."""
    if not rows:
        return set()
    assert isinstance(table, Table)
    statement = insert_ignoring_conflicts(session, table, index_elements)
    ids = [row["id"] for row in rows]
    if dialect_name(session) == "postgresql":
        inserted: set[int] = set()
        for part in chunks(rows, 1000):
            inserted.update(session.execute(statement.returning(table.c.id), part).scalars())
        return inserted
    # SQLite: executemany without RETURNING is several times cheaper; rowcount is exact.
    count = sum(session.execute(statement, part).rowcount for part in chunks(rows, 1000))
    if count == len(rows):
        return set(ids)
    from sqlalchemy import select

    found: set[int] = set()
    for part in chunks(ids, 500):
        found.update(session.execute(select(table.c.id).where(table.c.id.in_(part))).scalars())
    return found
