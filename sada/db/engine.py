"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE for writers so
that concurrent writers queue instead of failing with "database is locked".
Readers use a second engine with deferred transactions so pages never wait for
the write lock.

PostgreSQL connections turn JIT compilation off: Sada's statements are short index reads
and set-based writes, where the planner's cost estimate (bit-mask filters over an estimated
few hundred thousand rows) triggered JIT for the overview's distinct-people count and spent
114 ms compiling for a 440 ms statement (`bench/RESULTS.md`, the 10M overview).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from sada.db.scoping import bind_workspace

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_engine(url: str, *, immediate: bool, **kwargs: Any) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(
    url: str, *, immediate: bool = True, application_name: str | None = None, **kwargs: Any
) -> Engine:
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            raise ValueError("in-memory SQLite is not supported; use a file path")
        return _sqlite_engine(url, immediate=immediate, **kwargs)
    if application_name:
        # Shown in pg_stat_activity: which role (api, worker, cli) holds a connection.
        kwargs.setdefault("connect_args", {})["application_name"] = application_name[:63]
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _no_jit(dbapi_connection: Any, _record: Any) -> None:
        # A SET, not a startup option: poolers such as PgBouncer refuse unknown options.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()

    return engine


@dataclass
class Database:
    """The engines and session factories of one database."""

    url: str
    engine: Engine
    read_engine: Engine
    _write_factory: sessionmaker[Session]
    _read_factory: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, workspace_id: int | None = None, *, read_only: bool = False) -> Session:
        factory = self._read_factory if read_only else self._write_factory
        session = factory()
        if workspace_id is not None:
            bind_workspace(session, workspace_id)
        return session

    @contextmanager
    def transaction(self, workspace_id: int | None = None) -> Iterator[Session]:
        """A write session that commits on success and rolls back on error."""
        session = self.session(workspace_id)
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def reader(self, workspace_id: int | None = None) -> Iterator[Session]:
        session = self.session(workspace_id, read_only=True)
        try:
            yield session
        finally:
            # close() ends the transaction without expiring loaded objects.
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def open_database(
    url: str, *, null_pool: bool = False, application_name: str | None = "sada"
) -> Database:
    extra: dict[str, Any] = {"poolclass": NullPool} if null_pool else {}
    engine = make_engine(url, immediate=True, application_name=application_name, **extra)
    read_engine = make_engine(url, immediate=False, **extra) if url.startswith("sqlite") else engine
    return Database(
        url=url,
        engine=engine,
        read_engine=read_engine,
        _write_factory=sessionmaker(engine, expire_on_commit=False),
        _read_factory=sessionmaker(read_engine, expire_on_commit=False),
    )
