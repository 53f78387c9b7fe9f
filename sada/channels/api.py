"""Channel accounts (admin API) and the providers' inbound webhooks.

POST /api/v1/channels {"kind": "whatsapp"|"telegram"|"sms", "name"?, "config": {...}, "secrets": {...}}
  -> the account with its `webhook_url` (admin scope; secrets are never shown back).
GET /api/v1/channels, PATCH /api/v1/channels/{id}, DELETE /api/v1/channels/{id} (admin scope).
POST /api/v1/channels/{id}/messages {"to", "text"? | "template"?, "idempotency_key"?} -> 202,
  sent by a job once per idempotency key (the body's, or the Idempotency-Key header, else a
  fresh one, returned).
GET  /api/v1/channels/whatsapp/{key}  Meta's hub.challenge subscription check (verify token).
POST /api/v1/channels/whatsapp/{key}  X-Hub-Signature-256 required.
POST /api/v1/channels/telegram/{key}  X-Telegram-Bot-Api-Secret-Token required.
POST /api/v1/channels/sms/{key}       form-encoded (Twilio-style), X-Twilio-Signature required;
  answers empty TwiML.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from sada.channels import service
from sada.channels.models import ChannelAccount
from sada.channels.providers import PROVIDERS, WhatsApp
from sada.channels.tasks import SEND_JOB
from sada.core.errors import Forbidden, Invalid, NotFound
from sada.core.http import read_json_body
from sada.jobs.service import enqueue
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["channels"])
MAX_WEBHOOK_BYTES = 1024 * 1024


def _out(request: Request, account: ChannelAccount) -> dict[str, Any]:
    base = request.app.state.services.settings.base_url.rstrip("/")
    return {
        "id": account.id,
        "kind": account.kind,
        "name": account.name,
        "config": account.config,
        "secrets": sorted(account.secrets),  # names only: values are never shown back
        "webhook_url": f"{base}/api/v1/channels/{account.kind}/{account.key}",
    }


@router.post("/channels", status_code=201)
async def create_account(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    body = await read_json_body(request, 64 * 1024)
    if not isinstance(body, dict):
        raise Invalid('expected {"kind": "whatsapp" | "telegram" | "sms", "config", "secrets"}')
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        account = service.do_create_account(
            session,
            str(body.get("kind")),
            name=str(body.get("name") or ""),
            config=body.get("config"),
            secrets=body.get("secrets"),
        )
        return JSONResponse(_out(request, account), status_code=201)


@router.get("/channels")
def list_accounts(request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)) -> dict[str, Any]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return {"items": [_out(request, a) for a in service.list_accounts(session)]}


@router.patch("/channels/{account_id}")
async def update_account(
    request: Request, account_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> dict[str, Any]:
    body = await read_json_body(request, 64 * 1024)
    if not isinstance(body, dict):
        raise Invalid('expected {"name"?, "config"?, "secrets"?}')
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        account = service.do_update_account(
            session,
            account_id,
            name=body.get("name"),
            config=body.get("config"),
            secrets=body.get("secrets"),
        )
        return _out(request, account)


@router.delete("/channels/{account_id}", status_code=204)
def delete_account(
    request: Request, account_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> Response:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        service.do_delete_account(session, account_id)
    return Response(status_code=204)


@router.post("/channels/{account_id}/messages", status_code=202)
async def send_message(
    request: Request, account_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> JSONResponse:
    """Queue one outbound message (a job sends it, retrying with backoff)."""
    body = await read_json_body(request, 64 * 1024)
    if not isinstance(body, dict) or not isinstance(body.get("to"), str) or not body["to"]:
        raise Invalid('expected {"to": "...", "text": "..."} or {"to", "template": {...}}')
    text, template = body.get("text"), body.get("template")
    if not (isinstance(text, str) and text.strip()) and not isinstance(template, dict):
        raise Invalid("a message needs a text or a template")
    if isinstance(template, dict) and not template.get("name"):
        raise Invalid("template.name is required")
    given = body.get("idempotency_key", request.headers.get("idempotency-key"))
    if given is not None and (not isinstance(given, str) or not 0 < len(given) <= 150):
        raise Invalid("idempotency_key must be a text of 1 to 150 characters")
    idempotency_key = f"api:{given}" if given else f"api:{secrets.token_urlsafe(18)}"
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        account = service.access_account(session, account_id)
        enqueue(
            session,
            SEND_JOB,
            {
                "account_id": account.id,
                "to": body["to"],
                "text": text,
                "template": template,
                "idempotency_key": idempotency_key,
            },
            workspace_id=key.workspace_id,
            dedupe_key=f"chsend:{key.workspace_id}:{idempotency_key}",
        )
    return JSONResponse(
        {"status": "queued", "idempotency_key": idempotency_key.removeprefix("api:")},
        status_code=202,
    )


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise Invalid("webhook body too large")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise Invalid("webhook body too large")
    return body


def _account(request: Request, kind: str, key: str) -> ChannelAccount:
    with request.app.state.services.db.reader() as session:
        account = service.account_by_key(session, kind, key)
        if account is None:
            raise NotFound("no such channel webhook")
        session.expunge(account)
    return account


@router.get("/channels/whatsapp/{key}")
def whatsapp_challenge(request: Request, key: str) -> PlainTextResponse:
    """Meta's subscription check: echo hub.challenge when hub.verify_token matches."""
    account = _account(request, "whatsapp", key)
    provider = service.provider_for(account, request.app.state.services.settings)
    assert isinstance(provider, WhatsApp)
    challenge = provider.challenge(dict(request.query_params))
    if challenge is None:
        raise Forbidden("wrong verify token")
    return PlainTextResponse(challenge)


async def _inbound(request: Request, kind: str, key: str) -> dict[str, Any]:
    account = _account(request, kind, key)
    body = await _body(request)
    services = request.app.state.services
    headers = {k.lower(): v for k, v in request.headers.items()}
    result: dict[str, Any] = await run_in_threadpool(
        service.handle_webhook,
        services.db,
        services.settings,
        account,
        headers,
        body,
        request.url.query,
    )
    return result


@router.post("/channels/whatsapp/{key}")
async def whatsapp_webhook(request: Request, key: str) -> dict[str, Any]:
    return await _inbound(request, "whatsapp", key)


@router.post("/channels/telegram/{key}")
async def telegram_webhook(request: Request, key: str) -> dict[str, Any]:
    return await _inbound(request, "telegram", key)


@router.post("/channels/sms/{key}")
async def sms_webhook(request: Request, key: str) -> Response:
    """Incoming SMS and delivery status callbacks; the provider expects TwiML back."""
    await _inbound(request, "sms", key)
    ack = PROVIDERS["sms"].ack
    assert ack is not None
    return Response(ack[1], media_type=ack[0])
