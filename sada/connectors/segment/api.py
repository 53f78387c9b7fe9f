"""Segment-compatible endpoints: /v1/batch, /v1/track, /identify, /page, /screen, /group, /alias.

The write key is a Sada *ingest* key (`sada apikey create --scope ingest`), sent as the HTTP
Basic user name as Segment's SDKs do (or as `writeKey` in the body); a key in a header is
checked before the body is read, and a gzip body is inflated within the limit. messageId
deduplicates when present. identify resolves the person, group upserts the account and
links the person, alias merges the two profiles (audited, reversible), track/page/screen
become interactions with their context. Limits: 32 KB a message, 500 KB a batch, any
number of messages within that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sada.connectors import accounts
from sada.connectors.segment import service as segment
from sada.core.errors import Invalid, Unauthorized
from sada.core.http import fast_json, read_body, wants_wait
from sada.core.validation import unsafe_json
from sada.db.retry import retrying
from sada.interactions import inbox
from sada.interactions.ingest import ingest_batch
from sada.people.schemas import PersonRef
from sada.people.service import SUPPRESSED_MESSAGE, Resolver, parse_person
from sada.tenants.auth import access_api_key, actor_for_key, scoped_header_or_body
from sada.tenants.models import Scope, Workspace
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/v1", tags=["segment-compatible"])

# Calls that change people or accounts directly (not interactions): applied in the request.
_DIRECT = ("identify", "alias", "group")


async def _read(request: Request, limit: int) -> dict[str, Any]:
    """The body, read within `limit` bytes; a gzip body is inflated incrementally and never
    past `limit`. The key in a header has been checked already (see `scoped_header_or_body`)."""
    raw = await read_body(request, limit)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Invalid("body must be a JSON object")
    return body


def _ref(message: dict[str, Any], index: int, errors: list[dict[str, Any]]) -> Any:
    """The parsed person of a message, or None (an error is recorded)."""
    ref_data = segment.person_ref(message)
    if not ref_data:
        errors.append({"index": index, "message": "userId or anonymousId is required"})
        return None
    parsed = parse_person(
        PersonRef.model_validate(ref_data), path=f"batch[{index}]", source=segment.SOURCE
    )
    if parsed.errors:
        errors.extend({"index": index, "message": f"{e.path}: {e.message}"} for e in parsed.errors)
        return None
    return parsed


async def _handle(
    request: Request,
    messages: list[Any],
    body: dict[str, Any],
    key: AuthenticatedKey | None,
    sent_at: Any = None,
) -> Response:
    services = request.app.state.services
    if key is None:
        if not isinstance(body.get("writeKey"), str):
            raise Unauthorized("missing write key: send it as the HTTP Basic user name")
        key = await run_in_threadpool(access_api_key, request, Scope.INGEST, body["writeKey"])
    actor = actor_for_key(request, key)
    received_at = datetime.now(UTC)
    batch_sent_at = segment.parse_time(sent_at)
    wait = wants_wait(request)
    events_only = all(
        isinstance(m, dict) and str(m.get("type") or "").lower() not in _DIRECT for m in messages
    )

    if not wait and events_only:
        # The bulk of Segment traffic (track/page/screen): validated, written to the ingest
        # inbox in one short transaction and applied by the job runner. Invalid messages are
        # dropped as Segment drops them (GET /api/v1/batches/{id} shows why).
        def accept() -> bool:
            with services.db.transaction(key.workspace_id) as session:
                workspace = session.get(Workspace, key.workspace_id)
                keep_ip = bool(workspace is not None and (workspace.settings or {}).get("keep_ip"))
                items: list[dict[str, Any]] = []
                positions: list[int] = []
                for index, message in enumerate(messages):
                    if len(orjson.dumps(message)) > segment.MAX_MESSAGE_BYTES:
                        continue
                    _kind, item, error = segment.to_item(
                        message, received_at=received_at, sent_at=batch_sent_at, keep_ip=keep_ip
                    )
                    if item is not None and not error:
                        items.append(item)
                        positions.append(index)
                step = services.ingest_limits.max_items
                accepted = False
                for start in range(0, len(items), step):
                    batch_id, _results = inbox.accept(
                        session,
                        items[start : start + step],
                        limits=services.ingest_limits,
                        actor=actor,
                        kind="segment",
                        positions=positions[start : start + step],
                        source=segment.SOURCE,
                        path="batch",
                    )
                    accepted = accepted or batch_id is not None
                return accepted

        if await run_in_threadpool(retrying, accept):
            services.wake_jobs()
        return fast_json({"success": True})

    def work() -> dict[str, Any]:
        errors: list[dict[str, Any]] = []
        calls: dict[str, list[tuple[int, dict[str, Any]]]] = {
            "identify": [],
            "alias": [],
            "group": [],
            "event": [],
        }
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                errors.append({"index": index, "message": "each message must be an object"})
                continue
            unsafe = unsafe_json(message, "")
            if unsafe is not None:
                errors.append({"index": index, "message": f"{unsafe[0]}: {unsafe[1]}"})
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
            kind = str(message.get("type") or "").lower()
            calls[kind if kind in calls else "event"].append((index, message))
        counts = {"stored": 0, "duplicates": 0, "identified": 0, "grouped": 0, "aliased": 0}
        with services.db.transaction(key.workspace_id) as session:
            workspace = session.get(Workspace, key.workspace_id)
            keep_ip = bool(workspace is not None and (workspace.settings or {}).get("keep_ip"))
            resolver = Resolver(session, actor=actor)
            for index, message in calls["identify"]:
                parsed = _ref(message, index, errors)
                if parsed is None:
                    continue
                if resolver.is_suppressed(parsed):
                    errors.append({"index": index, "message": SUPPRESSED_MESSAGE})
                    continue
                person_id = resolver.resolve(parsed).person_id
                counts["identified"] += 1
                traits = message.get("traits")
                company = traits.get("company") if isinstance(traits, dict) else None
                if isinstance(company, dict) and company.get("id") not in (None, ""):
                    account = accounts.do_upsert_account(
                        session, segment.SOURCE, str(company["id"]), company
                    )
                    accounts.do_link_member(session, account, person_id)
            for index, message in calls["alias"]:
                error = segment.do_alias(session, message, actor=actor)
                if error:
                    errors.append({"index": index, "message": error})
                else:
                    counts["aliased"] += 1
            resolver = Resolver(session, actor=actor)  # merges above changed who owns what
            for index, message in calls["group"]:
                group_id = message.get("groupId")
                if not isinstance(group_id, str | int) or group_id == "":
                    errors.append({"index": index, "message": "group calls need a groupId"})
                    continue
                parsed = _ref(message, index, errors)
                if parsed is None:
                    continue
                if resolver.is_suppressed(parsed):
                    errors.append({"index": index, "message": SUPPRESSED_MESSAGE})
                    continue
                traits = message.get("traits")
                account = accounts.do_upsert_account(
                    session,
                    segment.SOURCE,
                    str(group_id),
                    traits if isinstance(traits, dict) else None,
                )
                accounts.do_link_member(session, account, resolver.resolve(parsed).person_id)
                counts["grouped"] += 1
            items: list[dict[str, Any]] = []
            positions: list[int] = []
            for index, message in calls["event"]:
                _kind, item, error = segment.to_item(
                    message, received_at=received_at, sent_at=batch_sent_at, keep_ip=keep_ip
                )
                if error or item is None:
                    errors.append({"index": index, "message": error or "not understood"})
                    continue
                items.append(item)
                positions.append(index)
            # Segment limits bytes, not events: any number of events within 500 KB.
            step = services.ingest_limits.max_items
            for start in range(0, len(items), step):
                chunk = items[start : start + step]
                results = ingest_batch(session, chunk, limits=services.ingest_limits, actor=actor)
                for result in results:
                    if result.status == "stored":
                        counts["stored"] += 1
                    elif result.status == "duplicate":
                        counts["duplicates"] += 1
                    else:
                        for err in result.errors:
                            errors.append(
                                {
                                    "index": positions[start + result.index],
                                    "message": f"{err.path}: {err.message}",
                                }
                            )
        services.wake_jobs()
        errors.sort(key=lambda e: int(e["index"]))
        return {"success": not errors, **counts, "errors": errors}

    def in_order() -> dict[str, Any]:
        # Events this workspace sent before (still in the inbox) take effect first, so an
        # identify/alias/group never overtakes the track calls that preceded it.
        inbox.apply_pending(services.db, key.workspace_id, services.ingest_limits)
        return work()

    result = await run_in_threadpool(retrying, in_order)
    if not wait:
        # Segment's own answer: its client libraries treat anything else as a failure.
        return fast_json({"success": True})
    nothing_good = bool(result["errors"]) and not any(
        result[k] for k in ("stored", "duplicates", "identified", "grouped", "aliased")
    )
    return JSONResponse(result, status_code=400 if nothing_good else 200)


@router.post("/batch")
async def batch(
    request: Request, key: AuthenticatedKey | None = scoped_header_or_body(Scope.INGEST)
) -> Response:
    body = await _read(request, segment.MAX_BATCH_BYTES)
    messages = body.get("batch")
    if not isinstance(messages, list):
        raise Invalid("expected {'batch': [...]}")
    context = body.get("context") if isinstance(body.get("context"), dict) else None
    if context:
        for message in messages:
            if isinstance(message, dict) and "context" not in message:
                message["context"] = context
    return await _handle(request, messages, body, key, body.get("sentAt"))


def _single(call_type: str) -> Any:
    async def endpoint(
        request: Request, key: AuthenticatedKey | None = scoped_header_or_body(Scope.INGEST)
    ) -> Response:
        body = await _read(request, segment.MAX_MESSAGE_BYTES)
        body.setdefault("type", call_type)
        return await _handle(request, [body], body, key, body.get("sentAt"))

    endpoint.__name__ = f"segment_{call_type}"
    return endpoint


for _call in ("track", "identify", "page", "screen", "group", "alias"):
    router.add_api_route(f"/{_call}", _single(_call), methods=["POST"], name=f"segment_{_call}")
