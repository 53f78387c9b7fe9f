"""Survey results that answer questions: per-question results for every question type, the
filtered response list (keyset pages) and one full response.

Only completed responses count, in the period asked for (`completed_at` in [start, end)).
Filters: the respondent's language and channel, and the band of the survey's score question
(low / mid / high, from the metric catalogue: detractors, passives, promoters for NPS).
Aggregations run in the database per (question, value); choice lists (JSON) are counted in
Python over at most `CHOICE_SCAN` answers per question.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.feedback.models import Answer, Response, Survey
from sada.feedback.schemas import METRIC_TYPES, Question, SurveyDefinition
from sada.metrics import catalogue

CHOICE_SCAN = 20_000
TEXT_SAMPLES = 5
BANDS = ("low", "mid", "high")


@dataclass(frozen=True)
class ResultFilter:
    """Which completed responses count."""

    start: datetime | None = None
    end: datetime | None = None
    language: str | None = None
    channel: str | None = None
    band: str | None = None  # of the score question: low / mid / high


def score_question(definition: SurveyDefinition) -> Question | None:
    """The question that makes the survey's metric (its first NPS/CSAT/CES question)."""
    for q in definition.questions:
        if q.type in METRIC_TYPES:
            return q
    return None


def _scale_of(q: Question) -> catalogue.Scale | None:
    if q.type in ("nps", "enps"):
        return catalogue.SCALES[q.type]
    if q.type == "csat":
        return catalogue.SCALES["csat7" if (q.scale_max or 5) == 7 else "csat5"]
    if q.type == "ces":
        return catalogue.SCALES["ces7"]
    return None


def _responses(survey: Survey, definition: SurveyDefinition, rf: ResultFilter) -> Select[Any]:
    """Ids of the completed responses that count."""
    query = select(Response.id).where(
        Response.survey_id == survey.id,
        Response.status == "completed",
        Response.completed_at.is_not(None),
    )
    if rf.start is not None:
        query = query.where(Response.completed_at >= rf.start)
    if rf.end is not None:
        query = query.where(Response.completed_at < rf.end)
    if rf.language:
        query = query.where(Response.language == rf.language)
    if rf.channel:
        query = query.where(Response.channel == rf.channel)
    if rf.band:
        if rf.band not in BANDS:
            raise Invalid("band must be low, mid or high", details={"field": "band"})
        q = score_question(definition)
        scale = _scale_of(q) if q is not None else None
        if q is None or scale is None:
            raise Invalid(
                "this survey has no score question to filter by", details={"field": "band"}
            )
        if rf.band == "low":
            cond = Answer.number <= scale.low_band_max
        elif rf.band == "high":
            cond = Answer.number >= scale.high_band_min
        else:
            cond = and_(Answer.number > scale.low_band_max, Answer.number < scale.high_band_min)
        query = query.where(
            exists().where(Answer.response_id == Response.id, Answer.question_key == q.key, cond)
        )
    return query


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    distribution: list[tuple[Any, int]] = field(default_factory=list)  # (value, count)
    mean: float | None = None
    bands: dict[str, int] | None = None  # low / mid / high counts on a metric scale
    samples: list[tuple[int, str]] = field(default_factory=list)  # (response id, text)


