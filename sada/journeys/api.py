"""HTTP routes of journeys and audiences. Thin: parse, authorize, call the services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request

from sada.core.errors import Invalid
from sada.core.privacy import Surface, sees_raw_pii
from sada.journeys import analytics, digital, drivers, experience, retention, scorecard, service
from sada.journeys.analytics import EngineChoice, choice_for
from sada.journeys.query import default_range, to_epoch
from sada.journeys.schemas import (
    AudienceIn,
    AudienceOut,
    AudiencePatch,
    JourneyMapIn,
    JourneyMapOut,
    JourneyVersionIn,
    TaskIn,
)
from sada.journeys.templates import TEMPLATES, template
from sada.tenants.auth import actor_for_key, scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1/journeys", tags=["journeys"])


def _db(request: Request) -> Any:
    return request.app.state.services.db


def _range(since: datetime | None, until: datetime | None, days: int = 90) -> tuple[int, int]:
    for value in (since, until):
        if value is not None and value.tzinfo is None:
            raise Invalid("since/until need a time zone offset, e.g. 2024-01-01T00:00:00Z")
    return default_range(since, until, days)


def _choice(request: Request, engine: str) -> EngineChoice:
    services = request.app.state.services
    return choice_for(services.settings, services.db, engine)


# -- audiences ------------------------------------------------------------------------
@router.get("/audiences", response_model=list[AudienceOut])
def list_audiences(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[AudienceOut]:
    with _db(request).reader(key.workspace_id) as s:
        return [service.audience_out(a) for a in service.list_audiences(s)]


@router.post("/audiences", response_model=AudienceOut, status_code=201)
def create_audience(
    request: Request, body: AudienceIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> AudienceOut:
    with _db(request).transaction(key.workspace_id) as s:
        return service.audience_out(service.do_create_audience(s, body))


@router.patch("/audiences/{audience}", response_model=AudienceOut)
def update_audience(
    request: Request,
    audience: str,
    body: AudiencePatch,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> AudienceOut:
    with _db(request).transaction(key.workspace_id) as s:
        return service.audience_out(service.do_update_audience(s, audience, body))


@router.delete("/audiences/{audience}", status_code=204)
def delete_audience(
    request: Request, audience: str, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> None:
    with _db(request).transaction(key.workspace_id) as s:
        service.do_delete_audience(s, audience)


@router.get("/scorecard", summary="Audiences in rank order: owner, measure, trend, coverage, flags")
def get_scorecard(
    request: Request,
    days: int = Query(90, ge=7, le=730),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    now = to_epoch(datetime.now(UTC))
    with _db(request).reader(key.workspace_id) as s:
        return {"days": days, "audiences": scorecard.scorecard(s, now=now, days=days)}


# -- maps -------------------------------------------------------------------------------
@router.get("/templates")
def list_templates(
    request: Request, _key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    return {name: template(name).model_dump(mode="json") for name in TEMPLATES}


@router.get("/maps", response_model=list[JourneyMapOut])
def list_maps(
    request: Request,
    audience: str | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> list[JourneyMapOut]:
    with _db(request).reader(key.workspace_id) as s:
        return [service.map_out(s, m) for m in service.list_maps(s, audience)]


@router.post("/maps", response_model=JourneyMapOut, status_code=201)
def create_map(
    request: Request, body: JourneyMapIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JourneyMapOut:
    author = actor_for_key(request, key).label
    with _db(request).transaction(key.workspace_id) as s:
        return service.map_out(s, service.do_create_map(s, body, author=author), with_versions=True)


@router.get("/maps/{map_key}", response_model=JourneyMapOut)
def get_map(
    request: Request,
    map_key: str,
    version: int | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> JourneyMapOut:
    with _db(request).reader(key.workspace_id) as s:
        out = service.map_out(s, service.access_map(s, map_key), with_versions=True)
        if version is not None:
            v = service.map_version(s, map_key, version)
            out = out.model_copy(update={"version": v.version, "definition": v.definition})
        return out


@router.put("/maps/{map_key}", response_model=JourneyMapOut, summary="Save a new version")
def put_map(
    request: Request,
    map_key: str,
    body: JourneyVersionIn,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> JourneyMapOut:
    author = actor_for_key(request, key).label
    with _db(request).transaction(key.workspace_id) as s:
        service.do_new_version(s, map_key, body.definition, note=body.note, author=author)
        return service.map_out(s, service.access_map(s, map_key), with_versions=True)


@router.post("/maps/{map_key}/versions/{version}:restore", response_model=JourneyMapOut)
def restore_map(
    request: Request, map_key: str, version: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JourneyMapOut:
    author = actor_for_key(request, key).label
    with _db(request).transaction(key.workspace_id) as s:
        service.do_restore_version(s, map_key, version, author=author)
        return service.map_out(s, service.access_map(s, map_key), with_versions=True)


# -- analytics ------------------------------------------------------------------------
@router.get("/maps/{map_key}/people/{person_id}", summary="One person's reconstructed journey")
def person_journey(
    request: Request,
    map_key: str,
    person_id: int,
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    with _db(request).reader(key.workspace_id) as s:
        return analytics.person_journey(s, map_key, person_id)


@router.get("/maps/{map_key}/funnel")
def funnel(
    request: Request,
    map_key: str,
    steps: str | None = Query(None, description="comma-separated stage keys or tp:<touchpoint>"),
    since: datetime | None = None,
    until: datetime | None = None,
    window_days: float = Query(30, gt=0, le=365),
    group_by: str | None = None,
    period: str | None = Query(None, pattern="^(day|week|month)$"),
    segment: str | None = None,
    language: str | None = None,
    engine: str = Query("auto", pattern="^(auto|duckdb|sql)$"),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    lo, hi = _range(since, until)
    with _db(request).reader(key.workspace_id) as s:
        return analytics.funnel(
            s,
            map_key,
            steps=[x.strip() for x in steps.split(",") if x.strip()] if steps else None,
            since=lo,
            until=hi,
            window_seconds=int(window_days * 86400),
            group_by=group_by,
            period=period,
            segment=segment,
            language=language,
            choice=_choice(request, engine),
        )


@router.get("/maps/{map_key}/paths")
def paths(
    request: Request,
    map_key: str,
    since: datetime | None = None,
    until: datetime | None = None,
    depth: int = Query(5, ge=2, le=10),
    top: int = Query(20, ge=1, le=200),
    goal: str | None = None,
    segment: str | None = None,
    language: str | None = None,
    engine: str = Query("auto", pattern="^(auto|duckdb|sql)$"),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    lo, hi = _range(since, until)
    with _db(request).reader(key.workspace_id) as s:
        return analytics.paths(
            s,
            map_key,
            since=lo,
            until=hi,
            depth=depth,
            top=top,
            goal=goal,
            segment=segment,
            language=language,
            choice=_choice(request, engine),
        )


@router.get("/maps/{map_key}/experience", summary="Metrics per touchpoint and stage; pain points")
def get_experience(
    request: Request,
    map_key: str,
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: str | None = None,
    segment: str | None = None,
    language: str | None = None,
    min_n: int = Query(30, ge=5, le=10_000),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    lo, hi = _range(since, until)
    with _db(request).reader(key.workspace_id) as s:
        return experience.experience(
            s,
            map_key,
            since=lo,
            until=hi,
            group_by=group_by,
            segment=segment,
            language=language,
            min_n=min_n,
        )


@router.get("/maps/{map_key}/touchpoints/{touchpoint}/verbatims")
def get_verbatims(
    request: Request,
    map_key: str,
    touchpoint: str,
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: str | None = None,
    group: str | None = None,
    limit: int = Query(20, ge=1, le=200),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    lo, hi = _range(since, until)
    with _db(request).reader(key.workspace_id) as s:
        items = experience.verbatims(
            s,
            map_key,
            touchpoint,
            since=lo,
            until=hi,
            group_by=group_by,
            group=group,
            limit=limit,
            raw_pii=sees_raw_pii(Surface.API, scopes=key.scopes),
        )
    return {"touchpoint": touchpoint, "items": items}


@router.get("/maps/{map_key}/drivers", summary="Key drivers with relative weights and quadrant")
def get_drivers(
    request: Request,
    map_key: str,
    measure: str = Query("nps", pattern="^(nps|enps|csat|ces|custom)$"),
    scale: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_n: int = Query(20, ge=5, le=10_000),
    bootstrap: int = Query(200, ge=0, le=2000),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    lo, hi = _range(since, until, days=365)
    with _db(request).reader(key.workspace_id) as s:
        return drivers.key_drivers(
            s, map_key, measure, since=lo, until=hi, scale=scale, min_n=min_n, bootstrap=bootstrap
        )


@router.get("/audiences/{audience}/retention", summary="Monthly retention cohorts")
def get_retention(
    request: Request,
    audience: str,
    since: datetime | None = None,
    until: datetime | None = None,
    segment: str | None = None,
    max_months: int = Query(12, ge=1, le=36),
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    lo, hi = _range(since, until, days=365)
    with _db(request).reader(key.workspace_id) as s:
        service.access_audience(s, audience)
        return retention.cohorts(
            s, audience, since=lo, until=hi, segment=segment, max_months=max_months
        )


@router.get("/audiences/{audience}/churn", summary="Churn and risk-group comparisons")
def get_churn(
    request: Request,
    audience: str,
    as_of: datetime | None = None,
    inactive_days: int | None = Query(None, ge=1, le=3650),
    group_by: str | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    _lo, hi = _range(None, as_of)
    with _db(request).reader(key.workspace_id) as s:
        service.access_audience(s, audience)
        return retention.churn(
            s, audience, as_of=hi, inactive_days=inactive_days, group_by=group_by
        )


# -- digital tasks ------------------------------------------------------------------------
@router.get("/tasks")
def list_tasks(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[dict[str, Any]]:
    with _db(request).reader(key.workspace_id) as s:
        return [
            {
                "key": t.key,
                "name": t.name,
                "start": t.start_rule,
                "end": t.end_rule,
                "error": t.error_rule,
                "timeout_minutes": t.timeout_minutes,
            }
            for t in service.list_tasks(s)
        ]


@router.put("/tasks/{task_key}")
def put_task(
    request: Request, task_key: str, body: TaskIn, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    if body.key != task_key:
        raise Invalid("the task key in the path and the body differ")
    with _db(request).transaction(key.workspace_id) as s:
        row = service.do_upsert_task(s, body)
        return {"key": row.key, "name": row.name}


@router.get("/tasks/{task_key}/metrics")
def get_task_metrics(
    request: Request,
    task_key: str,
    since: datetime | None = None,
    until: datetime | None = None,
    key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS),
) -> dict[str, Any]:
    lo, hi = _range(since, until, days=30)
    with _db(request).reader(key.workspace_id) as s:
        return digital.task_metrics(s, task_key, since=lo, until=hi)
