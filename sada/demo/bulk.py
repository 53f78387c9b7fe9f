"""The demo's bulk writer: rows straight to the database driver, encoded once.

`session.execute(insert(Model), rows)` runs SQLAlchemy's per-value bind processing and the
ORM's bulk bookkeeping for every row; for the demo's 300,000 interactions that was most of
the seeding time. Here each column's encoder is picked once from the table's types and the
rows go to the driver's `executemany` in the caller's transaction, stored exactly as
SQLAlchemy stores them (on SQLite: naive UTC `YYYY-MM-DD HH:MM:SS.ffffff` strings, JSON
as `json.dumps` text, booleans as 0/1). PostgreSQL takes the same rows through a Core
`INSERT` (psycopg batches `executemany`), which keeps its native types exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Table, event, func, select, text
from sqlalchemy.orm import Session

from sada.db.dialect import dialect_name
from sada.db.engine import Database
from sada.db.types import UTCDateTime

Encoder = Callable[[Any], Any]


def _sqlite_datetime(value: Any) -> Any:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; Sada stores timezone-aware UTC datetimes")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _sqlite_date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _sqlite_json(value: Any) -> Any:
    return json.dumps(value)  # SQLAlchemy's JSON: None is stored as the JSON text null


def _sqlite_bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _plain(value: Any) -> Any:
    return value


def _sqlite_encoder(column_type: Any) -> Encoder:
    impl = column_type.impl if isinstance(column_type, UTCDateTime) else column_type
    if isinstance(column_type, UTCDateTime) or isinstance(impl, DateTime):
        return _sqlite_datetime
    if isinstance(impl, Date):
        return _sqlite_date
    if isinstance(impl, JSON):
        return _sqlite_json
    if isinstance(impl, Boolean):
        return _sqlite_bool
    return _plain


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, chunk: int = 20_000
) -> None:
    """Insert `rows` (dicts with the same keys, values as the ORM takes them) into `table`
    in the caller's transaction. Every row must carry every column that has no database
    default (no Python-side defaults are applied here)."""
    if not rows:
        return
    if dialect_name(session) != "sqlite":
        for start in range(0, len(rows), chunk):
            session.execute(table.insert(), list(rows[start : start + chunk]))
        return
    names = list(rows[0])
    encoders = [_sqlite_encoder(table.c[name].type) for name in names]
    plain = [encoder is _plain for encoder in encoders]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        for start in range(0, len(rows), chunk):
            cursor.executemany(
                sql,
                [
                    tuple(
                        row[name] if keep else encode(row[name])
                        for name, encode, keep in zip(names, encoders, plain, strict=True)
                    )
                    for row in _same_keys(rows[start : start + chunk], len(names))
                ],
            )
    finally:
        cursor.close()


def next_id(session: Session, model: Any) -> int:
    """The first id after every row of `model`'s table (all workspaces): ids the caller
    reserves for rows it writes with `insert_rows` (then `fix_sequences` on PostgreSQL)."""
    query = select(func.coalesce(func.max(model.id), 0)).execution_options(all_workspaces=True)
    return int(session.execute(query).scalar_one()) + 1


def fix_sequences(session: Session, tables: list[str]) -> None:
    """PostgreSQL: move each table's id sequence past the explicit ids written."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


def _same_keys(rows: Sequence[dict[str, Any]], width: int) -> Sequence[dict[str, Any]]:
    for row in rows:
        if len(row) != width:
            raise ValueError(f"bulk rows differ in their keys: {sorted(row)}")
    return rows


BULK_CACHE_MIB = 256


@contextmanager
def bulk_cache(db: Database, mib: int = BULK_CACHE_MIB) -> Iterator[None]:
    """SQLite: a large page cache (and temporary tables in memory) on the writer's
    connections while seeding.

    The interactions go in one transaction. With SQLite's default 2 MiB cache the pages of
    the table and its indexes do not fit: modified pages are spilled to the WAL before the
    commit, read back, changed and spilled again, so the WAL grows to several times the data
    and the kernel does most of the work (system time doubled when the seeding became one
    transaction). With the pages in memory each is written once. The connections are opened
    anew before and after, so nothing else runs with this cache."""
    if not db.is_sqlite:
        yield
        return

    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA cache_size=-{int(mib) * 1024}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    db.engine.dispose()
    event.listen(db.engine, "connect", _on_connect)
    try:
        yield
    finally:
        event.remove(db.engine, "connect", _on_connect)
        db.engine.dispose()
