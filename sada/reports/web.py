"""Pages of saved views and scheduled reports.

- the "Save this view" control in the page header of every analytic page posts to `/views`;
- `/views`: my views, my teams' views and the workspace's, each to open, rename, share,
  delete (owner or admin) and schedule, with each schedule's last run and next run;
- `/views/{id}/schedule`: the schedule form (frequency, time, zone, members and addresses), which
  says for which languages no correct PDF can be made here (those get the XLSX alone).

Every member who reads dashboards saves and opens views; analysts and up schedule them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from sada.cases.models import Team
from sada.core.errors import Invalid
from sada.reports import paths, pdf, service
from sada.reports.web_report import check_period, frequency_text
from sada.tenants.models import Membership, User
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import LANGUAGES, N_
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SHARE_LABELS = {
    "private": N_("Only me"),
    "team": N_("A team"),
    "workspace": N_("Everyone in the workspace"),
}
STATUS_LABELS = {
    "queued": N_("Queued"),
    "running": N_("Sending"),
    "sent": N_("Sent"),
    "partial": N_("Partly sent"),
    "failed": N_("Failed"),
}
ZONE_LABELS = {
    "workspace": N_("The workspace's time zone"),
    "recipient": N_("Each recipient's time zone"),
}


def _viewer(session: Any, me: SignedIn) -> service.Viewer:
    return service.member_viewer(session, me.user_id, me.role)


def _members(session: Any) -> list[tuple[int, str, str]]:
    rows = session.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .order_by(User.name, User.email)
    ).all()
    return [(int(i), n or e, e) for i, n, e in rows]


@router.get("/views")
def views_page(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        viewer = _viewer(session, me)
        views = service.list_views(session, viewer)
        schedules = service.schedules_of(session, [v.id for v in views])
        teams = {t.id: t.name for t in session.execute(select(Team)).scalars()}
        owners = (
            dict(
                session.execute(
                    select(User.id, User.name).where(User.id.in_({v.owner_id for v in views}))
                ).all()
            )
            if views
            else {}
        )
    groups: dict[str, list[Any]] = {"mine": [], "team": [], "workspace": []}
    for v in views:
        if v.owner_id == me.user_id:
            groups["mine"].append(v)
        elif v.share == "team":
            groups["team"].append(v)
        else:
            groups["workspace"].append(v)
    return render(
        p,
        "reports/views.html",
        groups=groups,
        schedules=schedules,
        teams=teams,
        my_teams=sorted(viewer.team_ids),
        owners=owners,
        viewer=viewer,
        can_edit=lambda v: service.can_edit(viewer, v),
        can_schedule=me.role in service.SCHEDULER_ROLES,
        name_of=lambda v: service.view_name(v, p.lang),
        url_of=lambda v: paths.target_url(v.path, v.query),
        when=lambda s: frequency_text(
            p.lang, s.frequency, s.weekday, s.day_of_month, s.at_time, s.timezone
        ),
        share_labels=SHARE_LABELS,
        status_labels=STATUS_LABELS,
        done=request.query_params.get("done"),
    )


@router.post("/views")
async def save_view(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    form = await checked_form(request)
    data = {
        "name": form.get("name", ""),
        "url": form.get("url", ""),
        "share": form.get("share", "private"),
        "team_id": form.get("team_id") or None,
    }
    check_period(str(data["url"]))
    lang_name = str(form.get("name_local") or "").strip()
    with services(request).db.transaction(me.workspace_id) as session:
        viewer = _viewer(session, me)
        if lang_name and page(request, me).lang != "en":
            data["names"] = {page(request, me).lang: lang_name}
        view = service.do_create_view(session, viewer, data)
        view_id = view.id
    return redirect(request, f"/views?done=saved#view-{view_id}")


@router.get("/views/{view_id}/open")
def open_view(
    request: Request, view_id: int, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        view = service.get_view(session, _viewer(session, me), view_id)
        target = paths.target_url(view.path, view.query)
    return redirect(request, target)


@router.post("/views/{view_id}")
async def change_view(
    request: Request, view_id: int, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    form = await checked_form(request)
    action = str(form.get("action", ""))
    lang = page(request, me).lang
    with services(request).db.transaction(me.workspace_id) as session:
        viewer = _viewer(session, me)
        if action == "rename":
            data: dict[str, Any] = {"name": form.get("name", "")}
            if lang != "en":
                view = service.get_view(session, viewer, view_id)
                names = dict(view.names)
                names[lang] = str(form.get("name", ""))
                data = {"names": names}
            service.do_update_view(session, viewer, view_id, data)
        elif action == "share":
            service.do_update_view(
                session,
                viewer,
                view_id,
                {"share": form.get("share", "private"), "team_id": form.get("team_id") or None},
            )
        elif action == "delete":
            service.do_delete_view(session, viewer, view_id)
        else:
            raise Invalid("unknown action")
    return redirect(request, f"/views?done={action}")


def _languages_without_pdf(gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    """(language, why) for each language no correct PDF can be made in here."""
    out = []
    for code in LANGUAGES:
        check = pdf.support(code)
        if not check.ok:
            out.append((code, check.text(gettext)))
    return out


@router.get("/views/{view_id}/schedule")
def schedule_form(
    request: Request, view_id: int, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    p = page(request, me)
    if me.role not in service.SCHEDULER_ROLES:
        raise Invalid("your role does not schedule reports")
    with services(request).db.reader(me.workspace_id) as session:
        view = service.get_view(session, _viewer(session, me), view_id)
        members = _members(session)
        name = service.view_name(view, p.lang)
    return render(
        p,
        "reports/schedule.html",
        view=view,
        name=name,
        members=members,
        me_id=me.user_id,
        timezone=me.workspace_timezone,
        no_pdf=_languages_without_pdf(p.gettext),
        zone_labels=ZONE_LABELS,
    )


@router.post("/views/{view_id}/schedule")
async def create_schedule(
    request: Request, view_id: int, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    form = await checked_form(request)
    recipients: list[dict[str, Any]] = []
    for uid in form.getlist("member"):
        try:
            recipients.append({"user_id": int(str(uid))})
        except ValueError:
            raise Invalid("not a member", details={"field": "member"}) from None
    language = str(form.get("email_language") or "en")
    for line in str(form.get("emails", "")).replace(",", "\n").splitlines():
        if line.strip():
            recipients.append({"email": line.strip(), "language": language})
    data = {
        "frequency": form.get("frequency", "weekly"),
        "weekday": form.get("weekday", 0),
        "day_of_month": form.get("day_of_month", 1),
        "at_time": form.get("at_time", "08:00"),
        "zone_mode": form.get("zone_mode", "workspace"),
        "timezone": form.get("timezone") or me.workspace_timezone,
        "recipients": recipients,
    }
    with services(request).db.transaction(me.workspace_id) as session:
        sched = service.do_create_schedule(session, _viewer(session, me), view_id, data)
        sid = sched.id
    services(request).wake_jobs()
    return redirect(request, f"/views?done=scheduled#schedule-{sid}")


@router.post("/views/schedules/{schedule_id}")
async def change_schedule(
    request: Request, schedule_id: int, me: SignedIn = Depends(require("dashboards"))
) -> Response:
    form = await checked_form(request)
    action = str(form.get("action", ""))
    with services(request).db.transaction(me.workspace_id) as session:
        viewer = _viewer(session, me)
        if action == "run":
            service.queue_now(session, viewer, schedule_id)
        elif action in ("pause", "resume"):
            service.do_update_schedule(session, viewer, schedule_id, {"active": action == "resume"})
        elif action == "delete":
            service.do_delete_schedule(session, viewer, schedule_id)
        else:
            raise Invalid("unknown action")
    services(request).wake_jobs()
    return redirect(request, f"/views?done={action}#schedule-{schedule_id}")
