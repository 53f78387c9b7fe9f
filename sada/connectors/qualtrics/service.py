"""Qualtrics CSV exports of every generation, mapped to one Sada survey each.

`parse_export(text, definitions=None, timezone=None) -> ParsedExport` reads the header
(three generations, see README.md) and the question types from the file's own metadata
(`sada.connectors.qualtrics.export`); here `import_file(db, workspace_id, path, ...) ->
ImportSummary` stores the responses, and `items` / `records` turn the rows into them.

Types come from metadata only: a `QIDn_NPS_GROUP` sibling makes QIDn an NPS question,
`_TEXT` columns are text, split multiple-answer columns (each column's value is its own
choice label, or `1`) form one multiple-choice question, and a `.qsf` survey definition,
when given, says every question's type and choices. Anything else is a choice question
whose choices are the values seen (never a rating guessed from numbers). `-99` (seen but
not answered) and `-1` are skipped answers; the response is kept. Preview, test and spam
responses (`Status`) are skipped and counted.

The Sada survey is found, in order: the `survey_key`/`survey_id` given, the `.qsf`
SurveyID, the survey that already holds this file's ResponseIds (when its questions are
the file's), or a fingerprint of the file's question columns. Responses are looked up
per survey, so importing one export under another file name changes no other survey.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from sada.connectors.base import Item, PermanentError, decode_text, register
from sada.connectors.qualtrics.export import (
    NOT_ANSWERED,
    SKIPPED_STATUS,
    Column,
    Mapped,
    ParsedExport,
    parse_export,
)
from sada.db.engine import Database
from sada.feedback import service as feedback
from sada.feedback.imports import ImportSummary, import_records, slug
from sada.feedback.models import Response, Survey
from sada.feedback.service import ExternalRecord
from sada.people.schemas import PersonRef

SOURCE = "qualtrics"


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M",
)


def _when(value: str, tz: str | None) -> datetime:
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            naive = datetime.strptime(value, fmt)
            break
        except ValueError:
            continue
    else:
        raise ValueError(f"unreadable date {value!r}")
    try:
        zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return naive.replace(tzinfo=zone)


def _answer(m: Mapped, row: list[str]) -> Any:
    def cell(c: Column) -> str:
        return row[c.index].strip() if c.index < len(row) else ""

    if m.kind == "multi_split":
        chosen = [
            m.values[f"col:{c.index}"] for c in m.columns if cell(c) not in ("", *NOT_ANSWERED)
        ]
        return chosen or None
    value = cell(m.columns[0])
    if not value or value == "-99" or (value in NOT_ANSWERED and m.kind != "text"):
        return None
    if m.kind == "multi_joined":
        if value in m.values:
            return [m.values[value]]
        parts = [m.values.get(p.strip()) for p in value.split(",") if p.strip()]
        return [p for p in parts if p] or None
    if m.kind == "choice":
        return m.values.get(value, slug(value, "c"))
    if m.kind == "scale":
        return m.values.get(value, value)
    return value


def items(parsed: ParsedExport) -> Iterable[Item]:
    meta = parsed.meta

    def cell(row: list[str], name: str) -> str:
        c = meta.get(name)
        return row[c.index].strip() if c is not None and c.index < len(row) else ""

    def tz(name: str) -> str | None:
        c = meta.get(name)
        return (c.timezone if c is not None else None) or parsed.default_timezone

    for n, row in enumerate(parsed.rows, start=parsed.first_row):
        where = f"row {n}"
        rid = cell(row, "ResponseId")
        if not rid:
            yield Item(where, outcome="rejected: no ResponseId")
            continue
        status = cell(row, "Status").lower()
        if status in SKIPPED_STATUS:
            yield Item(where, outcome=f"skipped: {SKIPPED_STATUS[status]}")
            continue
        try:
            date_col = next(
                (c for c in ("RecordedDate", "EndDate") if cell(row, c)), "RecordedDate"
            )
            submitted = _when(cell(row, date_col), tz(date_col)) if cell(row, date_col) else None
            start = cell(row, "StartDate")
            started = _when(start, tz("StartDate")) if start else None
        except ValueError as exc:
            yield Item(where, outcome=f"rejected: {exc}")
            continue
        answers: dict[str, Any] = {}
        for m in parsed.mapped:
            value = _answer(m, row)
            if value is not None:
                answers[m.question.key] = value
        email = cell(row, "RecipientEmail")
        name = " ".join(
            p for p in (cell(row, "RecipientFirstName"), cell(row, "RecipientLastName")) if p
        ) or cell(row, "Name")
        ref = cell(row, "ExternalReference")
        person = None
        if email or ref:
            person = PersonRef(
                email=email or None,
                name=name or None,
                external_ids={"qualtrics": ref} if ref else None,
            )
        finished = cell(row, "Finished").lower() in ("1", "true", "yes")
        lang = cell(row, "UserLanguage").split("-")[0].lower() or None
        yield Item(
            where,
            ExternalRecord(
                source=SOURCE,
                external_id=rid,
                answers=answers,
                completed=finished or "Finished" not in meta,
                submitted_at=submitted,
                started_at=started,
                person=person,
                language=lang if lang and lang.isalpha() and len(lang) <= 3 else None,
                channel=cell(row, "DistributionChannel") or "qualtrics",
            ),
        )


def records(parsed: ParsedExport) -> list[tuple[str, ExternalRecord | str]]:
    """(where, record) or (where, "skipped: ..."/"rejected: ...") for `import_records`."""
    return [(i.where, i.record if i.outcome is None else i.outcome) for i in items(parsed)]


def _existing_survey_key(db: Database, workspace_id: int, parsed: ParsedExport) -> str | None:
    """The Qualtrics survey already holding this file's responses, when it is this survey."""
    ids = []
    rid = parsed.meta["ResponseId"].index
    for row in parsed.rows[:500]:
        if rid < len(row) and row[rid].strip():
            ids.append(row[rid].strip())
    if not ids:
        return None
    with db.reader(workspace_id) as session:
        found = session.execute(
            select(Response.survey_id, func.count())
            .where(Response.source == SOURCE, Response.external_id.in_(ids))
            .group_by(Response.survey_id)
        ).all()
        ours = {q.key: q.type for q in parsed.questions}
        for survey_id, _count in sorted(found, key=lambda r: -int(r[1])):
            survey = session.execute(
                select(Survey).where(Survey.id == survey_id)
            ).scalar_one_or_none()
            if survey is None or survey.external_source != SOURCE or not survey.external_id:
                continue
            theirs = {q.key: q.type for q in feedback.definition_of(session, survey).questions}
            if all(ours.get(k) == t for k, t in theirs.items()):
                return str(survey.external_id)
    return None


