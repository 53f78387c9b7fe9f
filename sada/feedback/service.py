"""Surveys, versions, invitations and responses.

Service functions (Session bound to a workspace unless said otherwise; the
caller owns the transaction):

Surveys
- `do_create_survey(session, data: SurveyIn, *, external_source=None, external_id=None, actor=None) -> Survey`
- `do_update_survey(session, survey_id, patch: SurveyPatch, *, actor=None) -> Survey`
  (a definition change on a survey with responses makes a new version)
- `do_delete_survey(session, survey_id, *, actor=None) -> None`
- `access_survey(session, survey_id) -> Survey` (NotFound for other workspaces' ids)
- `list_surveys(session) -> list[Survey]`
- `definition_of(session, survey, version=None) -> SurveyDefinition`
- `survey_out(session, survey, base_url) -> SurveyOut`
- `survey_by_public_key(session_unbound, key) -> Survey | None` (crosses workspaces)

Invitations, tokens, unsubscribes and the contact-frequency rule live in
`sada.feedback.invitations`.

Responses
- `validate_answers(definition, raw, *, complete) -> dict` (Invalid with per-question details)
- `do_save_response(session, survey, answers, *, complete, invitation=None, resume=None, ...)
  -> tuple[Response, str | None]` (partial saves and completion; one response per invitation)
- `do_import_response(session, survey, record: ExternalRecord) -> str`
  ("imported" | "duplicate" | "updated" | "rejected: ...")
- `do_update_answers(session, response_id, answers) -> Response` (rollups corrected)
- `do_delete_response(session, response_id) -> None` (rollups corrected)
- `list_responses(session, ResponseQuery) -> tuple[list[Response], str | None]`
- `access_response(session, response_id) -> Response`
- `response_out(session, response) -> ResponseOut`

Completing a response also ingests it as an interaction (type survey_response,
channel survey) through `sada.interactions.service.ingest_batch`, updates the
metric rollups and publishes `response.received` (sada.events).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import CursorResult, Table, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.validation import field_errors
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.feedback.models import (
    Answer,
    Invitation,
    Response,
    Survey,
    SurveyVersion,
)
from sada.feedback.schemas import (
    METRIC_TYPES,
    AnswerOut,
    Question,
    ResponseOut,
    SurveyDefinition,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
)
from sada.metrics import rollups
from sada.people.schemas import PersonRef
from sada.tenants.service import Actor, record_audit

SEND_JOB = "feedback.send_invitation"
MAX_TEXT = 10_000
DEFAULT_CONTACT_DAYS = 14
DEFAULT_INVITATION_DAYS = 30


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# ---------------------------------------------------------------- surveys


def _check_definition(definition: SurveyDefinition, default: str, languages: list[str]) -> None:
    problems = definition.check(default, languages)
    if problems:
        raise Invalid("the survey definition has problems", details=problems)


def do_create_survey(
    session: Session,
    data: SurveyIn,
    *,
    external_source: str | None = None,
    external_id: str | None = None,
    actor: Actor | None = None,
) -> Survey:
    languages = list(dict.fromkeys([data.default_language, *data.languages]))
    _check_definition(data.definition, data.default_language, languages)
    now = utcnow()
    survey = Survey(
        workspace_id=bound_workspace(session),
        name=data.name,
        kind=data.kind,
        status=data.status,
        default_language=data.default_language,
        languages=languages,
        current_version=1,
        audience=data.audience,
        touchpoint=data.touchpoint,
        public_key=secrets.token_urlsafe(18),
        external_source=external_source,
        external_id=external_id,
        settings=data.settings,
        created_at=now,
        updated_at=now,
    )
    session.add(survey)
    session.flush()
    session.add(
        SurveyVersion(
            workspace_id=survey.workspace_id,
            survey_id=survey.id,
            version=1,
            definition=data.definition.model_dump(mode="json", exclude_none=True),
            created_at=now,
        )
    )
    session.flush()
    record_audit(session, actor, "survey.create", "survey", survey.id, {"name": survey.name})
    return survey


def access_survey(session: Session, survey_id: int) -> Survey:
    survey = session.execute(select(Survey).where(Survey.id == survey_id)).scalar_one_or_none()
    if survey is None:
        raise NotFound(f"no survey {survey_id}")
    return survey


def list_surveys(session: Session) -> list[Survey]:
    return list(session.execute(select(Survey).order_by(Survey.id)).scalars())


def definition_of(session: Session, survey: Survey, version: int | None = None) -> SurveyDefinition:
    cache: dict[tuple[int, int], SurveyDefinition] = session.info.setdefault("sada.defs", {})
    number = version or survey.current_version
    key = (survey.id, number)
    if key not in cache:
        raw = session.execute(
            select(SurveyVersion.definition).where(
                SurveyVersion.survey_id == survey.id, SurveyVersion.version == number
            )
        ).scalar_one_or_none()
        if raw is None:
            raise NotFound(f"survey {survey.id} has no version {number}")
        cache[key] = SurveyDefinition.model_validate(raw)
    return cache[key]


def _response_count(session: Session, survey_id: int) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Response).where(Response.survey_id == survey_id)
        ).scalar_one()
    )


def do_update_survey(
    session: Session, survey_id: int, patch: SurveyPatch, *, actor: Actor | None = None
) -> Survey:
    survey = access_survey(session, survey_id)
    for name in ("name", "status", "audience", "touchpoint", "settings"):
        value = getattr(patch, name)
        if value is not None:
            setattr(survey, name, value)
    if patch.default_language is not None:
        survey.default_language = patch.default_language
    if patch.languages is not None:
        survey.languages = list(dict.fromkeys([survey.default_language, *patch.languages]))
    definition = patch.definition or definition_of(session, survey)
    _check_definition(definition, survey.default_language, survey.languages)
    if patch.definition is not None:
        new = patch.definition.model_dump(mode="json", exclude_none=True)
        current = session.execute(
            select(SurveyVersion).where(
                SurveyVersion.survey_id == survey.id,
                SurveyVersion.version == survey.current_version,
            )
        ).scalar_one()
        if new != current.definition:
            if _response_count(session, survey.id):
                survey.current_version += 1
                session.add(
                    SurveyVersion(
                        workspace_id=survey.workspace_id,
                        survey_id=survey.id,
                        version=survey.current_version,
                        definition=new,
                        created_at=utcnow(),
                    )
                )
            else:
                current.definition = new
            session.info.get("sada.defs", {}).pop((survey.id, survey.current_version), None)
    survey.updated_at = utcnow()
    session.flush()
    record_audit(
        session,
        actor,
        "survey.update",
        "survey",
        survey.id,
        {"version": survey.current_version},
    )
    return survey


def do_delete_survey(session: Session, survey_id: int, *, actor: Actor | None = None) -> None:
    survey = access_survey(session, survey_id)
    record_audit(session, actor, "survey.delete", "survey", survey.id, {"name": survey.name})
    session.delete(survey)  # versions, responses, answers, rollups cascade
    session.flush()


def survey_link(base_url: str, survey: Survey) -> str:
    return f"{base_url.rstrip('/')}/s/{survey.public_key}"


def survey_out(session: Session, survey: Survey, base_url: str) -> SurveyOut:
    return SurveyOut(
        id=survey.id,
        name=survey.name,
        kind=survey.kind,
        status=survey.status,
        default_language=survey.default_language,
        languages=survey.languages,
        version=survey.current_version,
        audience=survey.audience,
        touchpoint=survey.touchpoint,
        public_key=survey.public_key,
        link=survey_link(base_url, survey),
        settings=survey.settings or {},
        definition=definition_of(session, survey).model_dump(mode="json", exclude_none=True),
        created_at=survey.created_at,
        updated_at=survey.updated_at,
    )


def survey_by_public_key(session: Session, key: str) -> Survey | None:
    if not key or len(key) > 64:
        return None
    return session.execute(
        select(Survey).where(Survey.public_key == key).execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()


# ---------------------------------------------------------------- answers


def _scalar_text(value: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError("expected text")
    text = str(value)
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    if len(text) > limit:
        raise ValueError(f"is {len(text):,} characters; the limit is {limit:,}")
    return text


def _clean_answer(q: Question, value: Any) -> Any:
    if q.is_scale:
        if isinstance(value, bool):
            raise ValueError("expected a number")
        if isinstance(value, str):
            value = value.strip()
            value = value.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
        if number != int(number):
            raise ValueError("expected a whole number")
        low, high = q.scale_min or 0, q.scale_max or 0
        if not low <= number <= high:
            raise ValueError(f"{number:g} is outside the scale {low}-{high}")
        return int(number)
    if q.type == "single_choice":
        keys = {c.key for c in q.choices}
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if value not in keys:
            raise ValueError(f"{value!r} is not one of the choices ({', '.join(sorted(keys))})")
        return value
    if q.type == "multiple_choice":
        keys = {c.key for c in q.choices}
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if v not in keys]
        if bad:
            raise ValueError(f"{bad[0]!r} is not one of the choices ({', '.join(sorted(keys))})")
        return list(dict.fromkeys(values))
    if q.type == "hidden":
        return _scalar_text(value, 500)
    return _scalar_text(value)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def visible_questions(definition: SurveyDefinition, answers: dict[str, Any]) -> list[Question]:
    shown: list[Question] = []
    shown_keys: set[str] = set()
    for q in definition.questions:
        if q.show_if is not None:
            ref = q.show_if.question
            if ref not in shown_keys or not q.show_if.holds(answers.get(ref)):
                continue
        shown.append(q)
        shown_keys.add(q.key)
    return shown


def validate_answers(definition: SurveyDefinition, raw: Any, *, complete: bool) -> dict[str, Any]:
    """Clean answers; unknown questions, bad values and missing required ones are errors.

    Answers to questions hidden by display logic are dropped.
    """
    if not isinstance(raw, dict):
        raise Invalid("answers must be an object {question_key: value}")
    errors: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        q = definition.question(str(key))
        if q is None:
            errors.append({"path": f"answers.{key}", "message": "unknown question"})
            continue
        if _empty(value):
            continue
        try:
            clean[q.key] = _clean_answer(q, value)
        except ValueError as exc:
            errors.append({"path": f"answers.{key}", "message": str(exc)})
    if errors:
        raise Invalid("some answers are not valid", details=errors)
    visible = visible_questions(definition, clean)
    keys = {q.key for q in visible}
    clean = {k: v for k, v in clean.items() if k in keys}
    if complete:
        missing = [q.key for q in visible if q.required and q.key not in clean]
        if missing:
            raise Invalid(
                "required questions are unanswered",
                details=[{"path": f"answers.{k}", "message": "required"} for k in missing],
            )
    return clean


def _scores(definition: SurveyDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    for q in definition.questions:
        if q.type in METRIC_TYPES and q.key in answers and q.type not in scores:
            scores[q.type] = [answers[q.key], q.scale_max]
    return scores


def _write_answers(
    session: Session, response: Response, definition: SurveyDefinition, answers: dict[str, Any]
) -> None:
    session.execute(
        delete(Answer)
        .where(Answer.response_id == response.id)
        .execution_options(synchronize_session=False)
    )
    rows = []
    for key, value in answers.items():
        q = definition.question(key)
        if q is None:
            continue
        rows.append(_answer_row(response.workspace_id, response.id, q, value))
    if rows:
        session.execute(cast(Table, Answer.__table__).insert(), rows)


def _answer_row(workspace_id: int, response_id: int, q: Question, value: Any) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "response_id": response_id,
        "question_key": q.key,
        "question_type": q.type,
        "number": float(value) if q.is_scale else None,
        "text": value if q.type in ("text", "hidden", "single_choice") else None,
        "choices": value if q.type == "multiple_choice" else None,
    }


def answers_of(session: Session, response_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in session.execute(select(Answer).where(Answer.response_id == response_id)).scalars():
        out[a.question_key] = _answer_value(a)
    return out


def _answer_value(a: Answer) -> Any:
    if a.number is not None:
        return int(a.number) if a.number == int(a.number) else a.number
    if a.choices is not None:
        return a.choices
    return a.text


# ---------------------------------------------------------------- responses


@dataclass
class Respondent:
    """Context of a response that is not an answer."""

    person_id: int | None = None
    language: str | None = None
    channel: str | None = None
    hidden: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    person_ref: PersonRef | None = None


def _person(session: Session, person_id: int | None) -> Any:
    if person_id is None:
        return None
    from sada.people.models import Person

    return session.execute(select(Person).where(Person.id == person_id)).scalar_one_or_none()


def _fill_dimensions(session: Session, survey: Survey, response: Response) -> None:
    hidden = response.hidden or {}
    person = _person(session, response.person_id)

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


def person_ref_for(session: Session, person_id: int | None) -> PersonRef | None:
    if person_id is None:
        return None
    from sada.people.service import identities_of

    idents = identities_of(session, [person_id]).get(person_id, [])
    by_kind = {i.kind: i for i in reversed(idents)}
    if "email" in by_kind:
        return PersonRef(email=by_kind["email"].value)
    if "phone" in by_kind:
        return PersonRef(phone=by_kind["phone"].value)
    if "external_id" in by_kind:
        i = by_kind["external_id"]
        return PersonRef(external_ids={i.namespace: i.value})
    if "handle" in by_kind:
        i = by_kind["handle"]
        return PersonRef(handles={i.namespace: i.value})
    return None


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


def _complete(
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
    from sada.interactions.service import ingest_batch

    response.scores = _scores(definition, answers)
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
                Response.resume_hash == _hash(resume),
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
            resume_hash=_hash(new_resume) if new_resume else None,
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
    _write_answers(session, response, definition, answers)
    if complete:
        response.completed_at = now
        _complete(session, survey, response, definition, answers, person_ref=respondent.person_ref)
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
            before = rollups.facts_of(existing)
            existing.scores = _scores(definition_of(session, survey, existing.version), merged)
            _write_answers(
                session, existing, definition_of(session, survey, existing.version), merged
            )
            existing.updated_at = utcnow()
            session.flush()
            rollups.record_change(session, before, rollups.facts_of(existing))
            return "updated"
        merged = {**answers_of(session, existing.id), **answers}
        _write_answers(session, existing, definition, merged)
        existing.updated_at = utcnow()
        if record.completed:
            existing.completed_at = when
            _complete(
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
    _write_answers(session, response, definition, answers)
    if record.completed:
        response.completed_at = when
        _complete(
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
    before = rollups.facts_of(response)
    _write_answers(session, response, definition, answers)
    if response.status == "completed":
        response.scores = _scores(definition, answers)
    response.updated_at = utcnow()
    session.flush()
    rollups.record_change(session, before, rollups.facts_of(response))
    return response


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


def parse_survey_in(raw: Any) -> SurveyIn:
    try:
        return SurveyIn.model_validate(raw)
    except ValidationError as exc:
        raise Invalid(
            "invalid survey",
            details=[{"path": p, "message": m} for p, m in field_errors("", exc)],
        ) from None
