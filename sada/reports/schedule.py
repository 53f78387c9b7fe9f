"""When a schedule runs next: daily, weekly on a weekday, or monthly on a day, at a local time.

Times are wall-clock times in a time zone, so a report set for 08:00 in Berlin arrives at 08:00
in summer and in winter (its UTC time moves with daylight saving). A local time that does not
exist on a day (skipped by a spring-forward change) runs at the same time after the change
(02:30 becomes 03:30); a time that happens twice (fall back) runs at its first occurrence.

`period_key` names the local day of a run, so each run of a schedule has one key per zone: what
makes a retried job send nothing twice.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sada.core.errors import Invalid

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_DAY_OF_MONTH = 28  # every month has it


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            "unknown time zone", details={"field": "timezone", "value": name[:64]}
        ) from None


def parse_time(text: str) -> time:
    match = _TIME.match((text or "").strip())
    if not match:
        raise Invalid(
            "the time of day looks like 08:30", details={"field": "at_time", "value": text[:10]}
        )
    return time(int(match.group(1)), int(match.group(2)))


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of `at` on `day` in `tz`: a skipped time moves forward by the gap, a
    repeated time is its first occurrence (both are what `fold=0` means: the offset in force
    before the change)."""
    return datetime.combine(day, at).replace(tzinfo=tz, fold=0).astimezone(UTC)


def _matches(day: date, frequency: str, weekday: int | None, day_of_month: int | None) -> bool:
    if frequency == "daily":
        return True
    if frequency == "weekly":
        return day.weekday() == (weekday if weekday is not None else 0)
    return day.day == (day_of_month or 1)


def next_run(
    after: datetime,
    *,
    frequency: str,
    at_time: str,
    timezone: str,
    weekday: int | None = None,
    day_of_month: int | None = None,
) -> datetime:
    """The first run strictly after `after` (UTC), as a UTC instant."""
    tz = zone(timezone)
    at = parse_time(at_time)
    day = after.astimezone(tz).date()
    for _ in range(400):
        if _matches(day, frequency, weekday, day_of_month):
            instant = local_instant(day, at, tz)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise Invalid("the schedule never runs")  # pragma: no cover - every rule matches in a year


def period_key(run_at: datetime, timezone: str) -> str:
    """The local day of a run in its zone ("Europe/Berlin@2026-11-30")."""
    return f"{timezone}@{run_at.astimezone(zone(timezone)).date().isoformat()}"
