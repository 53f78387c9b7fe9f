"""The journey pages' faster reads give the same figures: first-response times on both
engines (hand-computed), the scorecard's one-pass ratings against each period alone, and
templates kept as strings compiled once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sada.db.engine import Database
from sada.journeys import experience, scorecard, service
from sada.journeys.analytics import EngineChoice
from sada.journeys.columnar import close_stores
from sada.journeys.query import to_epoch
from sada.journeys.schemas import AudienceIn

from .conftest import Log
from .test_insights import SINCE, UNTIL, make_map


@pytest.fixture(params=["sql", "duckdb"])
def choice(request: pytest.FixtureRequest, db: Database, store_path: Path) -> Any:
    yield EngineChoice(engine=request.param, db=db, store_path=store_path)
    close_stores()


def test_first_response_times_hand_computed(
    db: Database, workspace: Any, log: Log, choice: EngineChoice
) -> None:
    make_map(db, workspace.id)
    fa, en = log.person(language="fa"), log.person(language="en")

    def msg(at: int, conv: str, direction: str = "inbound", tp: str | None = "support_chat"):
        return {"at": at, "tp": tp, "conversation": conv, "direction": direction}

    # c1: first inbound at 100 (the one at 300 is later), replies at 50 (before: ignored),
    # 160 and 400: 60 s.
    log.events(fa, msg(300, "c1"), msg(100, "c1"), msg(50, "c1", "outbound", None))
    log.events(None, msg(160, "c1", "outbound", None), msg(400, "c1", "outbound", None))
    # c2: delivery touchpoint, reply 600 s later; c3: no reply; c4: only an unmapped inbound.
    log.events(en, msg(1000, "c2", tp="delivery"), msg(1600, "c2", "outbound", None))
    log.events(en, msg(2000, "c3"), msg(2100, "c9", "outbound", None))
    log.events(en, msg(3000, "c4", tp=None), msg(3010, "c4", "outbound", None))
    # c5: support chat of the English speaker, 120 s; c6 starts before the period.
    log.events(en, msg(5000, "c5"), msg(5120, "c5", "outbound", None))
    log.events(fa, msg(-2 * 86400, "c6"), msg(5200, "c6", "outbound", None))
    with db.reader(workspace.id) as s:
        out = experience.experience(
            s, "customer-j", since=SINCE, until=UNTIL, group_by="language", choice=choice
        )
        plain = experience.experience(s, "customer-j", since=SINCE, until=UNTIL, choice=choice)
    tps = {t["touchpoint"]: t["first_response_median_seconds"] for t in plain["touchpoints"]}
    assert tps == {"delivery": 600.0, "support_chat": 90.0}  # median of 60 and 120
    cells = {
        (c["touchpoint"], c["group"]): c["first_response_median_seconds"]
        for c in out["pain_points"] + out["insufficient_data"]
    }
    assert cells == {
        ("support_chat", "fa"): 60.0,
        ("support_chat", "en"): 120.0,
        ("delivery", "en"): 600.0,
    }


def test_scorecard_one_pass_matches_each_period(db: Database, workspace: Any, log: Log) -> None:
    make_map(db, workspace.id, rank=1, measure="nps", target=50)
    with db.transaction(workspace.id) as s:
        service.do_create_audience(s, AudienceIn(key="employee", rank=2, measure="enps"))
        service.do_create_audience(s, AudienceIn(key="buyer", rank=3, measure="csat"))
        service.do_create_audience(s, AudienceIn(key="caller", rank=4, measure="ces"))
    now = datetime.now(UTC).replace(microsecond=0)
    ratings = {
        "customer": ("nps", [10, 10, 9, 3, 7], [2, 9, 9]),
        "employee": ("enps", [9, 1], [10, 10, 10, 0]),
        "buyer": ("csat5", [5, 4, 1], [3, 5]),
        "caller": ("ces7", [7, 6, 2, 5], [1, 1, 7]),
    }
    for audience, (scale, recent, earlier) in ratings.items():
        for days, values in ((1, recent), (40, earlier)):
            for r in values:
                at = now - timedelta(days=days)
                log.events(log.person(audience=audience), {"at": at, "rating": r, "scale": scale})
        # The exact edges: at `since` counts as recent, at `now` not at all.
        edge = log.person(audience=audience)
        log.events(edge, {"at": now - timedelta(days=30), "rating": recent[0], "scale": scale})
        log.events(edge, {"at": now, "rating": earlier[0], "scale": scale})
    t = to_epoch(now)
    with db.reader(workspace.id) as s:
        rows = scorecard.scorecard(s, now=t, days=30)
        audiences = {a.key: a for a in service.list_audiences(s)}
        alone = {
            k: (
                scorecard.measure_value(s, a, t - 30 * 86400, t),
                scorecard.measure_value(s, a, t - 60 * 86400, t - 30 * 86400),
            )
            for k, a in audiences.items()
        }
    for row in rows:
        current, before = alone[row["audience"]]
        assert row["current"] == current
        assert row["trend"]["previous"] == before["value"]  # type: ignore[index]
        assert row["trend"]["previous_n"] == before["n"]  # type: ignore[index]
    cust = rows[0]
    # 6 recent (10, 10, 9, 3, 7 and the edge 10): 4 promoters, 1 detractor -> NPS 50.
    assert cust["current"]["n"] == 6 and cust["current"]["value"] == pytest.approx(50.0)
    assert cust["trend"]["previous_n"] == 3
    caller = rows[3]
    assert caller["current"]["value"] == pytest.approx((7 + 6 + 2 + 5 + 7) / 5)


def test_string_templates_compiled_once(db: Database, workspace: Any) -> None:
    from jinja2 import Environment

    from sada.web.core import _from_source

    env = Environment(autoescape=True)
    one = _from_source(env, "<p>{{ x }}</p>")
    assert _from_source(env, "<p>{{ x }}</p>") is one
    assert one.render(x="<b>") == "<p>&lt;b&gt;</p>"
    assert _from_source(Environment(autoescape=True), "<p>{{ x }}</p>") is not one


def test_app_start_freezes_the_startup_heap_once(db: Database) -> None:
    import gc

    from fastapi.testclient import TestClient

    from sada.app import create_app, freeze_startup_heap
    from sada.settings import Settings

    settings = Settings(environment="test", database_url="sqlite:///unused.db")
    with TestClient(create_app(settings, db=db, migrate=False, run_jobs=False)):
        frozen = gc.get_freeze_count()
        assert frozen > 0
        freeze_startup_heap()  # once per process: later starts leave the count alone
        assert gc.get_freeze_count() <= frozen  # frozen objects can still die by refcount
