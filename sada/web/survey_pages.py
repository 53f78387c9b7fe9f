"""Survey pages: list, builder (its form logic is in `sada.web.survey_builder`),
distribution (link per language, email invitations) and results.

Everything goes through `sada.feedback.service` (surveys, invitations, responses)
and `sada.metrics.service` (scores); without those domains the pages say so.
"""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response

from sada.core.errors import Invalid, NotFound, SadaError
from sada.core.http import client_ip
from sada.people.membership import list_segments
from sada.people.segments import name_in
from sada.web.charts import PALETTE, Series, line_chart
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import N_, zone
from sada.web.period import Period, parse_period
from sada.web.service import SignedIn
from sada.web.survey_builder import (
    KINDS,
    blank_values,
    editable_values,
    not_editable,
    read_form,
    render_builder,
    service_problems,
    submitted_definition,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/surveys")
MANAGE = require("surveys")


def _feedback() -> Any:
    try:
        return importlib.import_module("sada.feedback.service")
    except ImportError:
        raise NotFound("surveys are not installed") from None


@router.get("")
def surveys(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    fb = _feedback()
    with services(request).db.reader(me.workspace_id) as session:
        rows = [(s, fb.response_count(session, s.id)) for s in fb.list_surveys(session)]
    return render(page(request, me), "surveys.html", surveys=rows)


@router.get("/new")
def survey_new(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    return render_builder(request, me, values=blank_values(page(request, me).lang))


@router.post("/new")
async def survey_create(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    form = await checked_form(request)
    fb = _feedback()
    from sada.feedback.schemas import SurveyIn

    values, add = read_form(form)
    if add:
        return render_builder(request, me, values=values)
    kind = values["kind"] if values["kind"] in KINDS else "nps"
    definition, problems = submitted_definition(request, me, values, kind)
    if definition is None:
        return render_builder(request, me, values=values, problems=problems, status_code=422)
    try:
        data = SurveyIn.model_validate(
            {
                "name": values["name"],
                "kind": kind,
                "status": "active",
                "default_language": values["default_language"],
                "languages": [values["default_language"], *values["languages"]],
                "definition": definition,
            }
        )
        with services(request).db.transaction(me.workspace_id) as session:
            survey = fb.do_create_survey(session, data, actor=me.actor(client_ip(request)))
    except (Invalid, ValueError) as exc:
        problems = service_problems(exc, definition.questions, page(request, me))
        return render_builder(request, me, values=values, problems=problems, status_code=422)
    return redirect(request, f"/surveys/{survey.id}")


def _load(request: Request, me: SignedIn, survey_id: int) -> tuple[Any, Any, int]:
    fb = _feedback()
    with services(request).db.reader(me.workspace_id) as session:
        survey = fb.access_survey(session, survey_id)
        definition = fb.definition_of(session, survey)
        count = fb.response_count(session, survey.id)
        session.expunge(survey)
    return survey, definition, count


@router.get("/{survey_id}/edit")
def survey_edit(request: Request, survey_id: int, me: SignedIn = Depends(MANAGE)) -> Response:
    survey, definition, count = _load(request, me, survey_id)
    values = editable_values(request, me, survey, definition)
    if values is None:
        return not_editable(request, me)
    return render_builder(request, me, values=values, survey=survey, responses=count)


@router.post("/{survey_id}/edit")
async def survey_update(
    request: Request, survey_id: int, me: SignedIn = Depends(MANAGE)
) -> Response:
    form = await checked_form(request)
    fb = _feedback()
    from sada.feedback.schemas import SurveyPatch

    survey, definition, count = _load(request, me, survey_id)
    if editable_values(request, me, survey, definition) is None:
        return not_editable(request, me)
    values, add = read_form(form)
    values["kind"] = survey.kind
    if add:
        return render_builder(request, me, values=values, survey=survey, responses=count)
    new, problems = submitted_definition(request, me, values, survey.kind)
    if new is None:
        return render_builder(
            request,
            me,
            values=values,
            problems=problems,
            status_code=422,
            survey=survey,
            responses=count,
        )
    try:
        patch = SurveyPatch(
            name=values["name"],
            default_language=values["default_language"],
            languages=list(dict.fromkeys([values["default_language"], *values["languages"]])),
            definition=new,
        )
        with services(request).db.transaction(me.workspace_id) as session:
            fb.do_update_survey(session, survey_id, patch, actor=me.actor(client_ip(request)))
    except (Invalid, ValueError) as exc:
        return render_builder(
            request,
            me,
            values=values,
            problems=service_problems(exc, new.questions, page(request, me)),
            status_code=422,
            survey=survey,
            responses=count,
        )
    return redirect(request, f"/surveys/{survey_id}")


def survey_metric(
    session: Any, survey: Any, per: Period, rf: Any
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The survey's metric over the period (95% intervals per day, week or month) and the
    comparison with the previous period when asked for: the figures of the results page (and
    of a scheduled report of it)."""
    if survey.kind not in KINDS:
        return None, None
    dims = {k: v for k, v in (("language", rf.language), ("channel", rf.channel)) if v}
    try:
        metrics = importlib.import_module("sada.metrics.service")
        current = metrics.MetricFilter(
            metric=survey.kind,
            survey_ids=[survey.id],
            since=per.first,
            until=per.last + timedelta(days=1),
            filters=dims,
        )
        result = metrics.summarize(
            session, current, by="day" if per.days <= 14 else "week" if per.days <= 120 else "month"
        )
        change = None
        if per.compare:
            prev = per.previous()
            before = metrics.MetricFilter(
                metric=survey.kind,
                survey_ids=[survey.id],
                since=prev.first,
                until=prev.last + timedelta(days=1),
                filters=dims,
            )
            change = metrics.compare_filters(session, before, current)
    except (ImportError, SadaError, ValueError):
        return None, None
    return result, change


def _metric(
    session: Any, survey: Any, p: Any, per: Period, rf: Any
) -> tuple[dict[str, Any] | None, Any, dict[str, Any] | None]:
    """The survey's metric, its chart, and the comparison with the previous period."""
    result, change = survey_metric(session, survey, per, rf)
    if result is None:
        return None, None, None
    points = result.get("periods") or []
    chart = None
    if len(points) >= 1:
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
    return result, chart, change


def _result_filter(request: Request, per: Period) -> Any:
    return result_filter(request.query_params, per)


def result_filter(qp: Any, per: Period) -> Any:
    """The responses the results page counts: the period, language, channel and score band."""
    from sada.feedback.results import BANDS, ResultFilter

    band = qp.get("band") or None
    if band is not None and band not in BANDS:
        raise Invalid(N_("Choose a score band: low, middle or high."), details={"field": "band"})
    return ResultFilter(
        start=per.start,
        end=per.end,
        language=(qp.get("language") or None),
        channel=(qp.get("channel") or None),
        band=band,
    )


@router.get("/{survey_id}")
def survey_results(request: Request, survey_id: int, me: SignedIn = Depends(MANAGE)) -> Response:
    from sada.feedback import results

    fb = _feedback()
    p = page(request, me)
    per = parse_period(request.query_params, zone(p.fmt.timezone), default="90d")
    rf = _result_filter(request, per)
    try:
        before = int(request.query_params.get("before", "")) or None
    except ValueError:
        before = None
    base_url = services(request).settings.base_url
    with services(request).db.reader(me.workspace_id) as session:
        survey = fb.access_survey(session, survey_id)
        out = fb.survey_out(session, survey, base_url)
        count = fb.response_count(session, survey.id)
        metric, chart, change = _metric(session, survey, p, per, rf)
        definition = fb.definition_of(session, survey)
        counted, questions = results.question_results(session, survey, definition, rf)
        rows, next_before = results.list_responses(session, survey, definition, rf, before=before)
        score_q = results.score_question(definition)
        segments = [
            (seg.key, name_in(seg.names, p.lang, seg.key), seg.member_count)
            for seg in list_segments(session)
        ]
    channels = importlib.import_module("sada.feedback.invitations").delivery_channels()
    local_link = f"/s/{survey.public_key}"
    q = request.query_params
    return render(
        p,
        "survey_results.html",
        survey=out,
        count=count,
        counted=counted,
        metric=metric,
        chart=chart,
        change=change,
        questions=questions,
        rows=rows,
        next_before=next_before,
        score_key=score_q.key if score_q else None,
        rf=rf,
        per=per,
        qtext=lambda q, field="title": q.text(field, p.lang, survey.default_language),
        local_link=local_link,
        sent=request.query_params.get("sent"),
        skipped=request.query_params.get("skipped"),
        segments=segments,
        channels=channels,
        segment_sent=(
            {k: _int(q.get(k)) for k in ("members", "invited", "already", "refused", "queued")}
            if q.get("to_segment")
            else None
        ),
        to_segment=next(
            (name for key, name, _n in segments if key == q.get("to_segment")),
            q.get("to_segment"),
        ),
    )


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


@router.get("/{survey_id}/responses/{response_id}")
def survey_response(
    request: Request, survey_id: int, response_id: int, me: SignedIn = Depends(MANAGE)
) -> Response:
    """One full response: every answer in the order of the version it answered."""
    from sada.feedback import results

    fb = _feedback()
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        survey = fb.access_survey(session, survey_id)
        response, definition, answers = results.response_detail(session, survey, response_id)
        session.expunge_all()
    return render(
        p,
        "survey_response.html",
        survey=survey,
        response=response,
        answers=answers,
        qtext=lambda q, field="title": q.text(field, p.lang, survey.default_language),
        choice_label=lambda q, key: (
            next(
                (c.label.get(p.lang) or c.label.get(survey.default_language) or key)
                for c in q.choices
                if c.key == key
            )
            if q is not None and any(c.key == key for c in q.choices)
            else key
        ),
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
        results = importlib.import_module("sada.feedback.invitations").do_create_invitations(
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


@router.post("/{survey_id}/invite-segment")
async def survey_invite_segment(
    request: Request, survey_id: int, me: SignedIn = Depends(MANAGE)
) -> Response:
    """Send the survey to a segment's members on one channel (see `do_invite_segment`)."""
    form = await checked_form(request)
    fb = _feedback()
    invitations = importlib.import_module("sada.feedback.invitations")
    key = str(form.get("segment", ""))[:64]
    channel = str(form.get("channel", "email"))[:20]
    settings = services(request).settings
    with services(request).db.transaction(me.workspace_id) as session:
        survey = fb.access_survey(session, survey_id)
        sent, queued = invitations.send_to_segment(
            session,
            survey,
            key,
            channel=channel,
            secret=settings.secret_key,
            requested_by=f"segment:{key}",
            contact_days_default=settings.survey_contact_days,
        )
    services(request).wake_jobs()
    query = urlencode(
        {
            "queued": int(queued),
            "to_segment": sent.segment,
            "members": sent.members,
            "invited": sent.invited,
            "already": sent.already,
            "refused": sum(sent.skipped.values()),
        }
    )
    return redirect(request, f"/surveys/{survey_id}?{query}#distribution")
