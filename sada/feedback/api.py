"""JSON API: surveys CRUD, distribution, triggers, responses, exports and metrics.

Thin: authenticate, parse, call `sada.feedback.service` / `sada.metrics.service`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from sada.core.errors import Invalid
from sada.core.http import read_json_body
from sada.feedback import exports, invitations, service
from sada.feedback.models import SurveyTrigger
from sada.feedback.schemas import (
    DistributeIn,
    InvitationOut,
    ResponseOut,
    SegmentInviteIn,
    SegmentInviteOut,
    SurveyOut,
    SurveyPatch,
    TriggerIn,
    TriggerOut,
)
from sada.metrics.service import MetricFilter, compare_filters, funnel, summarize
from sada.tenants.auth import actor_for_key, scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["surveys"])

MAX_SURVEY_BYTES = 1024 * 1024


def _services(request: Request) -> Any:
    return request.app.state.services


def _parse(model: Any, raw: Any) -> Any:
    from pydantic import ValidationError

    from sada.core.validation import field_errors

    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Invalid(
            "invalid request",
            details=[{"path": p, "message": m} for p, m in field_errors("", exc)],
        ) from None


# ---------------------------------------------------------------- surveys


@router.post("/surveys", response_model=SurveyOut, status_code=201)
async def create_survey(
    request: Request, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    data = service.parse_survey_in(await read_json_body(request, MAX_SURVEY_BYTES))
    services = _services(request)
    with services.db.transaction(key.workspace_id) as session:
        survey = service.do_create_survey(session, data, actor=actor_for_key(request, key))
        out = service.survey_out(session, survey, services.settings.base_url)
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.get("/surveys", response_model=list[SurveyOut])
def list_surveys(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[SurveyOut]:
    services = _services(request)
    with services.db.reader(key.workspace_id) as session:
        return [
            service.survey_out(session, s, services.settings.base_url)
            for s in service.list_surveys(session)
        ]


@router.get("/surveys/{survey_id}", response_model=SurveyOut)
def get_survey(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> SurveyOut:
    services = _services(request)
    with services.db.reader(key.workspace_id) as session:
        survey = service.access_survey(session, survey_id)
        return service.survey_out(session, survey, services.settings.base_url)


@router.patch("/surveys/{survey_id}", response_model=SurveyOut)
async def update_survey(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> SurveyOut:
    patch = _parse(SurveyPatch, await read_json_body(request, MAX_SURVEY_BYTES))
    services = _services(request)
    with services.db.transaction(key.workspace_id) as session:
        survey = service.do_update_survey(
            session, survey_id, patch, actor=actor_for_key(request, key)
        )
        return service.survey_out(session, survey, services.settings.base_url)


@router.delete("/surveys/{survey_id}", status_code=204)
def delete_survey(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> Response:
    with _services(request).db.transaction(key.workspace_id) as session:
        service.do_delete_survey(session, survey_id, actor=actor_for_key(request, key))
    return Response(status_code=204)


# ---------------------------------------------------------------- distribution


@router.post("/surveys/{survey_id}/invitations", response_model=list[InvitationOut])
async def distribute(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.REPLY)
) -> list[InvitationOut]:
    """Create personal invitations (and send them by email unless send_email is false)."""
    body = _parse(DistributeIn, await read_json_body(request, MAX_SURVEY_BYTES))
    services = _services(request)
    settings = services.settings
    with services.db.transaction(key.workspace_id) as session:
        survey = service.access_survey(session, survey_id)
        out = invitations.do_create_invitations(
            session,
            survey,
            body.recipients,
            secret=settings.secret_key,
            base_url=settings.base_url,
            send_email=body.send_email,
            expires_in_days=body.expires_in_days,
            contact_days_default=settings.survey_contact_days,
        )
    services.wake_jobs()
    return out


@router.post("/surveys/{survey_id}/segment-invitations", response_model=SegmentInviteOut)
async def distribute_to_segment(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.REPLY)
) -> Any:
    """Invite the members of a segment on one channel (email by default).

    Only members who may be reached on that channel are invited (consent, opt-outs, the
    contact-frequency rule and the survey's throttle apply), each in their language; members
    with a live invitation to this survey are not invited again, so re-sending is safe.
    A segment of more than 300 members is sent by a job: the answer is 202 with
    `queued: true`, and the invitations list fills as it goes.
    """
    body = _parse(SegmentInviteIn, await read_json_body(request, 64 * 1024))
    services = _services(request)
    settings = services.settings
    with services.db.transaction(key.workspace_id) as session:
        survey = service.access_survey(session, survey_id)
        sent, queued = invitations.send_to_segment(
            session,
            survey,
            body.segment,
            channel=body.channel,
            secret=settings.secret_key,
            requested_by=f"segment:{body.segment}",
            contact_days_default=settings.survey_contact_days,
        )
    services.wake_jobs()
    out = SegmentInviteOut(
        segment=sent.segment,
        channel=body.channel,
        members=sent.members,
        invited=sent.invited,
        already_invited=sent.already,
        skipped=sent.skipped,
        queued=queued,
    )
    if queued:
        return JSONResponse(out.model_dump(), status_code=202)
    return out


@router.get("/surveys/{survey_id}/invitations", response_model=list[InvitationOut])
def list_survey_invitations(
    request: Request,
    survey_id: int,
    status: str | None = Query(None, max_length=16, description="pending, sent, unreachable, ..."),
    limit: int = Query(100, ge=1, le=1000),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> list[InvitationOut]:
    """Every request to send this survey, newest first: sent, or why not (unreachable,
    throttled, unsubscribed), with who asked (api, rule:ID, trigger:ID)."""
    with _services(request).db.reader(key.workspace_id) as session:
        service.access_survey(session, survey_id)
        return [
            InvitationOut(
                id=row.id,
                person_id=row.person_id,
                email=row.email,
                status=row.status,
                language=row.language,
                reason=row.reason,
                channel=row.channel,
                requested_by=row.requested_by,
                created_at=row.created_at,
                sent_at=row.sent_at,
            )
            for row in invitations.list_invitations(session, survey_id, status=status, limit=limit)
        ]


@router.post("/surveys/{survey_id}/triggers", response_model=TriggerOut, status_code=201)
async def create_trigger(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> TriggerOut:
    body = _parse(TriggerIn, await read_json_body(request, 64 * 1024))
    with _services(request).db.transaction(key.workspace_id) as session:
        service.access_survey(session, survey_id)
        trigger = SurveyTrigger(
            survey_id=survey_id,
            name=body.name,
            event=body.event,
            conditions=body.conditions,
            delay_seconds=body.delay_seconds,
            active=body.active,
        )
        session.add(trigger)
        session.flush()
        return TriggerOut(id=trigger.id, survey_id=survey_id, **body.model_dump())


@router.get("/surveys/{survey_id}/triggers", response_model=list[TriggerOut])
def list_triggers(
    request: Request, survey_id: int, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[TriggerOut]:
    with _services(request).db.reader(key.workspace_id) as session:
        service.access_survey(session, survey_id)
        rows = session.execute(
            select(SurveyTrigger).where(SurveyTrigger.survey_id == survey_id)
        ).scalars()
        return [
            TriggerOut(
                id=t.id,
                survey_id=t.survey_id,
                name=t.name,
                event=t.event,
                conditions=t.conditions,
                delay_seconds=t.delay_seconds,
                active=t.active,
            )
            for t in rows
        ]


# ---------------------------------------------------------------- responses


def _response_query(
    survey_id: int | None,
    status: str | None,
    person_id: int | None,
    language: str | None,
    segment: str | None,
    channel: str | None,
    touchpoint: str | None,
    since: datetime | None,
    until: datetime | None,
    min_score: float | None,
    max_score: float | None,
    metric: str | None,
    limit: int,
    cursor: int | None,
) -> service.ResponseQuery:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{name} needs a UTC offset, e.g. 2026-01-01T00:00:00Z")
    return service.ResponseQuery(
        survey_id=survey_id,
        status=status,
        person_id=person_id,
        language=language,
        segment=segment,
        channel=channel,
        touchpoint=touchpoint,
        since=since,
        until=until,
        min_score=min_score,
        max_score=max_score,
        metric=metric,
        limit=limit,
        cursor=cursor,
    )


@router.get("/responses")
def list_responses(
    request: Request,
    survey_id: int | None = None,
    status: str | None = Query(None, pattern="^(partial|completed)$"),
    person_id: int | None = None,
    language: str | None = None,
    segment: str | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    metric: str | None = Query(None, pattern="^(nps|enps|csat|ces)$"),
    limit: int = Query(50, ge=1, le=500),
    cursor: int | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    q = _response_query(
        survey_id,
        status,
        person_id,
        language,
        segment,
        channel,
        touchpoint,
        since,
        until,
        min_score,
        max_score,
        metric,
        limit,
        cursor,
    )
    with _services(request).db.reader(key.workspace_id) as session:
        rows, next_cursor = service.list_responses(session, q)
        items = [service.response_out(session, r).model_dump(mode="json") for r in rows]
    return {"items": items, "next_cursor": next_cursor}


@router.get("/responses/{response_id}", response_model=ResponseOut)
def get_response(
    request: Request, response_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> ResponseOut:
    with _services(request).db.reader(key.workspace_id) as session:
        return service.response_out(session, service.access_response(session, response_id))


@router.delete("/responses/{response_id}", status_code=204)
def delete_response(
    request: Request, response_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> Response:
    with _services(request).db.transaction(key.workspace_id) as session:
        service.do_delete_response(session, response_id, actor=actor_for_key(request, key))
    return Response(status_code=204)


@router.get("/surveys/{survey_id}/responses/export")
def export_responses(
    request: Request,
    survey_id: int,
    format: str = Query("csv", pattern="^(csv|xlsx)$"),  # noqa: A002 - the API's name
    language: str | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> Response:
    """All completed and partial responses, one column per question, Excel-safe."""
    with _services(request).db.reader(key.workspace_id) as session:
        survey = service.access_survey(session, survey_id)
        header, rows = exports.response_table(session, survey, language)
    name = f"survey-{survey_id}-responses"
    if format == "xlsx":
        return Response(
            exports.to_xlsx(header, rows),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Response(
        exports.to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


# ---------------------------------------------------------------- metrics


def _metric_filter(
    metric: str,
    survey_id: list[int] | None,
    since: date | None,
    until: date | None,
    filters: dict[str, str | None],
) -> MetricFilter:
    return MetricFilter(
        metric=metric,
        survey_ids=survey_id or None,
        since=since,
        until=until,
        filters={k: v for k, v in filters.items() if v is not None},
    )


@router.get("/metrics/{metric}")
def metric_summary(
    request: Request,
    metric: str,
    survey_id: list[int] | None = Query(None),
    since: date | None = None,
    until: date | None = None,
    by: str | None = Query(None, pattern="^(day|week|month)$"),
    group: str | None = None,
    segment: str | None = None,
    audience: str | None = None,
    channel: str | None = None,
    touchpoint: str | None = None,
    language: str | None = None,
    agent: str | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    """NPS/eNPS/CSAT/CES with 95% intervals, by period and/or group; n < 30 flagged."""
    f = _metric_filter(
        metric,
        survey_id,
        since,
        until,
        {
            "segment": segment,
            "audience": audience,
            "channel": channel,
            "touchpoint": touchpoint,
            "language": language,
            "agent": agent,
        },
    )
    with _services(request).db.reader(key.workspace_id) as session:
        return summarize(session, f, by=by, group=group)


@router.get("/metrics/{metric}/compare")
def metric_compare(
    request: Request,
    metric: str,
    survey_id: list[int] | None = Query(None),
    a_since: date | None = None,
    a_until: date | None = None,
    b_since: date | None = None,
    b_until: date | None = None,
    a_filter: list[str] | None = Query(None, description="DIMENSION=VALUE"),
    b_filter: list[str] | None = Query(None, description="DIMENSION=VALUE"),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    """Two periods or two segments: the difference, its p-value, and the verdict."""

    def pairs(values: list[str] | None) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for v in values or []:
            if "=" not in v:
                raise Invalid("filters are DIMENSION=VALUE, e.g. segment=gold")
            k, val = v.split("=", 1)
            out[k] = val
        return out

    a = _metric_filter(metric, survey_id, a_since, a_until, pairs(a_filter))
    b = _metric_filter(metric, survey_id, b_since, b_until, pairs(b_filter))
    with _services(request).db.reader(key.workspace_id) as session:
        return compare_filters(session, a, b)


@router.get("/metrics/funnel/rates")
def metric_funnel(
    request: Request,
    survey_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    """Response rate (invitations sent vs completed) and completion rate."""
    with _services(request).db.reader(key.workspace_id) as session:
        if survey_id is not None:
            service.access_survey(session, survey_id)
        return funnel(session, survey_id, since, until)
