"""Settings pages of the closed loop: teams and their business hours; the follow-up survey.

Teams: each team's business calendar (split shifts per weekday, holidays, time zone) and
assignment strategy, edited by admins in the browser.

SLA policies on business hours count time on these calendars (`sada.cases.sla`). A weekday
with no shifts is closed; a calendar the reader could not read as meant (overlapping shifts,
an interval ending before it starts, an unknown time zone or date) is refused with the field
named, in the reader's language, and nothing is saved.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from sada.cases.assignment import do_create_team, do_update_team, list_teams
from sada.cases.models import ASSIGNMENT_STRATEGIES, Team
from sada.cases.sla import BusinessCalendar, format_shifts, parse_shifts, shifts_json
from sada.core.errors import Conflict, Invalid
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import N_
from sada.web.labels import labeler, register
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ADMIN = require("settings")

WEEKDAYS = tuple(range(7))  # Monday 0 ... Sunday 6, as Python and the team rows count them
register(
    "weekday",
    {
        "0": N_("Monday"),
        "1": N_("Tuesday"),
        "2": N_("Wednesday"),
        "3": N_("Thursday"),
        "4": N_("Friday"),
        "5": N_("Saturday"),
        "6": N_("Sunday"),
    },
)
register(
    "assignment",
    {
        "manual": N_("By hand"),
        "round_robin": N_("In turn (round robin)"),
        "least_loaded": N_("Least loaded agent"),
    },
)


def team_form(team: Team | None) -> dict[str, Any]:
    """What the form shows for a team: its effective shifts per weekday (old single-interval
    rows, "default" hours and weekend days included), holidays one per line."""
    if team is None:
        cal = BusinessCalendar.build()
        return {
            "id": None,
            "name": "",
            "timezone": "UTC",
            "assignment": "round_robin",
            "shifts": {d: format_shifts(cal.windows.get(d, ())) for d in WEEKDAYS},
            "holidays": "",
        }
    cal = BusinessCalendar.for_team(team)
    return {
        "id": team.id,
        "name": team.name,
        "timezone": team.timezone,
        "assignment": team.assignment,
        "shifts": {d: format_shifts(cal.windows.get(d, ())) for d in WEEKDAYS},
        "holidays": "\n".join(sorted(str(h) for h in team.holidays or [])),
    }


def _holidays(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,،，;]+", text.strip()) if part]


def changes_from_form(form: Any) -> dict[str, Any]:
    """The team columns from the form: every weekday written out (closed days have no shifts
    and are listed in `weekend_days`), in the canonical shape `[["09:00", "13:00"], ...]`."""
    hours: dict[str, Any] = {}
    closed: list[int] = []
    for day in WEEKDAYS:
        shifts = parse_shifts(str(form.get(f"shifts_{day}", "")), f"hours.{day}")
        hours[str(day)] = shifts_json(shifts)
        if not shifts:
            closed.append(day)
    assignment = str(form.get("assignment", "round_robin"))
    if assignment not in ASSIGNMENT_STRATEGIES:
        raise Invalid("assignment", details={"field": "assignment"})
    return {
        "name": str(form.get("name", "")).strip()[:200],
        "timezone": str(form.get("timezone", "UTC")).strip()[:64] or "UTC",
        "weekend_days": closed,
        "hours": hours,
        "holidays": _holidays(str(form.get("holidays", ""))),
        "assignment": assignment,
    }


# Times stay left-to-right inside Arabic and Persian sentences.
EXAMPLE = Markup('<bdi dir="ltr">09:00-13:00, 14:00-18:00</bdi>')


def _field_error(p: Any, field: str) -> str:
    """The refusal in the reader's language, naming the field."""
    label = labeler(p.gettext)
    if field.startswith("hours."):
        day = field.split(".", 1)[1]
        # escape() makes the text Markup: % escapes the day's name and keeps the example.
        return escape(
            p.gettext(
                "%(day)s: write the shifts as %(example)s; each must end after it starts, "
                "and shifts must not overlap."
            )
        ) % {"day": label("weekday", day), "example": EXAMPLE}
    if field.startswith("holidays"):
        return p.gettext("Holidays: write dates as YYYY-MM-DD, one per line.")
    if field == "timezone":
        return p.gettext("Time zone: unknown time zone; use a name such as Asia/Tehran.")
    if field == "name":
        return p.gettext("Name: give the team a name.")
    return p.gettext("Some values are not valid.")


def _teams_page(
    request: Request,
    me: SignedIn,
    *,
    current: dict[str, Any] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    status_code: int = 200,
) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        teams = [team_form(t) for t in list_teams(session)]
        if current is None:
            wanted = request.query_params.get("team")
            found = [t for t in teams if str(t["id"]) == wanted]
            current = found[0] if found else team_form(None)
    return render(
        p,
        "cases/teams.html",
        status_code=status_code,
        teams=teams,
        current=current,
        weekdays=WEEKDAYS,
        strategies=ASSIGNMENT_STRATEGIES,
        error=error,
        error_field=error_field,
        example=EXAMPLE,
        done=request.query_params.get("done"),
    )


@router.get("/settings/teams")
def teams_settings(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    """Teams and their business hours: split shifts per weekday, holidays, time zone."""
    return _teams_page(request, me)


def _save(session: Session, team_id: int | None, changes: dict[str, Any]) -> int:
    if team_id is None:
        return do_create_team(session, changes).id
    return do_update_team(session, team_id, changes).id


@router.post("/settings/teams")
async def save_team(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    form = await checked_form(request)
    p = page(request, me)
    raw_id = str(form.get("team_id", "")).strip()
    team_id = int(raw_id) if raw_id.isdigit() else None
    shown = {
        "id": team_id,
        "name": str(form.get("name", ""))[:200],
        "timezone": str(form.get("timezone", ""))[:64],
        "assignment": str(form.get("assignment", "")),
        "shifts": {d: str(form.get(f"shifts_{d}", ""))[:200] for d in WEEKDAYS},
        "holidays": str(form.get("holidays", ""))[:4000],
    }
    try:
        changes = changes_from_form(form)
        if not changes["name"]:
            raise Invalid("name", details={"field": "name"})
        with services(request).db.transaction(me.workspace_id) as session:
            saved = _save(session, team_id, changes)
    except Invalid as exc:
        field = (exc.details or {}).get("field", "") if isinstance(exc.details, dict) else ""
        return _teams_page(
            request,
            me,
            current=shown,
            error=_field_error(p, str(field)),
            error_field=str(field),
            status_code=422,
        )
    except Conflict:
        return _teams_page(
            request,
            me,
            current=shown,
            error=p.gettext("Name: another team has this name."),
            error_field="name",
            status_code=409,
        )
    return redirect(request, f"/settings/teams?team={saved}&done=1")
