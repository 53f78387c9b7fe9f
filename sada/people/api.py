"""HTTP routes for people: identify, get, search, merge and unmerge."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid
from sada.core.http import read_json_body
from sada.core.validation import field_errors, unsafe_json
from sada.db.retry import retrying
from sada.events import publish
from sada.people import merges, service
from sada.people.models import PersonMerge
from sada.people.schemas import (
    AudienceTypeIn,
    AudienceTypeOut,
    IdentifyRequest,
    IdentifyResult,
    MergeOut,
    PersonOut,
    PersonSummary,
)
from sada.tenants.auth import actor_for_key, scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["people"])


class PeoplePage(BaseModel):
    items: list[PersonSummary]


class MergeRequest(BaseModel):
    survivor_id: int
    merged_id: int
    reason: str = "merged by hand"


@router.post("/people:identify", response_model=IdentifyResult)
async def identify(
    request: Request, key: AuthenticatedKey = scoped(Scope.INGEST)
) -> IdentifyResult:
    services = request.app.state.services
    body = await read_json_body(request, 256 * 1024)
    unsafe = unsafe_json(body, "")
    if unsafe is not None:
        raise Invalid(unsafe[1], details=[{"path": unsafe[0], "message": unsafe[1]}])
    try:
        ref = IdentifyRequest.model_validate(body)
    except ValidationError as exc:
        raise Invalid(
            "invalid person", details=[{"path": p, "message": m} for p, m in field_errors("", exc)]
        ) from None
    actor = actor_for_key(request, key)

    def work() -> IdentifyResult:
        with services.db.transaction(key.workspace_id) as session:
            person_ref = service.PersonRef.model_validate(ref.model_dump(exclude={"source"}))
            parsed = service.parse_person(person_ref, path="", source=ref.source)
            if parsed.errors:
                raise Invalid(
                    "invalid identity",
                    details=[
                        {"path": e.path.lstrip("."), "message": e.message} for e in parsed.errors
                    ],
                )
            resolver = service.Resolver(session, actor=actor)
            if ref.audience:
                problem = resolver.check_audience(ref.audience)
                if problem:
                    raise Invalid(problem, details=[{"path": "audience", "message": problem}])
            resolution = resolver.resolve(parsed)
            if resolution.created is False:
                person = service.access_person(session, resolution.person_id)
                service.apply_profile(person, person_ref)
            # Segments follow people's profiles (sada.people.tasks).
            publish(session, "person.changed", {"person_ids": [resolution.person_id]})
        return IdentifyResult(
            person_id=resolution.person_id,
            created=resolution.created,
            merged_ids=resolution.merged_ids,
        )

    return await run_in_threadpool(retrying, work)


@router.get("/people", response_model=PeoplePage)
def search(
    request: Request,
    q: str | None = Query(None, max_length=200),
    audience: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> PeoplePage:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return PeoplePage(items=service.search_people(session, q, limit=limit, audience=audience))


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(
    request: Request, person_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> PersonOut:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        person = service.access_person(session, merges.live_person_id(session, person_id))
        return service.person_out(session, person)


@router.get("/people/{person_id}/merges", response_model=list[MergeOut])
def person_merges(
    request: Request, person_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> list[MergeOut]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        service.access_person(session, person_id)
        return [_merge_out(m) for m in merges.list_merges(session, person_id)]


@router.post("/people:merge", response_model=MergeOut)
def merge(
    request: Request, body: MergeRequest, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> MergeOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        record = merges.do_merge(
            session,
            body.survivor_id,
            body.merged_id,
            reason=body.reason,
            actor=actor_for_key(request, key),
        )
        return _merge_out(record)


@router.post("/merges/{merge_id}:undo", response_model=MergeOut)
def unmerge(
    request: Request, merge_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> MergeOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return _merge_out(merges.do_unmerge(session, merge_id, actor=actor_for_key(request, key)))


def _merge_out(record: PersonMerge) -> MergeOut:
    return MergeOut(
        id=record.id,
        survivor_id=record.survivor_id,
        merged_id=record.merged_id,
        reason=record.reason,
        created_at=record.created_at,
        undone_at=record.undone_at,
        moved_interactions=len(record.moved_interaction_ids or []),
    )


@router.get("/audience-types", response_model=list[AudienceTypeOut])
def audience_types(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[AudienceTypeOut]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return [
            AudienceTypeOut(key=k, label=label, builtin=b)
            for k, label, b in service.list_audience_types(session)
        ]


@router.put("/audience-types/{audience_key}", response_model=AudienceTypeOut)
def define_audience_type(
    request: Request,
    audience_key: str,
    body: AudienceTypeIn,
    key: AuthenticatedKey = scoped(Scope.ADMIN),
) -> AudienceTypeOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        row = service.do_define_audience_type(
            session, audience_key, body.label, actor=actor_for_key(request, key)
        )
        return AudienceTypeOut(key=row.key, label=row.label, builtin=False)
