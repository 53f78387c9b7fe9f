"""Reading a Qualtrics CSV export: its header generation, metadata columns and question types.

`parse_export(text, definitions=None, timezone=None) -> ParsedExport` reads the header
(three generations, see README.md) and the question types from the file's own metadata:
a `QIDn_NPS_GROUP` sibling makes QIDn an NPS question, `_TEXT` columns are text, split
multiple-answer columns form one multiple-choice question, and a `.qsf` survey definition,
when given, says every question's type and choices. Anything else is a choice question whose
choices are the values seen (never a rating guessed from numbers).

`ParsedExport` holds the Sada questions, how each maps to the file's columns (`Mapped`,
`Column`) and the rows; `sada.connectors.qualtrics.service` turns its rows into responses.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sada.connectors.base import PermanentError
from sada.feedback.imports import slug
from sada.feedback.schemas import Question

csv.field_size_limit(10 * 1024 * 1024)

# Metadata columns under each generation's names -> one canonical name.
META_ALIASES = {
    "responseid": "ResponseId",
    "_recordid": "ResponseId",
    "startdate": "StartDate",
    "enddate": "EndDate",
    "recordeddate": "RecordedDate",
    "status": "Status",
    "finished": "Finished",
    "progress": "Progress",
    "recipientemail": "RecipientEmail",
    "emailaddress": "RecipientEmail",
    "recipientfirstname": "RecipientFirstName",
    "recipientlastname": "RecipientLastName",
    "name": "Name",
    "externalreference": "ExternalReference",
    "externaldatareference": "ExternalReference",
    "userlanguage": "UserLanguage",
    "q_language": "UserLanguage",
    "distributionchannel": "DistributionChannel",
    "ipaddress": "IPAddress",
    "responseset": "ResponseSet",
    "duration (in seconds)": "Duration",
    "duration": "Duration",
    "locationlatitude": "LocationLatitude",
    "locationlongitude": "LocationLongitude",
    "locationaccuracy": "LocationAccuracy",
}
# Status: text (choice-text exports) and codes (numeric and legacy exports).
SKIPPED_STATUS = {
    "survey preview": "preview",
    "survey test": "test",
    "spam": "spam",
    "preview spam": "spam",
    "imported spam": "spam",
    "offline survey preview": "preview",
    "1": "preview",
    "2": "test",
    "8": "spam",
    "9": "spam",
    "12": "spam",
    "17": "preview",
}
NOT_ANSWERED = {"-99", "-1"}
# Derived or bookkeeping columns that are not answers.
_DERIVED = re.compile(
    r"_(NPS_GROUP|DO|FIRST_CLICK|LAST_CLICK|PAGE_SUBMIT|CLICK_COUNT|Topics|Sentiment\w*|"
    r"Parent Topics|TopicSentiment\w*)$"
)
_QID = re.compile(r"^(QID\d+)(?:#(\d+))?(?:_(.+))?$")
_LEGACY_V = re.compile(r"^V\d+$")


@dataclass
class Column:
    index: int
    field_id: str
    text: str
    import_id: str
    timezone: str | None = None


@dataclass
class Mapped:
    """One Sada question and the column(s) it reads."""

    question: Question
    columns: list[Column]
    kind: str  # text | nps | choice | scale | multi_split | multi_joined
    values: dict[str, Any] = field(default_factory=dict)  # cell value -> choice key / score


@dataclass
class ParsedExport:
    generation: str  # current | 2016 | legacy
    columns: list[Column]
    rows: list[list[str]]
    first_row: int
    meta: dict[str, Column]
    mapped: list[Mapped]
    survey_ref: str | None = None  # .qsf SurveyID
    survey_name: str | None = None
    default_timezone: str | None = None

    @property
    def questions(self) -> list[Question]:
        return [m.question for m in self.mapped]

    def fingerprint(self) -> str:
        ids = "|".join(f"{c.field_id}={c.import_id}" for m in self.mapped for c in m.columns)
        return "qx-" + hashlib.sha256(ids.encode()).hexdigest()[:16]


def _import_meta(raw: str) -> dict[str, Any] | None:
    """Row 3 of a 3-row export: JSON (current) or a Python-style dict (2016-17)."""
    raw = raw.strip()
    if not raw.startswith("{"):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return None
    return value if isinstance(value, dict) and "ImportId" in value else None


def _header(table: list[list[str]]) -> tuple[str, list[Column], int]:
    if len(table) < 2:
        raise PermanentError(
            "not a Qualtrics export: it needs its header rows (three rows in exports since "
            "2016, two in legacy exports)"
        )
    ids, texts = table[0], table[1]
    if len(texts) < len(ids):
        texts = texts + [""] * (len(ids) - len(texts))
    third = table[2] if len(table) > 2 else []
    metas = [_import_meta(cell) for cell in third]
    if third and sum(m is not None for m in metas) >= max(1, len(third) // 2):
        generation = "current" if third and third[0].lstrip().startswith('{"') else "2016"
        if len(third) < len(ids):
            metas += [None] * (len(ids) - len(third))
        columns = []
        for i, fid in enumerate(ids):
            m = metas[i]
            if m is None:
                raise PermanentError(
                    f"not a Qualtrics export: row 3, column {i + 1} should be like "
                    '{"ImportId":"QID1"}'
                )
            columns.append(
                Column(
                    i,
                    fid.strip(),
                    texts[i].strip(),
                    str(m["ImportId"]),
                    m.get("timeZone") or m.get("timezone"),
                )
            )
        return generation, columns, 3
    lowered = {c.strip().lower() for c in ids} | {c.strip().lower() for c in texts}
    if "responseid" in lowered:
        columns = []
        for i, fid in enumerate(ids):
            fid, text = fid.strip(), texts[i].strip()
            if _LEGACY_V.match(fid) and text:
                fid = text  # V1..V10 carry their real names in row 2
            canonical = META_ALIASES.get(fid.lower())
            if canonical is not None:
                import_id = canonical
            elif fid == text:
                import_id = f"ED:{fid}"  # embedded data: same name in both rows
            else:
                import_id = f"Q:{fid}"
            columns.append(Column(i, fid, text, import_id))
        return "legacy", columns, 2
    raise PermanentError(
        "not a Qualtrics export: no ResponseId column and no ImportId row (row 3); "
        "export as CSV with the current, 2016-17 or legacy format"
    )


def _question_part(c: Column) -> tuple[str, str | None] | None:
    """(question id, sub id) for an answer column, None for metadata and derived columns."""
    if _DERIVED.search(c.import_id) or _DERIVED.search(c.field_id):
        return None
    if c.import_id.startswith("Q:"):  # legacy
        m = re.match(r"^(Q?[^_]+)(?:_(.+))?$", c.field_id)
        return (m.group(1), m.group(2)) if m else (c.field_id, None)
    m = _QID.match(c.import_id)
    if not m:
        return None
    qid, sbs, sub = m.group(1), m.group(2), m.group(3)
    if sbs:
        qid = f"{qid}#{sbs}"
    return qid, sub


def _label(c: Column) -> str:
    """The choice label a split column carries after ' - ' ('-' in legacy) in its text."""
    for sep in (" - ", "-"):
        if sep in c.text:
            return c.text.rsplit(sep, 1)[-1].strip()
    return c.field_id


def _choice_question(key: str, title: str, labels: list[tuple[str, str]], qtype: str) -> Question:
    return Question.model_validate(
        {
            "key": key,
            "type": qtype,
            "title": {"en": title[:500] or key},
            "choices": [{"key": k, "label": {"en": lb[:500] or k}} for k, lb in labels]
            or [{"key": "none", "label": {"en": "-"}}],
        }
    )


def _text_question(key: str, title: str) -> Question:
    return Question.model_validate(
        {"key": key, "type": "text", "title": {"en": title[:500] or key}}
    )


def _unique_keys(key: str, taken: set[str]) -> str:
    base, n = key, 2
    while key in taken:
        suffix = f"_{n}"
        key = base[: 64 - len(suffix)] + suffix
        n += 1
    taken.add(key)
    return key


def _qsf_index(definitions: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """QID -> question payload from a .qsf survey definition."""
    out: dict[str, dict[str, Any]] = {}
    for element in (definitions or {}).get("SurveyElements") or []:
        if isinstance(element, dict) and element.get("Element") == "SQ":
            payload = element.get("Payload")
            if isinstance(payload, dict):
                qid = str(payload.get("QuestionID") or element.get("PrimaryAttribute") or "")
                if qid:
                    out[qid] = payload
                tag = str(payload.get("DataExportTag") or "")
                if tag:  # legacy exports name columns by export tag, not QID
                    out.setdefault(tag, payload)
    return out


def _qsf_choices(payload: dict[str, Any], part: str = "Choices") -> list[tuple[str, str, str]]:
    """(choice id, recode value, label) in the definition's order."""
    choices = payload.get(part) or {}
    if not isinstance(choices, dict):
        return []
    order = payload.get("ChoiceOrder" if part == "Choices" else "AnswerOrder") or list(choices)
    recodes = payload.get("RecodeValues" if part == "Choices" else "AnswerRecodeValues") or {}
    out = []
    for cid in order:
        choice = choices.get(str(cid))
        if isinstance(choice, dict):
            label = re.sub(r"<[^>]+>", "", str(choice.get("Display", cid))).strip()
            out.append((str(cid), str(recodes.get(str(cid), cid)), label))
    return out


