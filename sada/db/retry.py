"""Bounded retries of a whole transaction on deadlocks and serialization failures.

PostgreSQL aborts one of two transactions that wait on each other (40P01) or that
cannot be serialized (40001); SQLite answers "database is locked" when a writer
waited past its busy timeout. The work is a function that opens its own
transaction, so running it again starts from scratch. When it still fails, the
caller gets `Busy` (503 with Retry-After), never a 500.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from sada.core.errors import Busy

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETRYABLE_SQLSTATES = {"40P01", "40001"}


def is_contention(exc: BaseException) -> bool:
    """A deadlock, serialization failure or SQLite lock timeout (worth a retry).

    Bulk paths talk to the driver directly, so its own exceptions count as well as
    SQLAlchemy's wrappers of them.
    """
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state in _RETRYABLE_SQLSTATES:
        return True
    return isinstance(orig, sqlite3.OperationalError) and "database is locked" in str(orig)


def retrying(work: Callable[[], T], *, attempts: int = 5, base_delay: float = 0.02) -> T:
    """Run `work` (a whole transaction) again on contention, with jittered backoff."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as exc:
            if not is_contention(exc):
                raise
            if attempt == attempts:
                log.warning("transaction still contended after %d attempts: %s", attempts, exc)
                raise Busy(
                    "the database is busy with concurrent writes; retry shortly",
                    retry_after=1.0,
                ) from exc
            time.sleep(base_delay * (2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
