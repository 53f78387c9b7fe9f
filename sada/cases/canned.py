"""Canned responses: saved replies in several languages, filled for one conversation.

A response has a `key` (unique in the workspace) and one body per language (ar, fa, zh, en).
When an agent picks it on a conversation, the body in the customer's language is chosen
(else the workspace's default language, else any body there is) and the placeholders
`{{first_name}}`, `{{name}}`, `{{agent_name}}`, `{{case_id}}` and `{{conversation_id}}` are
filled on the server. Unknown placeholders are refused when saving, so a customer never
receives a literal `{{...}}`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import CannedResponse, Case, Conversation
from sada.core.errors import Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.people.models import Person
from sada.tenants.models import Workspace

CANNED_LANGUAGES = ("ar", "fa", "zh", "en")
PLACEHOLDERS = ("first_name", "name", "agent_name", "case_id", "conversation_id")
KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-zA-Z_]+)\s*\}\}")
MAX_BODY = 10_000


def canned_out(row: CannedResponse) -> dict[str, Any]:
    return {"id": row.id, "key": row.key, "bodies": dict(row.bodies or {})}


def list_canned(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(CannedResponse).order_by(CannedResponse.key)).scalars()
    return [canned_out(r) for r in rows]


def check_canned(key: Any, bodies: Any) -> tuple[str, dict[str, str]]:
    """The key and bodies of a response to save; `Invalid` (422) names the bad field."""
    if not isinstance(key, str) or not KEY.match(key):
        raise Invalid(
            "key: 1 to 80 lowercase letters, digits, '_', '-' or '.'", details={"field": "key"}
        )
    if not isinstance(bodies, dict):
        raise Invalid("bodies: an object of language -> text", details={"field": "bodies"})
    clean: dict[str, str] = {}
    for lang, text in bodies.items():
        if lang not in CANNED_LANGUAGES:
            raise Invalid(
                f"bodies: languages are {', '.join(CANNED_LANGUAGES)}",
                details={"field": f"bodies.{str(lang)[:10]}"},
            )
        if not isinstance(text, str) or len(text) > MAX_BODY:
            raise Invalid(
                f"bodies.{lang}: text of at most {MAX_BODY} characters",
                details={"field": f"bodies.{lang}"},
            )
        unknown = sorted(set(PLACEHOLDER_RE.findall(text)) - set(PLACEHOLDERS))
        if unknown:
            raise Invalid(
                f"bodies.{lang}: unknown placeholder {{{{{unknown[0]}}}}}; "
                f"known: {', '.join(PLACEHOLDERS)}",
                details={"field": f"bodies.{lang}"},
            )
        if text.strip():
            clean[lang] = text
    if not clean:
        raise Invalid("bodies: at least one language", details={"field": "bodies"})
    return key, clean


def do_save_canned(session: Session, key: Any, bodies: Any) -> CannedResponse:
    """Create the response or replace its bodies (the key is its name in the workspace)."""
    key, clean = check_canned(key, bodies)
    row = session.execute(
        select(CannedResponse).where(CannedResponse.key == key)
    ).scalar_one_or_none()
    if row is None:
        row = CannedResponse(key=key, bodies=clean)
        session.add(row)
    else:
        row.bodies = clean
    session.flush()
    return row


def pick_language(bodies: dict[str, str], customer: str | None, default: str) -> str | None:
    """The customer's language when the response has it, else the workspace default."""
    for lang in (customer, default, *CANNED_LANGUAGES):
        if lang and bodies.get(lang):
            return lang
    return None


def fill_canned(
    session: Session,
    key: str,
    conversation_id: int,
    *,
    agent_name: str = "",
    case_id: int | None = None,
) -> dict[str, Any]:
    """The response's text for one conversation: its language picked, placeholders filled."""
    row = session.execute(
        select(CannedResponse).where(CannedResponse.key == key)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("canned response not found")
    conv = session.execute(
        select(Conversation).where(Conversation.id == conversation_id)
    ).scalar_one_or_none()
    if conv is None:
        raise NotFound("conversation not found")
    person = (
        session.execute(select(Person).where(Person.id == conv.person_id)).scalar_one_or_none()
        if conv.person_id
        else None
    )
    customer = conv.language or (person.language if person else None)
    workspace = session.get(Workspace, bound_workspace(session))
    default = workspace.default_language if workspace else "en"
    lang = pick_language(row.bodies or {}, customer, default)
    if lang is None:
        raise NotFound("canned response has no text")
    if case_id is None:
        case_id = session.execute(
            select(Case.id).where(Case.conversation_id == conv.id).order_by(Case.id.desc()).limit(1)
        ).scalar_one_or_none()
    name = (person.name or "").strip() if person else ""
    values = {
        "first_name": name.split()[0] if name else "",
        "name": name,
        "agent_name": agent_name,
        "case_id": str(case_id) if case_id is not None else "",
        "conversation_id": str(conv.id),
    }
    text = PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), ""), row.bodies[lang])
    return {"key": key, "language": lang, "text": text}
