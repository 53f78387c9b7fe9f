"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Table
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
        # One text value, not a row per id (fetching thousands of rows cost more than the ids).
        joined = session.execute(
            text(
                "SELECT string_agg(CAST(nextval(pg_get_serial_sequence(:table, 'id')) AS text), "
                "',') FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        ).scalar_one()
        return list(map(int, joined.split(",")))
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


def _driver_rows(
    rows: list[dict[str, Any]], columns: list[str], convert: dict[str, Callable[[Any], Any]]
) -> list[list[Any]]:
    """Rows as value lists in `columns` order, converted only where a column needs it."""
    from operator import itemgetter

    getter = itemgetter(*columns)
    fixes = [(i, convert[c]) for i, c in enumerate(columns) if c in convert]
    # The same value object in consecutive rows (a batch's received_at, created_at) is
    # converted once.
    last: list[tuple[Any, Any]] = [(_UNSET, None)] * len(fixes)
    out = []
    for row in rows:
        values = list(getter(row)) if len(columns) > 1 else [getter(row)]
        for n, (i, fn) in enumerate(fixes):
            value = values[i]
            seen, converted = last[n]
            if value is not seen:
                converted = fn(value)
                last[n] = (value, converted)
            values[i] = converted
        out.append(values)
    return out


_UNSET = object()


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The text format SQLAlchemy's SQLite DateTime stores (so comparisons keep working).
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; Sada stores timezone-aware UTC datetimes")
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given; Sada stores timezone-aware UTC datetimes")
    return value


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _pg_json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return None if value is None else Jsonb(value, dumps=lambda v: orjson.dumps(v).decode())


# From this many rows on, PostgreSQL writes go through COPY into a staging table.
COPY_FROM_ROWS = 50


def bulk_insert(
    session: Session,
    table: str,
    columns: list[str],
    rows: list[tuple[Any, ...]] | list[list[Any]],
    conflict: str,
    *,
    returning: str | None = None,
) -> list[Any] | None:
    """Insert driver-ready tuples in one set-based write, inside the session's transaction.

    PostgreSQL (from COPY_FROM_ROWS rows, or when `returning` is asked): `COPY` into a
    temporary staging table of the same columns (one per connection, emptied at commit) and
    one `INSERT ... SELECT ... {conflict}` in the rows' order (callers sort them: one lock
    order for every writer); returns the `returning` column of the rows inserted. Otherwise
    (SQLite, few rows): `executemany` of `INSERT ... VALUES ... {conflict}`; returns None.
    """
    if not rows:
        return [] if returning else None
    dialect = dialect_name(session)
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor = dbapi.cursor()
    try:
        if dialect == "postgresql" and (returning or len(rows) >= COPY_FROM_ROWS):
            stage = f"_stage_{table}_{zlib.crc32(quoted.encode()):08x}"
            cursor.execute(
                f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS AS '
                f'SELECT {quoted} FROM "{table}" WITH NO DATA'
            )
            cursor.execute(f'DELETE FROM "{stage}"')  # an earlier write of this transaction
            with cursor.copy(f'COPY "{stage}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            tail = f" RETURNING {returning}" if returning else ""
            cursor.execute(
                f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{stage}" {conflict}{tail}'
            )
            return [r[0] for r in cursor.fetchall()] if returning else None
        if returning:
            raise NotImplementedError("bulk_insert(returning=...) is for PostgreSQL")
        marker = "?" if dialect == "sqlite" else "%s"
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join([marker] * len(columns))}) '
        cursor.executemany(sql + conflict, rows)
        return None
    finally:
        cursor.close()


def insert_many_ignoring_conflicts(
    session: Session,
    table: Table | FromClause,
    rows: list[dict[str, Any]],
    index_elements: list[str],
) -> set[int]:
    """Insert rows that carry their own `id`; return the ids actually inserted.

    The hot path of ingest: rows go straight to the driver (the per-row work SQLAlchemy
    would do is done once here), inside the session's transaction, through `bulk_insert`
    (COPY + INSERT ... SELECT on PostgreSQL, executemany on SQLite). Rows whose unique key
    already exists are skipped. (Measured: the rows sent as one JSON parameter read by
    `json_populate_recordset` cut the client's CPU on PostgreSQL but raised the backend's by
    as much or more; COPY stays.)
    """
    if not rows:
        return set()
    assert isinstance(table, Table)
    columns = list(rows[0])
    convert = _driver_converters(dialect_name(session), table)
    values = _driver_rows(rows, columns, convert)
    ids = [row["id"] for row in rows]
    return insert_values_ignoring_conflicts(session, table, columns, values, ids, index_elements)


def driver_converters(
    session: Session, table: Table | FromClause
) -> dict[str, Callable[[Any], Any]]:
    """Per column of `table`, the conversion its values need before they go to the driver
    (datetimes, JSON); callers that build driver-ready rows themselves apply these."""
    assert isinstance(table, Table)
    return _driver_converters(dialect_name(session), table)


def insert_values_ignoring_conflicts(
    session: Session,
    table: Table | FromClause,
    columns: list[str],
    values: list[list[Any]] | list[tuple[Any, ...]],
    ids: list[int],
    index_elements: list[str],
) -> set[int]:
    """`insert_many_ignoring_conflicts` for rows already driver-ready (`driver_converters`
    applied), in `columns` order; `ids` are the rows' own ids, in the same order."""
    if not values:
        return set()
    assert isinstance(table, Table)
    conflict = f"ON CONFLICT ({', '.join(index_elements)}) DO NOTHING"
    if dialect_name(session) == "postgresql":
        inserted = bulk_insert(session, table.name, columns, values, conflict, returning="id")
        return {int(i) for i in inserted or []}
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join(["?"] * len(columns))}) '
    try:
        cursor.executemany(sql + conflict, values)
        count = cursor.rowcount
    finally:
        cursor.close()
    if count == len(values):
        return set(ids)
    from sqlalchemy import select

    found: set[int] = set()
    for part in chunks(ids, 500):
        found.update(session.execute(select(table.c.id).where(table.c.id.in_(part))).scalars())
    return found


