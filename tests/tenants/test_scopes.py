"""Least privilege for API keys (finding 2): every API route declares a scope; a public ingest
key can ingest and nothing else; a legacy write key no longer manages rules or webhooks or
sends mail."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi import APIRouter, Depends, FastAPI
from typer.testing import CliRunner

from sada.cli.main import app as cli_app
from sada.settings import get_settings
from sada.tenants.auth import PUBLIC_ROUTES, declared_scopes, is_public, route_guard
from sada.tenants.models import Scope

INGEST_OPERATIONS = {
    ("post", "/api/v1/interactions:batch"),
    ("post", "/api/v1/people:identify"),
    *(
        ("post", f"/v1/{name}")
        for name in ("batch", "track", "identify", "page", "screen", "group", "alias")
    ),
}


def _operations(app: FastAPI) -> list[tuple[str, str, dict]]:
    spec = app.openapi()
    return [
        (method, path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if path.startswith(("/api/", "/v1/"))
    ]


def test_every_api_route_declares_a_scope(app: FastAPI) -> None:
    known = {s.value for s in Scope}
    operations = _operations(app)
    assert len(operations) > 100
    for method, path, op in operations:
        if is_public(path):
            continue
        scopes = [
            s for requirement in op.get("security", []) for s in next(iter(requirement.values()))
        ]
        assert len(scopes) == 1 and scopes[0] in known, (
            f"{method.upper()} {path} declares no API key scope: add "
            "`key: AuthenticatedKey = scoped(Scope....)` or put it on PUBLIC_ROUTES"
        )
    # Routes left out of the OpenAPI document count too.
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith(("/api/", "/v1/")) and not is_public(path):
            assert declared_scopes(route), f"{path} declares no API key scope"
    assert all(p.startswith(("/api/", "/v1/")) for p in PUBLIC_ROUTES)


def test_a_route_that_forgets_its_scope_fails_closed(app: FastAPI, client) -> None:  # type: ignore[no-untyped-def]
    forgot = APIRouter(prefix="/api/v1")

    @forgot.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "data"}

    app.include_router(forgot, dependencies=[Depends(route_guard)])
    r = client.get("/api/v1/forgotten")
    assert r.status_code == 403 and "secret" not in r.text


def _cli_ingest_key(db, workspace, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SADA_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli_app, ["apikey", "create", "--workspace", workspace.name, "--scope", "ingest"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_cli_ingest_key_can_ingest_and_nothing_else(app, client, db, workspace, monkeypatch):  # type: ignore[no-untyped-def]
    key = _cli_ingest_key(db, workspace, monkeypatch)
    headers = {"Authorization": f"Bearer {key}"}
    item = {
        "source": "web",
        "external_id": uuid.uuid4().hex,
        "occurred_at": "2026-01-05T10:00:00Z",
        "channel": "web",
        "type": "page_view",
        "direction": "inbound",
        "person": {"email": "ingest@example.com"},
    }
    r = client.post("/api/v1/interactions:batch", json={"items": [item]}, headers=headers)
    assert r.status_code == 200, r.text
    r = client.post(
        "/api/v1/people:identify", json={"email": "ingest@example.com"}, headers=headers
    )
    assert r.status_code == 200, r.text
    message = {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1"}
    r = client.post("/v1/track", json=message, auth=(key, ""))
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    refused = []
    for method, path, _op in _operations(app):
        if is_public(path):
            continue
        r = client.request(method.upper(), _url(path), json={}, headers=headers)
        if (method, path) in INGEST_OPERATIONS:
            assert r.status_code not in (401, 403), f"{method.upper()} {path}: {r.text}"
        else:
            assert r.status_code == 403, (
                f"{method.upper()} {path} answered an ingest key {r.status_code}"
            )
            refused.append(path)
    assert len(refused) > 100


def test_legacy_write_key_no_longer_manages_rules_webhooks_or_mail(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    write = {"Authorization": f"Bearer {make_key(db, workspace.id, 'write')}"}
    rule = {
        "name": "r",
        "triggers": ["interaction.ingested"],
        "actions": [{"type": "tag", "tags": ["x"]}],
    }
    assert client.post("/api/v1/rules", json=rule, headers=write).status_code == 403
    hook = {"url": "https://example.com/hook", "events": ["case.created"]}
    assert client.post("/api/v1/webhooks", json=hook, headers=write).status_code == 403
    assert client.get("/api/v1/webhooks", headers=write).status_code == 403
    r = client.post("/api/v1/conversations/1/reply", json={"text": "hi"}, headers=write)
    assert r.status_code == 403 and "reply" in r.text
    r = client.post(
        "/api/v1/surveys/1/invitations", json={"emails": ["x@example.com"]}, headers=write
    )
    assert r.status_code == 403
    # What it did before still works: reads, ingest, data changes.
    assert client.get("/api/v1/people", headers=write).status_code == 200
    assert client.get("/api/v1/rules", headers=write).status_code == 200
    assert (
        client.post("/api/v1/cases", json={"title": "still fine"}, headers=write).status_code == 201
    )
    # A server key with exactly the scope it needs.
    rules = {"Authorization": f"Bearer {make_key(db, workspace.id, 'manage:rules')}"}
    assert client.post("/api/v1/rules", json=rule, headers=rules).status_code == 201
    assert client.get("/api/v1/people", headers=rules).status_code == 403
    analytics = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read:analytics')}"}
    assert client.get("/api/v1/metrics-catalogue", headers=analytics).status_code == 200
    assert client.get("/api/v1/people", headers=analytics).status_code == 403


def test_ingest_keys_are_public_kind_and_origin_limited(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    from sada.core.errors import Invalid
    from sada.tenants.service import do_create_api_key

    with db.transaction(workspace.id) as session, pytest.raises(Invalid):
        do_create_api_key(session, name="mixed", scopes=["ingest", "read:people"])
    with db.transaction(workspace.id) as session, pytest.raises(Invalid):
        do_create_api_key(session, name="bad", scopes=["read:everything"])
    with db.transaction(workspace.id) as session:
        _row, key = do_create_api_key(
            session, name="site", scopes=["ingest"], allowed_origins=["https://shop.example"]
        )
    message = {
        "type": "track",
        "event": "Viewed",
        "anonymousId": "a1",
        "messageId": uuid.uuid4().hex,
    }
    r = client.post(
        "/v1/track", json=message, auth=(key, ""), headers={"Origin": "https://evil.example"}
    )
    assert r.status_code == 403
    r = client.post(
        "/v1/track", json=message, auth=(key, ""), headers={"Origin": "https://shop.example"}
    )
    assert r.status_code == 200, r.text
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    r = client.post(
        "/api/v1/api-keys",
        json={"name": "x", "scopes": ["ingest", "admin"]},
        headers=admin,
    )
    assert r.status_code == 422
