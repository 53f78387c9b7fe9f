"""Surveys and their versions: create, change, delete, find, and show them.

A survey's questions live in numbered versions (`SurveyVersion`): a change to the definition
of a survey that has responses makes a new version, so every response keeps the questions it
answered; without responses the current version is edited in place.

- `do_create_survey(session, data: SurveyIn, *, external_source=None, external_id=None, actor=None) -> Survey`
- `do_update_survey(session, survey_id, patch: SurveyPatch, *, actor=None) -> Survey`
- `do_delete_survey(session, survey_id, *, actor=None) -> None`
- `access_survey(session, survey_id) -> Survey` (NotFound for other workspaces' ids)
- `list_surveys(session) -> list[Survey]`
- `definition_of(session, survey, version=None) -> SurveyDefinition` (cached per session)
- `response_count(session, survey_id) -> int`
- `survey_out(session, survey, base_url) -> SurveyOut`, `survey_link(base_url, survey) -> str`
- `survey_by_public_key(session_unbound, key) -> Survey | None` (crosses workspaces)
- `parse_survey_in(raw) -> SurveyIn` (Invalid with per-field details)
"""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.core.validation import field_errors
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.db.types import utcnow
from sada.feedback.models import Response, Survey, SurveyVersion
from sada.feedback.schemas import SurveyDefinition, SurveyIn, SurveyOut, SurveyPatch
from sada.tenants.service import Actor, record_audit


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


def response_count(session: Session, survey_id: int) -> int:
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
            if response_count(session, survey.id):
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


def parse_survey_in(raw: Any) -> SurveyIn:
    try:
        return SurveyIn.model_validate(raw)
    except ValidationError as exc:
        raise Invalid(
            "invalid survey",
            details=[{"path": p, "message": m} for p, m in field_errors("", exc)],
        ) from None
