"""Google Forms responses CSV (the form's "Download responses (.csv)" or its Sheet as CSV).

Row 1: `Timestamp`, optional `Email Address` and `Score`, then one column per question
(grid rows as `Question [Row]`). The file holds no types, so each question is a choice
question of the values seen, or text when the answers are free text (never a rating).
Times: `2026/10/01 10:15:32 AM GMT+3:30` carry their offset; Sheet times
(`10/1/2026 10:15:32`) are in `timezone` (default UTC). The file has no response ids:
a response's id is a hash of its row, so re-importing stores nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sada.connectors.base import PermanentError, as_items, decode_text, register
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary, import_records, slug
from sada.feedback.schemas import Question
from sada.feedback.service import ExternalRecord
from sada.people.schemas import PersonRef

SOURCE = "googleforms"
META = {"Timestamp", "Email Address", "Email address", "Score"}
_GMT = re.compile(r"\s*GMT([+-])(\d{1,2})(?::(\d{2}))?\s*$")


def _when(value: str, tz: str | None) -> datetime:
    text = value.strip()
    offset = None
    m = _GMT.search(text)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        offset = dt_timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
        text = text[: m.start()].strip()
    elif text.endswith(" GMT"):
        offset, text = UTC, text[:-4].strip()
    for fmt in (
        "%Y/%m/%d %I:%M:%S %p",
        "%Y/%m/%d %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ):
        try:
            naive = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise ValueError(f"unreadable date {value!r}")
    return naive.replace(tzinfo=offset or ZoneInfo(tz or "UTC"))


def parse(text: str) -> tuple[list[str], list[list[str]], list[Question], dict[int, Question]]:
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not table or "Timestamp" not in [h.strip() for h in table[0]]:
        raise PermanentError("not a Google Forms responses CSV: no 'Timestamp' column in row 1")
    header = [h.strip() for h in table[0]]
    rows = [r for r in table[1:] if any(c.strip() for c in r)]
    questions: list[Question] = []
    by_col: dict[int, Question] = {}
    taken: set[str] = set()
    for i, title in enumerate(header):
        if title in META or not title:
            continue
        base, n = slug(title[:50]), 2
        key = base
        while key in taken:
            key, n = f"{base[:58]}_{n}", n + 1
        taken.add(key)
        seen = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        distinct = sorted(set(seen))
        if seen and (
            max(len(v) for v in seen) > 60
            or len(distinct) > 50
            or (len(distinct) > 10 and len(distinct) * 2 > len(seen))
        ):
            q = Question.model_validate({"key": key, "type": "text", "title": {"en": title[:500]}})
        else:
            q = Question.model_validate(
                {
                    "key": key,
                    "type": "single_choice",
                    "title": {"en": title[:500]},
                    "choices": [{"key": slug(v, "c"), "label": {"en": v[:500]}} for v in distinct]
                    or [{"key": "none", "label": {"en": "-"}}],
                }
            )
        questions.append(q)
        by_col[i] = q
    if not questions:
        raise PermanentError("this Google Forms CSV has no question columns")
    return header, rows, questions, by_col


def records(text: str, tz: str | None = None) -> list[tuple[str, ExternalRecord | str]]:
    header, rows, _questions, by_col = parse(text)
    col = {name: i for i, name in enumerate(header)}
    email_col = col.get("Email Address", col.get("Email address"))
    out: list[tuple[str, ExternalRecord | str]] = []
    for n, row in enumerate(rows, start=2):
        where = f"row {n}"
        try:
            when = _when(row[col["Timestamp"]], tz)
        except (ValueError, IndexError) as exc:
            out.append((where, f"rejected: {exc}"))
            continue
        answers: dict[str, Any] = {}
        for i, q in by_col.items():
            value = row[i].strip() if i < len(row) else ""
            if value:
                answers[q.key] = value if q.type == "text" else slug(value, "c")
        email = row[email_col].strip() if email_col is not None and email_col < len(row) else ""
        rid = hashlib.sha256("\x1f".join(row).encode()).hexdigest()[:32]
        out.append(
            (
                where,
                ExternalRecord(
                    source=SOURCE,
                    external_id=rid,
                    answers=answers,
                    submitted_at=when,
                    person=PersonRef(email=email) if email else None,
                    channel="googleforms",
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
    timezone: str | None = None,
) -> ImportSummary:
    text = decode_text(path.read_bytes(), path.name)
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (KeyError, ValueError):
            raise PermanentError(f"unknown time zone {timezone!r}") from None
    header, rows, questions, _ = parse(text)
    key = survey_key or "gf-" + hashlib.sha256("\x1f".join(header).encode()).hexdigest()[:16]
    summary = import_records(
        db,
        workspace_id,
        source=SOURCE,
        external_id=key,
        name=f"Google Forms: {path.stem}",
        questions=questions,
        records=records(text, timezone),
    )
    summary.rows = len(rows)
    return summary


register(SOURCE, ("file",), lambda data, **_: as_items(records(decode_text(data))))