def import_file(
    db: Database,
    workspace_id: int,
    path: Path,
    *,
    survey_key: str | None = None,
    survey_id: int | None = None,
    definitions: Path | None = None,
    timezone: str | None = None,
) -> ImportSummary:
    text = decode_text(path.read_bytes(), path.name)
    qsf = None
    if definitions is not None:
        try:
            qsf = json.loads(decode_text(definitions.read_bytes(), definitions.name))
        except ValueError:
            raise PermanentError(f"{definitions.name} is not a .qsf (JSON) definition") from None
        if not isinstance(qsf, dict):
            raise PermanentError(f"{definitions.name} is not a .qsf (JSON) definition")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (KeyError, ValueError):
            raise PermanentError(f"unknown time zone {timezone!r}") from None
    parsed = parse_export(text, qsf, timezone)
    key = (
        survey_key
        or parsed.survey_ref
        or _existing_survey_key(db, workspace_id, parsed)
        or parsed.fingerprint()
    )
    summary = import_records(
        db,
        workspace_id,
        source=SOURCE,
        external_id=key,
        name=f"Qualtrics: {parsed.survey_name or path.stem}",
        questions=parsed.questions,
        records=records(parsed),
        survey_id=survey_id,
    )
    summary.rows = len(parsed.rows)
    return summary


def _parse(data: bytes | str, **options: Any) -> Iterable[Item]:
    return items(parse_export(decode_text(data), options.get("definitions")))


register(SOURCE, ("file",), _parse)
