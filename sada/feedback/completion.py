"""Completing a response: everything that happens once per response when it is completed.

`complete_response` scores the answers, fills the response's dimensions (touchpoint, agent,
segment, audience, channel, language) from its hidden fields, person and survey, ingests it
as an interaction (type survey_response, channel survey) through
`sada.interactions.ingest.ingest_batch`, updates the metric rollups and publishes
`response.received` (`notify_received`, sada.events).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sada.events import publish
from sada.feedback.answers import metric_scores
from sada.feedback.models import Response, Survey
from sada.feedback.respondents import person_of, person_ref_for
from sada.feedback.schemas import SurveyDefinition
from sada.metrics import rollups
from sada.people.schemas import PersonRef


def _fill_dimensions(session: Session, survey: Survey, response: Response) -> None:
    hidden = response.hidden or {}
    person = person_of(session, response.person_id)

    def pick(*values: Any) -> str | None:
        for v in values:
            if v not in (None, ""):
                return str(v)[:100]
        return None

    response.touchpoint = pick(hidden.get("touchpoint"), survey.touchpoint)
    response.agent = pick(hidden.get("agent"))
    response.segment = pick(hidden.get("segment"), person.segment if person else None)
    response.audience = pick(person.audience if person else None, survey.audience)
    response.channel = pick(hidden.get("channel"), response.channel)
    response.language = pick(response.language, survey.default_language)


_RATING_SCALE = {"nps": "nps", "enps": "enps", "ces": "ces7"}


def _primary_rating(
    survey: Survey, scores: dict[str, Any], definition: SurveyDefinition, answers: dict[str, Any]
) -> tuple[float | None, str | None]:
    order = [survey.kind, "nps", "enps", "csat", "ces"]
    for metric in order:
        if metric in scores:
            score, scale_max = scores[metric]
            if metric == "csat":
                return float(score), "csat7" if scale_max == 7 else "csat5"
            return float(score), _RATING_SCALE[metric]
    for q in definition.questions:
        if q.type == "rating" and q.key in answers:
            if q.scale_min == 1 and q.scale_max == 5:
                return float(answers[q.key]), "stars5"
            if q.scale_min == 0 and q.scale_max == 10:
                return float(answers[q.key]), "scale10"
    return None, None


def _interaction_item(
    session: Session,
    survey: Survey,
    response: Response,
    definition: SurveyDefinition,
    answers: dict[str, Any],
    person_ref: PersonRef | None,
) -> dict[str, Any]:
    rating, scale = _primary_rating(survey, response.scores, definition, answers)
    texts = [
        str(answers[q.key]) for q in definition.questions if q.type == "text" and answers.get(q.key)
    ]
    item: dict[str, Any] = {
        "source": f"survey:{response.source}"[:100],
        "external_id": f"{survey.id}:{response.external_id}"[:200],
        "occurred_at": response.completed_at.isoformat() if response.completed_at else None,
        "channel": "survey",
        "type": "survey_response",
        "direction": "inbound",
        "subject": survey.name[:1000],
        "text": "\n".join(texts)[:60_000] or None,
        "rating": rating,
        "rating_scale": scale,
        "attributes": {
            "survey_id": survey.id,
            "survey_kind": survey.kind,
            "survey_version": response.version,
            "response_id": response.id,
            "scores": response.scores,
            "distribution": response.channel,
        },
    }
    if response.invitation_id is not None:
        # Which invitation it answers: a follow-up survey's case finds its answer by it.
        item["attributes"]["invitation_id"] = response.invitation_id
    if response.touchpoint:
        item["touchpoint"] = response.touchpoint
    if response.language:
        item["language"] = response.language
    if response.agent and "@" in response.agent:
        item["agent"] = response.agent
    ref = person_ref or person_ref_for(session, response.person_id)
    if ref is not None:
        item["person"] = ref.model_dump(exclude_none=True)
    return item


def complete_response(
    session: Session,
    survey: Survey,
    response: Response,
    definition: SurveyDefinition,
    answers: dict[str, Any],
    *,
    person_ref: PersonRef | None = None,
    notify: bool = True,
    imported: bool = False,
) -> None:
    """Everything that happens once per response when it is completed.

    An imported response is history: its interaction has origin `import` (backfill) and its
    `response.received` event is not live, so it feeds metrics but opens no case and sends
    no email.
    """
    from sada.interactions.ingest import ingest_batch

    response.scores = metric_scores(definition, answers)
    _fill_dimensions(session, survey, response)
    response.status = "completed"
    session.flush()
    item = _interaction_item(session, survey, response, definition, answers, person_ref)
    if imported:
        item["origin"] = "import"
    result = ingest_batch(session, [item])[0]
    if result.status in ("stored", "duplicate"):
        response.interaction_id = result.id
        if response.person_id is None and result.person_id is not None:
            response.person_id = result.person_id
            if response.segment is None or response.audience is None:
                _fill_dimensions(session, survey, response)
    else:
        meta = dict(response.meta or {})
        meta["interaction_errors"] = [e.message for e in result.errors]
        response.meta = meta
    session.flush()
    rollups.record_change(session, None, rollups.facts_of(response))
    if notify:
        history = imported or _is_backfill(session, response.interaction_id)
        notify_received(
            session,
            [response.id],
            [response.interaction_id] if response.interaction_id else [],
            live=not history,
        )


def _is_backfill(session: Session, interaction_id: int | None) -> bool:
    from sada.interactions.service import get_interaction

    row = get_interaction(session, interaction_id) if interaction_id else None
    return bool(row is not None and row.backfill)


def notify_received(
    session: Session, response_ids: list[int], interaction_ids: list[int], *, live: bool = True
) -> None:
    """Publish `response.received` in the caller's transaction (imports: `live=False`)."""
    publish(
        session,
        "response.received",
        {"response_ids": response_ids, "interaction_ids": interaction_ids},
        live=live,
    )
