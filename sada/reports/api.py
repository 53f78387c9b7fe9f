"""HTTP routes of saved views and their report schedules. Thin: parse, authorize, call the
service.

Views: GET/POST /api/v1/views, GET/PATCH/DELETE /api/v1/views/{id}.
Schedules: GET/POST /api/v1/views/{id}/schedules, PATCH/DELETE
/api/v1/views/{id}/schedules/{sid}, POST /api/v1/views/{id}/schedules/{sid}/run.

A key sees the views shared with the workspace or a team; a key with the admin scope sees and
changes every view. A view made through the API belongs to `owner_email` (a member).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid, NotFound
from sada.core.http import read_json_body
from sada.reports import service
from sada.reports.web_report import check_period
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1/views", tags=["views"])
MAX_BODY = 64 * 1024


def _db(request: Request) -> Any:
    return request.app.state.services.db


def _viewer(key: AuthenticatedKey) -> service.Viewer:
    return service.Viewer(None, "admin" if key.allows(Scope.ADMIN) else "analyst")


async def _object(request: Request) -> dict[str, Any]:
    body = await read_json_body(request, MAX_BODY)
    if not isinstance(body, dict):
        raise Invalid("expected a JSON object")
    return body


@router.get("", summary="Saved views this key may see")
def list_views(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[dict[str, Any]]:
    viewer = _viewer(key)
    with _db(request).reader(key.workspace_id) as s:
        return [service.view_out(v, viewer) for v in service.list_views(s, viewer)]


@router.post("", status_code=201, summary="Save a view: an analytic page and its filters")
async def create_view(
    request: Request, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    body = await _object(request)
    viewer = _viewer(key)
    check_period(str(body.get("path") or body.get("url") or ""), str(body.get("query") or ""))

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            owner = service.find_member(s, str(body.get("owner_email") or ""))
            return service.view_out(service.do_create_view(s, viewer, body, owner), viewer)

    return JSONResponse(await run_in_threadpool(work), status_code=201)


@router.get("/{view_id}", summary="One saved view")
def get_view(
    request: Request, view_id: int, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> dict[str, Any]:
    viewer = _viewer(key)
    with _db(request).reader(key.workspace_id) as s:
        view = service.get_view(s, viewer, view_id)
        out = service.view_out(view, viewer)
        out["schedules"] = [
            service.schedule_out(x) for x in service.schedules_of(s, [view.id]).get(view.id, [])
        ]
        return out


@router.patch("/{view_id}", summary="Rename, re-share or change a saved view")
async def update_view(
    request: Request, view_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> dict[str, Any]:
    body = await _object(request)
    viewer = _viewer(key)
    if body.get("path") or body.get("url"):
        check_period(str(body.get("path") or body.get("url")), str(body.get("query") or ""))

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            return service.view_out(service.do_update_view(s, viewer, view_id, body), viewer)

    return await run_in_threadpool(work)


@router.delete("/{view_id}", status_code=204, summary="Delete a saved view and its schedules")
def delete_view(
    request: Request, view_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> None:
    with _db(request).transaction(key.workspace_id) as s:
        service.do_delete_view(s, _viewer(key), view_id)


@router.get("/{view_id}/schedules", summary="The report schedules of a view")
def list_schedules(
    request: Request, view_id: int, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> list[dict[str, Any]]:
    viewer = _viewer(key)
    with _db(request).reader(key.workspace_id) as s:
        view = service.get_view(s, viewer, view_id)
        return [
            service.schedule_out(x) for x in service.schedules_of(s, [view.id]).get(view.id, [])
        ]


@router.post("/{view_id}/schedules", status_code=201, summary="Mail a view on a schedule")
async def create_schedule(
    request: Request, view_id: int, key: AuthenticatedKey = scoped(Scope.WRITE_DATA)
) -> JSONResponse:
    body = await _object(request)

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            return service.schedule_out(service.do_create_schedule(s, _viewer(key), view_id, body))

    out = await run_in_threadpool(work)
    request.app.state.services.wake_jobs()
    return JSONResponse(out, status_code=201)


def _own(s: Any, key: AuthenticatedKey, view_id: int, schedule_id: int) -> None:
    sched = service.get_schedule(s, _viewer(key), schedule_id)
    if sched.view_id != view_id:
        raise NotFound("no such schedule")


@router.patch("/{view_id}/schedules/{schedule_id}", summary="Change a report schedule")
async def update_schedule(
    request: Request,
    view_id: int,
    schedule_id: int,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> dict[str, Any]:
    body = await _object(request)

    def work() -> dict[str, Any]:
        with _db(request).transaction(key.workspace_id) as s:
            _own(s, key, view_id, schedule_id)
            return service.schedule_out(
                service.do_update_schedule(s, _viewer(key), schedule_id, body)
            )

    return await run_in_threadpool(work)


@router.delete("/{view_id}/schedules/{schedule_id}", status_code=204, summary="Stop a schedule")
def delete_schedule(
    request: Request,
    view_id: int,
    schedule_id: int,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> None:
    with _db(request).transaction(key.workspace_id) as s:
        _own(s, key, view_id, schedule_id)
        service.do_delete_schedule(s, _viewer(key), schedule_id)


@router.post("/{view_id}/schedules/{schedule_id}/run", status_code=202, summary="Send a report now")
def run_schedule(
    request: Request,
    view_id: int,
    schedule_id: int,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> dict[str, Any]:
    with _db(request).transaction(key.workspace_id) as s:
        _own(s, key, view_id, schedule_id)
        run = service.queue_now(s, _viewer(key), schedule_id)
    request.app.state.services.wake_jobs()
    return {"queued": run}
