"""Privacy rights over the API (admin keys): export and erase a person, retention, consent."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid
from sada.core.http import read_json_body
from sada.core.validation import field_errors
from sada.people import consent
from sada.privacy import erase, export, retention, service
from sada.tenants.auth import actor_for_key, scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["privacy"])


class EraseRequest(BaseModel):
    allow_return: bool = Field(
        False, description="let later events about the same identities create a new person"
    )


class ErasureOut(BaseModel):
    erasure_id: str
    counts: dict[str, int]
    suppressed_identities: int
    files_deleted: int


class RetentionIn(BaseModel):
    kind: retention.RetentionKind
    days: int = Field(..., ge=1, le=36500)
    action: retention.RetentionAction = retention.RetentionAction.DELETE


class RetentionOut(RetentionIn):
    last_run_at: str | None = None
    last_counts: dict[str, int] = {}


class PrivacySettings(BaseModel):
    allow_return: bool = Field(
        False, description="erased people may come back with their next event (no suppression)"
    )
    require_consent: list[consent.Purpose] = Field(
        default_factory=list,
        description="purposes that need a recorded consent before anyone is contacted",
    )
    webhook_pii: Literal["raw", "redacted"] = Field(
        "raw", description="whether webhook payloads carry personal data found in texts"
    )


class PrivacySettingsPatch(BaseModel):
    allow_return: bool | None = None
    require_consent: list[consent.Purpose] | None = None
    webhook_pii: Literal["raw", "redacted"] | None = None


class ConsentIn(BaseModel):
    channel: consent.Channel
    purpose: consent.Purpose
    granted: bool
    source: str = Field("api", max_length=100)


class ConsentOut(ConsentIn):
    at: str


async def _body(request: Request, model: type[BaseModel], *, optional: bool = False) -> Any:
    raw = await request.body()
    if optional and not raw.strip():
        return model()
    body = await read_json_body(request, 64 * 1024)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise Invalid(
            "invalid request",
            details=[{"path": p, "message": m} for p, m in field_errors("", exc)],
        ) from None


@router.get(
    "/people/{person_id}/export",
    summary="Everything held about a person (admin key)",
    responses={200: {"content": {"application/zip": {}}}},
)
def export_person(
    request: Request,
    person_id: int,
    format: str = Query("json", pattern="^(json|zip)$"),  # noqa: A002 - the API's word
    key: AuthenticatedKey = scoped(Scope.ADMIN),
) -> Response:
    actor = actor_for_key(request, key)
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        document = export.export_data(session, person_id)
        export.record_export(session, person_id, path=None, actor=actor, counts=document["counts"])
    if format == "zip":
        return Response(
            export.export_bytes(document, as_zip=True),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="person-{person_id}.zip"'},
        )
    return JSONResponse(document)


@router.post(
    "/people/{person_id:int}:erase",
    response_model=ErasureOut,
    summary="Erase a person everywhere (admin key)",
)
async def erase_person(
    request: Request, person_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> ErasureOut:
    body: EraseRequest = await _body(request, EraseRequest, optional=True)
    actor = actor_for_key(request, key)
    db = request.app.state.services.db

    def work() -> ErasureOut:
        with db.transaction(key.workspace_id) as session:
            erasure = erase.erase(session, person_id, actor=actor, allow_return=body.allow_return)
        erase.after_erasure(db)
        return ErasureOut(**erase.erasure_summary(erasure))

    return await run_in_threadpool(work)


@router.get("/privacy/settings", response_model=PrivacySettings, summary="Privacy settings")
def read_privacy_settings(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> PrivacySettings:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return PrivacySettings(**service.privacy_settings(session))


@router.patch(
    "/privacy/settings", response_model=PrivacySettings, summary="Change privacy settings"
)
async def change_privacy_settings(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> PrivacySettings:
    body: PrivacySettingsPatch = await _body(request, PrivacySettingsPatch)
    actor = actor_for_key(request, key)

    def work() -> PrivacySettings:
        with request.app.state.services.db.transaction(key.workspace_id) as session:
            out = service.set_privacy_settings(
                session,
                allow_return=body.allow_return,
                require_consent=[str(p) for p in body.require_consent]
                if body.require_consent is not None
                else None,
                webhook_pii=body.webhook_pii,
                actor=actor,
            )
        return PrivacySettings(**out)

    return await run_in_threadpool(work)


@router.get("/privacy/retention", response_model=list[RetentionOut], summary="Retention policies")
def list_retention(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> list[RetentionOut]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return [RetentionOut(**p) for p in retention.list_policies(session)]


@router.put("/privacy/retention", response_model=RetentionOut, summary="Set a retention policy")
async def set_retention(
    request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> RetentionOut:
    body: RetentionIn = await _body(request, RetentionIn)
    actor = actor_for_key(request, key)

    def work() -> RetentionOut:
        with request.app.state.services.db.transaction(key.workspace_id) as session:
            out = retention.set_policy(session, body.kind, body.days, body.action, actor=actor)
        return RetentionOut(**out)

    return await run_in_threadpool(work)


@router.delete("/privacy/retention/{kind}", status_code=204, summary="Remove a retention policy")
def delete_retention(
    request: Request, kind: retention.RetentionKind, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> Response:
    actor = actor_for_key(request, key)
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        retention.remove_policy(session, kind, actor=actor)
    return Response(status_code=204)


@router.get(
    "/people/{person_id}/consents", response_model=list[ConsentOut], summary="A person's consents"
)
def list_consents(
    request: Request, person_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> list[ConsentOut]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return [ConsentOut(**c) for c in consent.consents_of(session, person_id)]


@router.post(
    "/people/{person_id}/consents",
    response_model=ConsentOut,
    summary="Record a consent or its withdrawal",
)
async def record_consent(
    request: Request, person_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> ConsentOut:
    body: ConsentIn = await _body(request, ConsentIn)
    actor = actor_for_key(request, key)

    def work() -> ConsentOut:
        with request.app.state.services.db.transaction(key.workspace_id) as session:
            out = consent.record(
                session,
                person_id,
                body.channel,
                body.purpose,
                granted=body.granted,
                source=body.source,
                actor=actor,
            )
        return ConsentOut(**out)

    return await run_in_threadpool(work)
