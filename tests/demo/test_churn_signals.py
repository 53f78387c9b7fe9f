"""The demo's churn depends on experience, visibly before it happens, and its support teams
answer at their own pace (so the health model and the team pages have something to find)."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sada.demo import rhythm
from sada.demo.timelines import DemoPerson, SeedState, generate_interactions

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
COUNTRY = {"fa": "IR", "ar": "SA", "zh": "CN", "en": "GB"}


def _state(n: int) -> SeedState:
    rng = random.Random(11)
    state = SeedState(workspace_id=1, rng=rng, now=NOW)
    state.touchpoint_ids = defaultdict(int)
    state.agent_ids = {lang: [10 + i, 20 + i] for i, lang in enumerate(COUNTRY)}
    for i in range(n):
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
    generate_interactions(state, n * 15)
    return state


def test_who_cancels_showed_it_in_the_months_before() -> None:
    state = _state(3000)
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in state.interactions:
        by_person[r["person_id"]].append(r)
    ends = {
        pid: (r["type"], r["occurred_at"])
        for pid, rows in by_person.items()
        for r in rows
        if r["type"] in ("cancel", "renewal")
    }
    signals: dict[str, list[tuple[int, int, int, list[float]]]] = defaultdict(list)
    for pid, (kind, at) in ends.items():
        window = [r for r in by_person[pid] if at - timedelta(days=120) <= r["occurred_at"] < at]
        signals[kind].append(
            (
                sum(1 for r in window if r["type"] == "complaint"),
                sum(1 for r in window if r["type"] == "purchase"),
                sum(1 for r in window if r["origin"] == "customer"),
                [r["rating"] for r in window if r["rating"] is not None],
            )
        )
    assert len(signals["cancel"]) > 50 and len(signals["renewal"]) > 150

    def mean(kind: str, i: int) -> float:
        return statistics.mean(s[i] for s in signals[kind])

    assert mean("cancel", 0) > 3 * mean("renewal", 0)  # complaints
    assert mean("cancel", 1) < 0.5 * mean("renewal", 1)  # purchases
    stars = {k: statistics.mean(x for s in signals[k] for x in s[3]) for k in signals}
    assert stars["cancel"] < stars["renewal"] - 1


def test_teams_answer_at_their_own_pace() -> None:
    state = _state(2000)
    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in state.interactions:
        if r["conversation_id"]:
            threads[r["conversation_id"]].append(r)
    delays: dict[Any, list[float]] = defaultdict(list)
    for rows in threads.values():
        inbound = [r for r in rows if r["direction"] == "inbound"]
        outbound = [r for r in rows if r["direction"] == "outbound"]
        if inbound and outbound:
            hours = (outbound[0]["occurred_at"] - inbound[0]["occurred_at"]).total_seconds() / 3600
            delays[inbound[0]["language"]].append(hours)
    median = {k: statistics.median(v) for k, v in delays.items()}
    assert median["fa"] < median["zh"] < median["ar"]
