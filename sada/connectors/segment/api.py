"""Segment-compatible endpoints: /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/screen.

The write key is the Sada API key (write scope), sent as the HTTP Basic user
name as Segment's SDKs do. messageId deduplicates.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sada.connectors.segment import service as segment
from sada.core.errors import Invalid, TooLarge, Unauthorized
from sada.core.http import fast_json, wants_wait
from sada.db.retry import retrying
from sada.interactions import inbox
from sada.interactions.service import ingest_batch
from sada.people.schemas import PersonRef
from sada.people.service import Resolver, parse_person
from sada.tenants.auth import access_api_key, actor_for_key
from sada.tenants.models import Scope

router = APIRouter(prefix="/v1", tags=["segment-compatible"])


def _write_key(request: Request, body: dict[str, Any] | None) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            user = base64.b64decode(value).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            raise Unauthorized("malformed Basic authorization header") from None
        if user:
            return user
    if scheme.lower() == "bearer" and value:
        return value.strip()
    if body and isinstance(body.get("writeKey"), str):
        return body["writeKey"]
    raise Unauthorized("missing write key: send it as the HTTP Basic user name")


async def _read(request: Request, limit: int) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("content-encoding", "").lower() == "gzip":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            raise Invalid("body is not valid gzip") from None
    if len(raw) > limit:
        raise TooLarge(
            f"request body is {len(raw):,} bytes; Segment's limit here is {limit:,} bytes"
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Invalid("body must be a JSON object")
    return body


def _split(
    messages: list[Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int], list[tuple[int, dict[str, Any]]]]:
    """Messages to (errors, interaction items, their positions, identify calls)."""
    errors: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    positions: list[int] = []
    identifies: list[tuple[int, dict[str, Any]]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            errors.append({"index": index, "message": "each message must be an object"})
            continue
        size = len(orjson.dumps(message))
        if size > segment.MAX_MESSAGE_BYTES:
            errors.append(
                {
                    "index": index,
                    "message": f"message is {size:,} bytes; limit {segment.MAX_MESSAGE_BYTES:,}",
                }
            )
            continue
        kind, item, error = segment.to_item(message)
        if error:
            errors.append({"index": index, "message": error})
        elif item is not None:
            items.append(item)
            positions.append(index)
        elif kind == "identify":
            identifies.append((index, message))
    return errors, items, positions, identifies


async def _handle(request: Request, messages: list[Any], body: dict[str, Any]) -> Response:
    services = request.app.state.services
    key = await run_in_threadpool(access_api_key, request, Scope.WRITE, _write_key(request, body))
    actor = actor_for_key(request, key)

    if not wants_wait(request):
        # Segment's own answer: its client libraries retry anything else. Invalid messages
        # are dropped here as Segment drops them; GET /api/v1/batches/{id} shows why.
        def accept() -> int | None:
            errors, items, positions, identifies = _split(messages)
            refs: list[tuple[int, dict[str, Any]]] = []
            for index, message in identifies:
                ref_data = segment.person_ref(message)
                if ref_data:
                    refs.append((index, ref_data))
            with services.db.transaction(key.workspace_id) as session:
                batch_id, _results = inbox.accept(
                    session,
                    items,
                    limits=services.ingest_limits,
                    actor=actor,
                    kind="segment",
                    positions=positions,
                    identify=refs,
                    source=segment.SOURCE,
                    path="batch",
                )
            return batch_id

        if await run_in_threadpool(retrying, accept) is not None:
            services.wake_jobs()
        return fast_json({"success": True})

    def work() -> dict[str, Any]:
        errors, items, positions, identifies = _split(messages)
        stored = duplicates = 0
        with services.db.transaction(key.workspace_id) as session:
            resolver = Resolver(session, actor=actor)
            for index, message in identifies:
                ref_data = segment.person_ref(message)
                if not ref_data:
                    errors.append({"index": index, "message": "userId or anonymousId is required"})
                    continue
                parsed = parse_person(
                    PersonRef.model_validate(ref_data),
                    path=f"batch[{index}]",
                    source=segment.SOURCE,
                )
                if parsed.errors:
                    errors.extend(
                        {"index": index, "message": f"{e.path}: {e.message}"} for e in parsed.errors
                    )
                    continue
                resolver.resolve(parsed)
            for result in ingest_batch(session, items, limits=services.ingest_limits, actor=actor):
                if result.status == "stored":
                    stored += 1
                elif result.status == "duplicate":
                    duplicates += 1
                else:
                    for err in result.errors:
                        errors.append(
                            {
                                "index": positions[result.index],
                                "message": f"{err.path}: {err.message}",
                            }
                        )
        services.wake_jobs()
        return {
            "success": not errors,
            "stored": stored,
            "duplicates": duplicates,
            "identified": len(identifies),
            "errors": errors,
        }

    result = await run_in_threadpool(retrying, work)
    nothing_good = bool(result["errors"]) and not (
        result["stored"] or result["duplicates"] or result["identified"]
    )
    return JSONResponse(result, status_code=400 if nothing_good else 200)


@router.post("/batch")
async def batch(request: Request) -> Response:
    body = await _read(request, segment.MAX_BATCH_BYTES)
    messages = body.get("batch")
    if not isinstance(messages, list):
        raise Invalid("expected {'batch': [...]}")
    context = body.get("context") if isinstance(body.get("context"), dict) else None
    if context:
        for message in messages:
            if isinstance(message, dict) and "context" not in message:
                message["context"] = context
    return await _handle(request, messages, body)


def _single(call_type: str) -> Any:
    async def endpoint(request: Request) -> Response:
        body = await _read(request, segment.MAX_MESSAGE_BYTES)
        body.setdefault("type", call_type)
        return await _handle(request, [body], body)

    endpoint.__name__ = f"segment_{call_type}"
    return endpoint


for _call in ("track", "identify", "page", "screen", "group", "alias"):
    router.add_api_route(f"/{_call}", _single(_call), methods=["POST"], name=f"segment_{_call}")
