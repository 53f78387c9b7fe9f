"""Webhook receivers for Formbricks and Typeform, and the API to register them.

POST /api/v1/survey-sources {"kind": "formbricks"|"typeform", "secret"?: "...", "settings"?: {...}}
  -> {"id", "kind", "key", "secret", "webhook_url"} (admin scope; the secret is shown here).
GET /api/v1/survey-sources, PATCH /api/v1/survey-sources/{id} {"secret"?, "settings"?},
DELETE /api/v1/survey-sources/{id} (admin scope).
POST /api/v1/connectors/formbricks/{key}   Standard Webhooks signature required.
POST /api/v1/connectors/typeform/{key}     Typeform-Signature required.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid, NotFound
from sada.core.http import read_json_body
from sada.feedback import imports
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["survey connectors"])
MAX_WEBHOOK_BYTES = 1024 * 1024


@router.post("/survey-sources", status_code=201)
async def create_source(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    body = await read_json_body(request, 64 * 1024)
    if not isinstance(body, dict):
        raise Invalid('expected {"kind": "formbricks" | "typeform"}')
    services = request.app.state.services
    with services.db.transaction(key.workspace_id) as session:
        source = imports.do_create_source(
            session,
            str(body.get("kind")),
            secret=body.get("secret") if isinstance(body.get("secret"), str) else None,
            settings=body.get("settings") if isinstance(body.get("settings"), dict) else None,
        )
        out = {
            "id": source.id,
            "kind": source.kind,
            "key": source.key,
            "secret": source.secret,
            "webhook_url": f"{services.settings.base_url.rstrip('/')}/api/v1/connectors/{source.kind}/{source.key}",
        }
    return JSONResponse(out, status_code=201)


def _source_out(request: Request, source: Any, *, secret: bool = False) -> dict[str, Any]:
    base = request.app.state.services.settings.base_url.rstrip("/")
    out = {
        "id": source.id,
        "kind": source.kind,
        "key": source.key,
        "settings": source.settings or {},
        "webhook_url": f"{base}/api/v1/connectors/{source.kind}/{source.key}",
        "secret_hint": source.secret[-4:] if source.secret else "",
    }
    if secret:
        out["secret"] = source.secret
    return out


@router.get("/survey-sources")
def list_sources(request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)) -> dict[str, Any]:
    """Webhook sources of this workspace (admin scope); secrets are not shown again."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {"items": [_source_out(request, s) for s in imports.list_sources(session)]}


@router.patch("/survey-sources/{source_id}")
async def update_source(
    request: Request, source_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    """Rotate the secret and/or replace the settings (e.g. the survey's question definitions)."""
    body = await read_json_body(request, 1024 * 1024)
    if not isinstance(body, dict) or not ({"secret", "settings"} & set(body)):
        raise Invalid('expected {"secret": "..."} and/or {"settings": {...}}')
    secret, settings = body.get("secret"), body.get("settings")
    if secret is not None and not isinstance(secret, str):
        raise Invalid("secret must be a string")
    if settings is not None and not isinstance(settings, dict):
        raise Invalid("settings must be an object")
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        source = imports.do_update_source(session, source_id, secret=secret, settings=settings)
        return JSONResponse(_source_out(request, source, secret=secret is not None))


@router.delete("/survey-sources/{source_id}", status_code=204)
def delete_source(
    request: Request, source_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> Response:
    """The webhook URL stops answering (404); stored responses stay."""
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        imports.do_delete_source(session, source_id)
    return Response(status_code=204)


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise Invalid("webhook body too large")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise Invalid("webhook body too large")
    return body


def _source(request: Request, kind: str, key: str) -> Any:
    with request.app.state.services.db.reader() as session:
        source = imports.source_by_key(session, key, kind)
    if source is None:
        raise NotFound("no such webhook endpoint")
    return source


@router.post("/connectors/formbricks/{key}")
async def formbricks_webhook(request: Request, key: str) -> JSONResponse:
    from sada.connectors.formbricks.service import handle

    source = _source(request, "formbricks", key)
    body = await _body(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    result = await run_in_threadpool(handle, request.app.state.services.db, source, body, headers)
    request.app.state.services.wake_jobs()
    return JSONResponse(result)


@router.post("/connectors/chatwoot/{key}")
async def chatwoot_webhook(request: Request, key: str) -> JSONResponse:
    """Chatwoot webhooks (X-Chatwoot-Signature over "timestamp.body")."""
    from sada.connectors.chatwoot.service import handle

    source = _source(request, "chatwoot", key)
    body = await _body(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    result = await run_in_threadpool(handle, request.app.state.services.db, source, body, headers)
    request.app.state.services.wake_jobs()
    return JSONResponse(result)


@router.post("/connectors/typeform/{key}")
async def typeform_webhook(request: Request, key: str) -> JSONResponse:
    from sada.connectors.typeform.service import handle

    source = _source(request, "typeform", key)
    body = await _body(request)
    result = await run_in_threadpool(
        handle,
        request.app.state.services.db,
        source,
        body,
        request.headers.get("typeform-signature"),
    )
    request.app.state.services.wake_jobs()
    return JSONResponse(result)
