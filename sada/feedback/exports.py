"""Response exports that open correctly in Excel, in every script, and cannot run formulas.

- `response_table(session, survey, language) -> (header, rows)`
- `to_csv(header, rows) -> bytes`: UTF-8 with a BOM (Excel then reads Arabic, Persian
  and Chinese correctly), CRLF line ends.
- `to_xlsx(header, rows) -> bytes`: via openpyxl; right-to-left sheet for ar/fa.

Both go through `sada.core.spreadsheets`, which gives every text cell that starts like a
formula a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core import spreadsheets
from sada.feedback.models import Answer, Response, Survey, SurveyVersion
from sada.feedback.schemas import Question, SurveyDefinition, is_rtl

FIXED = [
    "response_id",
    "status",
    "started_at",
    "completed_at",
    "person_id",
    "language",
    "channel",
    "segment",
    "audience",
    "touchpoint",
    "agent",
    "survey_version",
]


def response_table(
    session: Session, survey: Survey, language: str | None = None
) -> tuple[list[str], list[list[Any]]]:
    lang = language or survey.default_language
    versions = session.execute(
        select(SurveyVersion.version, SurveyVersion.definition)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(SurveyVersion.version.desc())
    ).all()
    questions: dict[str, Question] = {}
    for _version, raw in versions:  # newest wording wins; old keys still get a column
        for q in SurveyDefinition.model_validate(raw).questions:
            questions.setdefault(q.key, q)
    ordered = list(questions.values())
    header = FIXED + [
        f"{q.key}: {q.text('title', lang, survey.default_language)}".rstrip(": ") for q in ordered
    ]
    responses = list(
        session.execute(
            select(Response).where(Response.survey_id == survey.id).order_by(Response.id)
        ).scalars()
    )
    answers: dict[int, dict[str, Answer]] = {}
    ids = [r.id for r in responses]
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for a in session.execute(select(Answer).where(Answer.response_id.in_(part))).scalars():
            answers.setdefault(a.response_id, {})[a.question_key] = a
    rows = []
    for r in responses:
        row: list[Any] = [
            r.id,
            r.status,
            r.started_at.isoformat() if r.started_at else "",
            r.completed_at.isoformat() if r.completed_at else "",
            r.person_id or "",
            r.language or "",
            r.channel or "",
            r.segment or "",
            r.audience or "",
            r.touchpoint or "",
            r.agent or "",
            r.version,
        ]
        mine = answers.get(r.id, {})
        for q in ordered:
            row.append(_cell(q, mine.get(q.key), lang, survey.default_language))
        rows.append(row)
    return header, rows


def _cell(q: Question, a: Answer | None, lang: str, default: str) -> Any:
    if a is None:
        return ""
    labels = {c.key: (c.label.get(lang) or c.label.get(default) or c.key) for c in q.choices}
    if a.number is not None:
        return int(a.number) if a.number == int(a.number) else a.number
    if a.choices is not None:
        return "; ".join(labels.get(c, c) for c in a.choices)
    if q.type == "single_choice" and a.text is not None:
        return labels.get(a.text, a.text)
    return a.text or ""


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    return spreadsheets.csv_bytes(header, rows)


def to_xlsx(header: list[str], rows: list[list[Any]], language: str | None = None) -> bytes:
    return spreadsheets.xlsx_bytes(header, rows, sheet="responses", rtl=is_rtl(language))
