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
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from sada.connectors.base import Item, load_json, register
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
    allow_other_choice: bool = False
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


def _choice_of(c: dict[str, Any]) -> tuple[str, str]:
    return imports.slug(str(c.get("ref") or c.get("label") or c.get("id")), "c"), str(
        c.get("label") or c.get("ref") or c.get("id") or ""
    )


def _question(f: TfField, seen: list[str] | None = None) -> Question | None:
    """The Sada question of a Typeform field; `seen` are choice labels this response used
    (a choice field whose definition lists no choices gets them from its answers)."""
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
    if f.type in ("multiple_choice", "dropdown", "picture_choice", "ranking"):
        pairs = [_choice_of(c) for c in f.choices]
        known = {k for k, _ in pairs}
        for label in seen or []:
            key = imports.slug(label, "c")
            if key not in known:
                pairs.append((key, label))
                known.add(key)
        if (f.allow_other_choice or "other" in (seen or [])) and "other" not in known:
            pairs.append(("other", "Other"))
        if not pairs:
            pairs = [("none", "-")]
        return Question.model_validate(
            {
                "key": _key(f),
                "type": "multiple_choice"
                if f.allow_multiple_selections or f.type == "ranking"
                else "single_choice",
                "title": title,
                "choices": [{"key": k, "label": {"en": lb[:500] or k}} for k, lb in pairs],
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
    if f.type in ("email", "statement", "group", "thankyou_screen", "welcome_screen"):
        return None
    return Question.model_validate({"key": _key(f), "type": "text", "title": title})


def _other_question(f: TfField) -> Question:
    return Question.model_validate(
        {
            "key": f"{_key(f)[:58]}_other",
            "type": "text",
            "title": {"en": f"{f.title[:480] or f.id} (other)"},
        }
    )


def _choice_key(fields: dict[str, TfField], field_id: str, label: str) -> str:
    f = fields.get(field_id)
    for c in f.choices if f else []:
        if c.get("label") == label:
            return _choice_of(c)[0]
    return imports.slug(label, "c")


def _d(value: Any) -> dict[str, Any]:
    """A nested object of the payload, or {} when the sender put something else there."""
    return value if isinstance(value, dict) else {}


def _as_text(kind: str, value: Any) -> str | None:
    """Answers of types Sada keeps as text (number, date, url, file, phone, payment)."""
    if value is None:
        return None
    if kind == "payment" and isinstance(value, dict):
        parts = [str(value.get(k)) for k in ("amount", "name") if value.get(k)]
        return " ".join(parts) or None
    if isinstance(value, dict | list):
        return str(value)[:2000]
    return str(value)


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
    if not fr.definition.fields:
        raise Invalid("the form definition has no fields: nothing to map the answers to")
    fields = {f.id: f for f in fr.definition.fields}
    seen: dict[str, list[str]] = {}
    for a in fr.answers:
        fid = str(_d(a.get("field")).get("id"))
        if a.get("type") == "choice":
            choice = _d(a.get("choice"))
            label = choice.get("label") or ("other" if choice.get("other") else None)
            seen.setdefault(fid, []).extend([str(label)] if label else [])
        elif a.get("type") == "choices":
            choices = _d(a.get("choices"))
            raw_labels = choices.get("labels")
            labels = [str(x) for x in raw_labels] if isinstance(raw_labels, list) else []
            seen.setdefault(fid, []).extend(labels + (["other"] if choices.get("other") else []))
    questions: list[Question] = []
    for tf_field in fr.definition.fields:
        q = _question(tf_field, seen.get(tf_field.id))
        if q is not None:
            questions.append(q)
            if any(c.key == "other" for c in q.choices):
                questions.append(_other_question(tf_field))
    if not questions:
        raise Invalid("the form definition has no question Sada can store")
    answers: dict[str, Any] = {}
    email = fr.hidden.get("email")
    for a in fr.answers:
        field = _d(a.get("field"))
        f = fields.get(str(field.get("id")))
        if f is None:
            continue
        kind = str(a.get("type") or "")
        q = next((q for q in questions if q.key == _key(f)), None)
        if kind == "email":
            email = email or a.get("email")
            if q is None:
                continue
        value: Any
        if kind == "choice":
            choice = _d(a.get("choice"))
            if choice.get("label"):
                value = _choice_key(fields, f.id, str(choice["label"]))
            elif choice.get("other"):
                value = "other"
                answers[f"{_key(f)[:58]}_other"] = str(choice["other"])
            else:
                value = None
        elif kind == "choices":
            choices = _d(a.get("choices"))
            raw = choices.get("labels")
            value = [
                _choice_key(fields, f.id, str(label))
                for label in (raw if isinstance(raw, list) else [])
            ]
            if choices.get("other"):
                value.append("other")
                answers[f"{_key(f)[:58]}_other"] = str(choices["other"])
        elif kind == "boolean":
            value = "yes" if a.get("boolean") else "no"
        elif kind == "number" and q is not None and q.is_scale:
            value = a.get("number")
        else:
            value = _as_text(kind, a.get(kind)) if kind else None
        if value is not None and q is not None:
            answers[q.key] = value
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


def _verified(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    try:
        verify(secret, body, {k.lower(): v for k, v in headers.items()}.get("typeform-signature"))
    except Unauthorized:
        return False
    return True


def _parse(data: bytes | str, **_: Any) -> list[Item]:
    event = load_json(data)
    fr = (event or {}).get("form_response") if isinstance(event, dict) else None
    token = (fr or {}).get("token") if isinstance(fr, dict) else None
    return [Item(f"response {token}", record=event)]


register(SOURCE, ("webhook",), _parse, _verified)
