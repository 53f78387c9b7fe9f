"""Contention is retried a bounded number of times, then answered 503 with Retry-After."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sada.core.errors import Busy
from sada.core.http import error_response
from sada.db.retry import retrying


def test_deadlock_retried_then_busy(pg_db):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def deadlocking() -> None:
        calls.append(1)
        with pg_db.transaction() as session:
            # The server's own deadlock error (SQLSTATE 40P01), as a real deadlock raises it.
            session.execute(
                text("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
            )

    with pytest.raises(Busy) as caught:
        retrying(deadlocking, attempts=3, base_delay=0.001)
    assert len(calls) == 3
    response = error_response(caught.value)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"

    def once_then_fine() -> str:
        calls.append(1)
        if len(calls) == 4:
            deadlocking()
        return "done"

    assert retrying(once_then_fine, attempts=3, base_delay=0.001) == "done"


def test_other_errors_are_not_retried(pg_db):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        with pg_db.transaction() as session:
            session.execute(text("SELECT 1/0"))

    with pytest.raises(Exception) as caught:
        retrying(broken, attempts=3, base_delay=0.001)
    assert not isinstance(caught.value, Busy) and len(calls) == 1
