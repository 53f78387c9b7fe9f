"""Settings page of canned responses: reply templates in every inbox language with their
placeholders, saved per workspace and offered in the conversation's reply box.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from markupsafe import Markup

from sada.cases.canned import (
    CANNED_LANGUAGES,
    PLACEHOLDERS,
    do_save_canned,
    list_canned,
)
from sada.core.errors import Invalid
from sada.web.core import (
    PageRoute,
    checked_form,
    page,
    redirect,
    render,
    require,
    services,
)
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# ---------------------------------------------------------------- canned responses


def _canned_page(
    request: Request,
    me: SignedIn,
    *,
    current: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        items = list_canned(session)
    if current is None:
        wanted = request.query_params.get("key")
        found = [c for c in items if c["key"] == wanted]
        current = found[0] if found else {"key": "", "bodies": {}}
    return render(
        p,
        "cases/canned.html",
        status_code=status_code,
        items=items,
        current=current,
        canned_languages=CANNED_LANGUAGES,
        placeholders=Markup(", ").join(
            Markup('<code dir="ltr">{}</code>').format("{{" + name + "}}") for name in PLACEHOLDERS
        ),
        error=error,
        done=request.query_params.get("done"),
    )


@router.get("/settings/canned-responses")
def canned_settings(request: Request, me: SignedIn = Depends(require("surveys"))) -> Response:
    """Saved replies in four languages, managed by managers and admins."""
    return _canned_page(request, me)


@router.post("/settings/canned-responses")
async def save_canned(request: Request, me: SignedIn = Depends(require("surveys"))) -> Response:
    form = await checked_form(request)
    key = str(form.get("key", "")).strip()
    bodies = {lang: str(form.get(f"body_{lang}", "")) for lang in CANNED_LANGUAGES}
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            do_save_canned(session, key, bodies)
    except Invalid:
        p = page(request, me)
        return _canned_page(
            request,
            me,
            current={"key": key, "bodies": bodies},
            error=p.gettext(
                "Give a key of lowercase letters, digits or dashes, at least one text, and "
                "only the placeholders listed."
            ),
            status_code=422,
        )
    return redirect(request, "/settings/canned-responses?done=1")
