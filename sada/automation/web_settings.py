"""Settings page for messages rules send to customers: quiet hours, throttle, and whether
outbound webhooks carry contact fields.

The same settings as `GET/PATCH /api/v1/automation/settings`, edited by admins in the
browser. Quiet hours are wall-clock times in each person's own time zone (a message due
inside them waits for their end); the throttle caps rule messages per person per window.
A value the page cannot store is refused with the field named, in the reader's language,
and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from sada.automation.customer import set_settings, settings_of
from sada.core.errors import Invalid
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ADMIN = require("settings")
PATH = "/settings/customer-messages"


def _shown(settings: dict[str, Any]) -> dict[str, Any]:
    quiet = settings.get("quiet_hours") or {}
    return {
        "quiet_on": bool(quiet),
        "quiet_start": quiet.get("start", "21:00"),
        "quiet_end": quiet.get("end", "08:00"),
        "throttle_max": str(settings.get("throttle_max", "")),
        "throttle_hours": str(settings.get("throttle_hours", "")),
        "webhook_contact_fields": bool(settings.get("webhook_contact_fields")),
    }


def _render(
    request: Request,
    me: SignedIn,
    shown: dict[str, Any],
    *,
    error: str | None = None,
    error_field: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        page(request, me),
        "automation/customer_settings.html",
        status_code=status_code,
        current=shown,
        error=error,
        error_field=error_field,
        done=request.query_params.get("done"),
    )


@router.get(PATH)
def customer_messages_settings(request: Request, me: SignedIn = Depends(ADMIN)) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        return _render(request, me, _shown(settings_of(session)))


def _whole(value: str, field: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise Invalid(field, details={"field": field})
    return int(text)


@router.post(PATH)
async def save_customer_messages_settings(
    request: Request, me: SignedIn = Depends(ADMIN)
) -> Response:
    form = await checked_form(request)
    p = page(request, me)
    shown = {
        "quiet_on": form.get("quiet_on") == "1",
        "quiet_start": str(form.get("quiet_start", ""))[:5],
        "quiet_end": str(form.get("quiet_end", ""))[:5],
        "throttle_max": str(form.get("throttle_max", ""))[:6],
        "throttle_hours": str(form.get("throttle_hours", ""))[:6],
        "webhook_contact_fields": form.get("webhook_contact_fields") == "1",
    }
    messages = {
        "quiet_hours": p.gettext(
            "Quiet hours: give a start and an end as HH:MM (24-hour clock); they must differ."
        ),
        "throttle_max": p.gettext("Messages per person: a whole number from 0 to 1000."),
        "throttle_hours": p.gettext("Window: a whole number of hours from 1 to 720."),
    }
    try:
        changes: dict[str, Any] = {
            "quiet_hours": (
                {"start": shown["quiet_start"], "end": shown["quiet_end"]}
                if shown["quiet_on"]
                else None
            ),
            "throttle_max": _whole(shown["throttle_max"], "throttle_max"),
            "throttle_hours": _whole(shown["throttle_hours"], "throttle_hours"),
            "webhook_contact_fields": shown["webhook_contact_fields"],
        }
        with services(request).db.transaction(me.workspace_id) as session:
            set_settings(session, changes)
    except Invalid as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        field = str(details.get("field") or str(exc).split(":", 1)[0].split(".", 1)[0])
        field = field if field in messages else "quiet_hours"
        return _render(
            request, me, shown, error=messages[field], error_field=field, status_code=422
        )
    return redirect(request, f"{PATH}?done=1")
