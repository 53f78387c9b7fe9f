"""Answers: clean them against a survey's questions, score them, store and read them back.

- `validate_answers(definition, raw, *, complete) -> dict` (Invalid with per-question details;
  answers to questions hidden by display logic are dropped)
- `visible_questions(definition, answers) -> list[Question]` (display logic)
- `metric_scores(definition, answers) -> {metric: [score, scale_max]}` (nps, csat, ces, enps)
- `write_answers(session, response, definition, answers)` (replaces a response's answer rows)
- `answer_row(workspace_id, response_id, question, value) -> dict` (one row, for bulk inserts)
- `answers_of(session, response_id) -> {question_key: value}`
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.feedback.models import Answer, Response
from sada.feedback.schemas import METRIC_TYPES, Question, SurveyDefinition

MAX_TEXT = 10_000


def _scalar_text(value: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError("expected text")
    text = str(value)
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    if len(text) > limit:
        raise ValueError(f"is {len(text):,} characters; the limit is {limit:,}")
    return text


def _clean_answer(q: Question, value: Any) -> Any:
    if q.is_scale:
        if isinstance(value, bool):
            raise ValueError("expected a number")
        if isinstance(value, str):
            value = value.strip()
            value = value.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
        if number != int(number):
            raise ValueError("expected a whole number")
        low, high = q.scale_min or 0, q.scale_max or 0
        if not low <= number <= high:
            raise ValueError(f"{number:g} is outside the scale {low}-{high}")
        return int(number)
    if q.type == "single_choice":
        keys = {c.key for c in q.choices}
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if value not in keys:
            raise ValueError(f"{value!r} is not one of the choices ({', '.join(sorted(keys))})")
        return value
    if q.type == "multiple_choice":
        keys = {c.key for c in q.choices}
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if v not in keys]
        if bad:
            raise ValueError(f"{bad[0]!r} is not one of the choices ({', '.join(sorted(keys))})")
        return list(dict.fromkeys(values))
    if q.type == "hidden":
        return _scalar_text(value, 500)
    return _scalar_text(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def visible_questions(definition: SurveyDefinition, answers: dict[str, Any]) -> list[Question]:
    shown: list[Question] = []
    shown_keys: set[str] = set()
    for q in definition.questions:
        if q.show_if is not None:
            ref = q.show_if.question
            if ref not in shown_keys or not q.show_if.holds(answers.get(ref)):
                continue
        shown.append(q)
        shown_keys.add(q.key)
    return shown


def validate_answers(definition: SurveyDefinition, raw: Any, *, complete: bool) -> dict[str, Any]:
    """Clean answers; unknown questions, bad values and missing required ones are errors.

    Answers to questions hidden by display logic are dropped.
    """
    if not isinstance(raw, dict):
        raise Invalid("answers must be an object {question_key: value}")
    errors: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        q = definition.question(str(key))
        if q is None:
            errors.append({"path": f"answers.{key}", "message": "unknown question"})
            continue
        if _empty(value):
            continue
        try:
            clean[q.key] = _clean_answer(q, value)
        except ValueError as exc:
            errors.append({"path": f"answers.{key}", "message": str(exc)})
    if errors:
        raise Invalid("some answers are not valid", details=errors)
    visible = visible_questions(definition, clean)
    keys = {q.key for q in visible}
    clean = {k: v for k, v in clean.items() if k in keys}
    if complete:
        missing = [q.key for q in visible if q.required and q.key not in clean]
        if missing:
            raise Invalid(
                "required questions are unanswered",
                details=[{"path": f"answers.{k}", "message": "required"} for k in missing],
            )
    return clean


def metric_scores(definition: SurveyDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    for q in definition.questions:
        if q.type in METRIC_TYPES and q.key in answers and q.type not in scores:
            scores[q.type] = [answers[q.key], q.scale_max]
    return scores


def write_answers(
    session: Session, response: Response, definition: SurveyDefinition, answers: dict[str, Any]
) -> None:
    session.execute(
        delete(Answer)
        .where(Answer.response_id == response.id)
        .execution_options(synchronize_session=False)
    )
    rows = []
    for key, value in answers.items():
        q = definition.question(key)
        if q is None:
            continue
        rows.append(answer_row(response.workspace_id, response.id, q, value))
    if rows:
        session.execute(cast(Table, Answer.__table__).insert(), rows)


def answer_row(workspace_id: int, response_id: int, q: Question, value: Any) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "response_id": response_id,
        "question_key": q.key,
        "question_type": q.type,
        "number": float(value) if q.is_scale else None,
        "text": value if q.type in ("text", "hidden", "single_choice") else None,
        "choices": value if q.type == "multiple_choice" else None,
    }


def answers_of(session: Session, response_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in session.execute(select(Answer).where(Answer.response_id == response_id)).scalars():
        out[a.question_key] = _answer_value(a)
    return out


def _answer_value(a: Answer) -> Any:
    if a.number is not None:
        return int(a.number) if a.number == int(a.number) else a.number
    if a.choices is not None:
        return a.choices
    return a.text
