"""Notification pages: the list (unread first, each linking to its object), marking one or
all read, and the text of each notification in the reader's language.

Every signed-in member sees only their own notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from sada.core.errors import Invalid
from sada.notifications import service
from sada.notifications.models import MemberNotification
from sada.web.core import (
    PageRoute,
    checked_form,
    current_user,
    page,
    redirect,
    render,
    safe_next,
    services,
)
from sada.web.i18n import N_
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# The message keys stored with each notification, and their text (translated when shown).
MESSAGES: dict[str, str] = {
    "mention": N_("%(author)s mentioned you in a note"),
    "assignment": N_("%(actor)s assigned conversation #%(id)s to you"),
    "case_assignment": N_("%(actor)s assigned case #%(id)s to you"),
    "alert": N_("Alert: %(subject)s"),
    "sla_warning_conversation": N_("Conversation #%(id)s is about to miss its SLA target"),
    "sla_warning_case": N_("Case #%(id)s is about to miss its SLA target"),
    "sla_breach_conversation": N_("Conversation #%(id)s missed its SLA target"),
    "sla_breach_case": N_("Case #%(id)s missed its SLA target"),
    "report": N_("Your report %(name)s is ready"),
}
FALLBACK = N_("You have a new notification")


def text(gettext: Callable[[str], str], row: MemberNotification) -> str:
    """The notification's title in the reader's language; missing params never break it."""
    template = MESSAGES.get(row.message)
    if template is None:
        return gettext(FALLBACK)
    try:
        return gettext(template) % (row.params or {})
    except (KeyError, ValueError, TypeError):
        return gettext(FALLBACK)


def item(gettext: Callable[[str], str], row: MemberNotification) -> dict[str, Any]:
    params = row.params or {}
    return {
        "id": row.id,
        "kind": row.kind,
        "message": row.message,
        "params": params,
        "title": text(gettext, row),
        "excerpt": str(params.get("excerpt") or ""),
        "link": row.link,
        "created_at": row.created_at,
        "read_at": row.read_at,
    }


@router.get("/notifications")
def notifications_page(request: Request, me: SignedIn = Depends(current_user)) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        rows = service.list_for(session, me.user_id, limit=200)
        items = [item(p.gettext, r) for r in rows]
    unread = sum(1 for i in items if i["read_at"] is None)
    return render(p, "notifications/list.html", items=items, unread=unread)


@router.post("/notifications/read")
async def notifications_read(request: Request, me: SignedIn = Depends(current_user)) -> Response:
    """Mark one (`id`) or all (`all=1`) read; with `next`, follow the notification's link."""
    form = await checked_form(request)
    raw = str(form.get("id", ""))
    with services(request).db.transaction(me.workspace_id) as session:
        if form.get("all"):
            service.mark_all_read(session, me.user_id)
        elif raw.isdigit() and len(raw) < 19:
            service.mark_read(session, me.user_id, int(raw))
        else:
            raise Invalid(page(request, me).gettext("Choose a notification."))
    return redirect(request, safe_next(str(form.get("next", ""))) or "/notifications")