def probe_unique(
    session: Session,
    entity: Any,
    keys: list[str],
    rows: list[tuple[Any, ...]],
    fetch: list[str],
) -> list[tuple[Any, ...]]:
    """Look `rows` up through the workspace's unique index on `keys`: (keys..., fetch...).

    One index probe per row whatever the table's size, and one constant statement
    whatever the batch (no per-row SQL to compile): the keys travel as one JSON array
    (`json_each` on SQLite, CROSS JOIN so the keys drive the loop; `json_array_elements`
    on PostgreSQL, each row probing through a LATERAL subquery, which the planner cannot
    turn into a hash of the workspace's rows).
    Values are compared as text (the key columns are strings).
    """
    from sqlalchemy import text

    from sada.db.scoping import bound_workspace

    if not rows:
        return []
    table = entity.__table__.name
    workspace_id = bound_workspace(session)
    # The keys as one JSON array of arrays (orjson writes it in C; psycopg adapted `text[]`
    # parameters in Python, ~10% of the applier's client CPU).
    keys_json = orjson.dumps([[str(v) for v in row] for row in rows]).decode()
    if dialect_name(session) == "postgresql":
        ensure_statistics(session, table)
        names = ", ".join(f"k.c{i}" for i in range(len(keys)))
        columns = ", ".join(f"e.value ->> {i} AS c{i}" for i in range(len(keys)))
        match = " AND ".join(f't."{name}" = k.c{i}' for i, name in enumerate(keys))
        sql = (
            f"SELECT {names}, {', '.join(f'hit.{name}' for name in fetch)} "
            f"FROM (SELECT {columns} FROM json_array_elements(CAST(:keys AS json)) AS e(value)) "
            "AS k CROSS JOIN LATERAL ("
            f'SELECT {", ".join(f"t.{name}" for name in fetch)} FROM "{table}" t '
            f"WHERE t.workspace_id = :ws AND {match} LIMIT 1) hit"
        )
        params: dict[str, Any] = {"ws": workspace_id, "keys": keys_json}
    else:
        match = " AND ".join(f't."{name}" = k.value ->> {i}' for i, name in enumerate(keys))
        sql = (
            f"SELECT {', '.join(f't.{name}' for name in (*keys, *fetch))} "
            f'FROM json_each(:keys) AS k CROSS JOIN "{table}" t '
            f"WHERE t.workspace_id = :ws AND {match}"
        )
        params = {"ws": workspace_id, "keys": keys_json}
    return [tuple(row) for row in session.execute(text(sql), params).all()]


# (database, table) pairs known to have planner statistics on `workspace_id`, and when a
# table without them (empty) was last looked at.
_WITH_STATISTICS: set[tuple[str, str]] = set()
_LOOKED_AT: dict[tuple[str, str], float] = {}
STATISTICS_RECHECK_SECONDS = 10.0


def ensure_statistics(session: Session, table: str) -> None:
    """Give a PostgreSQL table planner statistics if it has none yet (a new database).

    Without them the planner cannot tell a workspace's unique index from its other
    `(workspace_id, ...)` indexes (both look like one row) and may probe through the wrong
    one: every key then walks all the workspace's rows (measured: 4 s per 500 identity
    probes at 5,000 rows, before the first autovacuum analyze). Checked once per process
    and table (then cached); `ANALYZE` runs in its own short transaction, with a
    lock timeout, so it never holds locks in the caller's transaction. Best effort.
    """
    from time import monotonic

    from sqlalchemy import text

    connection = session.connection()
    key = (connection.engine.url.render_as_string(hide_password=True), table)
    if key in _WITH_STATISTICS:
        return
    now = monotonic()
    if now - _LOOKED_AT.get(key, -STATISTICS_RECHECK_SECONDS) < STATISTICS_RECHECK_SECONDS:
        return
    _LOOKED_AT[key] = now
    check = text(
        "SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema() "
        "AND tablename = :table AND attname = 'workspace_id')"
    )
    if session.execute(check, {"table": table}).scalar():
        _WITH_STATISTICS.add(key)
        return
    try:
        # Its own short transaction: SET LOCAL ends with it, so the pooled connection goes
        # back without a lock timeout (a plain SET would stay on it for later requests).
        with connection.engine.begin() as own:
            own.execute(text("SET LOCAL lock_timeout = '2s'"))
            own.execute(text(f'ANALYZE "{table}"'))
            if own.execute(check, {"table": table}).scalar():
                _WITH_STATISTICS.add(key)
    except Exception:  # noqa: BLE001 - best effort: autovacuum gets there too
        return
