"""Which queue runs a database's jobs: the table queue (default) or procrastinate.

`SADA_JOB_BACKEND=procrastinate` on PostgreSQL makes every enqueue also defer a procrastinate
job in the same transaction (`sada.jobs.procrastinate_backend`), and `sada worker` run the
procrastinate worker. SQLite always keeps the in-process table queue. The choice is made once
per engine when a process opens its database, so enqueue only looks it up.

This module does not import procrastinate (an optional extra).
"""

from __future__ import annotations

import logging
import weakref
from typing import Literal

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sada.db.engine import Database

log = logging.getLogger(__name__)

Backend = Literal["table", "procrastinate"]

_PROCRASTINATE: weakref.WeakSet[Engine] = weakref.WeakSet()


class BackendUnavailable(RuntimeError):
    """SADA_JOB_BACKEND=procrastinate without the procrastinate package installed."""


def select_backend(db: Database, backend: str) -> Backend:
    """Use `backend` for the jobs of `db`; returns the backend in effect."""
    if backend != "procrastinate":
        _PROCRASTINATE.discard(db.engine)
        return "table"
    if db.is_sqlite:
        log.warning(
            "SADA_JOB_BACKEND=procrastinate needs PostgreSQL; SQLite keeps the in-process "
            "table queue"
        )
        return "table"
    try:
        import procrastinate  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailable(
            "SADA_JOB_BACKEND=procrastinate needs the procrastinate package: "
            "pip install 'sada-cx[postgres-queue]'"
        ) from exc
    _PROCRASTINATE.add(db.engine)
    return "procrastinate"


def uses_procrastinate(target: Database | Session) -> bool:
    """True when the jobs of this database (or session's database) go to procrastinate."""
    if isinstance(target, Database):
        return target.engine in _PROCRASTINATE
    bind = target.get_bind()
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    return engine is not None and engine in _PROCRASTINATE


def prepare_queue(db: Database, *, create: bool) -> None:
    """On procrastinate: make sure its schema exists (`create`) or refuse to start without it.

    `sada db upgrade` and `sada worker` create it; an API node only creates it when it may
    upgrade the schema on start (SADA_AUTO_UPGRADE).
    """
    if not uses_procrastinate(db):
        return
    from sada.db.migrate import SchemaOutOfDate
    from sada.jobs import procrastinate_backend

    if create:
        procrastinate_backend.ensure_schema(db)
    elif not procrastinate_backend.schema_present(db):
        raise SchemaOutOfDate(
            "SADA_JOB_BACKEND=procrastinate but the procrastinate schema is missing: "
            "run `sada db upgrade`"
        )
