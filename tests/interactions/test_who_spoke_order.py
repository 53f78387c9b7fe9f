"""Who-spoke facts written in any order and any grouping give the same rows: months OR-ed
in, and each month row's latest month with its days (`latest`, `latest_days`) moved on to
a later month or OR-ed for the same one — on SQLite and PostgreSQL, facts arriving
out of order across months and eras, and again (a replay writes nothing)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import event, select

from sada.interactions import who_spoke


def _facts(rng: random.Random) -> list[who_spoke.PersonKey]:
    start = date(2024, 6, 1)  # across the era boundary of January 2025
    return [
        (
            rng.choice(["UTC", "Asia/Tehran"]),
            start + timedelta(days=rng.randrange(400)),
            rng.choice(["chat", "sms"]),
            rng.choice(["en", "fa"]),
            rng.randrange(1, 12),
        )
        for _ in range(1500)
    ]


def _rows(db, workspace_id: int) -> tuple[list[tuple], list[tuple]]:  # type: ignore[no-untyped-def]
    with db.reader(workspace_id) as s:
        months = sorted(s.execute(select(*who_spoke.MONTH_ROW)).tuples())
        days = sorted(
            (zone, channel, language, month.isoformat(), person, bits)
            for zone, channel, language, month, person, bits in s.execute(
                select(*who_spoke.DAY_ROW)
            ).tuples()
        )
    return months, days


def test_any_order_and_grouping_gives_the_rows_of_all_facts(db, workspace):  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    facts = _facts(rng)
    rng.shuffle(facts)  # later months before earlier ones, days of a month apart
    start = 0
    while start < len(facts):
        size = rng.choice([1, 3, 40, 200])
        with db.transaction(workspace.id) as s:
            who_spoke.add_people(s, facts[start : start + size])
        start += size
    want = who_spoke.spoke_rows(set(facts), sqlite=True)
    assert _rows(db, workspace.id) == want
    latest = [row for row in want[0] if row[6] != row[5].bit_length() - 1]
    assert latest == []  # the latest month is the highest bit
    assert any(row[5] & (row[5] - 1) for row in want[0])  # rows of several months

    writes: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO who_spoke_"):
            writes.append(str(cursor.rowcount))

    with db.transaction(workspace.id) as s:
        connection = s.connection()
        event.listen(connection, "after_cursor_execute", seen)
        who_spoke.add_people(s, facts[:500])  # a replay: every bit there already
        event.remove(connection, "after_cursor_execute", seen)
    assert writes and set(writes) == {"0"}, writes
    assert _rows(db, workspace.id) == want
