"""Privacy pages: an admin exports everything held about a person, or erases them; and the
privacy settings (suppression of erased people, required consent, retention policies).

The person page shows "Export data" and "Erase person" to owners and admins only (the
`settings` permission); erasure asks for confirmation on its own page (CSRF-checked form)
and then shows the erasure id, which is all the audit log keeps.
"""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid
from sada.core.http import client_ip
from sada.people.service import access_person, person_out
from sada.privacy import erase, export, holdings, retention, service
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Tables counted on the confirmation page, in the words of the page.
SHOWN = ("interactions", "survey_responses", "cases", "conversations", "internal_notes")


@router.get("/people/{person_id}/privacy/export")
def export_page(
    request: Request, person_id: int, me: SignedIn = Depends(require("settings"))
) -> Response:
    with services(request).db.transaction(me.workspace_id) as session:
        document = export.export_data(session, person_id)
        export.record_export(
            session,
            person_id,
            path=None,
            actor=me.actor(client_ip(request)),
            counts=document["counts"],
        )
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="person-{person_id}.json"'},
    )


@router.get("/people/{person_id}/erase")
def erase_confirm(
    request: Request, person_id: int, me: SignedIn = Depends(require("settings"))
) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        person = person_out(session, access_person(session, person_id))
        held = holdings.collect(session, person_id)
    counts = {name: len(held.of(name)) for name in SHOWN}
    return render(p, "privacy/erase.html", person=person, counts=counts)


@router.post("/people/{person_id}/erase")
async def erase_do(
    request: Request, person_id: int, me: SignedIn = Depends(require("settings"))
) -> Response:
    form = await checked_form(request)
    if str(form.get("confirm", "")) != "yes":
        raise Invalid("tick the box to confirm that the erasure cannot be undone")
    allow_return = str(form.get("allow_return", "")) == "yes"
    db = services(request).db
    actor = me.actor(client_ip(request))

    def work() -> erase.Erasure:
        with db.transaction(me.workspace_id) as session:
            erasure = erase.erase(session, person_id, actor=actor, allow_return=allow_return)
        erase.after_erasure(db)
        return erasure

    erasure = await run_in_threadpool(work)
    return render(page(request, me), "privacy/erased.html", erasure=erasure)


@router.get("/settings/privacy")
def settings_page(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        privacy = service.privacy_settings(session)
        policies = retention.list_policies(session)
    for policy in policies:
        if policy["last_run_at"]:
            policy["last_run"] = datetime.fromisoformat(policy["last_run_at"])
    notice = {"saved": p.gettext("Saved.")}.get(request.query_params.get("done", ""))
    return render(p, "privacy/settings.html", privacy=privacy, policies=policies, notice=notice)


@router.post("/settings/privacy")
async def settings_save(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    form = await checked_form(request)
    purposes = [str(v) for v in form.getlist("require_consent")]
    with services(request).db.transaction(me.workspace_id) as session:
        service.set_privacy_settings(
            session,
            allow_return=str(form.get("allow_return", "")) == "yes",
            require_consent=purposes,
            webhook_pii="redacted" if str(form.get("webhook_redacted", "")) == "yes" else "raw",
            actor=me.actor(client_ip(request)),
        )
    return redirect(request, "/settings/privacy?done=saved")


@router.post("/settings/privacy/retention")
async def retention_set(request: Request, me: SignedIn = Depends(require("settings"))) -> Response:
    form = await checked_form(request)
    try:
        kind = retention.RetentionKind(str(form.get("kind", "")))
        action = retention.RetentionAction(str(form.get("action", "delete")))
        days = int(str(form.get("days", "")))
    except ValueError:
        raise Invalid("choose the data, a number of days and an action") from None
    if not 1 <= days <= 36500:
        raise Invalid("days must be between 1 and 36500")
    with services(request).db.transaction(me.workspace_id) as session:
        retention.set_policy(session, kind, days, action, actor=me.actor(client_ip(request)))
    return redirect(request, "/settings/privacy?done=saved")


@router.post("/settings/privacy/retention/{kind}/remove")
async def retention_remove(
    request: Request, kind: str, me: SignedIn = Depends(require("settings"))
) -> Response:
    await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        retention.remove_policy(session, kind, actor=me.actor(client_ip(request)))
    return redirect(request, "/settings/privacy?done=saved")
