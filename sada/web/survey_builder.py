"""The survey builder's form: the four languages side by side, turned into a survey definition
and back, with problems in sentences a builder understands.

- `render_builder(request, me, *, values, problems, ...)`: the builder page with its fields
- `blank_values(default_language)`: the fields of a new survey
- `read_form(form) -> (values, add)`: the posted fields (and whether to add a question block)
- `submitted_definition(request, me, values, kind) -> (SurveyDefinition | None, problems)`
- `service_problems(exc, questions, p)`: the service's problems, naming questions as the page does
- `editable_values(request, me, survey, definition)`: a stored survey's fields, or None when
  saving them would not give the same survey back (`not_editable` says so)

The routes are in `sada.web.survey_pages`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response
from pydantic import ValidationError

from sada.core.validation import field_errors
from sada.web.core import page, render
from sada.web.i18n import LANGUAGES, N_
from sada.web.service import SignedIn

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


def _local_digits(lang: str, value: int | str) -> str:
    """Scale digits as respondents see them on the hosted page (Persian, Arabic-Indic)."""
    table = _LOCAL_DIGITS.get(lang)
    return str(value).translate(table) if table else str(value)


def _problem(msg: str, **args: Any) -> dict[str, Any]:
    """A message for the page: an English msgid plus its (already formatted) arguments."""
    return {"msg": msg, "args": args}


def render_builder(
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


def blank_values(default_language: str) -> dict[str, Any]:
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


def read_form(form: Any) -> tuple[dict[str, Any], bool]:
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


def service_problems(
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


def submitted_definition(
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
        return None, service_problems(exc, raw["questions"], p)
    return definition, []


def _values_of(survey: Any, definition: Any) -> dict[str, Any] | None:
    """The builder's fields for a stored survey, or None when the builder cannot show it as is."""
    values = blank_values(survey.default_language)
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


def editable_values(
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


def not_editable(request: Request, me: SignedIn) -> Response:
    title = N_("The builder cannot edit this survey: it uses settings only the API can change.")
    return render(page(request, me), "error.html", status_code=409, title=title)
