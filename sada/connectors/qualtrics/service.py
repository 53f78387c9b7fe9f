"""Qualtrics CSV exports: three header rows (field id, question text, ImportId JSON).

`parse_export(text) -> ParsedExport` checks the shape and infers questions;
`import_file(db, workspace_id, path, survey_key=None, survey_id=None) -> ImportSummary`.

Columns whose ImportId starts with QID are questions: `QIDn_TEXT` is open text,
a column with a `*_NPS_GROUP` sibling is NPS (the group column itself is derived
and skipped), numbers become NPS/CSAT/CES/rating from the question text, other
values single choice. Dates use the time zone given in the ImportId JSON.
Idempotent: the Qualtrics ResponseId is the response's external id.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sada.core.errors import Invalid
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary, import_records, infer_scale_question, slug
from sada.feedback.schemas import Question
from sada.feedback.service import ExternalRecord
from sada.people.schemas import PersonRef

SOURCE = "qualtrics"


@dataclass
class Column:
    index: int
    field_id: str
    text: str
    import_id: str
    timezone: str | None


@dataclass
class ParsedExport:
    columns: list[Column]
    rows: list[list[str]]
    questions: list[Question]
    question_columns: dict[str, Column]


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def parse_export(text: str) -> ParsedExport:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        ids, texts, imports = next(reader), next(reader), next(reader)
    except StopIteration:
        raise Invalid("not a Qualtrics export: it needs three header rows") from None
    if not (len(ids) == len(texts) == len(imports)):
        raise Invalid("not a Qualtrics export: the three header rows differ in length")
    columns = []
    for i, (fid, qtext, raw) in enumerate(zip(ids, texts, imports, strict=True)):
        try:
            meta = json.loads(raw)
            import_id = str(meta["ImportId"])
        except (ValueError, KeyError, TypeError):
            raise Invalid(
                f"not a Qualtrics export: row 3, column {i + 1} should be JSON like "
                '{"ImportId":"QID1"}'
            ) from None
        columns.append(Column(i, fid.strip(), qtext.strip(), import_id, meta.get("timeZone")))
    by_id = {c.field_id: c for c in columns}
    if "ResponseId" not in by_id:
        raise Invalid("not a Qualtrics export: no ResponseId column")
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    nps_groups = {
        c.field_id[: -len("_NPS_GROUP")] for c in columns if c.field_id.endswith("_NPS_GROUP")
    }
    questions: list[Question] = []
    qcols: dict[str, Column] = {}
    for c in columns:
        if not c.import_id.startswith("QID") or c.field_id.endswith("_NPS_GROUP"):
            continue
        key = slug(c.field_id)
        values = [r[c.index].strip() for r in rows if c.index < len(r) and r[c.index].strip()]
        numbers = [n for n in (_number(v) for v in values) if n is not None]
        if c.field_id in nps_groups:
            q = Question.model_validate({"key": key, "type": "nps", "title": {"en": c.text or key}})
        elif c.import_id.endswith("_TEXT") or c.field_id.endswith("_TEXT"):
            q = Question.model_validate(
                {"key": key, "type": "text", "title": {"en": c.text or key}}
            )
        elif values and len(numbers) == len(values):
            q = infer_scale_question(key, c.text, numbers)
        elif values and len(set(values)) <= 20 and max(len(v) for v in values) <= 200:
            labels = sorted(set(values))
            q = Question.model_validate(
                {
                    "key": key,
                    "type": "single_choice",
                    "title": {"en": c.text or key},
                    "choices": [{"key": slug(v, "c"), "label": {"en": v}} for v in labels],
                }
            )
        else:
            q = Question.model_validate(
                {"key": key, "type": "text", "title": {"en": c.text or key}}
            )
        questions.append(q)
        qcols[q.key] = c
    if not questions:
        raise Invalid("this Qualtrics export has no question columns (ImportId QID...)")
    return ParsedExport(columns, rows, questions, qcols)


def _when(value: str, tz: str | None) -> datetime:
    value = value.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M"):
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


def records(parsed: ParsedExport) -> list[tuple[str, ExternalRecord | str]]:
    by_id = {c.field_id: c for c in parsed.columns}
    out: list[tuple[str, ExternalRecord | str]] = []

    def cell(row: list[str], name: str) -> str:
        c = by_id.get(name)
        return row[c.index].strip() if c is not None and c.index < len(row) else ""

    for n, row in enumerate(parsed.rows, start=4):
        where = f"row {n}"
        rid = cell(row, "ResponseId")
        if not rid:
            out.append((where, "rejected: no ResponseId"))
            continue
        try:
            date_col = "RecordedDate" if cell(row, "RecordedDate") else "EndDate"
            submitted = (
                _when(cell(row, date_col), by_id[date_col].timezone)
                if cell(row, date_col)
                else None
            )
            start = cell(row, "StartDate")
            started = _when(start, by_id["StartDate"].timezone) if start else None
        except (ValueError, KeyError) as exc:
            out.append((where, f"rejected: {exc}"))
            continue
        answers: dict[str, Any] = {}
        for key, c in parsed.question_columns.items():
            value = row[c.index].strip() if c.index < len(row) else ""
            if not value:
                continue
            q = next(q for q in parsed.questions if q.key == key)
            if q.type == "single_choice":
                value = slug(value, "c")
            answers[key] = value
        email = cell(row, "RecipientEmail")
        name = " ".join(
            p for p in (cell(row, "RecipientFirstName"), cell(row, "RecipientLastName")) if p
        )
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
        out.append(
            (
                where,
                ExternalRecord(
                    source=SOURCE,
                    external_id=rid,
                    answers=answers,
                    completed=finished or not by_id.get("Finished"),
                    submitted_at=submitted,
                    started_at=started,
                    person=person,
                    language=lang if lang and lang.isalpha() and len(lang) <= 3 else None,
                    channel=cell(row, "DistributionChannel") or "qualtrics",
                ),
            )
        )
    return out


def import_file(
    db: Database,
    workspace_id: int,
    path: Path,
    *,
    survey_key: str | None = None,
    survey_id: int | None = None,
) -> ImportSummary:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path.name} is not UTF-8 text (byte {exc.start})") from None
    parsed = parse_export(text)
    key = survey_key or path.stem
    return import_records(
        db,
        workspace_id,
        source=SOURCE,
        external_id=key,
        name=f"Qualtrics: {key}",
        questions=parsed.questions,
        records=records(parsed),
        survey_id=survey_id,
    )
