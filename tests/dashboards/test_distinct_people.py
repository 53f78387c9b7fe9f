"""The overview's distinct-people count (`sada.interactions.rollup_reads.distinct_people`)
equals the count over the log, over ranges with and without whole months, with and without
edge days that add people, across the boundary of two eras of month bits (January 2025), on
every channel and language filter (the month-bits pass and the day-bits read both run; edge
months that are a person's latest and earlier ones)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from sada.interactions import rollup_reads, rollups
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
ZONE = "Asia/Tehran"


def _items(rng: random.Random) -> list[dict]:
    """Five regulars who chat every day, and one-off speakers by SMS on random days."""
    items = []
    for day in range(500):  # back to November 2024: two eras of month bits
        for r in range(5):
            at = NOW - timedelta(days=day, minutes=rng.randrange(24 * 60))
            items.append((at, "chat", rng.choice(["en", "fa"]), f"r{r}"))
    for i in range(60):
        at = NOW - timedelta(days=rng.randrange(500), minutes=rng.randrange(24 * 60))
        items.append((at, "sms", "fa", f"once{i}"))
    for i in range(80):  # an edge month that is not their latest: the day rows are probed
        for _ in range(2):
            at = NOW - timedelta(days=rng.randrange(150), minutes=rng.randrange(24 * 60))
            items.append((at, "email", rng.choice(["en", "fa"]), f"twice{i}"))
    return [
        {
            "source": "t",
            "external_id": str(i),
            "occurred_at": at.isoformat(),
            "channel": channel,
            "type": "message",
            "direction": "inbound",
            "language": language,
            "person": {"email": f"{person}@example.com"},
        }
        for i, (at, channel, language, person) in enumerate(items)
    ]


def test_distinct_people_equals_the_log(db, workspace):  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    items = _items(rng)
    for start in range(0, len(items), 500):
        with db.transaction(workspace.id) as s:
            ingest_batch(s, items[start : start + 500], received_at=NOW)
    with db.transaction(workspace.id) as s:
        rollups.add_zones(s, [ZONE])
    from sada.dashboards.rollups import rebuild

    with db.transaction(workspace.id) as s:
        rebuild(s)
    with db.reader(workspace.id) as s:
        rows = s.execute(
            select(
                Interaction.occurred_at,
                Interaction.channel,
                Interaction.language,
                Interaction.person_id,
            )
        ).all()
    tz = ZoneInfo(ZONE)
    ranges = [
        (date(2026, 1, 1), date(2026, 3, 1)),  # whole months only
        (date(2025, 12, 20), date(2026, 3, 21)),  # both edges
        (date(2025, 12, 31), date(2026, 2, 1)),  # one edge day, one whole month
        (date(2026, 1, 1), date(2026, 2, 2)),  # whole month, one day after
        (date(2026, 2, 3), date(2026, 2, 20)),  # inside a month: days only
        (date(2026, 1, 25), date(2026, 2, 10)),  # across a month boundary, no whole month
        (date(2025, 9, 30), date(2026, 3, 21)),
        (date(2025, 11, 10), date(2026, 1, 20)),  # edge months before some people's latest
        (date(2026, 3, 21), date(2026, 3, 21)),  # empty
        (date(2024, 12, 10), date(2025, 2, 15)),  # whole month in one era, edges in two
        (date(2024, 11, 15), date(2026, 3, 21)),  # whole months in two eras
        (date(2024, 12, 20), date(2025, 1, 10)),  # days only, across the eras
    ]
    reads: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "who_spoke_" in statement and "count(" in statement:
            reads.append(statement)

    engines = {db.engine, db.read_engine}  # SQLite reads through a second engine
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    outcomes: set[str] = set()
    for first, last in ranges:
        for dims in (
            {},
            {"channel": "chat"},
            {"channel": "email"},
            {"language": "fa"},
            {"channel": "sms", "language": "en"},
        ):
            want = {
                pid
                for at, channel, language, pid in rows
                if first <= at.astimezone(tz).date() < last
                and dims.get("channel", channel) == channel
                and dims.get("language", language) == language
            }
            with db.reader(workspace.id) as s:
                reads.clear()
                got = rollup_reads.distinct_people(s, ZONE, first, last, **dims)
            assert got == len(want), (first, last, dims)
            if first < last:
                assert len(reads) == 1, reads  # one statement per count
                months = "who_spoke_months AS m" in reads[0]
                probes = "who_spoke_days AS d" in reads[0]
                outcomes.add("months+days" if months and probes else "months" if months else "days")
    for engine in engines:
        event.remove(engine, "before_cursor_execute", seen)
    # Whole months alone, whole months with edge days, and days alone all ran.
    assert outcomes == {"months", "months+days", "days"}
