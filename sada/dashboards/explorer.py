"""The feedback explorer: filtered verbatims with their analysis, search, and exports.

Search folds Arabic/Persian letter variants, digits and case in SQL (the same
folding as `sada.text.normalize.fold_for_search`); personal data in texts is
shown redacted to roles without access (`ROLES_SEEING_PII`, `ROLES_EXPORTING_PII`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, literal, or_, select, text
from sqlalchemy.orm import Session

from sada.core import spreadsheets
from sada.core.privacy import RAW_PII_ROLES, Surface
from sada.dashboards.service import EXPORT_LIMIT, SCORE_BANDS, Filters, _where, text_model
from sada.db.dialect import dialect_name
from sada.interactions.models import Interaction, Touchpoint
from sada.people.models import Person
from sada.text.normalize import fold_for_search, search_fold_tables
from sada.text.pii import redact as redact_pii


@dataclass
class ExplorerQuery:
    filters: Filters
    q: str = ""
    sentiment: str | None = None
    band: str | None = None  # "low", "mid", "high"
    topic: str | None = None


@dataclass
class FeedbackRow:
    id: int
    occurred_at: datetime
    channel: str
    touchpoint: str | None
    language: str | None
    subject: str | None
    text: str
    rating: float | None
    rating_scale: str | None
    person_id: int | None
    person_name: str | None
    sentiment: str | None = None
    sentences: list[dict[str, Any]] = field(default_factory=list)
    aspects: list[dict[str, Any]] = field(default_factory=list)
    # An analyst's correction replaces the shown label; the model's stays here.
    model_sentiment: str | None = None
    corrected: bool = False


# The SQL form of fold_for_search's tables (PostgreSQL has no Python function).
_FOLD_FROM, _FOLD_TO, _FOLD_DROP = search_fold_tables()


def _folded_text_matches(session: Session, q: str) -> Any:
    """A condition: the folded text contains the folded query (same folding as sada.text)."""
    folded = fold_for_search(q)
    like = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if dialect_name(session) == "postgresql":
        expr = func.translate(func.lower(Interaction.text), _FOLD_FROM + _FOLD_DROP, _FOLD_TO)
        subject = func.translate(
            func.lower(func.coalesce(Interaction.subject, "")), _FOLD_FROM + _FOLD_DROP, _FOLD_TO
        )
        return or_(expr.like(like, escape="\\"), subject.like(like, escape="\\"))
    # SQLite: the exact Python folding, registered on this connection.
    raw: Any = session.connection().connection.driver_connection
    raw.create_function("sada_fold", 1, _fold_or_none, deterministic=True)
    return or_(
        func.sada_fold(Interaction.text).like(like, escape="\\"),
        func.sada_fold(Interaction.subject).like(like, escape="\\"),
    )


def _fold_or_none(value: str | None) -> str | None:
    return fold_for_search(value) if value else None


def _explorer_query(session: Session, eq: ExplorerQuery, analysis: Any | None) -> Select[Any]:
    query = select(Interaction).where(Interaction.text.is_not(None))
    query = _where(query, eq.filters)
    if eq.q.strip():
        query = query.where(_folded_text_matches(session, eq.q))
    if eq.band in ("low", "mid", "high"):
        conds = []
        for scale, (low, high) in SCORE_BANDS.items():
            rating = Interaction.rating
            cond = {
                "low": rating <= low,
                "mid": and_(rating > low, rating < high),
                "high": rating >= high,
            }[eq.band]
            conds.append(and_(Interaction.rating_scale == scale, cond))
        query = query.where(or_(*conds))
    if analysis is not None and (eq.sentiment or eq.topic):
        sub = select(literal(1)).where(analysis.interaction_id == Interaction.id)
        if eq.sentiment:
            sub = sub.where(
                func.coalesce(_corrected_sentiment(), analysis.sentiment) == eq.sentiment
            )
        if eq.topic:
            sub = sub.where(_json_has(session, analysis, eq.topic))
        query = query.where(exists(sub))
    return query


def _corrected_sentiment() -> Any:
    """An analyst's sentiment label of the interaction, if any (the label the explorer shows,
    so the filter finds what the cards say); a probe of the corrections' unique key."""
    from sada.text.models import TextCorrection

    return (
        select(TextCorrection.label)
        .where(
            TextCorrection.workspace_id == Interaction.workspace_id,
            TextCorrection.interaction_id == Interaction.id,
            TextCorrection.target == "sentiment",
        )
        .correlate_except(TextCorrection)  # inside the analysis's EXISTS: the outer row
        .scalar_subquery()
    )


