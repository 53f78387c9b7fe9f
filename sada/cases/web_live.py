"""Live updates of an open conversation: a server-sent event stream of new messages, status
and who is typing (polled from the database once a second, so any node can serve it), and
the endpoint an agent's browser calls while they type.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from sada.cases.conversations import access_conversation
from sada.cases.models import (
    ConversationItem,
    InternalNote,
)
from sada.web.core import (
    PageRoute,
    checked_form,
    require,
    services,
)
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ---------------------------------------------------------------- live updates

SSE_SECONDS = 55.0  # one stream's life; the browser reconnects (retry: 1000)
SSE_POLL = 1.0
TYPING_SECONDS = 6.0


def _typing_board(request: Request) -> dict[tuple[int, int], dict[str, float]]:
    """Who is writing a reply where (this process's memory: a hint, never a lock)."""
    board = getattr(request.app.state, "inbox_typing", None)
    if board is None:
        board = {}
        request.app.state.inbox_typing = board
    return board


def _live_state(request: Request, me: SignedIn, conversation_id: int) -> dict[str, Any]:
    with services(request).db.reader(me.workspace_id) as session:
        conv = access_conversation(session, conversation_id)
        items, last_item = session.execute(
            select(func.count(), func.max(ConversationItem.id)).where(
                ConversationItem.conversation_id == conversation_id
            )
        ).one()
        notes = session.execute(
            select(func.count()).where(InternalNote.conversation_id == conversation_id)
        ).scalar_one()
        version = [
            int(items),
            int(last_item or 0),
            int(notes),
            conv.status,
            conv.assignee_id,
            conv.priority,
            sorted(conv.tags or []),
            conv.updated_at.isoformat() if conv.updated_at else None,
        ]
    now = time.monotonic()
    typing = sorted(
        name
        for name, at in _typing_board(request).get((me.workspace_id, conversation_id), {}).items()
        if name != me.label and now - at < TYPING_SECONDS
    )
    return {
        "version": hashlib.sha256(json.dumps(version).encode()).hexdigest()[:16],
        "typing": typing,
    }


@router.get("/inbox/{conversation_id}/events")
async def conversation_events(
    request: Request, conversation_id: int, me: SignedIn = Depends(require("inbox"))
) -> Response:
    """Server-sent events: the conversation changed (a message, a note, an assignment...), or
    a colleague is writing a reply; the page then refreshes its parts without a reload."""
    first = await run_in_threadpool(_live_state, request, me, conversation_id)

    async def stream() -> AsyncIterator[bytes]:
        state: dict[str, Any] | None = None
        data = first
        deadline = time.monotonic() + SSE_SECONDS
        yield b"retry: 1000\n\n"
        while True:
            if data != state:
                state = data
                yield f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
            if time.monotonic() > deadline or await request.is_disconnected():
                return
            await asyncio.sleep(SSE_POLL)
            data = await run_in_threadpool(_live_state, request, me, conversation_id)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/inbox/{conversation_id}/typing", status_code=204)
async def conversation_typing(
    request: Request, conversation_id: int, me: SignedIn = Depends(require("inbox.work"))
) -> Response:
    """An agent is writing a reply here: colleagues on the same page see a collision warning."""
    await checked_form(request)
    with services(request).db.reader(me.workspace_id) as session:
        access_conversation(session, conversation_id)
    board = _typing_board(request)
    now = time.monotonic()
    for key in [k for k, v in board.items() if all(now - at > TYPING_SECONDS for at in v.values())]:
        board.pop(key, None)
    board.setdefault((me.workspace_id, conversation_id), {})[me.label] = now
    return Response(status_code=204)
