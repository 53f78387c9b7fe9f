"""Responses: save them as respondents answer, import them from other tools, correct, delete
and list them.

- `do_save_response(session, survey, answers, *, complete, invitation=None, resume=None, ...)
  -> tuple[Response, str | None]` (partial saves and completion; one response per invitation)
- `do_import_response(session, survey, record: ExternalRecord) -> str`
  ("imported" | "duplicate" | "updated" | "rejected: ...")
- `do_update_answers(session, response_id, answers) -> Response` (rollups corrected)
- `do_delete_response(session, response_id) -> None` (rollups corrected)
- `list_responses(session, ResponseQuery) -> tuple[list[Response], int | None]`
- `access_response(session, response_id) -> Response`
- `response_out(session, response) -> ResponseOut`

Completing one runs `sada.feedback.completion.complete_response`.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.security import hash_secret
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.feedback.answers import answers_of, metric_scores, validate_answers, write_answers
from sada.feedback.completion import complete_response
from sada.feedback.models import Invitation, Response, Survey
from sada.feedback.respondents import Respondent
from sada.feedback.schemas import AnswerOut, ResponseOut, SurveyDefinition
from sada.feedback.surveys import access_survey, definition_of
from sada.metrics import rollups
from sada.people.schemas import PersonRef
from sada.tenants.service import Actor, record_audit


def do_save_response(
    session: Session,
    survey: Survey,
    raw_answers: Any,
    *,
    complete: bool,
    invitation: Invitation | None = None,
    resume: str | None = None,
    respondent: Respondent | None = None,
    now: datetime | None = None,
    form_id: str | None = None,
) -> tuple[Response, str | None]:
    """Save answers as the respondent goes; complete once. Returns (response, resume secret).

    With an invitation there is exactly one response per token: completion flips
    the invitation with a conditional UPDATE, so of two concurrent submits one
    wins and the other gets Conflict. Without one, `form_id` (derived from the
    public form's stamp) becomes the response's external id, so one shown form
    yields at most one response: its autosaves continue it, and a second
    submission of the same form, replayed or concurrent, gets Conflict.
    """
    if survey.status != "active":
        raise Conflict("this survey is not accepting responses")
    respondent = respondent or Respondent()
    now = now or utcnow()
    if invitation is not None:
        if invitation.completed_at is not None:
            raise Conflict("this invitation has already been answered")
        if invitation.expires_at < now:
            raise Conflict("this invitation has expired")
    response: Response | None = None
    new_resume: str | None = None
    if invitation is not None:
        response = session.execute(
            select(Response).where(Response.invitation_id == invitation.id)
        ).scalar_one_or_none()
    elif resume:
        response = session.execute(
            select(Response).where(
                Response.survey_id == survey.id,
                Response.resume_hash == hash_secret(resume),
                Response.status == "partial",
            )
        ).scalar_one_or_none()
        if response is None:
            raise Conflict("this saved response was completed already or does not exist")
    elif form_id:
        response = session.execute(
            select(Response).where(
                Response.survey_id == survey.id,
                Response.source == "sada",
                Response.external_id == form_id,
            )
        ).scalar_one_or_none()
        if response is not None and response.status == "completed":
            raise Conflict("this form was submitted already; reload the page to answer again")
    if response is not None and response.status == "completed":
        raise Conflict("this response is already complete")
    version = response.version if response is not None else survey.current_version
    definition = definition_of(session, survey, version)
    previous = answers_of(session, response.id) if response is not None else {}
    merged = {**previous, **(raw_answers or {})} if isinstance(raw_answers, dict) else raw_answers
    hidden_q = {q.key for q in definition.questions if q.type == "hidden"}
    hidden = dict(respondent.hidden or {})
    if invitation is not None:
        hidden = {**(invitation.hidden or {}), **hidden}
    for key in hidden_q:
        if key in hidden and isinstance(merged, dict) and key not in merged:
            merged[key] = hidden[key]
    answers = validate_answers(definition, merged, complete=complete)
    if complete and invitation is not None:
        result = session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.completed_at.is_(None))
            .values(completed_at=now, status="completed")
            .execution_options(synchronize_session=False)
        )
        won = cast(CursorResult[Any], result).rowcount
        if won != 1:
            raise Conflict("this invitation has already been answered")
    if response is None:
        if invitation is None:
            new_resume = secrets.token_urlsafe(24)
        response = Response(
            workspace_id=bound_workspace(session),
            survey_id=survey.id,
            version=version,
            invitation_id=invitation.id if invitation else None,
            person_id=respondent.person_id or (invitation.person_id if invitation else None),
            status="partial",
            source="sada",
            external_id=form_id or uuid.uuid4().hex,
            language=respondent.language or (invitation.language if invitation else None),
            channel=respondent.channel or (invitation.channel if invitation else "link"),
            hidden={k: str(v)[:500] for k, v in hidden.items()},
            meta=respondent.meta or {},
            resume_hash=hash_secret(new_resume) if new_resume else None,
            scores={},
            started_at=now,
            updated_at=now,
        )
        session.add(response)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise Conflict("this response is being saved by another request") from None
    else:
        if respondent.language:
            response.language = respondent.language
    response.updated_at = now
    write_answers(session, response, definition, answers)
    if complete:
        response.completed_at = now
        complete_response(
            session, survey, response, definition, answers, person_ref=respondent.person_ref
        )
    session.flush()
    return response, new_resume


@dataclass
class ExternalRecord:
    """One response from another tool (import file or webhook)."""

    source: str
    external_id: str
    answers: dict[str, Any]
    completed: bool = True
    submitted_at: datetime | None = None
    started_at: datetime | None = None
    person: PersonRef | None = None
    language: str | None = None
    channel: str | None = None
    hidden: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def do_import_response(
    session: Session, survey: Survey, record: ExternalRecord, *, history: bool = True
) -> str:
    """Store one outside response idempotently. Returns imported/updated/duplicate/rejected: why.

    File imports are history (`history=True`: origin `import`, no live actions); live
    webhooks from survey tools pass `history=False`.
    """
    definition = definition_of(session, survey)
    # Idempotency is per survey and source: the same tool's id in another survey is another
    # response (an export imported under another name must never change a different survey).
    existing = session.execute(
        select(Response).where(
            Response.survey_id == survey.id,
            Response.source == record.source,
            Response.external_id == record.external_id,
        )
    ).scalar_one_or_none()
    try:
        answers = validate_answers(definition, record.answers, complete=False)
    except Invalid as exc:
        details = exc.details if isinstance(exc.details, list) else []
        why = "; ".join(f"{d['path']}: {d['message']}" for d in details) or exc.message
        return f"rejected: {why}"
    person_id = None
    if record.person is not None:
        from sada.people.service import Resolver, parse_person

        parsed = parse_person(record.person, path="person", source=record.source)
        if parsed.errors:
            return f"rejected: {parsed.errors[0].path}: {parsed.errors[0].message}"
        if parsed.keys:
            person_id = Resolver(session).resolve(parsed).person_id
    when = record.submitted_at or utcnow()
    if existing is not None and existing.version != survey.current_version:
        # Outside tools only ever add questions (see imports.ensure_survey), so moving the
        # response to the latest version keeps every earlier answer's meaning.
        existing.version = survey.current_version
    if existing is not None:
        if existing.status == "completed":
            old_answers = answers_of(session, existing.id)
            merged = {**old_answers, **answers}
            if merged == old_answers:
                return "duplicate"
            _rewrite_answers(
                session, existing, definition_of(session, survey, existing.version), merged
            )
            return "updated"
        merged = {**answers_of(session, existing.id), **answers}
        write_answers(session, existing, definition, merged)
        existing.updated_at = utcnow()
        if record.completed:
            existing.completed_at = when
            complete_response(
                session,
                survey,
                existing,
                definition,
                merged,
                person_ref=record.person,
                imported=history,
            )
        return "updated"
    response = Response(
        workspace_id=bound_workspace(session),
        survey_id=survey.id,
        version=survey.current_version,
        person_id=person_id,
        status="partial",
        source=record.source,
        external_id=record.external_id,
        language=record.language,
        channel=record.channel or record.source,
        hidden={k: str(v)[:500] for k, v in (record.hidden or {}).items()},
        meta=record.meta,
        scores={},
        started_at=record.started_at or when,
        updated_at=utcnow(),
    )
    session.add(response)
    session.flush()
    write_answers(session, response, definition, answers)
    if record.completed:
        response.completed_at = when
        complete_response(
            session,
            survey,
            response,
            definition,
            answers,
            person_ref=record.person,
            imported=history,
        )
    return "imported"


def access_response(session: Session, response_id: int) -> Response:
    response = session.execute(
        select(Response).where(Response.id == response_id)
    ).scalar_one_or_none()
    if response is None:
        raise NotFound(f"no response {response_id}")
    return response


def do_update_answers(session: Session, response_id: int, raw_answers: Any) -> Response:
    """Correct answers of a response (e.g. a late update from a webhook); rollups follow."""
    response = access_response(session, response_id)
    survey = access_survey(session, response.survey_id)
    definition = definition_of(session, survey, response.version)
    merged = {**answers_of(session, response.id), **(raw_answers or {})}
    answers = validate_answers(definition, merged, complete=response.status == "completed")
    _rewrite_answers(session, response, definition, answers)
    return response


def _rewrite_answers(
    session: Session, response: Response, definition: SurveyDefinition, answers: dict[str, Any]
) -> None:
    """Replace a response's answers (and a completed one's scores); the rollups follow."""
    before = rollups.facts_of(response)
    write_answers(session, response, definition, answers)
    if response.status == "completed":
        response.scores = metric_scores(definition, answers)
    response.updated_at = utcnow()
    session.flush()
    rollups.record_change(session, before, rollups.facts_of(response))


def do_delete_response(session: Session, response_id: int, *, actor: Actor | None = None) -> None:
    """Delete a response and its answers; the rollups lose its contribution.

    The interaction it produced stays in the append-only log.
    """
    response = access_response(session, response_id)
    before = rollups.facts_of(response)
    session.delete(response)
    session.flush()
    rollups.record_change(session, before, None)
    record_audit(session, actor, "survey_response.delete", "survey_response", response_id)


@dataclass
class ResponseQuery:
    survey_id: int | None = None
    status: str | None = None
    person_id: int | None = None
    language: str | None = None
    segment: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: float | None = None
    max_score: float | None = None
    metric: str | None = None
    limit: int = 50
    cursor: int | None = None  # responses with a smaller id


def list_responses(session: Session, q: ResponseQuery) -> tuple[list[Response], int | None]:
    """Newest first, keyset on id."""
    query = select(Response)
    for name in (
        "survey_id",
        "status",
        "person_id",
        "language",
        "segment",
        "channel",
        "touchpoint",
    ):
        value = getattr(q, name)
        if value is not None:
            query = query.where(getattr(Response, name) == value)
    if q.since:
        query = query.where(Response.completed_at >= q.since)
    if q.until:
        query = query.where(Response.completed_at < q.until)
    if q.cursor:
        query = query.where(Response.id < q.cursor)
    rows = list(
        session.execute(query.order_by(Response.id.desc()).limit(q.limit * 5 + 1)).scalars()
    )
    if q.min_score is not None or q.max_score is not None:
        metric = q.metric or "nps"

        def keep(r: Response) -> bool:
            pair = (r.scores or {}).get(metric)
            if pair is None:
                return False
            s = float(pair[0])
            return (q.min_score is None or s >= q.min_score) and (
                q.max_score is None or s <= q.max_score
            )

        rows = [r for r in rows if keep(r)]
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return rows, (rows[-1].id if more and rows else None)


def response_out(session: Session, response: Response) -> ResponseOut:
    survey = access_survey(session, response.survey_id)
    definition = definition_of(session, survey, response.version)
    answers = answers_of(session, response.id)
    out = []
    for q in definition.questions:
        if q.key in answers:
            out.append(
                AnswerOut(
                    question=q.key,
                    type=q.type,
                    title=q.text("title", response.language or "", survey.default_language),
                    value=answers[q.key],
                )
            )
    return ResponseOut(
        id=response.id,
        survey_id=response.survey_id,
        version=response.version,
        status=response.status,
        person_id=response.person_id,
        invitation_id=response.invitation_id,
        interaction_id=response.interaction_id,
        language=response.language,
        channel=response.channel,
        touchpoint=response.touchpoint,
        segment=response.segment,
        audience=response.audience,
        agent=response.agent,
        source=response.source,
        external_id=response.external_id,
        scores=response.scores or {},
        hidden=response.hidden or {},
        started_at=response.started_at,
        completed_at=response.completed_at,
        answers=out,
    )
