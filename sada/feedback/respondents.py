"""Who answered: the context of a response that is not an answer, and the person behind it.

- `Respondent`: person, language, channel, hidden fields and meta of a response being saved
- `person_of(session, person_id) -> Person | None`
- `person_ref_for(session, person_id) -> PersonRef | None` (the person's best identity,
  e-mail first, to name them in an interaction)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.people.models import Person
from sada.people.schemas import PersonRef


@dataclass
class Respondent:
    """Context of a response that is not an answer."""

    person_id: int | None = None
    language: str | None = None
    channel: str | None = None
    hidden: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    person_ref: PersonRef | None = None


def person_of(session: Session, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    return session.execute(select(Person).where(Person.id == person_id)).scalar_one_or_none()


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
