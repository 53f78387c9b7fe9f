"""The journey change counter is raised at commit: two writers never deadlock on it.

Migration 1970 (PostgreSQL). Before it, the first watched write of a transaction locked
the workspace's `journey_data_versions` row until the transaction ended, so A (holding the
counter after one write) waiting for a person row that B had updated, while B's trigger
waited for the counter, was a deadlock; PostgreSQL aborted one of them.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.people.models import Person


def _people(db: Database, ws: int, n: int) -> list[int]:
    with db.transaction(ws) as session:
        rows = [Person(workspace_id=ws, traits={}, updated_at=utcnow()) for _ in range(n)]
        session.add_all(rows)
        session.flush()
        return [p.id for p in rows]


def _version(db: Database, ws: int) -> int:
    with db.engine.connect() as conn:
        value = conn.execute(
            text("SELECT version FROM journey_data_versions WHERE workspace_id = :ws"), {"ws": ws}
        ).scalar()
    return int(value or 0)


def _changes(db: Database, ws: int, since: int) -> set[tuple[int, int]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT version, person_id FROM journey_person_changes "
                "WHERE workspace_id = :ws AND version > :v"
            ),
            {"ws": ws, "v": since},
        ).all()
    return {(int(v), int(p)) for v, p in rows}


def test_crossed_writers_do_not_deadlock_on_the_counter(
    pg_db: Database, make_workspace: Any
) -> None:
    ws = make_workspace(pg_db).id
    first, second = _people(pg_db, ws, 2)
    start = _version(pg_db, ws)
    update = text("UPDATE people SET traits = CAST(:t AS JSONB) WHERE id = :id")
    errors: list[BaseException] = []
    b_updated = threading.Event()

    a = pg_db.engine.connect()
    b = pg_db.engine.connect()
    try:
        a.begin()
        a.execute(update, {"t": '{"by": "a"}', "id": second})  # A writes first

        def writer_b() -> None:
            try:
                b.begin()
                b.execute(update, {"t": '{"by": "b"}', "id": first})  # before: waits for A
                b_updated.set()
                time.sleep(0.5)  # A is now waiting for the row B holds
                b.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                b_updated.set()

        thread = threading.Thread(target=writer_b)
        thread.start()
        time.sleep(0.3)
        try:
            a.execute(update, {"t": '{"by": "a"}', "id": first})  # waits for B's row
            a.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        thread.join(timeout=30)
    finally:
        a.close()
        b.close()
    assert not errors, errors  # before migration 1970: "deadlock detected"
    assert b_updated.is_set()
    # Once per committed transaction, each with the people it touched.
    assert _version(pg_db, ws) == start + 2
    changes = _changes(pg_db, ws, start)
    assert {p for _v, p in changes} == {first, second}
    by_version: dict[int, set[int]] = {}
    for version, person in changes:
        by_version.setdefault(version, set()).add(person)
    assert sorted(by_version.values(), key=len) == [{first}, {first, second}]
    with pg_db.engine.connect() as conn:  # nothing pending outside a transaction
        assert conn.execute(text("SELECT count(*) FROM journey_pending")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM journey_pending_tx")).scalar() == 0


def test_a_rolled_back_write_raises_nothing(pg_db: Database, make_workspace: Any) -> None:
    ws = make_workspace(pg_db).id
    (person,) = _people(pg_db, ws, 1)
    start = _version(pg_db, ws)
    with pg_db.engine.connect() as conn:
        conn.begin()
        conn.execute(
            text("UPDATE people SET traits = CAST('{\"x\": 1}' AS JSONB) WHERE id = :id"),
            {"id": person},
        )
        conn.rollback()
    assert _version(pg_db, ws) == start
    assert _changes(pg_db, ws, start) == set()


@pytest.mark.parametrize("statements", [1, 3])
def test_one_raise_per_transaction_whatever_its_statements(
    pg_db: Database, make_workspace: Any, statements: int
) -> None:
    ws = make_workspace(pg_db).id
    people = _people(pg_db, ws, statements)
    start = _version(pg_db, ws)
    with pg_db.engine.begin() as conn:
        for person in people:
            conn.execute(
                text("UPDATE people SET traits = CAST('{\"y\": 2}' AS JSONB) WHERE id = :id"),
                {"id": person},
            )
    assert _version(pg_db, ws) == start + 1
    assert _changes(pg_db, ws, start) == {(start + 1, p) for p in people}
