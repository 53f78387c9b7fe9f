"""Customer health in money: currency rates, accounts, next-best actions, revenue at risk."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.health import actions, service, worth
from sada.interactions.models import Interaction, Touchpoint
from sada.people.models import Person
from sada.tenants.models import Workspace


def _person(session: Any, workspace_id: int, segment: str = "gold", **extra: Any) -> int:
    person = Person(
        workspace_id=workspace_id,
        name=f"P {uuid.uuid4().hex[:8]}",
        audience=extra.pop("audience", "customer"),
        segment=segment,
        updated_at=utcnow(),
    )
    session.add(person)
    session.flush()
    return int(person.id)


def _rows(workspace_id: int, person_id: int, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for event in events:
        when: datetime = event.pop("at")
        out.append(
            {
                "workspace_id": workspace_id, "person_id": person_id, "occurred_at": when,
                "received_at": when, "direction": "inbound", "source": "test",
                "external_id": uuid.uuid4().hex, "origin": "import", "backfill": True,
                "attributes": {}, "rating": None, "rating_scale": None, "channel": "web",
                "type": "page_view", **event,
            }
        )  # fmt: skip
    return out


def _admin(db: Database, workspace: Workspace, make_key: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}


# ------------------------------------------------------------------ currency


def test_money_is_converted_at_the_purchase_date_and_unconverted_is_counted(
    client: Any, db: Database, workspace: Workspace, make_key: Callable[..., str]
) -> None:
    now = utcnow()
    admin = _admin(db, workspace, make_key)
    day = lambda d: (now - timedelta(days=d)).date().isoformat()  # noqa: E731
    rates = {
        "rates": [
            {"currency": "irr", "rate": 0.00002, "valid_from": day(120)},
            {"currency": "CNY", "rate": 0.14, "valid_from": day(400)},
            {"currency": "CNY", "rate": 0.15, "valid_from": day(30)},
        ]
    }
    r = client.put("/api/v1/health/currency-rates", json=rates, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"reporting_currency": "USD", "loaded": 3}
    listed = client.get("/api/v1/health/currency-rates", headers=admin).json()
    assert [x["currency"] for x in listed["rates"]] == ["CNY", "CNY", "IRR"]
    with db.transaction(workspace.id) as session:
        pid = _person(session, workspace.id)
        session.execute(
            insert(Interaction),
            _rows(workspace.id, pid, [
                {"at": now - timedelta(days=100), "type": "purchase",
                 "attributes": {"amount": 100, "currency": "CNY"}},  # 0.14 -> 14
                {"at": now - timedelta(days=10), "type": "purchase",
                 "attributes": {"amount": 100, "currency": "cny"}},  # 0.15 -> 15
                {"at": now - timedelta(days=50), "type": "order",
                 "attributes": {"amount": 1_000_000, "currency": "IRR"}},  # 20
                {"at": now - timedelta(days=150), "type": "order",
                 "attributes": {"amount": 5_000_000, "currency": "IRR"}},  # before IRR's rate
                {"at": now - timedelta(days=20), "type": "purchase",
                 "attributes": {"amount": 7, "currency": "USD"}},  # 7
                {"at": now - timedelta(days=15), "type": "purchase", "attributes": {"amount": 3}},
                {"at": now - timedelta(days=5), "type": "purchase",
                 "attributes": {"amount": 500, "currency": "SAR"}},
                {"at": now - timedelta(days=4), "type": "purchase",
                 "attributes": {"revenue": "250", "currency": "SAR"}},
                {"at": now - timedelta(days=3), "type": "refund",
                 "attributes": {"amount": 100, "currency": "SAR"}},
            ]),
        )  # fmt: skip
    body = client.get(f"/api/v1/people/{pid}/health", headers=admin).json()
    assert body["currency"] == "USD"
    assert body["lifetime_value"] == pytest.approx(14 + 15 + 20 + 7 + 3)
    assert body["value"] == pytest.approx(14 + 15 + 20 + 7 + 3)
    left = {u["currency"]: u for u in body["unconverted"]}
    assert left["SAR"]["count"] == 3 and left["SAR"]["amount"] == pytest.approx(650)
    assert left["IRR"]["count"] == 1
    with db.transaction(workspace.id) as session:
        service.refresh(session, now)
    summary = client.get("/api/v1/health/at-risk?limit=5", headers=admin).json()
    assert {u["currency"]: u["count"] for u in summary["unconverted"]} == {"SAR": 3, "IRR": 1}
    # A SAR rate from before the purchases converts them on the next scoring.
    csv = f"currency,rate,valid_from\nSAR,0.2667,{day(365)}\nIRR,0.00002,{day(400)}\n"
    r = client.put(
        "/api/v1/health/currency-rates",
        content=csv.encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert r.status_code == 200 and r.json()["loaded"] == 2, r.text
    body = client.get(f"/api/v1/people/{pid}/health", headers=admin).json()
    # The CSV replaced every rate: CNY has none now.
    assert [(u["currency"], u["count"]) for u in body["unconverted"]] == [("CNY", 2)]
    assert body["lifetime_value"] == pytest.approx(20 + 100 + 7 + 3 + 650 * 0.2667, abs=0.01)
    with db.transaction(workspace.id) as session:
        service.refresh(session, now)
    summary = client.get("/api/v1/health/at-risk?limit=5", headers=admin).json()
    assert {u["currency"]: u["count"] for u in summary["unconverted"]} == {"CNY": 2}


def test_bad_rates_are_refused_row_by_row_and_need_admin(
    client: Any, db: Database, workspace: Workspace, make_key: Callable[..., str],
    api_headers: dict[str, str],
) -> None:  # fmt: skip
    admin = _admin(db, workspace, make_key)
    bad = {
        "rates": [
            {"currency": "SA", "rate": 1, "valid_from": "2026-01-01"},
            {"currency": "SAR", "rate": -2, "valid_from": "2026-01-01"},
            {"currency": "CNY", "rate": 0.1, "valid_from": "yesterday"},
            {"currency": "USD", "rate": 1, "valid_from": "2026-01-01"},
        ]
    }
    r = client.put("/api/v1/health/currency-rates", json=bad, headers=admin)
    assert r.status_code == 422
    text = r.text
    for needle in ("row 1", "row 2", "row 3", "row 4", "reporting currency"):
        assert needle in text, text
    r = client.put(
        "/api/v1/health/currency-rates",
        content=b"code,value\nSAR,1\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert r.status_code == 422 and "currency, rate, valid_from" in r.text
    assert (
        client.put("/api/v1/health/currency-rates", content=b"{", headers=admin).status_code == 422
    )
    ok = {"rates": [{"currency": "SAR", "rate": 0.27, "valid_from": "2026-01-01"}]}
    denied = client.put("/api/v1/health/currency-rates", json=ok, headers=api_headers)
    assert denied.status_code == 403
    r = client.put("/api/v1/health/settings", json={"reporting_currency": "dollars"}, headers=admin)
    assert r.status_code == 422
    assert client.put("/api/v1/health/currency-rates", json=ok, headers=admin).status_code == 200
    r = client.put("/api/v1/health/settings", json={"reporting_currency": "sar"}, headers=admin)
    assert r.status_code == 200 and r.json()["reporting_currency"] == "SAR"
    # The rates were in dollars: changing the reporting currency removes them.
    listed = client.get("/api/v1/health/currency-rates", headers=admin).json()
    assert listed == {"reporting_currency": "SAR", "rates": []}


def test_currency_page_uploads_a_csv_in_arabic(
    login: Callable[..., Any], db: Database, workspace: Workspace
) -> None:
    client = login("owner", language="ar")
    page = client.get("/health/currency")
    assert page.status_code == 200, page.text[:300]
    assert "Currency rates" not in page.text and "Reporting currency" not in page.text
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    files = {
        "file": ("rates.csv", b"currency,rate,valid_from\nSAR,0.2667,2026-01-01\n", "text/csv")
    }
    r = client.post(
        "/health/currency", data={"csrf": csrf, "reporting_currency": "usd"}, files=files
    )
    assert r.status_code == 200, r.text[:500]
    assert "0.2667" in r.text or "٠٫٢٦٦٧" in r.text
    files = {"file": ("rates.csv", b"currency,rate,valid_from\nSAR,zero,2026-01-01\n", "text/csv")}
    r = client.post("/health/currency", data={"csrf": csrf}, files=files)
    assert r.status_code == 422 and 'id="rates-error"' in r.text
    viewer = login("viewer")
    assert viewer.get("/health/currency").status_code == 403


# ------------------------------------------------------------------ accounts


def _unhappy(workspace_id: int, pid: int, now: datetime, spend: float) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"at": now - timedelta(days=d), "type": "purchase", "attributes": {"amount": spend}}
        for d in (170, 120, 100)
    ]
    events += [
        {"at": now - timedelta(days=d), "type": "survey_response", "rating": r,
         "rating_scale": "nps"}
        for d, r in ((150, 6.0), (80, 1.0))
    ]  # fmt: skip
    events += [{"at": now - timedelta(days=d), "type": "complaint"} for d in (70, 60, 50)]
    return _rows(workspace_id, pid, events)


def _unhappy_lately(workspace_id: int, pid: int, now: datetime) -> list[dict[str, Any]]:
    """Unhappy, with a history that starts after the evidence's snapshot."""
    events: list[dict[str, Any]] = [
        {"at": now - timedelta(days=d), "type": "purchase", "attributes": {"amount": 50.0}}
        for d in (100, 90)
    ]
    events += [
        {"at": now - timedelta(days=d), "type": "survey_response", "rating": r,
         "rating_scale": "nps"}
        for d, r in ((80, 6.0), (40, 1.0))
    ]  # fmt: skip
    events += [{"at": now - timedelta(days=d), "type": "complaint"} for d in (30, 20, 10)]
    return _rows(workspace_id, pid, events)


