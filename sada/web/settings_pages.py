"""Settings: workspace, users and roles, invitations, API keys, touchpoints, audit log, jobs."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.http import client_ip
from sada.interactions.models import Touchpoint
from sada.interactions.service import list_touchpoints
from sada.jobs.service import dead_jobs, discard_dead, queue_levels, retry_dead
from sada.tenants.models import LEGACY_SCOPES, Role, Scope, User
from sada.tenants.service import (
    do_create_api_key,
    do_revoke_api_key,
    get_workspace,
    list_api_keys,
    list_audit,
    record_audit,
)
from sada.web import service as web
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import CALENDARS, LANGUAGES, N_, translations, valid_timezone
from sada.web.service import SignedIn

log = logging.getLogger(__name__)
router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/settings")
ADMIN = require("settings")


def _assignable_roles(me: SignedIn) -> list[str]:
    roles = [r.value for r in Role]
    return roles if me.role == Role.OWNER.value else [r for r in roles if r != Role.OWNER.value]


@router.get("")
def workspace_settings(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        ws = get_workspace(session, me.workspace_id)
    saved = request.query_params.get("saved")
    return render(
        page(request, me),
        "settings_workspace.html",
        ws=ws,
        calendars=CALENDARS,
        error=None,
        saved=saved,
    )


@router.post("")
async def workspace_save(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    form = await checked_form(request)
    display_name = str(form.get("display_name", "")).strip()[:200]
    timezone = str(form.get("timezone", "UTC")).strip()
    calendar = str(form.get("calendar", "gregorian"))
    default_language = str(form.get("default_language", "en"))
    languages = [lang for lang in form.getlist("languages") if lang in LANGUAGES]
    p = page(request, me)
    if (
        not display_name
        or not valid_timezone(timezone)
        or calendar not in CALENDARS
        or default_language not in LANGUAGES
    ):
        with services(request).db.reader(me.workspace_id) as session:
            ws = get_workspace(session, me.workspace_id)
        return render(
            p,
            "settings_workspace.html",
            status_code=422,
            ws=ws,
            calendars=CALENDARS,
            error=N_("Some values are not valid."),
            saved=None,
        )
    with services(request).db.transaction(me.workspace_id) as session:
        ws = get_workspace(session, me.workspace_id)
        before = {"display_name": ws.display_name, "timezone": ws.timezone, "calendar": ws.calendar}
        ws.display_name = display_name
        ws.timezone = timezone
        ws.calendar = calendar
        ws.default_language = default_language
        ws.languages = languages or [default_language]
        record_audit(
            session,
            me.actor(client_ip(request)),
            "workspace.update",
            "workspace",
            ws.id,
            {"before": before},
        )
    return redirect(request, "/settings?saved=1")


# ---------------------------------------------------------------- users


def _users_page(
    request: Request,
    me: SignedIn,
    *,
    status_code: int = 200,
    error: str | None = None,
    link: str | None = None,
) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        members = web.list_members(session)
        invitations = web.list_invitations(session)
    return render(
        page(request, me),
        "settings_users.html",
        status_code=status_code,
        members=members,
        invitations=invitations,
        roles=_assignable_roles(me),
        error=error,
        link=link,
    )


@router.get("/users")
def users(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    return _users_page(request, me)


@router.post("/users/invite")
async def invite(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    form = await checked_form(request)
    settings = services(request).settings
    email = str(form.get("email", ""))[:320]
    role = str(form.get("role", "viewer"))
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            invitation, token = web.do_invite(
                session,
                email,
                role,
                actor=me.actor(client_ip(request)),
                days=settings.invitation_days,
            )
    except Conflict:
        return _users_page(
            request, me, status_code=409, error=N_("This person is already a member.")
        )
    except (Invalid, ValueError):
        return _users_page(request, me, status_code=422, error=N_("Some values are not valid."))
    link = f"{settings.base_url.rstrip('/')}/invite/{token}"
    _ = translations(page(request, me).lang).gettext
    body = _(
        "%(name)s invited you to the workspace %(workspace)s on Sada. Open this link within %(days)s days to join:"
    ) % {
        "name": me.label,
        "workspace": me.workspace_name,
        "days": settings.invitation_days,
    }
    try:
        web.send_mail(settings, invitation.email, _("Invitation to Sada"), f"{body}\n\n{link}\n")
    except OSError:
        log.warning("could not send the invitation email; the link is shown to the admin instead")
        return _users_page(
            request,
            me,
            link=link,
            error=N_("The email could not be sent. Give this link to the person yourself:"),
        )
    return redirect(request, "/settings/users?invited=1")


@router.post("/users/invitations/{invitation_id}/revoke")
async def revoke_invitation(
    request: Request, invitation_id: int, me: SignedIn = Depends(ADMIN)
) -> Response:
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        web.do_revoke_invitation(session, invitation_id, actor=me.actor(client_ip(request)))
    return redirect(request, "/settings/users")


@router.post("/users/{user_id}/role")
async def set_role(request: Request, user_id: int, me: SignedIn = Depends(ADMIN)) -> Response:
    form = await checked_form(request)
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            web.do_set_role(
                session, user_id, str(form.get("role", "")), actor=me.actor(client_ip(request))
            )
    except (Invalid, ValueError):
        return _users_page(request, me, status_code=422, error=N_("This change is not allowed."))
    return redirect(request, "/settings/users")


@router.get("/users/{user_id}/remove")
def remove_confirm(request: Request, user_id: int, me: SignedIn = Depends(ADMIN)) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        members = {u.id: (m, u) for m, u in web.list_members(session)}
    if user_id not in members:
        raise NotFound("no such member")
    return render(
        page(request, me),
        "confirm.html",
        title=N_("Remove this member?"),
        subject=members[user_id][1].email,
        action=f"/settings/users/{user_id}/remove",
        button=N_("Remove"),
        back="/settings/users",
    )


@router.post("/users/{user_id}/remove")
async def remove(request: Request, user_id: int, me: SignedIn = Depends(ADMIN)) -> Response:
    await checked_form(request)
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            web.do_remove_member(session, user_id, actor=me.actor(client_ip(request)))
    except Invalid:
        return _users_page(request, me, status_code=422, error=N_("This change is not allowed."))
    return redirect(request, "/settings/users")


# ---------------------------------------------------------------- API keys


def _keys_page(
    request: Request,
    me: SignedIn,
    *,
    new_key: str | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        keys = list_api_keys(session)
        creators = dict(session.execute(select(User.id, User.email)).all())
    return render(
        page(request, me),
        "settings_keys.html",
        status_code=status_code,
        keys=keys,
        new_key=new_key,
        scopes=[s.value for s in Scope if s not in LEGACY_SCOPES or s == Scope.ADMIN],
        creators=creators,
        error=error,
    )


@router.get("/api-keys")
def api_keys(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    return _keys_page(request, me)


@router.post("/api-keys")
async def api_key_create(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    form = await checked_form(request)
    scopes = [s for s in form.getlist("scopes") if s in {x.value for x in Scope}]
    name = str(form.get("name", "")).strip()[:200]
    # One origin a line (commas work too); only ingest keys may be limited to origins.
    raw_origins = str(form.get("allowed_origins", ""))[:5000].replace(",", "\n")
    origins = [o.strip() for o in raw_origins.splitlines() if o.strip()]
    if not scopes:
        return _keys_page(request, me, status_code=422, error=N_("Choose at least one permission."))
    if len(origins) > 50:
        return _keys_page(request, me, status_code=422, error=N_("At most 50 allowed origins."))
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            _row, full = do_create_api_key(
                session,
                name=name,
                scopes=scopes,
                actor=me.actor(client_ip(request)),
                allowed_origins=origins or None,
            )
    except Invalid as exc:
        if str(exc).startswith("allowed_origins"):
            error = N_(
                "Allowed origins are for ingest keys only, one a line, like https://shop.example.com."
            )
        else:
            error = N_("An ingest key is public: it cannot have other permissions.")
        return _keys_page(request, me, status_code=422, error=error)
    # Shown once, in this answer only (no-store), never again.
    return _keys_page(request, me, new_key=full)


@router.get("/api-keys/{key_id}/revoke")
def api_key_revoke_confirm(
    request: Request, key_id: int, me: SignedIn = Depends(ADMIN)
) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        key = next((k for k in list_api_keys(session) if k.id == key_id), None)
    if key is None:
        raise NotFound("no such key")
    return render(
        page(request, me),
        "confirm.html",
        title=N_("Revoke this API key?"),
        subject=f"{key.name} (sada_{key.prefix}_…)",
        action=f"/settings/api-keys/{key_id}/revoke",
        button=N_("Revoke"),
        back="/settings/api-keys",
    )


@router.post("/api-keys/{key_id}/revoke")
async def api_key_revoke(request: Request, key_id: int, me: SignedIn = Depends(ADMIN)) -> Response:
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        do_revoke_api_key(session, key_id, actor=me.actor(client_ip(request)))
    return redirect(request, "/settings/api-keys")


# ---------------------------------------------------------------- touchpoints and audit


@router.get("/touchpoints")
def touchpoints(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        rows = list_touchpoints(session)
    return render(page(request, me), "settings_touchpoints.html", touchpoints=rows)


@router.post("/touchpoints/{touchpoint_id}")
async def touchpoint_save(
    request: Request, touchpoint_id: int, me: SignedIn = Depends(ADMIN)
) -> Response:
    form = await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        tp = session.execute(
            select(Touchpoint).where(Touchpoint.id == touchpoint_id)
        ).scalar_one_or_none()
        if tp is None:
            raise NotFound("no such touchpoint")
        tp.label = str(form.get("label", "")).strip()[:200] or tp.key
        channel = str(form.get("channel", "")).strip()[:50]
        tp.channel = channel or None
        tp.description = str(form.get("description", ""))[:2000]
        record_audit(
            session,
            me.actor(client_ip(request)),
            "touchpoint.update",
            "touchpoint",
            tp.id,
            {"label": tp.label},
        )
    return redirect(request, "/settings/touchpoints")


@router.get("/audit")
def audit(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        events = list_audit(session, limit=200)
    return render(page(request, me), "settings_audit.html", events=events)


# ---------------------------------------------------------------- jobs


@router.get("/jobs")
def jobs(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    """This workspace's queue per priority, and its dead jobs with retry and discard."""
    db = services(request).db
    return render(
        page(request, me),
        "settings_jobs.html",
        levels=queue_levels(db, workspace_id=me.workspace_id),
        dead=dead_jobs(db, workspace_id=me.workspace_id),
        done=request.query_params.get("done"),
    )


