"""SurveyMonkey CSV exports (two header rows: question, answer option) and API v3 bulk JSON.

The JSON side lives in `bulk.py`; `import_file` tells them apart by the first character.

`parse_export(text) -> ParsedExport`; `import_file(db, workspace_id, path, ...) -> ImportSummary`.

A question spans its header cell and the blank header cells after it. Under it,
row 2 says "Response" (one answer: numbers under a recommend/satisfied/easy question
become NPS/CSAT/CES, anything else a choice, never a guessed rating), "Open-Ended
Response" (text), or one option label per column (multiple choice: a non-empty cell
means chosen); "Other (please specify)" becomes its own
text question. Respondent ID is the idempotency key.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sada.connectors.base import PermanentError, as_items, decode_text, register
from sada.connectors.surveymonkey import bulk
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary, import_records, infer_scale_question, slug
from sada.feedback.schemas import Question
from sada.feedback.service import ExternalRecord
from sada.people.schemas import PersonRef

SOURCE = "surveymonkey"
META = {
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
}


@dataclass
class Group:
    title: str
    key: str
    columns: list[tuple[int, str]] = field(default_factory=list)  # (index, sub-header)
    kind: str = "single"  # single | text | multi
    other: int | None = None


@dataclass
class ParsedExport:
    meta: dict[str, int]
    groups: list[Group]
    rows: list[list[str]]
    questions: list[Question]


def parse_export(text: str) -> ParsedExport:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        head, sub = next(reader), next(reader)
    except StopIteration:
        raise PermanentError("not a SurveyMonkey export: it needs two header rows") from None
    if "Respondent ID" not in head:
        raise PermanentError("not a SurveyMonkey export: no 'Respondent ID' column in row 1")
    if len(sub) < len(head):
        sub += [""] * (len(head) - len(sub))
    meta: dict[str, int] = {}
    groups: list[Group] = []
    current: Group | None = None
    seen: set[str] = set()
    for i, title in enumerate(head):
        title = title.strip()
        label = sub[i].strip()
        if title in META:
            meta[title] = i
            current = None
            continue
        if title:
            key = slug(title[:40])
            while key in seen:
                key = f"{key[:58]}_{len(seen)}"
            seen.add(key)
            current = Group(title=title, key=key)
            groups.append(current)
        if current is None:
            raise PermanentError(
                f"not a SurveyMonkey export: column {i + 1} has no question above it"
            )
        if label.lower().startswith("other (please specify)"):
            current.other = i
        else:
            current.columns.append((i, label))
    rows = [r for r in reader if any(c.strip() for c in r)]
    questions: list[Question] = []
    for g in groups:
        labels = [label for _i, label in g.columns]
        values = [r[i].strip() for r in rows for i, _l in g.columns if i < len(r) and r[i].strip()]
        if len(g.columns) > 1:
            g.kind = "multi"
            questions.append(
                Question.model_validate(
                    {
                        "key": g.key,
                        "type": "multiple_choice",
                        "title": {"en": g.title},
                        "choices": [{"key": slug(lb, "c"), "label": {"en": lb}} for lb in labels],
                    }
                )
            )
        elif labels and labels[0].lower().startswith("open-ended"):
            g.kind = "text"
            questions.append(
                Question.model_validate({"key": g.key, "type": "text", "title": {"en": g.title}})
            )
        else:
            numbers = []
            for v in values:
                try:
                    numbers.append(float(v))
                except ValueError:
                    break
            scale = (
                infer_scale_question(g.key, g.title, numbers)
                if values and len(numbers) == len(values)
                else None
            )
            if scale is not None and scale.type != "rating":
                # The question's own words say NPS/CSAT/CES; a bare number is never a rating.
                g.kind = "scale"
                questions.append(scale)
            elif g.columns:
                g.kind = "single"
                questions.append(
                    Question.model_validate(
                        {
                            "key": g.key,
                            "type": "single_choice",
                            "title": {"en": g.title},
                            "choices": [
                                {"key": slug(v, "c"), "label": {"en": v}}
                                for v in sorted(set(values))
                            ]
                            or [{"key": "none", "label": {"en": "-"}}],
                        }
                    )
                )
        if g.other is not None:
            questions.append(
                Question.model_validate(
                    {
                        "key": f"{g.key[:56]}_other",
                        "type": "text",
                        "title": {"en": f"{g.title} (other)"},
                    }
                )
            )
    if not groups:
        raise PermanentError("this SurveyMonkey export has no question columns")
    return ParsedExport(meta, groups, rows, questions)


def _when(value: str, tz: str | None = None) -> datetime:
    """A CSV time: in the time zone the export was made in (`timezone`, default UTC)."""
    for fmt in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=ZoneInfo(tz or "UTC"))
        except ValueError:
            continue
    raise ValueError(f"unreadable date {value!r}")


def records(
    parsed: ParsedExport, timezone: str | None = None
) -> list[tuple[str, ExternalRecord | str]]:
    out: list[tuple[str, ExternalRecord | str]] = []
    for n, row in enumerate(parsed.rows, start=3):
        where = f"row {n}"

        def cell(name: str, row: list[str] = row) -> str:
            i = parsed.meta.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        rid = cell("Respondent ID")
        if not rid:
            out.append((where, "rejected: no Respondent ID"))
            continue
        try:
            submitted = _when(cell("End Date"), timezone) if cell("End Date") else None
            started = _when(cell("Start Date"), timezone) if cell("Start Date") else None
        except ValueError as exc:
            out.append((where, f"rejected: {exc}"))
            continue
        answers: dict[str, Any] = {}
        for g in parsed.groups:
            if g.kind == "multi":
                chosen = [
                    slug(label, "c") for i, label in g.columns if i < len(row) and row[i].strip()
                ]
                if chosen:
                    answers[g.key] = chosen
            elif g.columns:
                i = g.columns[0][0]
                value = row[i].strip() if i < len(row) else ""
                if value:
                    answers[g.key] = slug(value, "c") if g.kind == "single" else value
            if g.other is not None and g.other < len(row) and row[g.other].strip():
                answers[f"{g.key[:56]}_other"] = row[g.other].strip()
        email = cell("Email Address")
        name = " ".join(p for p in (cell("First Name"), cell("Last Name")) if p)
        out.append(
            (
                where,
                ExternalRecord(
                    source=SOURCE,
                    external_id=rid,
                    answers=answers,
                    completed=True,
                    submitted_at=submitted,
                    started_at=started,
                    person=PersonRef(email=email, name=name or None) if email else None,
                    channel="surveymonkey",
                    hidden={"collector": cell("Collector ID")} if cell("Collector ID") else {},
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
    details: Path | None = None,
    timezone: str | None = None,
) -> ImportSummary:
    """A CSV export (two header rows) or an API v3 bulk JSON file (with `details`, the
    survey's `/details` JSON, for exact types). Re-running stores nothing twice."""
    text = decode_text(path.read_bytes(), path.name)
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (KeyError, ValueError):
            raise PermanentError(f"unknown time zone {timezone!r}") from None
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
            spec = json.loads(decode_text(details.read_bytes(), details.name)) if details else None
        except ValueError as exc:
            raise PermanentError(f"not valid JSON: {exc}") from None
        export = bulk.parse_bulk(data, spec if isinstance(spec, dict) else None)
        key = survey_key or export.survey_ref or path.stem
        summary = import_records(
            db,
            workspace_id,
            source=SOURCE,
            external_id=key,
            name=f"SurveyMonkey: {export.title or key}",
            questions=export.questions,
            records=bulk.records(export),
            survey_id=survey_id,
        )
        summary.rows = len(export.responses)
        return summary
    parsed = parse_export(text)
    key = survey_key or path.stem
    summary = import_records(
        db,
        workspace_id,
        source=SOURCE,
        external_id=key,
        name=f"SurveyMonkey: {key}",
        questions=parsed.questions,
        records=records(parsed, timezone),
        survey_id=survey_id,
    )
    summary.rows = len(parsed.rows)
    return summary


register(SOURCE, ("file",), lambda data, **_: as_items(records(parse_export(decode_text(data)))))
