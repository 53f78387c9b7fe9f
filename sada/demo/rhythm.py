"""When things happen in the demo, so its charts read like a real company's traffic.

- Customers write mostly in their local daytime; nights are quiet, and weekends are thinner.
  Weekends follow the country: Friday in Iran, Friday-Saturday in Saudi Arabia, Egypt and
  Jordan, Saturday-Sunday elsewhere (the United Arab Emirates included since 2022).
- Agents answer in working hours (09:00-18:00 local, working days), so a Thursday-evening
  message in Tehran is answered on Saturday morning: first-response times differ by team.
- Sign-ups follow a season (a quieter Nowruz in Iran, a November peak for Singles' Day and
  Black Friday) and one marketing campaign (an autumn sale seven weeks before the seeding).
- Nothing is stamped at the moment of seeding: what would fall after it never happened yet.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONES = {
    "IR": "Asia/Tehran",
    "SA": "Asia/Riyadh",
    "AE": "Asia/Dubai",
    "EG": "Africa/Cairo",
    "JO": "Asia/Amman",
    "CN": "Asia/Shanghai",
    "TW": "Asia/Taipei",
    "HK": "Asia/Hong_Kong",
    "GB": "Europe/London",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "US": "America/New_York",
    "IE": "Europe/Dublin",
}
DEFAULT_COUNTRY = {"fa": "IR", "ar": "SA", "zh": "CN", "en": "GB"}
# Weekend days per country (Monday = 0 ... Friday = 4, Saturday = 5, Sunday = 6).
WEEKENDS: dict[str, frozenset[int]] = {
    "IR": frozenset({4}),
    "SA": frozenset({4, 5}),
    "EG": frozenset({4, 5}),
    "JO": frozenset({4, 5}),
}
DEFAULT_WEEKEND = frozenset({5, 6})
WORK_START, WORK_END = 9, 18
CAMPAIGN_DAYS_AGO = (56, 49)  # the autumn sale: sign-ups crowd into this week
CAMPAIGN_SHARE = 0.1


def zone_of(country: str) -> ZoneInfo:
    return ZoneInfo(ZONES.get(country, "UTC"))


def weekend_of(country: str) -> frozenset[int]:
    return WEEKENDS.get(country, DEFAULT_WEEKEND)


def customer_time(at: datetime, country: str, rng: random.Random) -> datetime:
    """`at` moved (only later, never earlier) toward when people of `country` write."""
    tz = zone_of(country)
    local = at.astimezone(tz)
    if local.hour < 7 and rng.random() < 0.85:
        local = local.replace(hour=rng.randint(8, 22), minute=rng.randint(0, 59))
    weekend = weekend_of(country)
    if local.weekday() in weekend and rng.random() < 0.45:
        while local.weekday() in weekend:
            local += timedelta(days=1)
    return local.astimezone(UTC)


def agent_time(at: datetime, country: str, rng: random.Random) -> datetime:
    """`at`, or the start of the next working hours of the team serving `country`."""
    tz = zone_of(country)
    local = at.astimezone(tz)
    weekend = weekend_of(country)
    if local.weekday() not in weekend and WORK_START <= local.hour < WORK_END:
        return at
    day = local.date() if local.hour < WORK_START else local.date() + timedelta(days=1)
    while day.weekday() in weekend:
        day += timedelta(days=1)
    opening = datetime.combine(day, time(WORK_START), tz)
    return (opening + timedelta(minutes=rng.uniform(5, 95))).astimezone(UTC)


def _season(day: date, language: str) -> float:
    """Relative sign-up traffic of a calendar day (1.0 on an ordinary day)."""
    weight = 1.0 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
    if day.month == 11:
        weight *= 1.5 if language in ("zh", "en") else 1.2  # Singles' Day, Black Friday
    if language == "fa" and (day.month, day.day) >= (3, 20) and (day.month, day.day) <= (4, 2):
        weight *= 0.5  # Nowruz holidays
    if language in ("ar", "fa") and day.month == 12:
        weight *= 0.9
    return weight


def signup_time(
    rng: random.Random, now: datetime, language: str, *, oldest: float = 365, newest: float = 20
) -> datetime:
    """When a person joined: within (newest, oldest) days before `now`, by season, with a
    share pulled into the campaign week."""
    if rng.random() < CAMPAIGN_SHARE:
        far, near = CAMPAIGN_DAYS_AGO
        return now - timedelta(days=rng.uniform(near, far), seconds=rng.randint(0, 86_399))
    while True:
        days = rng.uniform(newest, oldest)
        at = now - timedelta(days=days, seconds=rng.randint(0, 86_399))
        if rng.random() * 1.8 < _season(at.date(), language):
            return at
