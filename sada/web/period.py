"""The reporting period of every analytic page, read from the query string in one place.

Every analytic page accepts `from` and `to` (ISO dates, both days included, in the reader's
time zone), an optional preset `period` (`7d`, `30d`, `90d`, `365d`, `this_quarter`,
`last_quarter`) and `compare=previous_period` (the same number of days just before). Solar
Hijri dates (`1404/09/08`) and Persian or Arabic digits are accepted too, so a reader who types
dates in their own calendar gets the same range. Bad dates answer a clear 422, never a 500.

Pages keep the period in their links (`Period.query()`), so any view can be bookmarked and
shared, and a drill-down link carries the same range to the list behind a figure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import jdatetime

from sada.core.errors import Invalid
from sada.web.i18n import N_

# Presets in the order the picker shows them; the labels are translated where shown.
PRESETS: dict[str, str] = {
    "7d": N_("Last 7 days"),
    "30d": N_("Last 30 days"),
    "90d": N_("Last 90 days"),
    "365d": N_("Last 12 months"),
    "this_quarter": N_("This quarter"),
    "last_quarter": N_("Last quarter"),
}
DEFAULT_PRESET = "30d"
COMPARE_PREVIOUS = "previous_period"
MAX_DAYS = 3 * 366 + 1  # a longer range is refused (pages group it by week at most)

# Messages of refused periods (shown translated on pages, in English in API answers).
BAD_DATE = N_("A date of the period is not valid: write it like 2026-11-29 or 1405/09/08.")
BAD_ORDER = N_("The first day of the period comes after its last day.")
TOO_LONG = N_("A period can cover at most three years.")
BAD_COMPARE = N_("The comparison can only be with the previous period.")

_LOCAL_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def parse_day(text: str, name: str = "date") -> date:
    """An ISO date (`2026-11-29`), or a Solar Hijri one (`1405/09/08`: a year before 1700),
    in Latin, Persian or Arabic digits."""
    match = _DATE.match(text.strip().translate(_LOCAL_DIGITS))
    if not match:
        raise Invalid(BAD_DATE, details={"field": name, "value": text[:40]})
    year, month, day = (int(g) for g in match.groups())
    try:
        if year < 1700:
            return jdatetime.date(year, month, day).togregorian()
        return date(year, month, day)
    except ValueError:
        raise Invalid(BAD_DATE, details={"field": name, "value": text[:40]}) from None


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """First and last day (both included) of a preset, ending today for the rolling ones."""
    if preset == "this_quarter":
        return _quarter_start(today), today
    if preset == "last_quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return _quarter_start(end), end
    days = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}[preset]
    return today - timedelta(days=days - 1), today


@dataclass(frozen=True)
class Period:
    """A range of whole local days (first and last included) and whether to compare it."""

    first: date
    last: date
    tz: tzinfo = UTC
    preset: str | None = None  # None: a custom range
    compare: bool = False

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The first moment of the range, in UTC."""
        return datetime.combine(self.first, time.min, self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the range, in UTC (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, self.tz).astimezone(UTC)

    def previous(self) -> Period:
        """The same number of days just before this range (what `compare` compares with)."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.tz, None, False)

    def query(self, *, compare: bool | None = None) -> dict[str, str]:
        """Query parameters that give this period back: a preset by name, else the dates."""
        params = (
            {"period": self.preset}
            if self.preset
            else {"from": self.first.isoformat(), "to": self.last.isoformat()}
        )
        if self.compare if compare is None else compare:
            params["compare"] = COMPARE_PREVIOUS
        return params

    def epoch_range(self) -> tuple[int, int]:
        """(since, until) in epoch seconds, for the journeys engine."""
        return int(self.start.timestamp()), int(self.end.timestamp())


def parse_period(
    params: Mapping[str, Any],
    tz: tzinfo = UTC,
    *,
    today: date | None = None,
    default: str = DEFAULT_PRESET,
) -> Period:
    """The period asked for in a query string (`from`/`to`, `period`, `compare`).

    `from` alone runs to today; `to` alone covers the 30 days up to it. `days=N` (the old
    parameter of the journeys pages) is read as the last N days. Raises `Invalid` (422)
    for a malformed date, `from` after `to`, or a range longer than three years.
    """
    today = today or datetime.now(UTC).astimezone(tz).date()
    compare_raw = str(params.get("compare") or "")
    if compare_raw not in ("", COMPARE_PREVIOUS, "none"):
        raise Invalid(BAD_COMPARE, details={"field": "compare", "value": compare_raw[:40]})
    compare = compare_raw == COMPARE_PREVIOUS
    raw_from = str(params.get("from") or "").strip()
    raw_to = str(params.get("to") or "").strip()
    if raw_from or raw_to:
        last = parse_day(raw_to, "to") if raw_to else today
        first = parse_day(raw_from, "from") if raw_from else last - timedelta(days=29)
        if first > last:
            raise Invalid(BAD_ORDER, details={"field": "from"})
        if (last - first).days + 1 > MAX_DAYS:
            raise Invalid(TOO_LONG, details={"field": "from", "max_days": MAX_DAYS})
        return Period(first, last, tz, None, compare)
    preset = str(params.get("period") or "")
    if preset in PRESETS:
        first, last = preset_range(preset, today)
        return Period(first, last, tz, preset, compare)
    days_raw = str(params.get("days") or "")
    if days_raw.isdigit() and 1 <= int(days_raw) <= MAX_DAYS:
        days = int(days_raw)
        return Period(today - timedelta(days=days - 1), today, tz, None, compare)
    first, last = preset_range(default, today)
    return Period(first, last, tz, default, compare)


def pct_change(current: float | None, before: float | None) -> float | None:
    """Relative change from the previous period (None when there is nothing to compare)."""
    if current is None or not before:
        return None
    return (current - before) / before
