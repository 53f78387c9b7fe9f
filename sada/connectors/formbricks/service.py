"""Formbricks webhooks: responseCreated / responseUpdated / responseFinished.

Signed with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256>` over "id.timestamp.body" with the
base64 secret after `whsec_`), verified with the `standardwebhooks` library:
unsigned, badly signed or stale (over 5 minutes) requests raise Unauthorized
before anything is stored. A replayed `webhook-id` stores nothing.

Formbricks payloads carry answers by question id only; question types come from the
survey's definition (the webhook's `survey.questions` when present, else the source's
settings `surveys[<surveyId>]` / `survey`: the Management API's survey JSON, where `nps`
is NPS and a 5/7-point `rating` about satisfaction is CSAT) or the settings'
{"questions": {"<id>": {"type": "nps", "title": "..."}}}; an undefined question is text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sada.connectors.base import Item, load_json, register
from sada.core.errors import Invalid, Unauthorized
from sada.db.engine import Database
from sada.feedback import imports, service
from sada.feedback.models import SurveySource
from sada.feedback.schemas import Question
from sada.people.schemas import PersonRef

SOURCE = "formbricks"
EVENTS = ("responseCreated", "responseUpdated", "responseFinished")


class FbResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    surveyId: str  # noqa: N815 - Formbricks' field name
    createdAt: datetime | None = None  # noqa: N815
    updatedAt: datetime | None = None  # noqa: N815
    finished: bool = False
    data: dict[str, Any] = {}
    language: str | None = None
    meta: dict[str, Any] = {}
    contactAttributes: dict[str, Any] | None = None  # noqa: N815
    contact: dict[str, Any] | None = None
    variables: dict[str, Any] = {}
    survey: dict[str, Any] | None = None


class FbEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    webhookId: str | None = None  # noqa: N815
    event: str
    data: FbResponse


def verify(secret: str, body: bytes, headers: dict[str, str]) -> None:
    if not all(headers.get(h) for h in ("webhook-id", "webhook-timestamp", "webhook-signature")):
        raise Unauthorized("missing Standard Webhooks signature headers")
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError as exc:
        raise Unauthorized(f"webhook signature rejected: {exc}") from None
    except Exception:  # noqa: BLE001 - malformed secret or headers
        raise Unauthorized("webhook signature rejected") from None


def _label(value: Any) -> str:
    """Formbricks i18n strings are {"default": "...", "<lang>": "..."}; plain strings too."""
    if isinstance(value, dict):
        return str(value.get("default") or next(iter(value.values()), "") or "")
    return str(value or "")


def _definition(source: SurveySource, survey_id: str, payload_survey: Any) -> dict[str, Any]:
    """Formbricks question definitions by question id: from the webhook's survey (when it
    carries `questions`), else the source's settings `surveys[<id>]` or `survey` (the
    Management API's survey JSON)."""
    settings = source.settings or {}
    candidates = [
        payload_survey,
        (settings.get("surveys") or {}).get(survey_id),
        settings.get("survey"),
    ]
    single = settings.get("survey")
    for survey in candidates:
        if not isinstance(survey, dict) or not isinstance(survey.get("questions"), list):
            continue
        found: dict[str, Any] = survey
        if found is single and found.get("id") not in (None, survey_id):
            continue  # the one configured survey is another survey
        return {str(q.get("id")): q for q in found["questions"] if isinstance(q, dict)}
    return {}


def _from_definition(key: str, spec: dict[str, Any]) -> Question | None:
    kind = str(spec.get("type") or "")
    title = {"en": _label(spec.get("headline"))[:500] or key}
    if kind == "nps":
        return Question.model_validate({"key": key, "type": "nps", "title": title})
    if kind == "rating":
        high = spec.get("range") if spec.get("range") in (3, 4, 5, 6, 7, 10) else 5
        text = (title["en"] + " " + _label(spec.get("subheader"))).lower()
        if high in (5, 7) and any(w in text for w in ("satisf", "رضا", "رضایت", "满意")):
            return Question.model_validate(
                {"key": key, "type": "csat", "title": title, "scale_max": high}
            )
        return Question.model_validate(
            {"key": key, "type": "rating", "title": title, "scale_min": 1, "scale_max": high}
        )
    if kind in ("multipleChoiceSingle", "multipleChoiceMulti", "ranking", "pictureSelection"):
        choices = [
            {
                "key": imports.slug(_label(c.get("label")) or str(c.get("id")), "c"),
                "label": {"en": _label(c.get("label"))[:500] or str(c.get("id"))},
            }
            for c in spec.get("choices") or []
            if isinstance(c, dict)
        ]
        unique = list({c["key"]: c for c in choices}.values()) or [
            {"key": "none", "label": {"en": "-"}}
        ]
        if not any(c["key"] == "other" for c in unique):
            unique.append({"key": "other", "label": {"en": "Other"}})
        multi = kind != "multipleChoiceSingle" or bool(spec.get("allowMulti"))
        return Question.model_validate(
            {
                "key": key,
                "type": "multiple_choice" if multi else "single_choice",
                "title": title,
                "choices": unique,
            }
        )
    if kind in ("cta",):
        return None
    return Question.model_validate({"key": key, "type": "text", "title": title})