def question_results(
    session: Session, survey: Survey, definition: SurveyDefinition, rf: ResultFilter
) -> tuple[int, list[QuestionResult]]:
    """(responses counted, each question's result) for every question of the definition."""
    ids = _responses(survey, definition, rf).subquery()
    counted = int(session.execute(select(func.count()).select_from(ids)).scalar_one())
    results = {q.key: QuestionResult(q) for q in definition.questions if q.type != "hidden"}
    numeric = [
        q.key for q in definition.questions if q.is_scale and q.key in results
    ]  # nps, csat, ces, rating
    if numeric:
        rows = session.execute(
            select(Answer.question_key, Answer.number, func.count())
            .where(
                Answer.response_id.in_(select(ids.c.id)),
                Answer.question_key.in_(numeric),
                Answer.number.is_not(None),
            )
            .group_by(Answer.question_key, Answer.number)
        ).all()
        for key, number, n in rows:
            results[key].distribution.append((number, int(n)))
        for key in numeric:
            r = results[key]
            q = r.question
            present = dict(r.distribution)
            low = int(q.scale_min if q.scale_min is not None else 0)
            high = int(q.scale_max if q.scale_max is not None else 10)
            r.distribution = [(v, int(present.get(float(v), 0))) for v in range(low, high + 1)]
            r.answered = sum(n for _v, n in r.distribution)
            if r.answered:
                r.mean = sum(v * n for v, n in r.distribution) / r.answered
            scale = _scale_of(q)
            if scale is not None:
                bands = dict.fromkeys(BANDS, 0)
                for v, n in r.distribution:
                    bands[scale.band(v)] += n
                r.bands = bands
    for q in definition.questions:
        if q.key not in results:
            continue
        r = results[q.key]
        if q.type == "single_choice":  # stored as the chosen key in `text`
            single = dict(
                session.execute(
                    select(Answer.text, func.count())
                    .where(
                        Answer.response_id.in_(select(ids.c.id)),
                        Answer.question_key == q.key,
                        Answer.text.is_not(None),
                    )
                    .group_by(Answer.text)
                ).all()
            )
            r.answered = int(sum(single.values()))
            r.distribution = [(c.key, int(single.get(c.key, 0))) for c in q.choices]
        elif q.type == "multiple_choice":
            counts: Counter[str] = Counter()
            answered = 0
            for (chosen,) in session.execute(
                select(Answer.choices)
                .where(Answer.response_id.in_(select(ids.c.id)), Answer.question_key == q.key)
                .limit(CHOICE_SCAN)
            ):
                if chosen:
                    answered += 1
                    counts.update(str(c) for c in chosen)
            r.answered = answered
            r.distribution = [(c.key, counts.get(c.key, 0)) for c in q.choices]
        elif q.type == "text":
            r.answered = int(
                session.execute(
                    select(func.count()).where(
                        Answer.response_id.in_(select(ids.c.id)),
                        Answer.question_key == q.key,
                        Answer.text.is_not(None),
                        Answer.text != "",
                    )
                ).scalar_one()
            )
            r.samples = [
                (int(rid), str(text))
                for rid, text in session.execute(
                    select(Answer.response_id, Answer.text)
                    .where(
                        Answer.response_id.in_(select(ids.c.id)),
                        Answer.question_key == q.key,
                        Answer.text.is_not(None),
                        Answer.text != "",
                    )
                    .order_by(Answer.response_id.desc())
                    .limit(TEXT_SAMPLES)
                )
            ]
    return counted, [results[q.key] for q in definition.questions if q.key in results]


@dataclass
class ResponseRow:
    id: int
    completed_at: datetime
    language: str | None
    channel: str | None
    person_id: int | None
    score: float | None
    comment: str | None


def list_responses(
    session: Session,
    survey: Survey,
    definition: SurveyDefinition,
    rf: ResultFilter,
    *,
    before: int | None = None,
    limit: int = 25,
) -> tuple[list[ResponseRow], int | None]:
    """Newest completed responses first, `limit` at a time; `before` is the last id shown
    (keyset paging: page 40 costs what page 1 costs). Returns (rows, next `before`)."""
    query = _responses(survey, definition, rf)
    if before is not None:
        query = query.where(Response.id < before)
    ids = [int(i) for (i,) in session.execute(query.order_by(Response.id.desc()).limit(limit + 1))]
    more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return [], None
    responses = {
        r.id: r for r in session.execute(select(Response).where(Response.id.in_(ids))).scalars()
    }
    q = score_question(definition)
    comment_key = next((x.key for x in definition.questions if x.type == "text"), None)
    keys = [k for k in (q.key if q else None, comment_key) if k]
    answers: dict[tuple[int, str], Answer] = {}
    if keys:
        for a in session.execute(
            select(Answer).where(Answer.response_id.in_(ids), Answer.question_key.in_(keys))
        ).scalars():
            answers[(a.response_id, a.question_key)] = a
    rows = []
    for rid in ids:
        r = responses[rid]
        score = answers.get((rid, q.key)) if q else None
        comment = answers.get((rid, comment_key)) if comment_key else None
        rows.append(
            ResponseRow(
                id=rid,
                completed_at=r.completed_at or r.updated_at,
                language=r.language,
                channel=r.channel,
                person_id=r.person_id,
                score=score.number if score else None,
                comment=comment.text if comment else None,
            )
        )
    return rows, (ids[-1] if more else None)


def response_detail(
    session: Session, survey: Survey, response_id: int
) -> tuple[Response, SurveyDefinition, list[tuple[Question | None, Answer]]]:
    """One response with every answer, in the order of its survey version's questions."""
    from sada.feedback.service import definition_of

    response = session.execute(
        select(Response).where(Response.id == response_id, Response.survey_id == survey.id)
    ).scalar_one_or_none()
    if response is None:
        raise NotFound(f"no response {response_id} in this survey")
    definition = definition_of(session, survey, response.version)
    answers = {
        a.question_key: a
        for a in session.execute(select(Answer).where(Answer.response_id == response.id)).scalars()
    }
    ordered: list[tuple[Question | None, Answer]] = []
    for q in definition.questions:
        if q.key in answers:
            ordered.append((q, answers.pop(q.key)))
    ordered.extend((None, a) for a in answers.values())
    return response, definition, ordered
