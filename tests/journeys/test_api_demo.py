"""The JSON API end to end, and the demo seeder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from sada.db.engine import Database
from sada.journeys import service
from sada.journeys.columnar import close_stores
from sada.journeys.demo import seed_demo_journeys

from .conftest import T0, Log


def test_api_audiences_maps_versions_and_funnel(
    client: TestClient, api_headers: dict[str, str], db: Database, workspace: Any, log: Log
) -> None:
    h = api_headers
    r = client.post(
        "/api/v1/journeys/audiences",
        json={"key": "customer", "measure": "nps", "rank": 1},
        headers=h,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/journeys/maps",
        json={"audience": "customer", "key": "cj", "template": "customer"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1 and len(r.json()["definition"]["stages"]) == 8
    two = {
        "stages": [
            {"key": "look", "touchpoints": [{"key": "website_visit"}]},
            {"key": "buy", "touchpoints": [{"key": "checkout"}]},
        ]
    }
    r = client.put(
        "/api/v1/journeys/maps/cj", json={"definition": two, "note": "simpler"}, headers=h
    )
    assert r.json()["version"] == 2 and [v["version"] for v in r.json()["versions"]] == [2, 1]
    for i in range(3):
        pid = log.person()
        log.events(
            pid, {"at": 0, "tp": "website_visit"}, *([{"at": 60, "tp": "checkout"}] if i else [])
        )
    q = {
        "since": (T0 - timedelta(days=1)).isoformat(),
        "until": (T0 + timedelta(days=1)).isoformat(),
    }
    for engine in ("sql", "duckdb"):
        r = client.get("/api/v1/journeys/maps/cj/funnel", params={**q, "engine": engine}, headers=h)
        assert r.status_code == 200, r.text
        assert [(s["step"], s["people"], s["median_seconds"]) for s in r.json()["steps"]] == [
            ("look", 3, None),
            ("buy", 2, 60.0),
        ]
    close_stores()
    r = client.get("/api/v1/journeys/maps/cj/paths", params={**q, "engine": "sql"}, headers=h)
    assert r.json()["abandonment"] == [
        {"touchpoint": "website_visit", "stage": "look", "people": 1, "share": 1.0}
    ]
    r = client.post("/api/v1/journeys/maps/cj/versions/1:restore", headers=h)
    assert r.json()["version"] == 3 and len(r.json()["definition"]["stages"]) == 8
    r = client.get("/api/v1/journeys/scorecard", headers=h)
    assert r.json()["audiences"][0]["flags"] == ["no_owner"]
    assert client.get("/api/v1/journeys/maps/nope/funnel", headers=h).status_code == 404
    assert client.get("/api/v1/journeys/audiences").status_code == 401


def test_demo_seed_is_idempotent(db: Database, workspace: Any) -> None:
    first = seed_demo_journeys(db, workspace.id)
    assert first == {"audiences": 4, "maps": 3, "tasks": 1}
    assert seed_demo_journeys(db, workspace.id) == {"audiences": 0, "maps": 0, "tasks": 0}
    with db.reader(workspace.id) as s:
        keys = [a.key for a in service.list_audiences(s)]
        partner = service.access_audience(s, "partner")
    assert keys == ["customer", "employee", "fan", "partner"]
    assert partner.owner_user_id is None and partner.measure is None
