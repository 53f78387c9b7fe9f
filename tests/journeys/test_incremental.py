"""Journey figures kept per person and brought up to date from the change log equal the same
figures computed from scratch, after each kind of write: an ingest, an analysis, a person's
language, a merge, an interaction committed with an id below ones already seen (out of id
order), an erasure, a new person; and the later reads after a write are deltas, not scans."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.journeys import (
    analytics,
    experience,
    incremental,
    pagecache,
    retention,
    scorecard,
    service,
)
from sada.journeys.analytics import session_ws
from sada.journeys.query import Scope, SqlEngine
from sada.people.models import Person

from .conftest import T0, Log
from .test_pagecache import MAP_KEY, PREVIOUS, SINCE, UNTIL, _analyse, _seed

YEAR_AGO = SINCE - 365 * 86400


def _figures(s: Any, inc: bool) -> dict[str, Any]:
    """Everything the journey map, retention and scorecard pages compute; `inc` False: from
    scratch (the kept per-person rows forgotten first where the code has no other route)."""
    if not inc:
        incremental.clear()
    pagecache.clear()
    out: dict[str, Any] = {}
    for group_by in (None, "language"):
        out[f"experience {group_by}"] = experience.experience(
            s, MAP_KEY, since=SINCE, until=UNTIL, group_by=group_by, incremental=inc
        )
    out["before"] = experience.experience(
        s, MAP_KEY, since=PREVIOUS[0], until=PREVIOUS[1], incremental=inc
    )
    out["funnel"] = analytics.funnel(
        s,
        MAP_KEY,
        steps=None,
        since=SINCE,
        until=UNTIL,
        window_seconds=pagecache.FUNNEL_WINDOW_SECONDS,
        incremental=inc,
    )
    out["paths"] = analytics.paths(s, MAP_KEY, since=SINCE, until=UNTIL, incremental=inc)
    # The by-language and compare pages: grouped and per week, another depth, a language, a
    # past period (writes now leave its rows as they were).
    out["funnel by language and week"] = analytics.funnel(
        s,
        MAP_KEY,
        steps=None,
        since=SINCE,
        until=UNTIL,
        window_seconds=pagecache.FUNNEL_WINDOW_SECONDS,
        group_by="language",
        period="week",
        incremental=inc,
    )
    out["funnel before"] = analytics.funnel(
        s,
        MAP_KEY,
        steps=None,
        since=PREVIOUS[0],
        until=UNTIL,
        window_seconds=3600,
        group_by="segment",
        incremental=inc,
    )
    out["paths fa"] = analytics.paths(
        s, MAP_KEY, since=SINCE, until=UNTIL, language="fa", depth=2, top=2, incremental=inc
    )
    out["paths before"] = analytics.paths(
        s, MAP_KEY, since=PREVIOUS[0], until=PREVIOUS[1], incremental=inc
    )
    out["verbatims"] = experience.verbatims(
        s, MAP_KEY, "delivery", since=SINCE, until=UNTIL, limit=5, incremental=inc
    )
    out["verbatims fa"] = experience.verbatims(
        s,
        MAP_KEY,
        "delivery",
        since=SINCE,
        until=UNTIL,
        group_by="language",
        group="fa",
        limit=50,
        incremental=inc,
    )
    _row, compiled = service.compile_map(s, MAP_KEY)
    times = experience.first_response_times(
        s,
        compiled,
        SqlEngine(s),
        Scope(session_ws(s), "customer", SINCE, UNTIL, group_by="language"),
        incremental=inc,
    )
    out["first responses"] = {k: sorted(v) for k, v in times.items()}
    if inc:
        out["map page"] = pagecache.map_figures(
            s, MAP_KEY, since=SINCE, until=UNTIL, group_by="language", previous=PREVIOUS
        )
    out["cohorts"] = retention.compute_cohorts(
        s, "customer", since=YEAR_AGO, until=UNTIL, incremental=inc
    )
    out["churn"] = retention.compute_churn(
        s, "customer", as_of=UNTIL, inactive_days=2, incremental=inc
    )
    out["scorecard"] = scorecard.scorecard(s, now=UNTIL, days=3)
    return out


def _same(db: Database, ws: int, *, delta: bool = True) -> dict[str, Any]:
    """The kept figures equal fresh ones; `delta`: and they were brought up to date by reading
    only the changed people (no full scan)."""
    with db.reader(ws) as s:
        before = incremental.stats()
        kept = _figures(s, True)
        after = incremental.stats()
        if delta:
            assert after["full"] == before["full"]
            assert after["delta"] > before["delta"]
        fresh = _figures(s, False)
        page = kept.pop("map page")
        assert kept == fresh
        # The page's parts are the figures above.
        assert page["funnel"] == fresh["funnel"]
        assert page["paths"] == fresh["paths"]
        assert page["experience"] == fresh["experience language"]
        assert page["before"] == fresh["before"]
        # The same rows as the engines' own SQL (not the per-person spelling).
        for group_by in (None, "language"):
            assert kept[f"experience {group_by}"] == experience.experience(
                s, MAP_KEY, since=SINCE, until=UNTIL, group_by=group_by
            )
        for name, kw in (
            ("funnel", {}),
            ("funnel by language and week", {"group_by": "language", "period": "week"}),
        ):
            plain_funnel = analytics.funnel(
                s,
                MAP_KEY,
                steps=None,
                since=SINCE,
                until=UNTIL,
                window_seconds=pagecache.FUNNEL_WINDOW_SECONDS,
                **kw,
            )
            assert {k: v for k, v in kept[name].items() if k != "engine"} == {
                k: v for k, v in plain_funnel.items() if k != "engine"
            }
        for name, kw in (
            ("paths", {}),
            ("paths fa", {"language": "fa", "depth": 2, "top": 2}),
        ):
            plain = analytics.paths(s, MAP_KEY, since=SINCE, until=UNTIL, **kw)
            assert {k: v for k, v in kept[name].items() if k != "engine"} == {
                k: v for k, v in plain.items() if k != "engine"
            }
    # Warm again for the next write's delta.
    with db.reader(ws) as s:
        _figures(s, True)
    return kept


def _extra_history(log: Log, people: dict[str, list[int]]) -> None:
    """Signups, purchases and a cancellation, so cohorts and churn have something to count."""
    for n, pid in enumerate(people["fa"] + people["en"]):
        log.events(
            pid,
            {"at": -40 * 86400 - n, "type": "signup"},
            {"at": -5 * 86400 + n, "type": "purchase", "tp": "delivery"},
        )
    log.events(people["en"][5], {"at": 120, "type": "cancel"})


def _next_id(db: Database, ws: int) -> int:
    """An interaction id not used yet (PostgreSQL: taken from the sequence)."""
    with db.reader(ws) as s:
        if db.dialect == "postgresql":
            return int(
                s.execute(
                    text("SELECT nextval(pg_get_serial_sequence('interactions', 'id'))")
                ).scalar_one()
            )
        return int(s.execute(select(func.max(Interaction.id))).scalar_one()) + 1


def _insert(db: Database, ws: int, iid: int, person: int, at: int) -> None:
    with db.transaction(ws) as s:
        tp = (
            s.execute(select(Interaction.touchpoint_id).where(Interaction.text == "on time"))
            .scalars()
            .first()
        )
        s.add(
            Interaction(
                id=iid,
                person_id=person,
                occurred_at=T0 + timedelta(seconds=at),
                received_at=T0,
                channel="web",
                direction="inbound",
                type="complaint",
                touchpoint_id=tp,
                rating=1,
                rating_scale="nps",
                attributes={},
                source="test",
                external_id=f"ooo-{iid}",
            )
        )


def test_incremental_figures_equal_full_after_every_write(
    db: Database, workspace: Any, log: Log
) -> None:
    ws = workspace.id
    incremental.clear()
    people = _seed(db, ws, log)
    _extra_history(log, people)
    first = _same(db, ws, delta=False)
    assert first["paths"]["people"] == 24

    # An ingest for a known person, then its analysis.
    (iid,) = log.events(
        people["fa"][0],
        {"at": 500, "tp": "delivery", "type": "complaint", "rating": 0, "scale": "nps",
         "text": "خراب", "conversation": f"c{ws}-fa-0"},
    )  # fmt: skip
    _same(db, ws)
    _analyse(db, ws, iid, "negative")
    _same(db, ws)

    # A person's language (the grouped cells move).
    with db.transaction(ws) as s:
        s.execute(update(Person).where(Person.id == people["en"][0]).values(language="zh"))
    kept = _same(db, ws)
    cells = (
        kept["experience language"]["pain_points"]
        + kept["experience language"]["insufficient_data"]
    )
    assert "zh" in {c["group"] for c in cells}

    # A person reaches the second step sooner (a funnel duration changes, the path too).
    log.events(people["en"][4], {"at": 300, "tp": "support_chat", "type": "message"})
    sooner = _same(db, ws)
    assert sooner["funnel"]["steps"] != kept["funnel"]["steps"]

    # A new conversation answered, and a reply without a person, sooner than the one before.
    log.events(
        people["en"][6],
        {"at": 400, "tp": "delivery", "type": "complaint", "conversation": f"c{ws}-new"},
        {"at": 470, "direction": "outbound", "conversation": f"c{ws}-new"},
    )
    answered = _same(db, ws)
    log.events(None, {"at": 425, "direction": "outbound", "conversation": f"c{ws}-en-7"})
    loose = _same(db, ws)
    assert sorted(answered["first responses"][(0, "en")]) == [30.0] * 11 + [
        70.0
    ]  # en[0] speaks zh now
    assert loose["first responses"][(0, "en")] == [5.0] + [30.0] * 10 + [70.0]

    # A merge moves one person's interactions to another.
    from sada.people.merges import do_merge

    with db.transaction(ws) as s:
        do_merge(s, people["fa"][1], people["fa"][2], reason="test")
    merged = _same(db, ws)
    assert merged["paths"]["people"] == first["paths"]["people"] - 1

    # Out of id order: an id is taken first, a higher one commits and is read, then the
    # lower one commits. A high-water mark by id would never see it.
    low = _next_id(db, ws)
    high = _next_id(db, ws) if db.dialect == "postgresql" else low + 7
    _insert(db, ws, high, people["en"][2], 700)
    _same(db, ws)
    _insert(db, ws, low, people["en"][3], 800)
    late = _same(db, ws)
    assert late["experience None"]["baseline"]["volume"] == (
        merged["experience None"]["baseline"]["volume"] + 2
    )

    # An erasure removes a person and their interactions.
    from sada.privacy.erase import erase

    with db.transaction(ws) as s:
        erase(s, people["en"][1], allow_return=True)
    _same(db, ws)

    # A new person, first seen now.
    newcomer = log.person(language="fa")
    log.events(newcomer, {"at": 30, "tp": "delivery", "type": "review", "rating": 10,
                          "scale": "nps"})  # fmt: skip
    last = _same(db, ws)
    assert last["paths"]["people"] == merged["paths"]["people"]  # one erased, one new


def test_change_log_names_the_people_of_each_write(db: Database, workspace: Any, log: Log) -> None:
    """The triggers record each write's people under the version it raised (a merge names
    both people), and nothing for rows without a person."""
    ws = workspace.id
    a, b = log.person(), log.person()
    with db.reader(ws) as s:
        start = incremental.current_version(s)
    log.events(a, {"at": 0, "type": "review"})
    log.events(None, {"at": 0, "type": "review"})
    with db.reader(ws) as s:
        version, changed = incremental.changes_since(s, start)
    assert version > start and changed == {a}
    from sada.people.merges import do_merge

    with db.transaction(ws) as s:
        do_merge(s, b, a, reason="test")
    with db.reader(ws) as s:
        later, changed = incremental.changes_since(s, version)
    assert later > version and changed == {a, b}
    with db.reader(ws) as s:
        assert incremental.changes_since(s, later) == (later, set())


@pytest.mark.parametrize("size", [3])
def test_many_changed_people_fall_back_to_a_full_read(
    db: Database, workspace: Any, log: Log, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    ws = workspace.id
    incremental.clear()
    people = _seed(db, ws, log)
    _same(db, ws, delta=False)
    monkeypatch.setattr(incremental, "MAX_CHANGED_PEOPLE", size)
    for pid in people["en"][: size + 1]:
        log.events(pid, {"at": 900, "tp": "delivery", "type": "review", "rating": 3,
                         "scale": "nps"})  # fmt: skip
    with db.reader(ws) as s:
        before = incremental.stats()["full"]
        _figures(s, True)
        assert incremental.stats()["full"] > before
    _same(db, ws, delta=False)