@router.post("/jobs/{job_id}/retry")
async def job_retry(request: Request, job_id: int, me: SignedIn = Depends(ADMIN)) -> Response:
    await checked_form(request)
    svc = services(request)
    job = retry_dead(svc.db, job_id, workspace_id=me.workspace_id)
    with svc.db.transaction(me.workspace_id) as session:
        record_audit(
            session, me.actor(client_ip(request)), "job.retry", "job", job.id, {"kind": job.kind}
        )
    svc.wake_jobs()
    return redirect(request, "/settings/jobs?done=retried")


@router.get("/jobs/{job_id}/discard")
def job_discard_confirm(request: Request, job_id: int, me: SignedIn = Depends(ADMIN)) -> Response:
    job = next(
        (
            j
            for j in dead_jobs(services(request).db, workspace_id=me.workspace_id)
            if j.id == job_id
        ),
        None,
    )
    if job is None:
        raise NotFound("no such dead job")
    return render(
        page(request, me),
        "confirm.html",
        title=N_("Discard this job?"),
        subject=f"#{job.id} {job.kind}",
        action=f"/settings/jobs/{job_id}/discard",
        button=N_("Discard"),
        back="/settings/jobs",
    )


@router.post("/jobs/{job_id}/discard")
async def job_discard(request: Request, job_id: int, me: SignedIn = Depends(ADMIN)) -> Response:
    await checked_form(request)
    svc = services(request)
    job = discard_dead(svc.db, job_id, workspace_id=me.workspace_id)
    with svc.db.transaction(me.workspace_id) as session:
        record_audit(
            session, me.actor(client_ip(request)), "job.discard", "job", job.id, {"kind": job.kind}
        )
    return redirect(request, "/settings/jobs?done=discarded")
