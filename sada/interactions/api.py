"""HTTP routes of the interaction log. Thin: parse, authorize, call the service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid
from sada.core.http import fast_json, read_json_body, wants_wait
from sada.db.retry import retrying
from sada.interactions import inbox, ingest, service
from sada.interactions.models import Touchpoint
from sada.interactions.schemas import (
    BatchAccepted,
    BatchResult,
    BatchStatus,
    InteractionOut,
    TimelinePage,
)
from sada.people.merges import live_person_id
from sada.people.service import access_person
from sada.tenants.auth import actor_for_key, scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey, record_audit

router = APIRouter(prefix="/api/v1", tags=["interactions"])


@router.post(
    "/interactions:batch",
    response_model=BatchAccepted,
    status_code=202,
    responses={
        200: {"model": BatchResult, "description": "with ?wait=true: stored, with ids"},
        207: {"model": BatchResult, "description": "with ?wait=true: some items were rejected"},
        422: {"description": "every item was rejected"},
    },
    summary="Ingest up to 1,000 interactions; each item gets its own result",
    description="Validates, stores the accepted items durably and answers 202 with a batch id "
    "and `accepted`/`rejected` per item; the items are applied shortly after (see "
    "`GET /api/v1/batches/{id}`). `?wait=true` (or `Prefer: wait`) applies them before "
    "answering and returns ids.",
)
async def ingest_interactions(
    request: Request, key: AuthenticatedKey = scoped(Scope.INGEST)
) -> Response:
    services = request.app.state.services
    body = await read_json_body(request, services.settings.max_body_bytes)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise Invalid('expected a JSON object {"items": [...]}')
    unknown = sorted(set(body) - {"items"})
    if unknown:
        raise Invalid(f"unknown top-level field(s): {', '.join(unknown)}")
    actor = actor_for_key(request, key)

    if not wants_wait(request):

        def accept() -> tuple[int | None, list[dict[str, Any]]]:
            with services.db.transaction(key.workspace_id) as session:
                return inbox.accept(
                    session, body["items"], limits=services.ingest_limits, actor=actor
                )

        batch_id, results = await run_in_threadpool(retrying, accept)
        if batch_id is not None:
            services.wake_jobs()
        accepted = sum(r["status"] == "accepted" for r in results)
        answer = {
            "batch_id": batch_id,
            "accepted": accepted,
            "rejected": len(results) - accepted,
            "results": results,
        }
        return fast_json(answer, status_code=202 if batch_id is not None else 422)

    def work() -> BatchResult:
        if not services.db.is_sqlite:
            # New people in a short transaction first: concurrent requests naming the same
            # new people then wait for that, not for each other's whole batch. (SQLite has
            # one writer at a time: a second transaction would only cost.)
            with services.db.transaction(key.workspace_id) as session:
                ingest.create_new_people(
                    session, body["items"], limits=services.ingest_limits, actor=actor
                )
        with services.db.transaction(key.workspace_id) as session:
            results = ingest.ingest_batch(
                session, body["items"], limits=services.ingest_limits, actor=actor
            )
        services.wake_jobs()
        return BatchResult(
            results=results,
            stored=sum(r.status == "stored" for r in results),
            duplicates=sum(r.status == "duplicate" for r in results),
            rejected=sum(r.status == "rejected" for r in results),
        )

    result = await run_in_threadpool(retrying, work)
    status = 207 if result.rejected and (result.stored or result.duplicates) else 200
    if result.rejected and not (result.stored or result.duplicates):
        status = 422
    return fast_json(result.model_dump(mode="json"), status_code=status)


@router.get("/batches/{batch_id}", response_model=BatchStatus)
def get_batch(
    request: Request, batch_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> Response:
    """An ingest batch: `pending` (items `accepted`) or `applied` (`applied`/`duplicate`/...)."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return fast_json(inbox.batch_status(session, batch_id))


@router.get("/interactions/{interaction_id}", response_model=InteractionOut)
def get_interaction(
    request: Request, interaction_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> InteractionOut:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        row = service.get_interaction(session, interaction_id)
        if row is None:
            from sada.core.errors import NotFound

            raise NotFound(f"no interaction {interaction_id}")
        return service.with_views(session, service.interactions_out(session, [row]))[0]


@router.get("/people/{person_id}/timeline", response_model=TimelinePage)
def person_timeline(
    request: Request,
    person_id: int,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    channel: list[str] | None = Query(None),
    type: list[str] | None = Query(None),  # noqa: A002 - the API's field name
    since: datetime | None = None,
    until: datetime | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> TimelinePage:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{name} needs a UTC offset, e.g. 2026-01-01T00:00:00Z")
    with request.app.state.services.db.reader(key.workspace_id) as session:
        access_person(session, person_id)
        live_id = live_person_id(session, person_id)
        items, next_cursor = service.timeline(
            session,
            live_id,
            limit=limit,
            cursor=cursor,
            channels=channel,
            types=type,
            since=since,
            until=until,
        )
        items = service.with_views(session, items)
    return TimelinePage(items=items, next_cursor=next_cursor)


# ---------------------------------------------------------------- touchpoints


class TouchpointIn(BaseModel):
    key: str = Field(min_length=1, max_length=100)
    label: str = Field(default="", max_length=200)
    channel: str | None = None
    description: str = ""


class TouchpointOut(TouchpointIn):
    id: int


@router.get("/touchpoints", response_model=list[TouchpointOut])
def touchpoints(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[TouchpointOut]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return [
            TouchpointOut(
                id=t.id, key=t.key, label=t.label, channel=t.channel, description=t.description
            )
            for t in service.list_touchpoints(session)
        ]


@router.put("/touchpoints/{key_name}", response_model=TouchpointOut)
def upsert_touchpoint(
    request: Request, key_name: str, body: TouchpointIn, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> TouchpointOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        row = session.execute(
            select(Touchpoint).where(Touchpoint.key == key_name.lower())
        ).scalar_one_or_none()
        if row is None:
            row = Touchpoint(key=key_name.lower())
            session.add(row)
        row.label, row.channel, row.description = (
            body.label or key_name,
            body.channel,
            body.description,
        )
        session.flush()
        record_audit(
            session,
            actor_for_key(request, key),
            "touchpoint.upsert",
            "touchpoint",
            row.id,
            {"key": row.key},
        )
        return TouchpointOut(
            id=row.id,
            key=row.key,
            label=row.label,
            channel=row.channel,
            description=row.description,
        )
