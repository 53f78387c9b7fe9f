"""Customer health: scores with reasons, churn definition, a model judged on a later period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from sada.db.engine import Database
from sada.health import service
from sada.tenants.models import Workspace


def test_person_health_has_score_band_and_factors(
    client: Any, api_headers: dict[str, str], history: datetime, db: Database, workspace: Workspace
) -> None:
    with db.reader(workspace.id) as session:
        from sqlalchemy import select

        from sada.people.models import Person

        person_id = session.scalars(select(Person.id).order_by(Person.id)).first()
    r = client.get(f"/api/v1/people/{person_id}/health", headers=api_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"score", "risk", "band", "factors", "model"}
    if body["band"] != "churned":
        assert 0 <= body["score"] <= 100
        assert body["model"] == "transparent"
        for factor in body["factors"]:
            assert set(factor) >= {"name", "direction", "weight"}
            assert factor["direction"] in ("up", "down")
    assert client.get("/api/v1/people/999999999/health", headers=api_headers).status_code == 404


def test_training_beats_chance_on_a_later_period_and_is_used(
    db: Database, workspace: Workspace, history: datetime
) -> None:
    pytest.importorskip("sklearn")
    with db.transaction(workspace.id) as session:
        model = service.train_model(session, history)
        card = model.card
        assert card["churners_train"] >= 30, card
        assert card["auc"] > 0.7, card
        assert card["transparent_auc"] > 0.6, card
        assert card["top_decile_lift"] > 1.5, card
        assert len(card["calibration"]) == 10
        scored = service.refresh(session, history)
        assert scored > 0
    with db.reader(workspace.id) as session:
        summary = service.summary(session)
        assert summary["model"]["status"] == model.status
        if model.status == "active":
            assert service.at_risk(session, 5)[0]["model"] == "trained"


def test_too_few_churners_falls_back_and_says_so(db: Database, workspace: Workspace) -> None:
    from sada.health.synthetic import seed_history

    now = seed_history(db, workspace.id, people=40)
    with db.transaction(workspace.id) as session:
        model = service.train_model(session, now)
    assert model.status == "too_few"
    assert "too few churners" in model.card["reason"]


def test_at_risk_list_orders_by_risk_with_value_at_stake(
    client: Any, api_headers: dict[str, str], db: Database, workspace: Workspace, history: datetime
) -> None:
    with db.transaction(workspace.id) as session:
        service.refresh(session, history)
    r = client.get("/api/v1/health/at-risk?limit=10", headers=api_headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items, "the synthetic history has unhappy customers"
    risks = [i["risk"] for i in items]
    assert risks == sorted(risks, reverse=True)
    assert all(i["band"] == "at_risk" and i["value_at_stake"] >= 0 for i in items)
    assert client.get("/api/v1/health/at-risk?limit=0", headers=api_headers).status_code == 422


def test_churn_definition_is_validated_and_previewed(
    client: Any, db: Database, workspace: Workspace, make_key: Callable[..., str], history: datetime
) -> None:
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    r = client.post(
        "/api/v1/health/settings:preview",
        json={"churn_kind": "behavioural", "inactivity_days": 60},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["months"]) >= 12
    bad = client.put("/api/v1/health/settings", json={"churn_kind": "vibes"}, headers=admin)
    assert bad.status_code == 422
    ok = client.put("/api/v1/health/settings", json={"churn_kind": "behavioural"}, headers=admin)
    assert ok.status_code == 200 and ok.json()["churn_kind"] == "behavioural"


@pytest.mark.parametrize("lang", ["fa", "ar", "zh"])
def test_at_risk_page_speaks_the_users_language(
    login: Callable[..., Any], db: Database, workspace: Workspace, history: datetime, lang: str
) -> None:
    with db.transaction(workspace.id) as session:
        service.refresh(session, history)
    client = login("manager", language=lang)
    page = client.get("/health")
    assert page.status_code == 200, page.text[:300]
    words = {"fa": "سلامت مشتری", "ar": "صحة العملاء", "zh": "客户健康度"}[lang]
    assert words in page.text
    for english in (
        "At-risk customers",
        "Value at stake",
        "No contact for a long time",
        "Low latest rating",
    ):
        assert english not in page.text


def test_viewer_cannot_open_the_health_page(login: Callable[..., Any]) -> None:
    client = login("viewer")
    assert client.get("/health").status_code == 403


def test_promoters_stay_and_spend_more_with_intervals(
    client: Any, api_headers: dict[str, str], history: datetime
) -> None:
    r = client.get("/api/v1/health/value-of-experience", headers=api_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    pro, det = body["groups"]["promoters"], body["groups"]["detractors"]
    assert pro["n"] > 20 and det["n"] > 20
    assert pro["retention_ci"][0] <= pro["retention"] <= pro["retention_ci"][1]
    # In the synthetic history unhappy people leave far more often: the interval excludes 0.
    assert body["retention_difference"]["ci"][0] > 0, body


def test_a_band_change_fires_rules_on_health_band_changed(
    client: Any, db: Database, workspace: Workspace, make_key: Callable[..., str]
) -> None:
    import sys
    from pathlib import Path

    from sqlalchemy import insert, select

    from sada.automation.models import RuleFiring
    from sada.cases.models import Case
    from sada.db.types import utcnow
    from sada.interactions.models import Interaction
    from sada.people.models import Person

    sys.path.insert(0, str(Path(__file__).parents[1] / "automation"))
    from sada_test_servers import drain_jobs

    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    rule = {
        "name": "at risk: open a case",
        "triggers": ["health.band_changed"],
        "conditions": [{"field": "health.band", "op": "eq", "value": "at_risk"}],
        "actions": [{"type": "create_case", "title": "Check in with an at-risk customer"}],
    }
    r = client.post("/api/v1/rules", json=rule, headers=headers)
    assert r.status_code in (200, 201), r.text
    now = utcnow()

    def row(pid: int, n: int, **kw: Any) -> dict[str, Any]:
        return {
            "workspace_id": workspace.id, "person_id": pid, "occurred_at": now - timedelta(days=n),
            "received_at": now, "direction": "inbound", "source": "t", "external_id": f"{pid}-{n}-{kw.get('type')}",
            "origin": "customer", "backfill": False, "attributes": {}, "rating": None,
            "rating_scale": None, "channel": "web", "type": "page_view", **kw,
        }  # fmt: skip

    with db.transaction(workspace.id) as session:
        person = Person(workspace_id=workspace.id, name="Sara", audience="customer", updated_at=now)
        session.add(person)
        session.flush()
        pid = person.id
        session.execute(
            insert(Interaction),
            [
                row(pid, 300 - 10 * i, type="survey_response", rating=9.0, rating_scale="nps")
                for i in range(25)
            ],
        )
        service.refresh(session, now)
    with db.reader(workspace.id) as session:
        assert service.person_health(session, pid)["band"] != "at_risk"
    with db.transaction(workspace.id) as session:  # then it goes wrong
        session.execute(
            insert(Interaction),
            [row(pid, 2, type="survey_response", rating=0.0, rating_scale="nps")]
            + [row(pid, 1 + i, type="complaint") for i in range(4)],
        )
        service.refresh(session, now + timedelta(days=60))
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        assert service.person_health(session, pid, now + timedelta(days=60))["band"] == "at_risk"
        assert session.scalars(select(RuleFiring.outcome)).all() == ["fired"]
        assert session.scalars(select(Case.person_id)).all() == [pid]


def test_person_page_shows_health_with_reasons_in_persian(
    login: Callable[..., Any], db: Database, workspace: Workspace, history: datetime
) -> None:
    from sqlalchemy import select

    from sada.health.models import HealthScore

    with db.transaction(workspace.id) as session:
        service.refresh(session, history)
    with db.reader(workspace.id) as session:
        pid = session.scalars(
            select(HealthScore.person_id).where(HealthScore.band == "at_risk")
        ).first()
    client = login("agent", language="fa")
    html = client.get(f"/people/{pid}").text
    assert 'id="person-health"' in html and "در معرض خطر" in html
    viewer = login("viewer", language="fa")
    assert 'id="person-health"' not in viewer.get(f"/people/{pid}").text
