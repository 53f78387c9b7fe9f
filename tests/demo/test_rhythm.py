"""The demo's traffic reads like a real company's: local daytime, regional weekends, agents in
working hours, a season and a campaign, history only, and nothing stamped at seeding time."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sada.demo import rhythm
from sada.demo.timelines import DemoPerson, SeedState, generate_interactions

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
COUNTRY = {"fa": "IR", "ar": "SA", "zh": "CN", "en": "GB"}


def test_agents_answer_in_their_working_hours() -> None:
    rng = random.Random(1)
    tehran = ZoneInfo("Asia/Tehran")
    # Thursday 20:00 in Tehran: Friday is the weekend, so Saturday morning.
    thursday_night = datetime(2026, 11, 26, 20, 0, tzinfo=tehran)
    answered = rhythm.agent_time(thursday_night, "IR", rng).astimezone(tehran)
    assert answered.weekday() == 5 and 9 <= answered.hour < 11
    # Friday noon in London is a working day there.
    london = datetime(2026, 11, 27, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    assert rhythm.agent_time(london, "GB", rng) == london
    assert rhythm.weekend_of("SA") == {4, 5} and rhythm.weekend_of("GB") == {5, 6}


def test_customers_write_by_day_and_less_on_their_weekend() -> None:
    rng = random.Random(2)
    tehran = ZoneInfo("Asia/Tehran")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moved = [
        rhythm.customer_time(start + timedelta(minutes=37 * i), "IR", rng) for i in range(20_000)
    ]
    local = [m.astimezone(tehran) for m in moved]
    assert all(m >= start + timedelta(minutes=37 * i) for i, m in enumerate(moved))  # never earlier
    night = sum(1 for m in local if m.hour < 7) / len(local)
    assert night < 0.06  # 7 of 24 hours would be 29% without the rhythm
    days = Counter(m.weekday() for m in local)
    assert days[4] < 0.75 * days[2]  # Friday, the weekend, is thinner than a Wednesday


def test_signups_follow_the_season_and_the_campaign() -> None:
    rng = random.Random(3)
    times = [rhythm.signup_time(rng, NOW, "zh") for _ in range(20_000)]
    assert all(NOW - timedelta(days=365, seconds=86_400) <= t < NOW for t in times)
    far, near = rhythm.CAMPAIGN_DAYS_AGO
    in_campaign = sum(1 for t in times if near <= (NOW - t).days < far)
    assert in_campaign / len(times) > 0.1  # one week of 52 would be 2%


def test_history_is_backfill_and_nothing_happens_at_or_after_seeding() -> None:
    rng = random.Random(4)
    state = SeedState(workspace_id=1, rng=rng, now=NOW)
    state.touchpoint_ids = defaultdict(int)
    state.agent_ids = {lang: [1, 2] for lang in COUNTRY}
    for i in range(400):
        lang = ("fa", "ar", "zh", "en")[i % 4]
        state.people.append(
            DemoPerson(
                id=i + 1,
                language=lang,
                audience="customer",
                mood=rng.uniform(-1, 1),
                region=i % 5,
                segment="standard",
                created=rhythm.signup_time(rng, NOW, lang),
                country=COUNTRY[lang],
            )
        )
    generate_interactions(state, 6000)
    rows = state.interactions
    assert rows and all(r["backfill"] for r in rows)
    assert all(r["occurred_at"] < NOW for r in rows)
    assert Counter(r["occurred_at"] for r in rows).most_common(1)[0][1] < 5  # no pile-up
    # Every agent reply comes after the message it answers, in working hours.
    by_conversation: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["conversation_id"]:
            by_conversation[r["conversation_id"]].append(r)
    delays = []
    for items in by_conversation.values():
        inbound = [r for r in items if r["direction"] == "inbound"]
        outbound = [r for r in items if r["direction"] == "outbound"]
        for reply in outbound:
            assert reply["occurred_at"] > inbound[0]["occurred_at"]
            delays.append((reply["occurred_at"] - inbound[0]["occurred_at"]).total_seconds())
    assert delays and min(delays) > 60  # no 0-minute first responses
