"""Typeform webhooks (`form_response`), verified by `Typeform-Signature`.

The signature is `sha256=` + base64(HMAC-SHA256(secret, raw body)); anything else
is refused with 401 before parsing. The form definition in the payload gives the
questions (nps, opinion_scale, rating, multiple_choice, yes_no, text fields); the
response `token` is the idempotency key, so a replay stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from sada.core.errors import Invalid, Unauthorized
from sada.db.engine import Database
from sada.feedback import imports, service
from sada.feedback.models import SurveySource
from sada.feedback.schemas import Question
from sada.people.schemas import PersonRef

SOURCE = "typeform"


class TfField(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    ref: str | None = None
    type: str
    title: str = ""
    properties: dict[str, Any] = {}
    allow_multiple_selections: bool = False
    choices: list[dict[str, Any]] = []


class TfDefinition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    title: str = ""
    fields: list[TfField] = []


class TfFormResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")

    form_id: str
    token: str
    landed_at: datetime | None = None
    submitted_at: datetime | None = None
    hidden: dict[str, Any] = {}
    definition: TfDefinition
    answers: list[dict[str, Any]] = []


class TfEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str
    event_type: str
    form_response: TfFormResponse | None = None


def verify(secret: str, body: bytes, header: str | None) -> None:
    if not header or not header.startswith("sha256="):
        raise Unauthorized("missing Typeform-Signature header")
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(header[len("sha256=") :], expected):
        raise Unauthorized("Typeform-Signature does not match")


def _key(f: TfField) -> str:
    return imports.slug(f.ref or f.id)


def _question(f: TfField) -> Question | None:
    title = {"en": f.title[:500] or f.id}
    props = f.properties or {}
    if f.type == "nps":
        return Question.model_validate({"key": _key(f), "type": "nps", "title": title})
    if f.type in ("opinion_scale", "rating"):
        start = (
            0
            if props.get("start_at_one") is False
            or f.type == "opinion_scale"
            and not props.get("start_at_one")
            else 1
        )
        steps = int(props.get("steps") or (11 if start == 0 else 5))
        high = min(10, start + steps - 1)
        if start == 0 and high == 10 and "recommend" in f.title.lower():
            return Question.model_validate({"key": _key(f), "type": "nps", "title": title})
        return Question.model_validate(
            {
                "key": _key(f),
                "type": "rating",
                "title": title,
                "scale_min": start,
                "scale_max": high,
            }
        )
    if f.type in ("multiple_choice", "dropdown", "picture_choice"):
        choices = [
            {
                "key": imports.slug(str(c.get("ref") or c.get("label") or c.get("id")), "c"),
                "label": {"en": str(c.get("label") or "")},
            }
            for c in f.choices
        ]
        if not choices:
            return Question.model_validate({"key": _key(f), "type": "text", "title": title})
        return Question.model_validate(
            {
                "key": _key(f),
                "type": "multiple_choice" if f.allow_multiple_selections else "single_choice",
                "title": title,
                "choices": choices,
            }
        )
    if f.type in ("yes_no", "legal"):
        return Question.model_validate(
            {
                "key": _key(f),
                "type": "single_choice",
                "title": title,
                "choices": [
                    {"key": "yes", "label": {"en": "Yes"}},
                    {"key": "no", "label": {"en": "No"}},
                ],
            }
        )
    if f.type in ("email", "statement"):
        return None
    return Question.model_validate({"key": _key(f), "type": "text", "title": title})


def _choice_key(fields: dict[str, TfField], field_id: str, label: str) -> str:
    f = fields.get(field_id)
    for c in f.choices if f else []:
        if c.get("label") == label:
            return imports.slug(str(c.get("ref") or c.get("label") or c.get("id")), "c")
    return imports.slug(label, "c")


def handle(
    db: Database, source: SurveySource, body: bytes, signature: str | None
) -> dict[str, Any]:
    verify(source.secret, body, signature)
    try:
        event = TfEvent.model_validate_json(body)
    except ValidationError as exc:
        raise Invalid("not a Typeform webhook", details=str(exc)[:500]) from None
    if event.event_type != "form_response" or event.form_response is None:
        return {"status": "ignored", "event": event.event_type}
    fr = event.form_response
    fields = {f.id: f for f in fr.definition.fields}
    questions = [q for q in (_question(f) for f in fr.definition.fields) if q is not None]
    answers: dict[str, Any] = {}
    email = fr.hidden.get("email")
    for a in fr.answers:
        field = a.get("field") or {}
        f = fields.get(str(field.get("id")))
        if f is None:
            continue
        kind = a.get("type")
        if kind == "email":
            email = email or a.get("email")
            continue
        if kind == "number":
            value: Any = a.get("number")
        elif kind == "choice":
            value = _choice_key(
                fields,
                f.id,
                str(
                    (a.get("choice") or {}).get("label")
                    or (a.get("choice") or {}).get("other")
                    or ""
                ),
            )
        elif kind == "choices":
            value = [
                _choice_key(fields, f.id, str(label))
                for label in (a.get("choices") or {}).get("labels", [])
            ]
        elif kind == "boolean":
            value = "yes" if a.get("boolean") else "no"
        else:
            value = a.get(kind) if isinstance(kind, str) else None
        if value is not None:
            answers[_key(f)] = value
    record = service.ExternalRecord(
        source=SOURCE,
        external_id=fr.token,
        answers=answers,
        completed=True,
        submitted_at=fr.submitted_at,
        started_at=fr.landed_at,
        person=PersonRef(email=str(email)) if email else None,
        language=str(fr.hidden.get("lang"))[:8] if fr.hidden.get("lang") else None,
        channel="typeform",
        hidden={k: str(v) for k, v in fr.hidden.items() if k != "email"},
    )
    with db.transaction(source.workspace_id) as session:
        if not imports.claim_message(session, source, event.event_id):
            return {"status": "duplicate"}
        survey = imports.ensure_survey(
            session,
            source=SOURCE,
            external_id=fr.form_id,
            name=fr.definition.title or f"Typeform {fr.form_id}",
            questions=questions,
        )
        outcome = service.do_import_response(session, survey, record, history=False)
        if outcome.startswith("rejected"):
            raise Invalid(outcome)
        return {"status": outcome, "survey_id": survey.id}