_SATISFIED = re.compile(r"satisf|رضا|رضایت|满意", re.I)
_UNSATISFIED = re.compile(r"dissatisf|unsatisf|not satisf|ناراض|عدم رضا|不满意", re.I)


def _csat_scale(title: str, defined: list[tuple[str, str, str]]) -> dict[str, Any] | None:
    """A `.qsf` single-answer question about satisfaction whose 5 or 7 choices run from
    dissatisfied to satisfied (or back): CSAT, each choice scored by its place in the list.
    The direction comes from the labels; without it the question stays a choice."""
    if len(defined) not in (5, 7) or not _SATISFIED.search(title):
        return None
    first, last = defined[0][2], defined[-1][2]
    if _UNSATISFIED.search(first) and not _UNSATISFIED.search(last):
        scores = list(range(1, len(defined) + 1))
    elif _UNSATISFIED.search(last) and not _UNSATISFIED.search(first):
        scores = list(range(len(defined), 0, -1))
    else:
        return None
    out: dict[str, Any] = {}
    for (cid, recode, label), score in zip(defined, scores, strict=True):
        out[recode] = out[label] = out[cid] = score
    return out


def _strip_html(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).strip()


def parse_export(
    text: str, definitions: dict[str, Any] | None = None, timezone: str | None = None
) -> ParsedExport:
    text = text.lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(text)))
    generation, columns, first = _header(table)
    meta: dict[str, Column] = {}
    for c in columns:
        if c.import_id.startswith(("QID", "Q:", "ED:")):
            continue
        name = META_ALIASES.get(c.import_id.lower()) or META_ALIASES.get(c.field_id.lower())
        if name and name not in meta:
            meta[name] = c
    if "ResponseId" not in meta:
        raise PermanentError("not a Qualtrics export: no ResponseId column")
    rows = [r for r in table[first:] if any(cell.strip() for cell in r)]
    qsf = _qsf_index(definitions)

    def values(c: Column) -> list[str]:
        return [
            r[c.index].strip()
            for r in rows
            if c.index < len(r) and r[c.index].strip() and r[c.index].strip() not in NOT_ANSWERED
        ]

    groups: dict[str, list[tuple[Column, str | None]]] = {}
    nps_ids = {
        c.import_id[: -len("_NPS_GROUP")] for c in columns if c.import_id.endswith("_NPS_GROUP")
    } | {c.field_id[: -len("_NPS_GROUP")] for c in columns if c.field_id.endswith("_NPS_GROUP")}
    for c in columns:
        part = _question_part(c)
        if part is not None:
            groups.setdefault(part[0], []).append((c, part[1]))
    taken: set[str] = set()
    mapped: list[Mapped] = []
    for qid, members in groups.items():
        payload = qsf.get(qid.split("#")[0], {})
        qtype = str(payload.get("QuestionType", ""))
        selector = str(payload.get("Selector", ""))
        answer_cols = [(c, sub) for c, sub in members if not (sub or "").endswith("TEXT")]
        text_cols = [(c, sub) for c, sub in members if (sub or "").endswith("TEXT")]
        is_multi = qtype == "MC" and selector in ("MAVR", "MAHR", "MACOL", "MSB")
        if not is_multi and not payload and len(answer_cols) > 1:
            # Split multiple-answer columns: each cell is empty, "1", or its own label.
            is_multi = all(
                all(v == "1" or v == _label(c) for v in values(c)) for c, _ in answer_cols
            ) and any(values(c) for c, _ in answer_cols)
        if is_multi and answer_cols:
            first_col = answer_cols[0][0]
            title = (
                _strip_html(str(payload.get("QuestionText", "")))
                or first_col.text.rsplit(" - ", 1)[0]
            )
            key = _unique_keys(slug(first_col.field_id.split("_")[0]), taken)
            defined = _qsf_choices(payload)
            labels: list[tuple[str, str]] = []
            value_map: dict[str, str] = {}
            if defined:
                for cid, recode, label in defined:
                    k = slug(f"c_{cid}", "c")
                    labels.append((k, label))
                    value_map[recode] = value_map[label] = value_map[cid] = k
            if len(answer_cols) > 1:
                for c, sub in answer_cols:
                    k = value_map.get(sub or "") or slug(_label(c), "c")
                    if all(k != have for have, _ in labels):
                        labels.append((k, _label(c)))
                    value_map[f"col:{c.index}"] = k
                kind = "multi_split"
            else:
                kind = "multi_joined"
                for v in values(first_col):
                    for piece in (p.strip() for p in v.split(",")):
                        if piece and piece not in value_map:
                            k = slug(piece, "c")
                            labels.append((k, piece))
                            value_map[piece] = k
            question = _choice_question(key, title, labels, "multiple_choice")
            mapped.append(Mapped(question, [c for c, _ in answer_cols], kind, value_map))
        else:
            for c, sub in answer_cols:
                key = _unique_keys(slug(c.field_id), taken)
                title = c.text or key
                is_nps = (
                    qid in nps_ids
                    or c.field_id in nps_ids
                    or (qtype == "MC" and selector == "NPS")
                    or qtype == "NPS"
                )
                if is_nps and sub is None:
                    q = Question.model_validate(
                        {"key": key, "type": "nps", "title": {"en": title[:500]}}
                    )
                    mapped.append(Mapped(q, [c], "nps"))
                    continue
                if qtype == "TE":
                    mapped.append(Mapped(_text_question(key, title), [c], "text"))
                    continue
                defined = (
                    _qsf_choices(payload, "Answers")
                    if qtype in ("Matrix", "SBS") and sub is not None
                    else _qsf_choices(payload)
                    if qtype == "MC"
                    else []
                )
                labels = []
                value_map = {}
                for cid, recode, label in defined:
                    k = slug(f"c_{cid}", "c")
                    labels.append((k, label))
                    value_map[recode] = value_map[label] = value_map[cid] = k
                csat = _csat_scale(title, defined) if qtype == "MC" and sub is None else None
                if csat is not None:
                    q = Question.model_validate(
                        {
                            "key": key,
                            "type": "csat",
                            "title": {"en": title[:500]},
                            "scale_max": len(defined),
                        }
                    )
                    mapped.append(Mapped(q, [c], "scale", csat))
                    continue
                seen = values(c)
                if qtype and not defined and qtype not in ("MC", "Matrix", "SBS"):
                    # A type we do not model (slider, rank, constant sum, ...): text.
                    mapped.append(Mapped(_text_question(key, title), [c], "text"))
                    continue
                distinct = set(seen)
                if (
                    not defined
                    and seen
                    and (
                        max(len(v) for v in seen) > 60
                        or len(distinct) > 50
                        or (len(distinct) > 10 and len(distinct) * 2 > len(seen))
                    )
                ):
                    # Free text without a type in the file (legacy exports): kept as text.
                    mapped.append(Mapped(_text_question(key, title), [c], "text"))
                    continue
                for v in sorted(set(seen), key=lambda v: (len(v), v)):
                    if v not in value_map:
                        k = slug(v, "c")
                        if any(k == have for have, _ in labels):
                            k = slug(f"c_{len(labels)}_{v}", "c")
                        labels.append((k, v))
                        value_map[v] = k
                question = _choice_question(key, title, labels, "single_choice")
                mapped.append(Mapped(question, [c], "choice", value_map))
        for c, _sub in text_cols:
            key = _unique_keys(slug(c.field_id), taken)
            mapped.append(Mapped(_text_question(key, c.text or key), [c], "text"))
    if not mapped:
        raise PermanentError("this Qualtrics export has no question columns (ImportId QID...)")
    entry = (definitions or {}).get("SurveyEntry") or {}
    return ParsedExport(
        generation,
        columns,
        rows,
        first + 1,
        meta,
        mapped,
        survey_ref=str(entry["SurveyID"]) if entry.get("SurveyID") else None,
        survey_name=str(entry["SurveyName"]) if entry.get("SurveyName") else None,
        default_timezone=timezone,
    )
