"""Analysts correct the text analysis in the browser, and see how the model does on their labels.

- `POST /text/corrections/{id}` (the "Correct" panel of each card in the feedback explorer,
  "feedback" permission): the sentiment and any aspect the analyst chose are stored as
  corrections (`views.do_correct`, the same as the API's); a field left at "as analysed" is
  not touched. Back to the explorer, on the same filters, with a notice.
- `GET /text/quality` ("dashboards"): the current analysis scored against every correction
  (`quality.correction_report`): accuracy, macro-F1, per-class F1 and the confusion matrix,
  per language, and agreement per aspect.
- `GET /text/corrections.jsonl` ("export", audited): the corrections as labelled data for
  `sada text evaluate` and `sada text train`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
from fastapi import APIRouter, Depends, Request, Response

from sada.core.errors import Invalid
from sada.core.http import client_ip
from sada.tenants.service import record_audit
from sada.text.quality import correction_report
from sada.text.views import LABELS, corrected_examples, do_correct
from sada.web.core import (
    PageRoute,
    checked_form,
    page,
    redirect,
    render,
    require,
    safe_next,
    services,
)
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _back(target: str, done: str, interaction_id: int) -> str:
    """The explorer page the form came from, with `done=` set and the card in view."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "done"] + [("done", done)]
    return f"{parts.path}?{urlencode(query)}#fb-{interaction_id}"


@router.post("/text/corrections/{interaction_id}")
async def correct(
    request: Request, interaction_id: int, me: SignedIn = Depends(require("feedback"))
) -> Response:
    form = await checked_form(request)
    sentiment = str(form.get("sentiment") or "") or None
    aspects = {
        key.removeprefix("aspect."): str(value)
        for key, value in form.items()
        if key.startswith("aspect.") and value
    }
    for label in (sentiment, *aspects.values()):
        if label is not None and label not in LABELS:
            raise Invalid("choose positive, neutral or negative")
    back = safe_next(str(form.get("next") or "")) or "/feedback"
    if sentiment is None and not aspects:
        return redirect(request, _back(back, "unchanged", interaction_id))
    with services(request).db.transaction(me.workspace_id) as session:
        do_correct(
            session, interaction_id, sentiment=sentiment, aspects=aspects, by=f"user {me.email}"
        )
    return redirect(request, _back(back, "corrected", interaction_id))


@router.get("/text/quality")
def quality_page(request: Request, me: SignedIn = Depends(require("dashboards"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        report = correction_report(session)
    return render(p, "text/quality.html", report=report)


@router.get("/text/corrections.jsonl")
def corrections_download(request: Request, me: SignedIn = Depends(require("export"))) -> Response:
    db = services(request).db
    with db.reader(me.workspace_id) as session:
        rows = corrected_examples(session)
    with db.transaction(me.workspace_id) as session:
        record_audit(
            session, me.actor(client_ip(request)), "text.corrections_export", "text", "",
            {"format": "jsonl", "rows": len(rows)},
        )  # fmt: skip
    body = b"".join(orjson.dumps(row) + b"\n" for row in rows)
    return Response(
        body,
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sada-corrections.jsonl"'},
    )
