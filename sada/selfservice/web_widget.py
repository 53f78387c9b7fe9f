"""The web chat: `/widget.js` (the launcher a site embeds), the chat frame Sada serves, and
the chat's JSON endpoints with live updates over server-sent events.

Public by design: a chat is addressed by its unguessable token, requests must be JSON from
Sada's own frame (a browser's cross-site form cannot send that; an Origin other than Sada's
is refused), and each address is rate-limited. The frame may be embedded by any site, or
only by the origins the workspace lists (CSP `frame-ancestors`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Forbidden, Invalid
from sada.core.http import read_json_body
from sada.selfservice import chat
from sada.selfservice import config as ss_config
from sada.selfservice.web_public import STATIC, asset_url, help_base, public_limit, workspace_named
from sada.tenants.models import Workspace
from sada.web.core import Page, render
from sada.web.i18n import Formatter

router = APIRouter(include_in_schema=False)
SSE_SECONDS = 60.0
SSE_POLL = 0.4
FRAME_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {ancestors}"
)


@router.get("/widget.js")
def widget_js() -> Response:
    return Response(
        (STATIC / "widget.js").read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/help/{workspace}/widget")
def widget_frame(request: Request, workspace: str) -> HTMLResponse:
    public_limit(request, 0.2)
    ws = workspace_named(request, workspace)
    lang = request.query_params.get("lang", "en")
    lang = lang if lang in ("ar", "fa", "zh", "en") else "en"
    with request.app.state.services.db.reader(ws.id) as session:
        row = ss_config.read_settings(session)
        origins = list(row.allowed_origins or []) if row else []
    p = Page(request=request, user=None, lang=lang, fmt=Formatter(lang=lang))
    response = render(
        p,
        "selfservice/widget_frame.html",
        ws=ws,
        base=help_base(ws),
        asset=asset_url,
        page_url=request.query_params.get("page", "")[:1000],
        site_title=ws.display_name or ws.name,
    )
    ancestors = " ".join(origins) if origins else "*"
    response.headers["Content-Security-Policy"] = FRAME_CSP.format(ancestors=ancestors)
    return response


def _check_request(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise Forbidden("chat requests come from Sada's chat frame only")
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise Invalid("send JSON (Content-Type: application/json)")


async def _body(request: Request) -> dict[str, Any]:
    _check_request(request)
    public_limit(request)
    body = await read_json_body(request, 20_000)
    if not isinstance(body, dict):
        raise Invalid("expected a JSON object")
    return body


def _answer(chat_row: Any, messages: list[Any]) -> dict[str, Any]:
    return {"chat": chat.chat_out(chat_row), "messages": [chat.message_out(m) for m in messages]}


def _assistant(request: Request, session: Any, ws: Workspace) -> Any:
    row = ss_config.read_settings(session)
    allowed = request.app.state.services.settings.assistant_allowed_hosts
    return ss_config.assistant_config(row, allowed, ws.name)


@router.post("/help/{workspace}/chat")
async def start_chat(request: Request, workspace: str) -> dict[str, Any]:
    body = await _body(request)
    ws = workspace_named(request, workspace)
    services = request.app.state.services

    def work() -> dict[str, Any]:
        with services.db.transaction(ws.id) as session:
            secret = ss_config.settings_of(session).widget_secret
            identity = body.get("identity") if isinstance(body.get("identity"), dict) else None
            row = chat.start(
                session,
                lang=str(body.get("lang") or "en"),
                secret=secret,
                page_url=str(body.get("page_url") or "") or None,
                identity=identity,
            )
            return _answer(row, [])

    return await run_in_threadpool(work)


async def _act(request: Request, workspace: str, token: str, action: str) -> dict[str, Any]:
    body = await _body(request)
    ws = workspace_named(request, workspace)
    services = request.app.state.services

    def work() -> dict[str, Any]:
        with services.db.transaction(ws.id) as session:
            row = chat.access_chat(session, token)
            before = max([m.id for m in chat.messages_after(session, row, 0)] or [0])
            if action == "message":
                chat.post(
                    session, row, str(body.get("text") or ""), _assistant(request, session, ws)
                )
            elif action == "person":
                chat.request_person(session, row)
            elif action == "contact":
                chat.leave_contact(
                    session,
                    row,
                    email=str(body.get("email") or ""),
                    phone=str(body.get("phone") or ""),
                    text=str(body.get("text") or ""),
                )
            elif action == "rating":
                try:
                    score = int(body.get("score"))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    score = 0
                chat.rate(session, row, score, str(body.get("comment") or ""))
            elif action == "end":
                chat.end(session, row)
            return _answer(row, chat.messages_after(session, row, before))

    result = await run_in_threadpool(work)
    services.wake_jobs()
    return result


@router.post("/help/{workspace}/chat/{token}/messages")
async def chat_message(request: Request, workspace: str, token: str) -> dict[str, Any]:
    return await _act(request, workspace, token, "message")


@router.post("/help/{workspace}/chat/{token}/person")
async def chat_person(request: Request, workspace: str, token: str) -> dict[str, Any]:
    return await _act(request, workspace, token, "person")


@router.post("/help/{workspace}/chat/{token}/contact")
async def chat_contact(request: Request, workspace: str, token: str) -> dict[str, Any]:
    return await _act(request, workspace, token, "contact")


@router.post("/help/{workspace}/chat/{token}/rating")
async def chat_rating(request: Request, workspace: str, token: str) -> dict[str, Any]:
    return await _act(request, workspace, token, "rating")


@router.post("/help/{workspace}/chat/{token}/end")
async def chat_end(request: Request, workspace: str, token: str) -> dict[str, Any]:
    return await _act(request, workspace, token, "end")


def _read(request: Request, ws: Workspace, token: str, after: int) -> dict[str, Any]:
    with request.app.state.services.db.reader(ws.id) as session:
        row = chat.access_chat(session, token)
        return _answer(row, chat.messages_after(session, row, after))


@router.get("/help/{workspace}/chat/{token}/messages")
async def chat_messages(request: Request, workspace: str, token: str, after: int = 0) -> Any:
    public_limit(request, 0.5)
    ws = workspace_named(request, workspace)
    return await run_in_threadpool(_read, request, ws, token, max(0, after))


@router.get("/help/{workspace}/chat/{token}/events")
async def chat_events(request: Request, workspace: str, token: str, after: int = 0) -> Response:
    """Server-sent events: new lines of the chat and its status, as they happen."""
    public_limit(request, 0.5)
    ws = workspace_named(request, workspace)
    resume = request.headers.get("last-event-id", "")
    start = int(resume) if resume.isdigit() else max(0, after)
    first = await run_in_threadpool(_read, request, ws, token, start)

    async def stream() -> AsyncIterator[bytes]:
        last = start
        status = None
        data = first
        deadline = time.monotonic() + SSE_SECONDS
        yield b"retry: 1000\n\n"
        while True:
            messages = data["messages"]
            if messages or data["chat"]["status"] != status:
                status = data["chat"]["status"]
                if messages:
                    last = max(int(m["id"]) for m in messages)
                payload = json.dumps(data, ensure_ascii=False)
                yield f"id: {last}\ndata: {payload}\n\n".encode()
            if time.monotonic() > deadline or await request.is_disconnected():
                return
            await asyncio.sleep(SSE_POLL)
            data = await run_in_threadpool(_read, request, ws, token, last)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