def _json_has(session: Session, analysis: Any, name: str) -> Any:
    """The analysis names `name` among its aspects (or, with a leading #, its topics)."""
    column, key = (
        (analysis.topics, "name") if name.startswith("#") else (analysis.aspects, "aspect")
    )
    value = name.lstrip("#")
    table = analysis.__tablename__
    if dialect_name(session) == "postgresql":
        import json

        return column.op("@>")(func.cast(literal(json.dumps([{key: value}])), column.type))
    return exists(
        select(literal(1))
        .select_from(text(f"json_each({table}.{column.key}) AS je"))
        .where(
            text(f"json_extract(je.value, '$.{key}') = :topic_value").bindparams(topic_value=value)
        )
    )


# Roles that see personal data (emails, phones, card numbers, names...) raw; the others, and
# exports by anyone but owners and admins, get redacted texts and subjects and no names.
# Both come from the one personal-data policy (`sada.core.privacy`).
ROLES_SEEING_PII = RAW_PII_ROLES[Surface.PAGE]
ROLES_EXPORTING_PII = RAW_PII_ROLES[Surface.EXPORT]


def explore(
    session: Session,
    eq: ExplorerQuery,
    *,
    limit: int = 50,
    offset: int = 0,
    redact: bool = False,
) -> list[FeedbackRow]:
    analysis = text_model()
    query = _explorer_query(session, eq, analysis)
    rows = list(
        session.execute(
            query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
            .offset(offset)
        ).scalars()
    )
    return _feedback_rows(session, rows, analysis, redact=redact)


def explore_ids(session: Session, eq: ExplorerQuery, *, limit: int, offset: int = 0) -> list[int]:
    """The explorer's matches, newest first (for the API, which adds each one's analysis)."""
    query = _explorer_query(session, eq, text_model()).with_only_columns(Interaction.id)
    return list(
        session.execute(
            query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
            .offset(offset)
        ).scalars()
    )


def count_feedback(session: Session, eq: ExplorerQuery) -> int:
    query = _explorer_query(session, eq, text_model())
    return int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def _feedback_rows(
    session: Session, rows: list[Interaction], analysis: Any | None, *, redact: bool = False
) -> list[FeedbackRow]:
    person_ids = {r.person_id for r in rows if r.person_id}
    names = (
        dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids))).all())
        if person_ids
        else {}
    )
    tp_ids = {r.touchpoint_id for r in rows if r.touchpoint_id}
    touchpoints = (
        dict(
            session.execute(
                select(Touchpoint.id, Touchpoint.label).where(Touchpoint.id.in_(tp_ids))
            ).all()
        )
        if tp_ids
        else {}
    )
    analyses: dict[int, Any] = {}
    if analysis is not None and rows:
        for a in session.execute(
            select(analysis).where(analysis.interaction_id.in_([r.id for r in rows]))
        ).scalars():
            analyses[a.interaction_id] = a
    fixes = _corrections(session, list(analyses))
    out = []
    for r in rows:
        a = analyses.get(r.id)
        fixed = fixes.get(r.id, {})
        out.append(
            FeedbackRow(
                id=r.id,
                occurred_at=r.occurred_at,
                channel=r.channel,
                touchpoint=touchpoints.get(r.touchpoint_id) if r.touchpoint_id else None,
                language=r.language or (a.language if a else None),
                subject=_redacted(r.subject) if redact else r.subject,
                text=_shown_text(r, a, redact),
                rating=r.rating,
                rating_scale=r.rating_scale,
                person_id=r.person_id,
                person_name=names.get(r.person_id) if r.person_id and not redact else None,
                sentiment=fixed.get("sentiment", a.sentiment) if a else None,
                sentences=_shown_sentences(r, a, redact),
                aspects=_shown_aspects(a, fixed),
                model_sentiment=a.sentiment if a else None,
                corrected="sentiment" in fixed,
            )
        )
    return out


