"""Themes page: discovered themes, renamed and merged by an analyst, kept across runs.

Viewers see the themes; analysts and above ("feedback" permission) rename,
merge, separate and start a discovery run. Discovery runs as a background job
(`text.themes`, `sada.text.tasks`); the page says when one is queued or running.
Where embeddings are unavailable the discovery button is replaced by the reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from sada.core.errors import Invalid
from sada.db.types import utcnow
from sada.jobs.models import Job
from sada.jobs.service import PENDING, enqueue
from sada.text.theme_store import (
    embeddings_available,
    list_themes,
    merge_theme,
    rename_theme,
    unmerge_theme,
)
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import zone
from sada.web.period import Period, parse_period
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

THEMES_JOB = "text.themes"


def _running(request: Request, workspace_id: int) -> bool:
    with services(request).db.reader(workspace_id) as session:
        found = session.execute(
            select(Job.id).where(
                Job.kind == THEMES_JOB,
                Job.workspace_id == workspace_id,
                Job.status.in_((*PENDING, "running")),
            )
        ).first()
    return found is not None


@router.get("/themes")
def themes_page(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    per = parse_period(request.query_params, zone(p.fmt.timezone), default="90d")
    db = services(request).db
    with db.reader(me.workspace_id) as session:
        themes = page_themes(session, request.query_params, per)
    notice = {
        "queued": p.gettext("Theme discovery was started."),
        "renamed": p.gettext("The theme was renamed."),
        "merged": p.gettext("The themes were merged."),
        "separated": p.gettext("The theme was separated."),
    }.get(request.query_params.get("done", ""))
    return render(
        p,
        "text/themes.html",
        themes=themes,
        per=per,
        notice=notice,
        running=_running(request, me.workspace_id),
        can_discover=embeddings_available(db, me.workspace_id),
    )


def page_themes(session: Any, params: Any, per: Period) -> list[dict[str, Any]]:
    """The themes the page lists: counted in the period when one is asked in `params`
    (`from`/`to`, `period`, `compare`), else every kept theme at its discovery size."""
    themes = list_themes(session)
    asked = any(params.get(k) for k in ("from", "to", "period", "compare"))
    return _in_period(session, themes, per) if asked else _all_time(themes)


def _in_period(session: Any, themes: list[dict[str, Any]], per: Period) -> list[dict[str, Any]]:
    """A period asked (`from`/`to`, `period`, `compare`): each theme's texts counted in it
    (and in the previous period when compared), largest first; themes with no text in the
    period are left out."""
    from sada.interactions.models import Interaction

    ids = sorted({int(i) for t in themes for i in t["interaction_ids"]})
    since = per.previous().start if per.compare else per.start
    when: dict[int, Any] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        rows = session.execute(
            select(Interaction.id, Interaction.occurred_at).where(
                Interaction.id.in_(chunk),
                Interaction.occurred_at >= since,
                Interaction.occurred_at < per.end,
            )
        )
        when.update({int(i): at for i, at in rows})
    out = []
    for t in themes:
        times = [when[i] for i in t["interaction_ids"] if i in when]
        t["in_period"] = sum(1 for at in times if at >= per.start)
        t["before"] = len(times) - t["in_period"] if per.compare else None
        if t["in_period"]:
            out.append(t)
    return sorted(out, key=lambda t: -t["in_period"])


def _all_time(themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """No period asked: every kept theme with the size of its last discovery run."""
    for t in themes:
        t["in_period"], t["before"] = t["size"], None
    return themes


def _theme_id(raw: object, field: str) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise Invalid("choose a theme", details={"field": field}) from None


@router.post("/themes/discover")
async def discover(request: Request, me: SignedIn = Depends(require("feedback"))) -> Response:
    form = await checked_form(request)
    try:
        days = min(3650, max(1, int(str(form.get("days", "90")))))
    except ValueError:
        raise Invalid("the period must be a number of days", details={"field": "days"}) from None
    svc = services(request)
    if not embeddings_available(svc.db, me.workspace_id):
        raise Invalid("theme discovery needs sentence embeddings, which are not installed")
    since = (utcnow() - timedelta(days=days)).isoformat()
    with svc.db.transaction(me.workspace_id) as session:
        enqueue(
            session,
            THEMES_JOB,
            {"since": since},
            workspace_id=me.workspace_id,
            max_attempts=2,
            dedupe_key=f"{THEMES_JOB}:{me.workspace_id}:{since[:16]}",
        )
    svc.wake_jobs()
    return redirect(request, "/themes?done=queued")


@router.post("/themes/{theme_id}/rename")
async def rename(
    request: Request, theme_id: int, me: SignedIn = Depends(require("feedback"))
) -> Response:
    form = await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        rename_theme(session, theme_id, str(form.get("label", "")))
    return redirect(request, "/themes?done=renamed")


@router.post("/themes/{theme_id}/merge")
async def merge(
    request: Request, theme_id: int, me: SignedIn = Depends(require("feedback"))
) -> Response:
    form = await checked_form(request)
    into = _theme_id(form.get("into", ""), "into")
    with services(request).db.transaction(me.workspace_id) as session:
        merge_theme(session, theme_id, into)
    return redirect(request, "/themes?done=merged")


@router.post("/themes/{theme_id}/unmerge")
async def unmerge(
    request: Request, theme_id: int, me: SignedIn = Depends(require("feedback"))
) -> Response:
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        unmerge_theme(session, theme_id)
    return redirect(request, "/themes?done=separated")