def _questions(
    source: SurveySource, data: dict[str, Any], definition: dict[str, Any] | None = None
) -> list[Question]:
    """Types from the survey's definition or the source's settings; an answer whose question
    has no definition is kept as text (a number is never guessed to be a rating)."""
    configured = (source.settings or {}).get("questions") or {}
    out = []
    for qid in data:
        key = imports.slug(qid)
        spec = configured.get(qid)
        q: Question | None
        if spec:
            q = Question.model_validate(
                {
                    "key": key,
                    "title": {"en": spec.get("title", qid)},
                    **{k: v for k, v in spec.items() if k != "title"},
                }
            )
        elif definition and qid in definition:
            q = _from_definition(key, definition[qid])
        else:
            q = Question.model_validate({"key": key, "type": "text", "title": {"en": qid}})
        if q is not None:
            out.append(q)
    return out


def _answers(questions: list[Question], data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    by_key = {q.key: q for q in questions}
    for qid, value in data.items():
        key = imports.slug(qid)
        q = by_key.get(key)
        if q is None or value in (None, "", []):
            continue
        if q.type == "text" and not isinstance(value, str):
            value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        elif q.type in ("single_choice", "multiple_choice"):
            known = {c.key for c in q.choices}
            labels = value if isinstance(value, list) else [value]
            keys = []
            for label in labels:
                k = imports.slug(str(label), "c")
                keys.append(k if k in known else "other")
            value = keys if q.type == "multiple_choice" else keys[0]
        out[key] = value
    return out


def handle(
    db: Database, source: SurveySource, body: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    """Verify, parse, store. Returns {"status": ..., "survey_id": ...}."""
    verify(source.secret, body, headers)
    try:
        event = FbEvent.model_validate_json(body)
    except ValidationError as exc:
        raise Invalid("not a Formbricks response webhook", details=str(exc)[:500]) from None
    if event.event not in EVENTS:
        return {"status": "ignored", "event": event.event}
    r = event.data
    attrs = r.contactAttributes or {}
    person = None
    if attrs.get("email") or attrs.get("userId"):
        person = PersonRef(
            email=attrs.get("email") or None,
            external_ids={"formbricks": str(attrs["userId"])} if attrs.get("userId") else None,
        )
    definition = _definition(source, r.surveyId, r.survey)
    questions = _questions(source, r.data, definition)
    lang = r.language if r.language and r.language != "default" else None
    record = service.ExternalRecord(
        source=SOURCE,
        external_id=r.id,
        answers=_answers(questions, r.data),
        completed=r.finished or event.event == "responseFinished",
        submitted_at=r.updatedAt or r.createdAt,
        started_at=r.createdAt,
        person=person,
        language=lang,
        channel=str((r.meta or {}).get("source") or "formbricks")[:50],
        hidden={k: str(v) for k, v in (r.variables or {}).items()},
    )
    with db.transaction(source.workspace_id) as session:
        if not imports.claim_message(session, source, headers["webhook-id"]):
            return {"status": "duplicate"}
        survey = imports.ensure_survey(
            session,
            source=SOURCE,
            external_id=r.surveyId,
            name=(r.survey or {}).get("title") or f"Formbricks {r.surveyId}",
            questions=questions,
        )
        outcome = service.do_import_response(session, survey, record, history=False)
        if outcome.startswith("rejected"):
            raise Invalid(outcome)
        return {"status": outcome, "survey_id": survey.id}


def _verified(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    try:
        verify(secret, body, {k.lower(): v for k, v in headers.items()})
    except Unauthorized:
        return False
    return True


def _parse(data: bytes | str, **_: Any) -> list[Item]:
    event = load_json(data)
    rid = ((event or {}).get("data") or {}).get("id") if isinstance(event, dict) else None
    return [Item(f"response {rid}", record=event)]


register(SOURCE, ("webhook",), _parse, _verified)
