"""The personal-data policy on every surface: a canary person with PII in every field, fetched
through every page and export as every role; viewers and analysts never see it raw.

The page list comes from the app itself (every GET page route), so a page added later is
fetched too; routes with parameters get the canary's ids.
"""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import openpyxl
import pytest

from sada.core.privacy import Surface, sees_raw_pii
from sada.db.engine import Database
from sada.jobs.service import run_pending
from sada.journeys.columnar import close_stores
from sada.journeys.demo import seed_demo_journeys
from sada.tenants.service import do_add_member, do_create_user
from sada.text import service as text_service
from tests.web.conftest import PASSWORD, sign_in

ROLES = ["owner", "admin", "manager", "agent", "analyst", "viewer"]
SKIP = ("/api", "/v1", "/static", "/help", "/s/", "/fonts", "/kb-assets", "/invite", "/password")


@pytest.fixture(autouse=True)
def no_real_embeddings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_service, "get_embedder", lambda *_a, **_k: None)
    text_service._PIPELINES.clear()


def page_paths(app: Any, ids: dict[str, str]) -> list[str]:
    def walk(routes: Any) -> Any:
        for route in routes:
            if type(route).__name__ == "_IncludedRouter":
                yield from walk(route.original_router.routes)
            else:
                yield route

    paths = set()
    for route in walk(app.routes):
        if "GET" not in (getattr(route, "methods", None) or ()) or route.path.startswith(SKIP):
            continue
        path = route.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        if "{" not in path:
            paths.add(path)
    return sorted(paths)


def test_viewers_and_analysts_never_see_raw_personal_data(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    tag = uuid.uuid4().hex[:6]
    email = f"canary.{tag}@example.org"
    seed_demo_journeys(db, workspace.id)
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    words = f"My name is Sarah Johnson, write to {email} or call +98 912 123 4567"
    r = client.post(
        "/api/v1/interactions:batch",
        json={
            "items": [
                {
                    "source": "canary",
                    "external_id": f"c-{tag}",
                    "occurred_at": "2026-11-28T10:00:00+00:00",
                    "channel": "email",
                    "type": "complaint",
                    "direction": "inbound",
                    "touchpoint": "delivery",
                    "subject": f"Refund for Sarah Johnson {email}",
                    "text": words,
                    "person": {"email": email, "name": "Sarah Johnson", "phone": "+989121234567"},
                }
            ]
        },
        headers=admin,
    )
    assert r.status_code == 200, r.text
    person_id = r.json()["results"][0]["person_id"]
    run_pending(db)
    raw = [email, "912 123 4567", "+989121234567", "9121234567"]

    ids = {
        "person_id": str(person_id),
        "map_key": "customer-journey",
        "touchpoint": "delivery",
        "audience": "customer",
    }
    paths = page_paths(client.app, ids)
    assert "/journeys/maps/customer-journey/touchpoints/delivery" in paths
    assert "/feedback/export.csv" in paths and f"/people/{person_id}" in paths
    seen_raw: dict[str, list[str]] = {}
    for role in ROLES:
        client.cookies.clear()
        user_email = f"{role}-{uuid.uuid4().hex[:8]}@staff.example.com"
        with db.transaction(workspace.id) as session:
            user = do_create_user(session, user_email, PASSWORD, name=f"{role} tester")
            do_add_member(session, user, role)
        assert sign_in(client, user_email).status_code == 303
        leaks = []
        for path in paths:
            for query in ("", "?period=30d", "?q=Johnson&period=30d"):
                if query and not path.startswith(("/feedback", "/overview")):
                    continue
                response = client.get(
                    path + query, params={"days": "730"} if "journeys" in path else None
                )
                body = response.text
                if path.endswith(".xlsx") and response.status_code == 200:
                    book = openpyxl.load_workbook(io.BytesIO(response.content))
                    body = "\n".join(
                        str(c.value) for sheet in book for row in sheet.iter_rows() for c in row
                    )
                found = [needle for needle in raw if needle in body]
                if found:
                    leaks.append(f"{path}{query}: {found}")
        seen_raw[role] = leaks
    # The canary works: those allowed see the raw data on the person page and in exports.
    assert any(f"/people/{person_id}" in line for line in seen_raw["agent"])
    assert any("/feedback/export.csv" in line for line in seen_raw["owner"])
    assert any("/journeys/maps" in line for line in seen_raw["manager"])
    for role in ROLES:
        if not sees_raw_pii(Surface.PAGE, role=role):
            assert not seen_raw[role], f"{role} saw raw personal data: {seen_raw[role]}"
        if not sees_raw_pii(Surface.EXPORT, role=role):
            assert not [line for line in seen_raw[role] if "export" in line], seen_raw[role]
    close_stores()


def test_api_verbatims_follow_the_key_scopes(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    tag = uuid.uuid4().hex[:6]
    email = f"canary.{tag}@example.org"
    seed_demo_journeys(db, workspace.id)
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    client.post(
        "/api/v1/interactions:batch",
        json={
            "items": [
                {
                    "source": "canary",
                    "external_id": f"c-{tag}",
                    "occurred_at": "2026-11-28T10:00:00+00:00",
                    "channel": "email",
                    "type": "complaint",
                    "direction": "inbound",
                    "touchpoint": "delivery",
                    "text": f"write to {email}",
                    "person": {"email": email},
                }
            ]
        },
        headers=admin,
    )
    r = client.get(
        "/api/v1/journeys/maps/customer-journey/touchpoints/delivery/verbatims",
        params={"since": "2026-01-01T00:00:00Z"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert email in r.text
    assert re.search(r"\[EMAIL\]", r.text) is None
    assert not sees_raw_pii(Surface.API, scopes=["write"])
    assert sees_raw_pii(Surface.API, scopes=["read"]) and sees_raw_pii(
        Surface.API, scopes=["admin"]
    )
    close_stores()


def test_webhooks_carry_redacted_texts_when_the_workspace_says_so(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    from sqlalchemy import select

    from sada.automation.models import WebhookDelivery

    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    r = client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["*"]}, headers=admin
    )
    assert r.status_code == 201, r.text
    email = f"canary.{uuid.uuid4().hex[:6]}@example.org"

    def deliveries_after_case(title: str) -> str:
        r = client.post("/api/v1/cases", json={"title": title}, headers=admin)
        assert r.status_code == 201, r.text
        run_pending(db)
        with db.reader(workspace.id) as s:
            rows = s.execute(select(WebhookDelivery.payload)).scalars().all()
        return "\n".join(str(p) for p in rows)

    assert email in deliveries_after_case(f"Call back {email}")  # raw by default
    r = client.patch("/api/v1/privacy/settings", json={"webhook_pii": "redacted"}, headers=admin)
    assert r.status_code == 200 and r.json()["webhook_pii"] == "redacted"
    second = f"second.{email}"
    payloads = deliveries_after_case(f"Call back {second}")
    assert second not in payloads and "[EMAIL]" in payloads
