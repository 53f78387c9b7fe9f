"""SurveyMonkey API v3 bulk responses (`GET /v3/surveys/{id}/responses/bulk`) as JSON files.

`parse_bulk(data, details=None) -> BulkExport`: the responses (one page `{"data": [...]}`, a
list of pages, or a bare list of responses) and, when given, the survey's details
(`GET /v3/surveys/{id}/details`) for question types, headings and choice texts.
Times carry their UTC offsets (`2026-05-01T10:15:32-07:00`) and are read as such.

Types come from the details: `open_ended` → text, `single_choice` → single choice,
`multiple_choice` → multiple choice, `matrix` → one question per row, NPS when the details
mark it (`subtype` or `display_options.display_type` `nps`, or `"nps": true`). Without
details: text answers are text and choice ids are choices (never a guessed rating).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sada.connectors.base import PermanentError
from sada.feedback.imports import slug
from sada.feedback.schemas import Question
from sada.feedback.service import ExternalRecord
from sada.people.schemas import PersonRef

SOURCE = "surveymonkey"
SKIPPED_STATUS = {"disqualified": "disqualified", "overquota": "overquota"}


@dataclass
class BulkExport:
    survey_ref: str | None
    title: str | None
    responses: list[dict[str, Any]]
    questions: list[Question] = field(default_factory=list)
    # (question id, row id or "") -> question key; choice id -> (choice key or score)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    choices: dict[str, Any] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # question key -> text|single|multi|nps


def _responses(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return [r for r in data["data"] if isinstance(r, dict)]
    if isinstance(data, list):
        if all(isinstance(p, dict) and isinstance(p.get("data"), list) for p in data) and data:
            return [r for p in data for r in p["data"] if isinstance(r, dict)]
        if all(isinstance(r, dict) and "pages" in r for r in data):
            return list(data)
    raise PermanentError(
        'not a SurveyMonkey API v3 bulk export: expected {"data": [responses]} '
        "(GET /v3/surveys/{id}/responses/bulk)"
    )


def _is_nps(q: dict[str, Any]) -> bool:
    display = q.get("display_options") or {}
    return bool(
        q.get("nps") is True
        or str(q.get("subtype", "")).lower() == "nps"
        or str(display.get("display_type", "")).lower() == "nps"
        or str(display.get("display_subtype", "")).lower() == "nps"
    )


def _heading(q: dict[str, Any]) -> str:
    heads = q.get("headings") or []
    if heads and isinstance(heads[0], dict):
        return str(heads[0].get("heading") or "")
    return ""


def parse_bulk(data: Any, details: dict[str, Any] | None = None) -> BulkExport:
    responses = _responses(data)
    survey_ref = next((str(r["survey_id"]) for r in responses if r.get("survey_id")), None)
    out = BulkExport(
        survey_ref=str((details or {}).get("id") or survey_ref or "") or None,
        title=(details or {}).get("title"),
        responses=responses,
    )
    taken: set[str] = set()

    def new_key(base: str) -> str:
        key, n = slug(base), 2
        while key in taken:
            key = f"{slug(base)[:60]}_{n}"
            n += 1
        taken.add(key)
        return key

    defined: dict[str, dict[str, Any]] = {}
    for page in (details or {}).get("pages") or []:
        for q in page.get("questions") or []:
            if isinstance(q, dict) and q.get("id") is not None:
                defined[str(q["id"])] = q
    # Every question and row seen in the answers, in order; choice ids seen per question.
    seen: dict[tuple[str, str], set[str]] = {}
    texts: dict[str, str] = {}
    for r in responses:
        for page in r.get("pages") or []:
            for q in page.get("questions") or []:
                qid = str(q.get("id"))
                for a in q.get("answers") or []:
                    row = str(a.get("row_id") or "")
                    ids = seen.setdefault((qid, row), set())
                    if a.get("choice_id") is not None:
                        ids.add(str(a["choice_id"]))
                        label = a.get("simple_text") or a.get("text")
                        if label and "other_id" not in a:
                            texts.setdefault(str(a["choice_id"]), str(label))
    order = list(defined) + [qid for qid, _ in seen if qid not in defined]
    for qid in dict.fromkeys(order):
        spec = defined.get(qid, {})
        family = str(spec.get("family") or "")
        if family == "presentation":
            continue
        title = _heading(spec) or f"Question {qid}"
        answers = spec.get("answers") or {}
        choices = [c for c in answers.get("choices") or [] if isinstance(c, dict)]
        rows = [r for r in answers.get("rows") or [] if isinstance(r, dict)]
        row_ids = [str(r.get("id")) for r in rows] or sorted(
            {row for q, row in seen if q == qid and row}
        )
        targets = [
            (row, next((str(x.get("text")) for x in rows if str(x.get("id")) == row), row))
            for row in row_ids
        ] or [("", "")]
        for row, row_text in targets:
            key = new_key(f"q{qid}_{row}" if row else f"q{qid}")
            out.keys[(qid, row)] = key
            heading = f"{title} - {row_text}" if row else title
            ids = seen.get((qid, row), set())
            if _is_nps(spec):
                for c in choices:
                    try:
                        out.choices[str(c.get("id"))] = int(str(c.get("text")).strip())
                    except ValueError:
                        continue
                out.kinds[key] = "nps"
                out.questions.append(
                    Question.model_validate({"key": key, "type": "nps", "title": {"en": heading}})
                )
                continue
            if family == "open_ended" or (not family and not ids):
                out.kinds[key] = "text"
                out.questions.append(
                    Question.model_validate({"key": key, "type": "text", "title": {"en": heading}})
                )
                continue
            pairs = [(str(c.get("id")), str(c.get("text") or c.get("id"))) for c in choices]
            known = {cid for cid, _ in pairs}
            pairs += [(cid, texts.get(cid, cid)) for cid in sorted(ids) if cid not in known]
            for cid, _label in pairs:
                out.choices[cid] = slug(cid, "c")
            multi = family == "multiple_choice" or (
                not family
                and any(
                    sum(1 for a in q.get("answers") or [] if a.get("choice_id") is not None) > 1
                    for r in responses
                    for p in r.get("pages") or []
                    for q in p.get("questions") or []
                    if str(q.get("id")) == qid and not row
                )
            )
            out.kinds[key] = "multi" if multi else "single"
            out.questions.append(
                Question.model_validate(
                    {
                        "key": key,
                        "type": "multiple_choice" if multi else "single_choice",
                        "title": {"en": heading[:500]},
                        "choices": [
                            {"key": slug(cid, "c"), "label": {"en": label[:500]}}
                            for cid, label in dict(pairs).items()
                        ]
                        or [{"key": "none", "label": {"en": "-"}}],
                    }
                )
            )
        other = answers.get("other")
        if isinstance(other, dict) or any(
            "other_id" in a
            for r in responses
            for p in r.get("pages") or []
            for q in p.get("questions") or []
            if str(q.get("id")) == qid
            for a in q.get("answers") or []
        ):
            key = new_key(f"q{qid}_other")
            out.keys[(qid, "other")] = key
            out.kinds[key] = "text"
            out.questions.append(
                Question.model_validate(
                    {"key": key, "type": "text", "title": {"en": f"{title} (other)"[:500]}}
                )
            )
    if not out.questions:
        raise PermanentError("this SurveyMonkey export has no answered questions")
    return out


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"unreadable date {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def records(export: BulkExport) -> list[tuple[str, ExternalRecord | str]]:
    out: list[tuple[str, ExternalRecord | str]] = []
    for n, r in enumerate(export.responses, start=1):
        where = f"response {n}"
        rid = r.get("id")
        if rid in (None, ""):
            out.append((where, "rejected: no response id"))
            continue
        where = f"response {rid}"
        status = str(r.get("response_status") or "completed")
        if status in SKIPPED_STATUS:
            out.append((where, f"skipped: {SKIPPED_STATUS[status]}"))
            continue
        try:
            started = _time(r.get("date_created"))
            submitted = _time(r.get("date_modified")) or started
        except ValueError as exc:
            out.append((where, f"rejected: {exc}"))
            continue
        answers: dict[str, Any] = {}
        for page in r.get("pages") or []:
            for q in page.get("questions") or []:
                qid = str(q.get("id"))
                for a in q.get("answers") or []:
                    if "other_id" in a:
                        key = export.keys.get((qid, "other"))
                        if key and a.get("text"):
                            answers[key] = str(a["text"])
                        continue
                    key = export.keys.get((qid, str(a.get("row_id") or "")))
                    if key is None:
                        continue
                    kind = export.kinds[key]
                    if kind == "text":
                        if a.get("text") not in (None, ""):
                            answers[key] = str(a["text"])
                    elif a.get("choice_id") is not None:
                        value = export.choices.get(str(a["choice_id"]))
                        if value is None:
                            continue
                        if kind == "multi":
                            answers.setdefault(key, []).append(value)
                        else:
                            answers[key] = value
        email = str(r.get("email_address") or "").strip()
        name = " ".join(
            str(r.get(k)).strip() for k in ("first_name", "last_name") if r.get(k)
        ).strip()
        hidden = {"collector": str(r["collector_id"])} if r.get("collector_id") else {}
        for k, v in (r.get("custom_variables") or {}).items():
            hidden[str(k)[:100]] = str(v)[:500]
        out.append(
            (
                where,
                ExternalRecord(
                    source=SOURCE,
                    external_id=str(rid),
                    answers=answers,
                    completed=status == "completed",
                    submitted_at=submitted,
                    started_at=started,
                    person=PersonRef(email=email, name=name or None) if email else None,
                    channel="surveymonkey",
                    hidden=hidden,
                ),
            )
        )
    return out