def _happy(workspace_id: int, pid: int, now: datetime, spend: float) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"at": now - timedelta(days=d), "type": "purchase", "attributes": {"amount": spend}}
        for d in range(3, 360, 20)
    ]
    events += [
        {"at": now - timedelta(days=d), "type": "survey_response", "rating": 10.0,
         "rating_scale": "nps"}
        for d in (200, 30, 2)
    ]  # fmt: skip
    return _rows(workspace_id, pid, events)


def test_account_health_is_value_weighted_with_reasons(
    client: Any, db: Database, workspace: Workspace, api_headers: dict[str, str]
) -> None:
    from sada.connectors.accounts import do_link_member, do_upsert_account

    now = utcnow()
    with db.transaction(workspace.id) as session:
        big, small = _person(session, workspace.id), _person(session, workspace.id)
        session.execute(insert(Interaction), _unhappy(workspace.id, big, now, 400.0))
        session.execute(insert(Interaction), _happy(workspace.id, small, now, 1.0))
        account = do_upsert_account(
            session, "segment", f"acme-{uuid.uuid4().hex}", {"name": "Acme"}
        )
        do_link_member(session, account, big)
        do_link_member(session, account, small)
        account_id = account.id
        service.refresh(session, now)
    people = [
        client.get(f"/api/v1/people/{p}/health", headers=api_headers).json() for p in (big, small)
    ]
    r = client.get(f"/api/v1/accounts/{account_id}/health", headers=api_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    total = people[0]["value"] + people[1]["value"]
    expected = (
        people[0]["value"] * people[0]["risk"] + people[1]["value"] * people[1]["risk"]
    ) / total
    assert body["risk"] == pytest.approx(expected, abs=2e-4)
    assert body["people"] == 2 and body["name"] == "Acme"
    assert body["band"] == "at_risk", (body, people)
    assert body["factors"] and body["factors"][0]["direction"] == "up"
    assert {f["name"] for f in body["factors"]} & {"last_rating", "complaints_90", "rating_trend"}
    listed = client.get("/api/v1/health/at-risk?level=account", headers=api_headers)
    assert listed.status_code == 200, listed.text
    assert [i["account_id"] for i in listed.json()["items"]] == [account_id]
    assert client.get("/api/v1/health/at-risk?level=team", headers=api_headers).status_code == 422
    assert client.get("/api/v1/accounts/999999999/health", headers=api_headers).status_code == 404


# ------------------------------------------------------------------ next-best action


def _plant_recoveries(db: Database, workspace_id: int, now: datetime) -> list[int]:
    """60 unhappy customers as of t0; 30 got a credit in the next days and all stayed; of the
    30 who did not, 20 cancelled."""
    t0 = now - timedelta(days=actions.ACTION_DAYS + actions.OUTCOME_DAYS)
    ids = []
    with db.transaction(workspace_id) as session:
        rows: list[dict[str, Any]] = []
        for i in range(60):
            pid = _person(session, workspace_id, segment="nba")
            ids.append(pid)
            rows += _unhappy(workspace_id, pid, t0, 50.0)
            if i < 30:
                rows += _rows(workspace_id, pid, [
                    {"at": t0 + timedelta(days=5), "type": "refund", "attributes": {"amount": 20}}
                ])  # fmt: skip
            elif i < 50:
                rows += _rows(
                    workspace_id, pid, [{"at": t0 + timedelta(days=50), "type": "cancel"}]
                )
        session.execute(insert(Interaction), rows)
    return ids


def test_next_best_action_shows_what_recovered_similar_customers(
    client: Any, db: Database, workspace: Workspace, api_headers: dict[str, str]
) -> None:
    now = utcnow()
    _plant_recoveries(db, workspace.id, now)
    with db.transaction(workspace.id) as session:
        current = _person(session, workspace.id, segment="nba")
        session.execute(insert(Interaction), _unhappy_lately(workspace.id, current, now))
        service.refresh(session, now)
        evidence = service.report(session, "actions")
    assert evidence is not None and evidence["people"] == 60, evidence
    keys = [k for k in evidence["counts"] if "|nba|" in k]
    assert len(keys) == 1, keys
    band, _segment, reason = keys[0].split("|")
    suggested = actions.suggest(evidence, band, "nba", [{"name": reason, "direction": "up"}])
    credit = next(a for a in suggested if a["action"] == "credit")
    assert credit["enough"] and credit["recommended"], credit
    assert credit["similar"] == "band_segment_reason"
    assert (credit["n_with"], credit["n_without"]) == (30, 30)
    assert credit["retained_with"] == 1.0 and credit["retained_without"] == pytest.approx(
        1 / 3, abs=1e-3
    )
    assert credit["difference_ci"][0] > 0.3
    assert suggested[0]["action"] == "credit"
    resurvey = next(a for a in suggested if a["action"] == "resurvey")
    assert not resurvey["enough"] and not resurvey["recommended"]
    body = client.get(f"/api/v1/people/{current}/health", headers=api_headers).json()
    assert body["band"] in ("at_risk", "watch"), body
    assert {a["action"] for a in body["actions"]} == set(actions.ACTIONS)
    listed = client.get("/api/v1/health/at-risk?limit=100", headers=api_headers).json()["items"]
    mine = next((i for i in listed if i["person_id"] == current), None)
    if mine is not None:
        assert mine["actions"] and "enough" in mine["actions"][0]


def test_person_panel_and_at_risk_list_show_actions_in_chinese(
    login: Callable[..., Any], db: Database, workspace: Workspace
) -> None:
    now = utcnow()
    _plant_recoveries(db, workspace.id, now)
    with db.transaction(workspace.id) as session:
        current = _person(session, workspace.id, segment="nba")
        session.execute(insert(Interaction), _unhappy_lately(workspace.id, current, now))
        service.refresh(session, now)
    client = login("manager", language="zh")
    page = client.get(f"/people/{current}")
    assert page.status_code == 200
    assert 'class="plain health-actions"' in page.text
    for english in (
        "What worked for similar customers",
        "Offer a credit or refund",
        "Lifetime value",
    ):
        assert english not in page.text
    listing = client.get("/health")
    assert listing.status_code == 200
    assert "not enough evidence" not in listing.text and "Worked before" not in listing.text
    accounts = client.get("/health?level=account")
    assert accounts.status_code == 200 and 'aria-current="page"' in accounts.text


# ------------------------------------------------------------------ revenue at risk


def test_revenue_at_risk_by_pain_point_touchpoint_and_audience(
    client: Any, login: Callable[..., Any], db: Database, workspace: Workspace,
    api_headers: dict[str, str],
) -> None:  # fmt: skip
    from sada.text.models import TextAnalysis

    now = utcnow()
    with db.transaction(workspace.id) as session:
        tp = Touchpoint(
            workspace_id=workspace.id, key=f"delivery-{uuid.uuid4().hex[:6]}", label="Delivery"
        )
        session.add(tp)
        session.flush()
        people = [
            _person(session, workspace.id, audience=a) for a in ("customer", "customer", "fan")
        ]
        for pid in people:
            rows = _unhappy(workspace.id, pid, now, 300.0)
            for row in rows:
                if row["type"] == "complaint":
                    row["touchpoint_id"] = tp.id
            session.execute(insert(Interaction), rows)
        complaint = session.scalars(
            Interaction.__table__.select()
            .with_only_columns(Interaction.id)
            .where(Interaction.person_id == people[0], Interaction.type == "complaint")
        ).first()
        session.add(
            TextAnalysis(
                workspace_id=workspace.id, interaction_id=complaint, language="en", script="Latn",
                sentiment="negative", aspects=[{"aspect": "late delivery", "polarity": "negative"}],
                topics=[{"name": "shipping"}], text_hash="x" * 64, model_version="test",
            )
        )  # fmt: skip
        service.refresh(session, now)
        risk = worth.revenue_at_risk(session, now)
    assert risk["people"] == 3 and risk["value_at_stake"] > 0, risk
    for key in ("by_pain_point", "by_touchpoint", "by_audience"):
        assert sum(r["value_at_stake"] for r in risk[key]) == pytest.approx(
            risk["value_at_stake"], abs=0.05
        )
    pains = {r["pain_point"] for r in risk["by_pain_point"]}
    assert {"late delivery", "#shipping"} <= pains
    assert (
        risk["by_touchpoint"][0]["label"] == "Delivery" and risk["by_touchpoint"][0]["people"] == 3
    )
    assert {r["audience"] for r in risk["by_audience"]} == {"customer", "fan"}
    r = client.get("/api/v1/health/revenue-at-risk", headers=api_headers)
    assert r.status_code == 200, r.text
    assert r.json()["currency"] == "USD" and "value_of_experience" in r.json()
    browser = login("manager", language="fa")
    journeys = browser.get("/journeys")
    assert journeys.status_code == 200 and 'id="revenue-at-risk"' in journeys.text
    assert "Revenue at risk" not in journeys.text
    overview = browser.get("/overview")
    assert overview.status_code == 200 and 'id="health-tile"' in overview.text
    assert "Value at stake" not in overview.text
