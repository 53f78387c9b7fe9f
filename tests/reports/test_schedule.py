"""When schedules run next: wall-clock times across daylight-saving changes, weekdays, days
of the month, and period keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sada.core.errors import Invalid
from sada.reports.schedule import next_run, period_key


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_keeps_local_time_across_the_autumn_change() -> None:
    # Berlin leaves summer time on Sunday 2026-10-25: 08:00 is 06:00 UTC before, 07:00 after.
    first = next_run(
        _utc(2026, 10, 23, 12), frequency="daily", at_time="08:00", timezone="Europe/Berlin"
    )
    assert first == _utc(2026, 10, 24, 6)
    second = next_run(first, frequency="daily", at_time="08:00", timezone="Europe/Berlin")
    assert second == _utc(2026, 10, 25, 7)


def test_weekly_across_the_spring_change_and_a_skipped_time() -> None:
    # New York moves to summer time on Sunday 2026-03-08 at 02:00: 02:30 does not exist.
    run = next_run(
        _utc(2026, 3, 1, 12),
        frequency="weekly",
        weekday=6,
        at_time="02:30",
        timezone="America/New_York",
    )
    assert run == _utc(2026, 3, 8, 7, 30)  # 03:30 EDT, the same time after the change
    after = next_run(
        run, frequency="weekly", weekday=6, at_time="02:30", timezone="America/New_York"
    )
    assert after == _utc(2026, 3, 15, 6, 30)  # 02:30 EDT
    monday = next_run(
        _utc(2026, 11, 29, 12),
        frequency="weekly",
        weekday=0,
        at_time="09:15",
        timezone="Asia/Tehran",
    )
    assert monday == _utc(2026, 11, 30, 5, 45)  # Tehran is UTC+03:30 all year


def test_a_repeated_time_runs_once_at_its_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice in New York; the report goes at the first (EDT).
    run = next_run(
        _utc(2026, 10, 31, 12), frequency="daily", at_time="01:30", timezone="America/New_York"
    )
    assert run == _utc(2026, 11, 1, 5, 30)
    nxt = next_run(run, frequency="daily", at_time="01:30", timezone="America/New_York")
    assert nxt == _utc(2026, 11, 2, 6, 30)


def test_monthly_and_period_keys() -> None:
    run = next_run(
        _utc(2026, 1, 20),
        frequency="monthly",
        day_of_month=15,
        at_time="07:00",
        timezone="Asia/Shanghai",
    )
    assert run == _utc(2026, 2, 14, 23)  # 15 Feb 07:00 in Shanghai
    assert period_key(run, "Asia/Shanghai") == "Asia/Shanghai@2026-02-15"
    assert period_key(run, "UTC") == "UTC@2026-02-14"


@pytest.mark.parametrize("at_time,zone", [("25:00", "UTC"), ("8am", "UTC"), ("08:00", "Mars/Base")])
def test_bad_times_and_zones_are_refused(at_time: str, zone: str) -> None:
    with pytest.raises(Invalid):
        next_run(_utc(2026, 1, 1), frequency="daily", at_time=at_time, timezone=zone)


def test_migration_matches_reports_models(db) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sada.db.registry import metadata, owned_by_sada

    with db.engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": owned_by_sada}
            ),
            metadata,
        )
    mine = [
        d
        for d in diffs
        if any(t in repr(d) for t in ("saved_views", "report_schedules", "report_deliveries"))
    ]
    assert mine == []
