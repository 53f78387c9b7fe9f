"""Surveys: list, builder with the four languages side by side and a live preview,
distribution (link per language, email invitations) and results.

Everything goes through `sada.feedback.service` (surveys, invitations, responses)
and `sada.metrics.service` (scores); without those domains the pages say so.
"""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from sada.core.errors import Invalid, NotFound, SadaError
from sada.core.http import client_ip
from sada.web.charts import PALETTE, Series, line_chart
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import LANGUAGES, N_
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/surveys")
MANAGE = require("surveys")
KINDS = ("nps", "csat", "ces")
KIND_LABELS = {
    "nps": N_("Net Promoter Score (0–10)"),
    "csat": N_("Customer satisfaction (1–5)"),
    "ces": N_("Customer effort (1–7)"),
}
TEXT_FIELDS = ("intro", "q1", "q2", "thanks")


def _feedback() -> Any:
    try:
        return importlib.import_module("sada.feedback.service")
    except ImportError:
        raise NotFound("surveys are not installed") from None


@router.get("")
def surveys(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    fb = _feedback()
    with services(request).db.reader(me.workspace_id) as session:
        rows = [(s, fb._response_count(session, s.id)) for s in fb.list_surveys(session)]
    return render(page(request, me), "surveys.html", surveys=rows)


def _builder(
    request: Request,
    me: SignedIn,
    *,
    values: dict[str, Any],
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        page(request, me),
        "survey_builder.html",
        status_code=status_code,
        values=values,
        problems=problems or [],
        kinds=KINDS,
        kind_labels=KIND_LABELS,
    )


@router.get("/new")
def survey_new(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    p = page(request, me)
    values: dict[str, Any] = {
        "name": "",
        "kind": "nps",
        "default_language": p.lang,
        "languages": list(LANGUAGES),
    }
    for lang in LANGUAGES:
        for f in TEXT_FIELDS:
            values[f"{f}_{lang}"] = ""
    return _builder(request, me, values=values)


def _definition(values: dict[str, Any], kind: str, languages: list[str]) -> dict[str, Any]:
    def texts(field: str) -> dict[str, str]:
        return {
            lang: values[f"{field}_{lang}"].strip()
            for lang in languages
            if values[f"{field}_{lang}"].strip()
        }

    questions: list[dict[str, Any]] = [
        {"key": "score", "type": kind, "title": texts("q1"), "required": True}
    ]
    if texts("q2"):
        questions.append({"key": "comment", "type": "text", "title": texts("q2")})
    return {"intro": texts("intro"), "thank_you": texts("thanks"), "questions": questions}


@router.post("/new")
async def survey_create(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    form = await checked_form(request)
    fb = _feedback()
    from sada.feedback.schemas import SurveyIn

    values: dict[str, Any] = {
        "name": str(form.get("name", "")).strip()[:200],
        "kind": str(form.get("kind", "nps")),
        "default_language": str(form.get("default_language", "en")),
        "languages": [lang for lang in form.getlist("languages") if lang in LANGUAGES],
    }
    for lang in LANGUAGES:
        for f in TEXT_FIELDS:
            values[f"{f}_{lang}"] = str(form.get(f"{f}_{lang}", ""))[:2000]
    kind = values["kind"] if values["kind"] in KINDS else "nps"
    languages = list(dict.fromkeys([values["default_language"], *values["languages"]]))
    if values["default_language"] not in LANGUAGES or not values["name"]:
        return _builder(
            request, me, values=values, problems=[N_("Give the survey a name.")], status_code=422
        )
    try:
        data = SurveyIn.model_validate(
            {
                "name": values["name"],
                "kind": kind,
                "status": "active",
                "default_language": values["default_language"],
                "languages": languages,
                "definition": _definition(values, kind, languages),
            }
        )
        with services(request).db.transaction(me.workspace_id) as session:
            survey = fb.do_create_survey(session, data, actor=me.actor(client_ip(request)))
    except (Invalid, ValueError) as exc:
        details = getattr(exc, "details", None)
        problems = (
            [str(d) for d in details]
            if isinstance(details, list)
            else [N_("Write the question in the default language.")]
        )
        return _builder(request, me, values=values, problems=problems, status_code=422)
    return redirect(request, f"/surveys/{survey.id}")


def _metric(session: Any, survey: Any, p: Any) -> tuple[dict[str, Any] | None, Any]:
    if survey.kind not in KINDS:
        return None, None
    try:
        metrics = importlib.import_module("sada.metrics.service")
        result = metrics.summarize(
            session, metrics.MetricFilter(metric=survey.kind, survey_ids=[survey.id]), by="week"
        )
    except (ImportError, SadaError, ValueError):
        return None, None
    points = result.get("periods") or []
    chart = None
    if len(points) >= 1:
        from datetime import date

        d = 2 if survey.kind == "ces" else 0
        chart = line_chart(
            survey.kind.upper(),
            [p.fmt.short_date(date.fromisoformat(pt["start"])) for pt in points],
            [
                Series(
                    survey.kind.upper(),
                    [pt.get(survey.kind) for pt in points],
                    PALETTE[0],
                    ns=[int(pt.get("n") or 0) for pt in points],
                    low=[pt.get("ci_low") for pt in points],
                    high=[pt.get("ci_high") for pt in points],
                )
            ],
            rtl=p.lang in ("ar", "fa"),
            y_fmt=lambda v: p.fmt.num(v, d),
        )
    return result, chart


@router.get("/{survey_id}")
def survey_results(request: Request, survey_id: int, me: SignedIn = Depends(MANAGE)) -> Response:
    fb = _feedback()
    p = page(request, me)
    base_url = services(request).settings.base_url
    with services(request).db.reader(me.workspace_id) as session:
        survey = fb.access_survey(session, survey_id)
        out = fb.survey_out(session, survey, base_url)
        count = fb._response_count(session, survey.id)
        metric, chart = _metric(session, survey, p)
    local_link = f"/s/{survey.public_key}"
    return render(
        p,
        "survey_results.html",
        survey=out,
        count=count,
        metric=metric,
        chart=chart,
        local_link=local_link,
        sent=request.query_params.get("sent"),
        skipped=request.query_params.get("skipped"),
    )


@router.post("/{survey_id}/invite")
async def survey_invite(
    request: Request, survey_id: int, me: SignedIn = Depends(MANAGE)
) -> Response:
    form = await checked_form(request)
    fb = _feedback()
    from sada.feedback.schemas import Recipient

    language = str(form.get("language", "")) or None
    emails = [
        e.strip() for e in str(form.get("emails", "")).replace(",", "\n").splitlines() if "@" in e
    ][:500]
    settings = services(request).settings
    with services(request).db.transaction(me.workspace_id) as session:
        survey = fb.access_survey(session, survey_id)
        results = fb.do_create_invitations(
            session,
            survey,
            [Recipient(email=e, language=language) for e in emails],
            secret=settings.secret_key,
            base_url=settings.base_url,
        )
    services(request).wake_jobs()
    skipped = sum(1 for r in results if r.status == "skipped")
    return redirect(
        request, f"/surveys/{survey_id}?sent={len(results) - skipped}&skipped={skipped}"
    )