def _corrections(session: Session, interaction_ids: list[int]) -> dict[int, dict[str, str]]:
    """Analysts' labels of these interactions: {interaction id: {target: label}}."""
    if not interaction_ids:
        return {}
    from sada.text.models import TextCorrection

    out: dict[int, dict[str, str]] = {}
    for iid, target, label in session.execute(
        select(TextCorrection.interaction_id, TextCorrection.target, TextCorrection.label).where(
            TextCorrection.interaction_id.in_(interaction_ids)
        )
    ):
        out.setdefault(iid, {})[target] = label
    return out


def _shown_aspects(analysis: Any | None, fixed: dict[str, str]) -> list[dict[str, Any]]:
    """The analysis's aspects, each with an analyst's label in place of the model's when one
    was given (`model_polarity` keeps the model's, `corrected` says so)."""
    if analysis is None:
        return []
    shown = []
    for aspect in analysis.aspects or []:
        label = fixed.get(f"aspect:{aspect.get('aspect')}")
        if label is None:
            shown.append(dict(aspect))
        else:
            shown.append(
                {**aspect, "polarity": label, "model_polarity": aspect.get("polarity"),
                 "corrected": True}
            )  # fmt: skip
    return shown


def _redacted(text: str | None) -> str | None:
    return redact_pii(text)[0] if text else text


def _shown_text(row: Interaction, analysis: Any | None, redact: bool) -> str:
    """The original text, or the redacted one when PII was found and must be hidden.

    A text not analysed yet is redacted on the spot (PII detection is cheap; the
    slow part of the analysis is sentiment and embeddings).
    """
    if not redact:
        return row.text or ""
    if analysis is None:
        return redact_pii(row.text)[0] if row.text else ""
    if analysis.pii and analysis.redacted_text is not None:
        return str(analysis.redacted_text)
    return row.text or ""


def _shown_sentences(row: Interaction, analysis: Any | None, redact: bool) -> list[dict[str, Any]]:
    """Sentences as analysed (from the redacted text); with PII access, their original words."""
    if analysis is None:
        return []
    sentences = [dict(s) for s in analysis.sentences or []]
    if redact or not analysis.pii or not row.text:
        return sentences
    for sentence in sentences:
        start, end = sentence.get("start"), sentence.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(row.text):
            sentence["text"] = row.text[start:end]
    return sentences


def iter_export(
    session: Session, eq: ExplorerQuery, *, redact: bool = False
) -> Iterator[FeedbackRow]:
    analysis = text_model()
    query = _explorer_query(session, eq, analysis).order_by(
        Interaction.occurred_at.desc(), Interaction.id.desc()
    )
    done = 0
    while done < EXPORT_LIMIT:
        rows = list(session.execute(query.limit(1000).offset(done)).scalars())
        if not rows:
            return
        yield from _feedback_rows(session, rows, analysis, redact=redact)
        done += len(rows)


EXPORT_COLUMNS = [
    "id",
    "occurred_at",
    "channel",
    "touchpoint",
    "language",
    "rating",
    "rating_scale",
    "sentiment",
    "person_id",
    "person_name",
    "subject",
    "text",
]


def export_values(row: FeedbackRow) -> list[Any]:
    return [
        row.id,
        row.occurred_at.isoformat(),
        row.channel,
        row.touchpoint or "",
        row.language or "",
        row.rating if row.rating is not None else "",
        row.rating_scale or "",
        row.sentiment or "",
        row.person_id or "",
        row.person_name or "",
        row.subject or "",
        row.text,
    ]


def csv_chunks(rows: Iterator[FeedbackRow]) -> Iterator[bytes]:
    """The explorer's rows as a streamed CSV (see sada.core.spreadsheets)."""
    return spreadsheets.csv_chunks(EXPORT_COLUMNS, (export_values(r) for r in rows))


def xlsx_bytes(rows: Iterator[FeedbackRow]) -> bytes:
    return spreadsheets.xlsx_bytes(
        EXPORT_COLUMNS, (export_values(r) for r in rows), sheet="feedback"
    )
