"""Surveys: list, builder with the four languages side by side and a live preview,
distribution (link per language, email invitations) and results.

Everything goes through `sada.feedback.service` (surveys, invitations, responses)
and `sada.metrics.service` (scores); without those domains the pages say so.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from sada.core.errors import Invalid, NotFound, SadaError
from sada.core.http import client_ip
from sada.core.validation import field_errors
from sada.people.membership import list_segments
from sada.people.segments import name_in
from sada.web.charts import PALETTE, Series, line_chart
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.i18n import LANGUAGES, N_, zone
from sada.web.period import Period, parse_period
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False, prefix="/surveys")
MANAGE = require("surveys")
KINDS = ("nps", "csat", "ces")
KIND_LABELS = {
    "nps": N_("Net Promoter Score (0–10)"),
    "csat": N_("Customer satisfaction (1–5)"),
    "ces": N_("Customer effort (1–7)"),
}
KIND_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
TEXT_FIELDS = ("intro", "q1", "q2", "thanks")
EXTRA_TYPES = ("single_choice", "multiple_choice", "rating", "text")
EXTRA_LABELS = {
    "single_choice": N_("Single choice"),
    "multiple_choice": N_("Multiple choice"),
    "rating": N_("Rating (1–5 stars)"),
    "text": N_("Open text"),
}
MAX_EXTRAS = 30
_EXTRA_FIELD = re.compile(r"^x(\d{1,3})_type$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
_LOCAL_DIGITS = {
    "fa": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
    "ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
}


def _feedback() -> Any:
    try:
        return importlib.import_module("sada.feedback.service")
    except ImportError:
        raise NotFound("surveys are not installed") from None


def _local_digits(lang: str, value: int | str) -> str:
    """Scale digits as respondents see them on the hosted page (Persian, Arabic-Indic)."""
    table = _LOCAL_DIGITS.get(lang)
    return str(value).translate(table) if table else str(value)


@router.get("")
def surveys(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    fb = _feedback()
    with services(request).db.reader(me.workspace_id) as session:
        rows = [(s, fb.response_count(session, s.id)) for s in fb.list_surveys(session)]
    return render(page(request, me), "surveys.html", surveys=rows)


def _problem(msg: str, **args: Any) -> dict[str, Any]:
    """A message for the page: an English msgid plus its (already formatted) arguments."""
    return {"msg": msg, "args": args}


def _builder(
    request: Request,
    me: SignedIn,
    *,
    values: dict[str, Any],
    problems: list[dict[str, Any]] | None = None,
    status_code: int = 200,
    survey: Any = None,
    responses: int = 0,
) -> Response:
    return render(
        page(request, me),
        "survey_builder.html",
        status_code=status_code,
        values=values,
        problems=problems or [],
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        kind_scales=KIND_SCALES,
        extra_types=EXTRA_TYPES,
        extra_labels=EXTRA_LABELS,
        max_extras=MAX_EXTRAS,
        local_digits=_local_digits,
        survey=survey,
        responses=responses,
        action=f"/surveys/{survey.id}/edit" if survey is not None else "/surveys/new",
    )


def _blank_extra() -> dict[str, Any]:
    return {
        "key": "",
        "type": "single_choice",
        "max_score": "",
        "ckeys": "",
        "label": {lang: "" for lang in LANGUAGES},
        "options": {lang: "" for lang in LANGUAGES},
    }


def _blank_values(default_language: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "",
        "kind": "nps",
        "default_language": default_language,
        "languages": list(LANGUAGES),
        "extras": [],
    }
    for lang in LANGUAGES:
        for f in TEXT_FIELDS:
            values[f"{f}_{lang}"] = ""
    return values


@router.get("/new")
def survey_new(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    return _builder(request, me, values=_blank_values(page(request, me).lang))


def _read_form(form: Any) -> tuple[dict[str, Any], bool]:
    """The builder's fields as `values` (what the page shows again) and whether to add a block."""
    values: dict[str, Any] = {
        "name": str(form.get("name", "")).strip()[:200],
        "kind": str(form.get("kind", "nps")),
        "default_language": str(form.get("default_language", "en")),
        "languages": [lang for lang in form.getlist("languages") if lang in LANGUAGES],
    }
    for lang in LANGUAGES:
        for f in TEXT_FIELDS:
            values[f"{f}_{lang}"] = str(form.get(f"{f}_{lang}", ""))[:2000]
    indices = sorted({int(m.group(1)) for name in form if (m := _EXTRA_FIELD.match(str(name)))})
    extras: list[dict[str, Any]] = []
    for i in indices[:MAX_EXTRAS]:
        if form.get(f"x{i}_remove"):
            continue
        extras.append(
            {
                "key": str(form.get(f"x{i}_key", ""))[:64],
                "type": str(form.get(f"x{i}_type", "")),
                "max_score": str(form.get(f"x{i}_max_score", "")).strip()[:10],
                "ckeys": str(form.get(f"x{i}_ckeys", ""))[:2000],
                "label": {
                    lang: str(form.get(f"x{i}_label_{lang}", ""))[:2000] for lang in LANGUAGES
                },
                "options": {
                    lang: str(form.get(f"x{i}_options_{lang}", ""))[:5000] for lang in LANGUAGES
                },
            }
        )
    values["extras"] = extras
    add = str(form.get("op", "")) == "add" and len(extras) < MAX_EXTRAS
    if add:
        extras.append(_blank_extra())
    return values, add


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _definition(
    values: dict[str, Any], kind: str, languages: list[str], p: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `SurveyDefinition` payload built from the form, and the problems found on the way."""
    default = values["default_language"]
    problems: list[dict[str, Any]] = []

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
    used = {"score", "comment"} | {x["key"] for x in values["extras"] if _KEY.match(x["key"] or "")}
    low, high = KIND_SCALES[kind]
    for n, extra in enumerate(values["extras"], start=1):
        number = p.fmt.num(n)
        key = extra["key"] if _KEY.match(extra["key"] or "") else ""
        if not key or key in ("score", "comment"):
            key = next(f"q{j}" for j in range(n + 1, 10_000) if f"q{j}" not in used)
            used.add(key)
            extra["key"] = key
        if extra["type"] not in EXTRA_TYPES:
            problems.append(_problem(N_("Additional question %(n)s: choose its type."), n=number))
            continue
        title = {
            lang: extra["label"][lang].strip() for lang in languages if extra["label"][lang].strip()
        }
        if not title.get(default):
            problems.append(
                _problem(
                    N_("Additional question %(n)s: write its text in the default language."),
                    n=number,
                )
            )
        question: dict[str, Any] = {"key": key, "type": extra["type"], "title": title}
        if extra["type"] == "rating":
            question.update(scale_min=1, scale_max=5)
        if extra["type"] in ("single_choice", "multiple_choice"):
            options = {lang: _lines(extra["options"][lang]) for lang in languages}
            expected = len(options.get(default, []))
            if not expected:
                problems.append(
                    _problem(
                        N_(
                            "Additional question %(n)s: a choice question needs at least one "
                            "option in the default language (one per line)."
                        ),
                        n=number,
                    )
                )
            else:
                for lang in languages:
                    count = len(options[lang])
                    if count and count != expected:
                        problems.append(
                            _problem(
                                N_(
                                    "Additional question %(n)s: %(language)s has %(count)s "
                                    "options but the default language has %(expected)s; options "
                                    "are matched line by line."
                                ),
                                n=number,
                                language=LANGUAGES[lang].name,
                                count=p.fmt.num(count),
                                expected=p.fmt.num(expected),
                            )
                        )
                old = [k for k in extra["ckeys"].split(",") if _KEY.match(k)]
                keys: list[str] = []
                for j in range(expected):
                    k = old[j] if j < len(old) and old[j] not in keys else ""
                    if not k:
                        k = next(f"o{m}" for m in range(j + 1, 10_000) if f"o{m}" not in keys + old)
                    keys.append(k)
                extra["ckeys"] = ",".join(keys)
                question["choices"] = [
                    {
                        "key": keys[j],
                        "label": {
                            lang: options[lang][j]
                            for lang in languages
                            if len(options[lang]) == expected
                        },
                    }
                    for j in range(expected)
                ]
        if extra["max_score"]:
            digits = extra["max_score"].translate(_FROM_LOCAL)
            if not digits.isdigit() or not low <= int(digits) <= high:
                problems.append(
                    _problem(
                        N_(
                            "Additional question %(n)s: the score limit must be a whole number "
                            "from %(low)s to %(high)s."
                        ),
                        n=number,
                        low=p.fmt.num(low),
                        high=p.fmt.num(high),
                    )
                )
            else:
                question["show_if"] = {"question": "score", "op": "lte", "value": int(digits)}
        questions.append(question)
    definition = {"intro": texts("intro"), "thank_you": texts("thanks"), "questions": questions}
    return definition, problems


_FROM_LOCAL = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


_PROBLEM_PATH = re.compile(
    r"^(?:definition\.)?questions\[(\d+)\](?:\.choices\[(\d+)\])?(?:\.(\w+))?"
)


def _service_problems(
    exc: Exception, questions: Sequence[Any] = (), p: Any = None
) -> list[dict[str, Any]]:
    """The service's problems (`questions[0].title: ...`) as sentences a builder understands,
    naming the question as the page does ("The main question", "Additional question 2")."""
    if isinstance(exc, ValidationError):
        details: Any = [f"{path}: {message}" for path, message in field_errors("", exc)]
    else:
        details = getattr(exc, "details", None)
    if not isinstance(details, list) or not details:
        return [_problem(N_("Write the question in the default language."))]
    found: list[dict[str, Any]] = []
    for detail in details:
        text = (
            detail
            if isinstance(detail, str)
            else f"{detail.get('path', '')}: {detail.get('message', '')}"
            if isinstance(detail, dict)
            else str(detail)
        )
        problem = _human_problem(text, questions, p)
        if problem not in found:
            found.append(problem)
    return found


def _question_name(index: int, questions: Sequence[Any], p: Any) -> str:
    keys = [q.get("key") if isinstance(q, dict) else getattr(q, "key", None) for q in questions]
    gettext = p.gettext if p is not None else (lambda text: text)
    if index == 0:
        return str(gettext(N_("The main question")))
    key = keys[index] if index < len(keys) else None
    if key == "comment":
        return str(gettext(N_("The comment question")))
    extra = index - (2 if "comment" in keys[:index] else 1) + 1
    number = p.fmt.num(extra) if p is not None else str(extra)
    return str(gettext(N_("Additional question %(n)s")) % {"n": number})


def _human_problem(text: str, questions: Sequence[Any], p: Any) -> dict[str, Any]:
    path, _sep, message = text.partition(": ")
    match = _PROBLEM_PATH.match(path)
    if match is None:
        if path.startswith(("intro", "definition.intro")):
            return _problem(N_("The introduction uses a language the survey does not use."))
        if path.startswith(("thank_you", "definition.thank_you")):
            return _problem(N_("The thank-you text uses a language the survey does not use."))
        return _problem(
            N_("The survey cannot be saved: check each question's text in the default language.")
        )
    name = _question_name(int(match.group(1)), questions, p)
    choice, part = match.group(2), match.group(3)
    if "default language" in message and choice is not None:
        option = int(choice) + 1
        return _problem(
            N_("%(question)s: write option %(option)s in the default language."),
            question=name,
            option=p.fmt.num(option) if p is not None else str(option),
        )
    if "default language" in message:
        return _problem(N_("%(question)s: write its text in the default language."), question=name)
    if "not one of the survey's languages" in message:
        return _problem(
            N_("%(question)s: it has text in a language the survey does not use."), question=name
        )
    if "duplicate key" in message:
        return _problem(N_("%(question)s: another question has the same key."), question=name)
    if part == "show_if":
        return _problem(
            N_("%(question)s: its condition must refer to a question that comes before it."),
            question=name,
        )
    return _problem(N_("%(question)s: check its settings."), question=name)


def _submitted(
    request: Request, me: SignedIn, values: dict[str, Any], kind: str
) -> tuple[Any, list[dict[str, Any]]]:
    """The validated definition (or None) and the problems to show."""
    from sada.feedback.schemas import SurveyDefinition

    p = page(request, me)
    if values["default_language"] not in LANGUAGES or not values["name"]:
        return None, [_problem(N_("Give the survey a name."))]
    languages = list(dict.fromkeys([values["default_language"], *values["languages"]]))
    raw, problems = _definition(values, kind, languages, p)
    if problems:
        return None, problems
    try:
        definition = SurveyDefinition.model_validate(raw)
    except ValueError as exc:
        return None, _service_problems(exc, raw["questions"], p)
    return definition, []


@router.post("/new")
async def survey_create(request: Request, me: SignedIn = Depends(MANAGE)) -> Response:
    form = await checked_form(request)
    fb = _feedback()
    from sada.feedback.schemas import SurveyIn

    values, add = _read_form(form)
    if add:
        return _builder(request, me, values=values)
    kind = values["kind"] if values["kind"] in KINDS else "nps"
    definition, problems = _submitted(request, me, values, kind)
    if definition is None:
        return _builder(request, me, values=values, problems=problems, status_code=422)
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
        problems = _service_problems(exc, definition.questions, page(request, me))
        return _builder(request, me, values=values, problems=problems, status_code=422)
    return redirect(request, f"/surveys/{survey.id}")


def _values_of(survey: Any, definition: Any) -> dict[str, Any] | None:
    """The builder's fields for a stored survey, or None when the builder cannot show it as is."""
    values = _blank_values(survey.default_language)
    values.update(
        name=survey.name,
        kind=survey.kind,
        languages=[lang for lang in survey.languages if lang in LANGUAGES],
    )
    if survey.kind not in KINDS or survey.default_language not in LANGUAGES:
        return None
    if any(lang not in LANGUAGES for lang in survey.languages):
        return None
    for lang in LANGUAGES:
        values[f"intro_{lang}"] = definition.intro.get(lang, "")
        values[f"thanks_{lang}"] = definition.thank_you.get(lang, "")
    questions = list(definition.questions)
    if not questions or questions[0].key != "score" or questions[0].type != survey.kind:
        return None
    for lang in LANGUAGES:
        values[f"q1_{lang}"] = questions[0].title.get(lang, "")
    rest = questions[1:]
    if rest and rest[0].key == "comment" and rest[0].type == "text" and rest[0].show_if is None:
        for lang in LANGUAGES:
            values[f"q2_{lang}"] = rest[0].title.get(lang, "")
        rest = rest[1:]
    for q in rest:
        if q.type not in EXTRA_TYPES:
            return None
        extra = _blank_extra()
        extra.update(key=q.key, type=q.type, ckeys=",".join(c.key for c in q.choices))
        for lang in LANGUAGES:
            extra["label"][lang] = q.title.get(lang, "")
            if q.choices and all(lang in c.label for c in q.choices):
                extra["options"][lang] = "\n".join(c.label[lang] for c in q.choices)
        if q.show_if is not None:
            extra["max_score"] = str(q.show_if.value)
        values["extras"].append(extra)
    return values


def _editable(
    request: Request, me: SignedIn, survey: Any, definition: Any
) -> dict[str, Any] | None:
    """The prefilled fields; refused when saving them would not give back the same survey."""
    values = _values_of(survey, definition)
    if values is not None:
        rebuilt, problems = _definition(
            {**values, "extras": [dict(x) for x in values["extras"]]},
            survey.kind,
            list(dict.fromkeys([survey.default_language, *values["languages"]])),
            page(request, me),
        )
        from sada.feedback.schemas import SurveyDefinition

        try:
            same = not problems and SurveyDefinition.model_validate(rebuilt).model_dump(
                mode="json", exclude_none=True
            ) == definition.model_dump(mode="json", exclude_none=True)
        except ValueError:
            same = False
        if same:
            return values
    return None


def _not_editable(request: Request, me: SignedIn) -> Response:
    title = N_("The builder cannot edit this survey: it uses settings only the API can change.")
    return render(page(request, me), "error.html", status_code=409, title=title)


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
    values = _editable(request, me, survey, definition)
    if values is None:
        return _not_editable(request, me)
    return _builder(request, me, values=values, survey=survey, responses=count)


@router.post("/{survey_id}/edit")
async def survey_update(
    request: Request, survey_id: int, me: SignedIn = Depends(MANAGE)
) -> Response:
    form = await checked_form(request)
    fb = _feedback()
    from sada.feedback.schemas import SurveyPatch

    survey, definition, count = _load(request, me, survey_id)
    if _editable(request, me, survey, definition) is None:
        return _not_editable(request, me)
    values, add = _read_form(form)
    values["kind"] = survey.kind
    if add:
        return _builder(request, me, values=values, survey=survey, responses=count)
    new, problems = _submitted(request, me, values, survey.kind)
    if new is None:
        return _builder(
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
        return _builder(
            request,
            me,
            values=values,
            problems=_service_problems(exc, new.questions, page(request, me)),
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
