"""Pain points, drivers, retention, churn, task metrics and the scorecard on hand-computed cases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sada.db.engine import Database
from sada.journeys import digital, drivers, experience, retention, scorecard, service
from sada.journeys.query import to_epoch
from sada.journeys.schemas import AudienceIn, JourneyDefinition, JourneyMapIn, Rule, TaskIn
from sada.text.models import TextAnalysis

from .conftest import T0, Log

SINCE = to_epoch(T0 - timedelta(days=1))
UNTIL = to_epoch(T0 + timedelta(days=1))
MAP = {
    "stages": [
        {"key": "delivery", "touchpoints": [{"key": "delivery"}]},
        {"key": "support", "touchpoints": [{"key": "support_chat"}]},
    ]
}


def make_map(db: Database, ws: int, audience: str = "customer", **kw: Any) -> None:
    with db.transaction(ws) as s:
        service.do_create_audience(s, AudienceIn(key=audience, **kw))
        service.do_create_map(
            s,
            JourneyMapIn(
                audience=audience,
                key=f"{audience}-j",
                definition=JourneyDefinition.model_validate(MAP),
            ),
        )


def test_pain_points_rank_group_and_skip_tiny_n(db: Database, workspace: Any, log: Log) -> None:
    make_map(db, workspace.id)
    for i in range(40):  # Persian speakers: delivery hurts
        pid = log.person(language="fa")
        log.events(
            pid,
            {
                "at": i,
                "tp": "delivery",
                "type": "complaint",
                "rating": 2,
                "scale": "nps",
                "text": "دیر رسید",
            },
        )
    for i in range(40):
        pid = log.person(language="en")
        log.events(
            pid,
            {
                "at": i,
                "tp": "delivery",
                "type": "review",
                "rating": 9,
                "scale": "nps",
                "text": "fast",
            },
        )
        log.events(
            pid,
            {"at": 100 + i, "tp": "support_chat", "type": "message", "rating": 9, "scale": "nps"},
        )
    for i in range(5):  # tiny cell: never ranked
        pid = log.person(language="zh")
        log.events(
            pid, {"at": i, "tp": "support_chat", "type": "complaint", "rating": 0, "scale": "nps"}
        )
    with db.reader(workspace.id) as s:
        out = experience.experience(
            s, "customer-j", since=SINCE, until=UNTIL, group_by="language", min_n=30
        )
        words = experience.verbatims(
            s,
            "customer-j",
            "delivery",
            since=SINCE,
            until=UNTIL,
            group_by="language",
            group="fa",
            limit=3,
        )
    top = out["pain_points"][0]
    assert (top["touchpoint"], top["group"], top["volume"]) == ("delivery", "fa", 40)
    assert top["significant"] and top["complaint_rate"] == 1.0
    assert top["nps"]["value"] == -100.0
    assert not any(p["significant"] for p in out["pain_points"][1:])
    assert [(t["touchpoint"], t["group"]) for t in out["insufficient_data"]] == [
        ("support_chat", "zh")
    ]
    delivery = next(t for t in out["touchpoints"] if t["touchpoint"] == "delivery")
    assert delivery["volume"] == 80 and delivery["nps"]["value"] == pytest.approx(0.0)
    assert [w["text"] for w in words] == ["دیر رسید"] * 3


def _analysis(iid: int, topics: list[str]) -> TextAnalysis:
    return TextAnalysis(
        interaction_id=iid,
        language="en",
        script="Latn",
        sentiment="neutral",
        topics=[{"name": t, "score": 1.0, "source": "keyword"} for t in topics],
        aspects=[],
        text_hash=uuid.uuid4().hex,
        model_version="test",
    )


def test_key_drivers_relative_weights_hand_computed(db: Database, workspace: Any, log: Log) -> None:
    """Balanced, uncorrelated indicators and y = 2 + 4·late + 2·price: weights 16:4 of R² = 1."""
    make_map(db, workspace.id)
    ids = []
    for late in (0, 1):
        for price in (0, 1):
            for _ in range(10):
                pid = log.person()
                y = 2 + 4 * late + 2 * price
                [iid] = log.events(
                    pid,
                    {"tp": "delivery", "type": "review", "rating": y, "scale": "nps", "text": "x"},
                )
                ids.append((iid, [t for t, on in (("late", late), ("price", price)) if on]))
    with db.transaction(workspace.id) as s:
        for iid, topics in ids:
            s.add(_analysis(iid, topics))
    with db.reader(workspace.id) as s:
        out = drivers.key_drivers(
            s, "customer-j", "nps", since=SINCE, until=UNTIL, min_n=5, bootstrap=50
        )
    assert out["respondents"] == 40
    assert out["r2"] == pytest.approx(1.0)
    weights = {d["driver"]: d for d in out["drivers"]}
    assert set(weights) == {"topic:late", "topic:price"}  # the single touchpoint is constant
    assert weights["topic:late"]["weight"] == pytest.approx(0.8)
    assert weights["topic:price"]["weight"] == pytest.approx(0.2)
    assert weights["topic:late"]["performance"] == pytest.approx(7.0)  # (6 + 8) / 2
    assert weights["topic:late"]["weight_ci"][0] <= 0.8 <= weights["topic:late"]["weight_ci"][1]
    assert weights["topic:late"]["quadrant"] == "maintain"
    assert weights["topic:price"]["quadrant"] == "monitor"


def test_churn_of_detractors_and_cohorts(db: Database, workspace: Any, log: Log) -> None:
    make_map(db, workspace.id)
    jan, feb, mar = (datetime(2024, m, 10, tzinfo=UTC) for m in (1, 2, 3))
    for i in range(10):
        pid = log.person(segment="a")
        log.events(
            pid,
            {"at": jan, "type": "signup"},
            {"at": jan + timedelta(days=1), "rating": 3, "scale": "nps"},
        )
        if i < 8:
            log.events(pid, {"at": feb, "type": "cancel"})
    for i in range(10):
        pid = log.person(segment="b")
        log.events(pid, {"at": feb, "type": "signup"}, {"at": mar, "rating": 10, "scale": "nps"})
        if i < 1:
            log.events(pid, {"at": mar + timedelta(days=1), "type": "cancel"})
    until = to_epoch(datetime(2024, 4, 1, tzinfo=UTC))
    with db.reader(workspace.id) as s:
        out = retention.churn(s, "customer", as_of=until, group_by="segment")
        coh = retention.cohorts(
            s, "customer", since=to_epoch(jan - timedelta(days=9)), until=until, max_months=3
        )
    assert out["overall"]["people"] == 20 and out["overall"]["churned"] == 9
    assert out["groups"]["a"]["rate"] == pytest.approx(0.8)
    det = next(c for c in out["comparisons"] if c["group"] == "detractor")
    assert det["with"]["rate"] == pytest.approx(0.8)
    assert det["without"]["rate"] == pytest.approx(0.1)
    assert det["difference"] == pytest.approx(0.7)
    assert det["p_value"] == pytest.approx(0.0054775, rel=1e-3)  # Fisher exact, 8/10 vs 1/10
    assert det["significant"] and det["test"] == "fisher"
    rows = {c["cohort"]: c for c in coh["cohorts"]}
    assert rows["2024-01"]["people"] == 10
    assert rows["2024-01"]["retention"] == [1.0, 0.8, 0.0, None]  # Feb: only the cancel events
    assert rows["2024-02"]["retention"] == [1.0, 1.0, None, None]


def test_task_metrics_hand_computed(db: Database, workspace: Any, log: Log) -> None:
    with db.transaction(workspace.id) as s:
        service.do_upsert_task(
            s,
            TaskIn(
                key="checkout",
                start=Rule(attributes={"step": "cart"}),
                end=Rule(attributes={"step": "paid"}),
                error=Rule(attributes={"step": "error"}),
                timeout_minutes=30,
            ),
        )

    def e(at: int, step: str | None = None) -> dict[str, Any]:
        return {"at": at, "type": "page_view", "attributes": {"step": step} if step else {}}

    log.events(log.person(), e(0, "cart"), e(30), e(60), e(120, "paid"))  # success, 4 steps, 120 s
    log.events(log.person(), e(0, "cart"), e(10, "error"), e(60, "paid"))  # success with an error
    log.events(log.person(), e(0, "cart"))  # abandoned
    log.events(log.person(), e(0, "cart"), e(3600, "paid"))  # too late: abandoned
    with db.reader(workspace.id) as s:
        out = digital.task_metrics(s, "checkout", since=SINCE, until=UNTIL)
    assert out["attempts"] == 4
    assert (
        out["success"]["rate"] == 0.5
        and out["error"]["count"] == 1
        and out["abandonment"]["count"] == 2
    )
    assert out["time_to_complete"]["median_seconds"] == 90.0
    assert out["steps_to_complete"]["median"] == 3.5


def test_scorecard_flags_and_values(db: Database, workspace: Any, log: Log) -> None:
    from sada.tenants.service import do_add_member, do_create_user

    with db.transaction(workspace.id) as s:
        user = do_create_user(s, f"owner-{uuid.uuid4().hex[:8]}@example.com", None, name="Mina")
        do_add_member(s, user, "manager")
        uid = user.id
    make_map(db, workspace.id, rank=1, owner_user_id=uid, measure="nps", target=50)
    with db.transaction(workspace.id) as s:
        service.do_create_audience(
            s, AudienceIn(key="employee", rank=2, owner_user_id=uid, measure="enps")
        )
        service.do_create_audience(s, AudienceIn(key="fan", rank=3))
    now = to_epoch(datetime.now(UTC))
    recent = datetime.now(UTC) - timedelta(days=1)
    for r in (10, 10, 9, 3):
        log.events(log.person(), {"at": recent, "tp": "delivery", "rating": r, "scale": "nps"})
    with db.reader(workspace.id) as s:
        rows = scorecard.scorecard(s, now=now, days=90)
    assert [r["audience"] for r in rows] == ["customer", "employee", "fan"]
    cust, emp, fan = rows
    assert cust["owner"] == "Mina" and cust["people"] == 4
    assert cust["current"]["value"] == pytest.approx(50.0) and cust["current"]["n"] == 4
    assert cust["coverage"]["with_feedback"] == 1 and cust["coverage"]["missing"] == [
        "support_chat"
    ]
    assert cust["flags"] == []
    assert set(emp["flags"]) == {"no_journey", "no_people"}
    assert set(fan["flags"]) == {"no_owner", "no_measure", "no_journey", "no_people"}
