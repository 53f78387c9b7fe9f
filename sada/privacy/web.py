"""Privacy pages: an admin exports everything held about a person, or erases them.

The person page shows "Export data" and "Erase person" to owners and admins only (the
`settings` permission); erasure asks for confirmation on its own page (CSRF-checked form)
and then shows the erasure id, which is all the audit log keeps.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from sada.core.errors import Invalid
from sada.core.http import client_ip
from sada.people.service import access_person, person_out
from sada.privacy import service
from sada.web.core import PageRoute, checked_form, page, render, require, services
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Tables counted on the confirmation page, in the words of the page.
SHOWN = ("interactions", "survey_responses", "cases", "conversations", "internal_notes")


@router.get("/people/{person_id}/privacy/export")
def export_page(
    request: Request, person_id: int, me: SignedIn = Depends(require("settings"))
) -> Response:
    with services(request).db.transaction(me.workspace_id) as session:
        document = service.export_data(session, person_id)
        service.record_export(
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
        held = service.collect(session, person_id)
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

    def work() -> service.Erasure:
        with db.transaction(me.workspace_id) as session:
            erasure = service.erase(session, person_id, actor=actor, allow_return=allow_return)
        service.after_erasure(db)
        return erasure

    erasure = await run_in_threadpool(work)
    return render(page(request, me), "privacy/erased.html", erasure=erasure)
