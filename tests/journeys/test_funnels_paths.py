"""Funnels and paths against hand-computed answers, on the main database and on DuckDB."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sada.db.engine import Database
from sada.journeys import analytics, service
from sada.journeys.analytics import EngineChoice
from sada.journeys.columnar import close_stores
from sada.journeys.query import to_epoch
from sada.journeys.schemas import AudienceIn, JourneyDefinition, JourneyMapIn

from .conftest import T0, Log

DEFINITION = {
    "stages": [
        {"key": "a", "touchpoints": [{"key": "tp_a"}]},
        {"key": "b", "touchpoints": [{"key": "tp_b"}]},
        {
            "key": "c",
            "touchpoints": [
                {"key": "tp_c", "rules": [{"touchpoint": "tp_c"}, {"type": "purchase"}]}
            ],
        },
        {
            "key": "d",
            "touchpoints": [
                {
                    "key": "tp_d",
                    "rules": [
                        {"touchpoint": "tp_d"},
                        {"channel": "web", "attributes": {"step": "delivered"}},
                    ],
                }
            ],
        },
    ]
}
SINCE = to_epoch(T0 - timedelta(days=1))
UNTIL = to_epoch(T0 + timedelta(days=1))


def build(db: Database, workspace_id: int, log: Log) -> None:
    with db.transaction(workspace_id) as s:
        service.do_create_audience(s, AudienceIn(key="customer", measure="nps"))
        service.do_create_map(
            s,
            JourneyMapIn(
                audience="customer",
                key="cj",
                definition=JourneyDefinition.model_validate(DEFINITION),
            ),
        )

    def ev(at: int, tp: str | None, **kw: Any) -> dict[str, Any]:
        return {"at": at, "tp": tp, **kw}

    p1 = log.person(segment="std")
    log.events(p1, ev(0, "tp_a"), ev(100, "tp_b"), ev(400, "tp_c"), ev(1000, "tp_d"))
    p2 = log.person(segment="std")
    log.events(p2, ev(0, "tp_a"), ev(200, "tp_b"), ev(300, "tp_a"), ev(5000, "tp_c"))
    p3 = log.person(segment="std")
    log.events(p3, ev(0, "tp_b"), ev(50, "tp_a"), ev(60, "tp_b"), ev(70, "tp_c"))
    p4 = log.person(segment="std")
    log.events(p4, ev(0, "tp_a"), ev(10, None, type="page_view"))  # unmapped event ignored
    p5 = log.person(segment="std")
    log.events(p5, ev(0, "tp_c"), ev(10, None, attributes={"step": "delivered"}))
    p6 = log.person(segment="vip")
    log.events(p6, ev(0, "tp_a"), ev(3000, "tp_b"), ev(3600, None, type="purchase"))
    # Other audiences and other workspaces stay out.
    emp = log.person(audience="employee")
    log.events(emp, ev(0, "tp_a"), ev(1, "tp_b"))


@pytest.fixture(params=["sql", "duckdb"])
def choice(request: pytest.FixtureRequest, db: Database, store_path: Path) -> Any:
    yield EngineChoice(engine=request.param, db=db, store_path=store_path)
    close_stores()


def steps_of(block: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s["step"], s["people"], s["median_seconds"], s["p90_seconds"]) for s in block]


def test_funnel_hand_computed(db: Database, workspace: Any, log: Log, choice: EngineChoice) -> None:
    build(db, workspace.id, log)
    with db.reader(workspace.id) as s:
        out = analytics.funnel(
            s,
            "cj",
            steps=None,
            since=SINCE,
            until=UNTIL,
            window_seconds=3600,
            group_by="segment",
            choice=choice,
        )
    assert out["engine"] == ("duckdb" if choice.engine == "duckdb" else db.dialect)
    assert steps_of(out["steps"]) == [
        ("a", 5, None, None),
        ("b", 4, 150.0, 2160.0),
        ("c", 3, 300.0, 540.0),
        ("d", 1, 600.0, 600.0),
    ]
    b = out["steps"][1]
    assert b["conversion_from_start"] == pytest.approx(0.8)
    assert b["drop_off"] == 1
    assert out["steps"][3]["conversion_from_previous"] == pytest.approx(1 / 3)
    groups = {g["group"]: steps_of(g["steps"]) for g in out["groups"]}
    assert groups["std"] == [
        ("a", 4, None, None),
        ("b", 3, 100.0, 180.0),
        ("c", 2, 155.0, 271.0),
        ("d", 1, 600.0, 600.0),
    ]
    assert groups["vip"] == [
        ("a", 1, None, None),
        ("b", 1, 3000.0, 3000.0),
        ("c", 1, 600.0, 600.0),
        ("d", 0, None, None),
    ]


def test_funnel_touchpoint_steps_window_and_period(
    db: Database, workspace: Any, log: Log, choice: EngineChoice
) -> None:
    build(db, workspace.id, log)
    with db.reader(workspace.id) as s:
        out = analytics.funnel(
            s,
            "cj",
            steps=["tp:tp_a", "c"],
            since=SINCE,
            until=UNTIL,
            window_seconds=100,
            period="week",
            choice=choice,
        )
    # Within 100 s of entry only P3 (entry 50, c at 70) converts.
    assert steps_of(out["steps"]) == [("tp:tp_a", 5, None, None), ("c", 1, 20.0, 20.0)]
    assert [g["period"] for g in out["groups"]] == ["2024-03-04"]


def test_paths_hand_computed(db: Database, workspace: Any, log: Log, choice: EngineChoice) -> None:
    build(db, workspace.id, log)
    with db.reader(workspace.id) as s:
        out = analytics.paths(s, "cj", since=SINCE, until=UNTIL, depth=5, top=10, choice=choice)
    assert out["people"] == 6
    assert out["reached_goal"] == 2
    assert [(p["path"], p["people"], p["reached_goal"]) for p in out["top_paths"]] == [
        (["tp_a"], 1, 0),
        (["tp_a", "tp_b", "tp_a", "tp_c"], 1, 0),
        (["tp_a", "tp_b", "tp_c"], 1, 0),
        (["tp_a", "tp_b", "tp_c", "tp_d"], 1, 1),
        (["tp_b", "tp_a", "tp_b", "tp_c"], 1, 0),
        (["tp_c", "tp_d"], 1, 1),
    ]
    assert [(a["touchpoint"], a["people"]) for a in out["abandonment"]] == [
        ("tp_c", 3),
        ("tp_a", 1),
    ]
    links = {(x["source"], x["target"]): x["value"] for x in out["sankey"]["links"]}
    assert links == {
        ("1:tp_a", "2:tp_b"): 3,
        ("1:tp_b", "2:tp_a"): 1,
        ("1:tp_c", "2:tp_d"): 1,
        ("2:tp_b", "3:tp_c"): 2,
        ("2:tp_b", "3:tp_a"): 1,
        ("2:tp_a", "3:tp_b"): 1,
        ("3:tp_c", "4:tp_d"): 1,
        ("3:tp_a", "4:tp_c"): 1,
        ("3:tp_b", "4:tp_c"): 1,
    }
    ends = {(e["step"], e["touchpoint"]): e["people"] for e in out["ends"]}
    assert ends == {(1, "tp_a"): 1, (2, "tp_d"): 1, (3, "tp_c"): 1, (4, "tp_c"): 2, (4, "tp_d"): 1}


def test_person_journey(db: Database, workspace: Any, log: Log) -> None:
    build(db, workspace.id, log)
    pid = log.person(segment="std")
    log.events(
        pid,
        {"at": 0, "tp": "tp_b"},
        {"at": 5, "tp": "tp_a"},
        {"at": 9, "tp": None, "type": "purchase"},
    )
    with db.reader(workspace.id) as s:
        out = analytics.person_journey(s, "cj", pid)
    assert [(e["touchpoint"], e["stage"]) for e in out["events"]] == [
        ("tp_b", "b"),
        ("tp_a", "a"),
        ("tp_c", "c"),
    ]
    reached = {st["stage"]: st["reached"] for st in out["stages"]}
    assert reached == {"a": True, "b": True, "c": True, "d": False}
    assert out["stages"][0]["first_at"] == (T0 + timedelta(seconds=5)).isoformat()


def test_columnar_copy_follows_new_rows_merges_and_unmerges(
    db: Database, workspace: Any, log: Log, store_path: Path
) -> None:
    from sada.people.merges import do_merge, do_unmerge

    build(db, workspace.id, log)
    duck = EngineChoice(engine="duckdb", db=db, store_path=store_path)
    sql = EngineChoice(engine="sql")

    def people(choice: EngineChoice) -> list[int]:
        with db.reader(workspace.id) as s:
            out = analytics.funnel(
                s,
                "cj",
                steps=["a", "b"],
                since=SINCE,
                until=UNTIL,
                window_seconds=3600,
                choice=choice,
            )
        return [st["people"] for st in out["steps"]]

    assert people(duck) == people(sql) == [5, 4]
    first = log.person(segment="std")
    second = log.person(segment="std")
    log.events(first, {"at": 0, "tp": "tp_a"})
    log.events(second, {"at": 100, "tp": "tp_b"})
    assert people(duck) == people(sql) == [6, 4]
    with db.transaction(workspace.id) as s:
        merge_id = do_merge(s, first, second, reason="same person").id
    assert people(duck) == people(sql) == [6, 5]
    with db.transaction(workspace.id) as s:
        do_unmerge(s, merge_id)
    assert people(duck) == people(sql) == [6, 4]
    close_stores()
