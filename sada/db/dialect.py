"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause, Insert
from sqlalchemy.sql.selectable import CTE


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


def _driver_converters(dialect: str, table: Table) -> dict[str, Callable[[Any], Any]]:
    """Per-column conversions that SQLAlchemy would apply, for direct executemany."""
    from sada.db.types import UTCDateTime

    converters: dict[str, Callable[[Any], Any]] = {}
    for column in table.columns:
        column_type = column.type
        if isinstance(column_type, UTCDateTime):
            if dialect == "sqlite":
                converters[column.name] = _sqlite_datetime
            else:
                converters[column.name] = _aware
        elif isinstance(column_type, JSON) or isinstance(getattr(column_type, "impl", None), JSON):
            converters[column.name] = _sqlite_json if dialect == "sqlite" else _pg_json
    return converters


def _same(value: Any) -> Any:
    return value


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The text format SQLAlchemy's SQLite DateTime stores (so comparisons keep working).
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; Sada stores timezone-aware UTC datetimes")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given; Sada stores timezone-aware UTC datetimes")
    return value


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _pg_json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return None if value is None else Jsonb(value, dumps=lambda v: orjson.dumps(v).decode())


def insert_many_ignoring_conflicts(
    session: Session,
    table: Table | FromClause,
    rows: list[dict[str, Any]],
    index_elements: list[str],
) -> set[int]:
    """Insert rows that carry their own `id`; return the ids actually inserted.

    The hot path of ingest: rows go straight to the driver's executemany (the
    per-row work SQLAlchemy would do is done once here), inside the session's
    transaction. Rows whose unique key already exists are skipped.
    """
    if not rows:
        return set()
    assert isinstance(table, Table)
    dialect = dialect_name(session)
    columns = list(rows[0])
    convert = _driver_converters(dialect, table)
    marker = "?" if dialect == "sqlite" else "%s"
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join(marker for _ in columns)}) '
        f"ON CONFLICT ({', '.join(index_elements)}) DO NOTHING"
    )
    fns = [convert.get(c, _same) for c in columns]
    values = [tuple(fn(row[c]) for c, fn in zip(columns, fns, strict=True)) for row in rows]
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.executemany(sql, values)
        count = cursor.rowcount
    finally:
        cursor.close()
    ids = [row["id"] for row in rows]
    if count == len(rows):
        return set(ids)
    from sqlalchemy import select

    found: set[int] = set()
    for part in chunks(ids, 500):
        found.update(session.execute(select(table.c.id).where(table.c.id.in_(part))).scalars())
    return found


def key_rows(name: str, columns: dict[str, Any], rows: list[tuple[Any, ...]]) -> CTE:
    """A VALUES list as a named CTE, to join against a unique index.

    `WHERE (a, b) IN (VALUES ...)` next to `workspace_id = ?` makes SQLite scan the
    workspace's part of the index; a join from the literal rows probes the index
    once per row on both databases, so the cost follows the batch, not the table.
    """
    from sqlalchemy import column, values

    cols = [column(col, col_type) for col, col_type in columns.items()]
    return values(*cols, name=name).data(rows).cte(name)


def probe_unique(
    session: Session,
    entity: Any,
    keys: dict[str, Any],
    rows: list[tuple[Any, ...]],
    fetch: list[str],
) -> list[tuple[Any, ...]]:
    """Look `rows` up through the workspace's unique index on `keys`: (keys..., fetch...).

    One index probe per row whatever the table's size. SQLite's planner probes from a
    joined VALUES list; PostgreSQL's would rather hash the workspace's rows when they are
    few, so there each row probes through a LATERAL subquery, which it cannot hash.
    """
    from sqlalchemy import and_, select, true

    from sada.db.scoping import bound_workspace

    if not rows:
        return []
    wanted = key_rows("wanted", keys, rows)
    match = [entity.workspace_id == bound_workspace(session)] + [
        getattr(entity, name) == wanted.c[name] for name in keys
    ]
    if dialect_name(session) == "postgresql":
        hit = (
            select(*[getattr(entity, name) for name in fetch]).where(*match).limit(1).lateral("hit")
        )
        query = (
            select(*[wanted.c[name] for name in keys], *[hit.c[name] for name in fetch])
            .select_from(wanted)
            .join(hit, true())
        )
    else:
        query = (
            select(*[getattr(entity, name) for name in (*keys, *fetch)])
            .select_from(wanted)
            .join(entity, and_(*match))
        )
    return [tuple(row) for row in session.execute(query).all()]
