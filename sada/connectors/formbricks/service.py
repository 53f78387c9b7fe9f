"""Formbricks webhooks: responseCreated / responseUpdated / responseFinished.

Signed with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256>` over "id.timestamp.body" with the
base64 secret after `whsec_`), verified with the `standardwebhooks` library:
unsigned, badly signed or stale (over 5 minutes) requests raise Unauthorized
before anything is stored. A replayed `webhook-id` stores nothing.

Formbricks payloads carry answers by question id only; question types come from
the source's settings {"questions": {"<id>": {"type": "nps", "title": "..."}}},
otherwise numbers become 0-10 ratings and the rest open text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

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


def _questions(source: SurveySource, data: dict[str, Any]) -> list[Question]:
    configured = (source.settings or {}).get("questions") or {}
    out = []
    for qid, value in data.items():
        key = imports.slug(qid)
        spec = configured.get(qid)
        if spec:
            q = Question.model_validate(
                {
                    "key": key,
                    "title": {"en": spec.get("title", qid)},
                    **{k: v for k, v in spec.items() if k != "title"},
                }
            )
        elif isinstance(value, int | float) and not isinstance(value, bool):
            q = imports.infer_scale_question(key, qid, [float(value)])
            if q.type == "rating":
                q = Question.model_validate(
                    {
                        "key": key,
                        "type": "rating",
                        "title": {"en": qid},
                        "scale_min": 0,
                        "scale_max": 10,
                    }
                )
        else:
            q = Question.model_validate({"key": key, "type": "text", "title": {"en": qid}})
        out.append(q)
    return out


def _answers(questions: list[Question], data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    types = {q.key: q.type for q in questions}
    for qid, value in data.items():
        key = imports.slug(qid)
        if types.get(key) == "text" and not isinstance(value, str):
            value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
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
    questions = _questions(source, r.data)
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
