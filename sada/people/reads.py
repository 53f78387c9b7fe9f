"""Reads of people: one person (workspace-checked), their identities, the API's person
model, and search over folded names and identities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sada.core.errors import NotFound
from sada.db.dialect import chunks
from sada.people.models import Identity, IdentityKind, Person
from sada.people.schemas import IdentityOut, PersonOut, PersonSummary
from sada.text.normalize import fold_for_search, to_ascii_digits


def access_person(session: Session, person_id: int) -> Person:
    """The person of the bound workspace, or NotFound (also for other workspaces' ids)."""
    person = session.execute(select(Person).where(Person.id == person_id)).scalar_one_or_none()
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


def identities_of(session: Session, person_ids: list[int]) -> dict[int, list[IdentityOut]]:
    out: dict[int, list[IdentityOut]] = {pid: [] for pid in person_ids}
    for part in chunks(person_ids, 500):
        rows = session.execute(
            select(Identity).where(Identity.person_id.in_(part)).order_by(Identity.id)
        ).scalars()
        for ident in rows:
            out[ident.person_id].append(
                IdentityOut(kind=ident.kind, namespace=ident.namespace, value=ident.value)
            )
    return out


def person_out(session: Session, person: Person) -> PersonOut:
    return PersonOut(
        id=person.id,
        name=person.name,
        audience=person.audience,
        language=person.language,
        segment=person.segment,
        traits=person.traits or {},
        identities=identities_of(session, [person.id])[person.id],
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


def search_people(
    session: Session, q: str | None, *, limit: int = 50, audience: str | None = None
) -> list[PersonSummary]:
    """Case-insensitive, Arabic/Persian-folded search over names and identities."""
    query = select(Person).where(Person.merged_into_id.is_(None))
    if audience:
        query = query.where(Person.audience == audience)
    matches = search_condition(q)
    if matches is not None:
        query = query.where(matches)
    people = list(session.execute(query.order_by(Person.id.desc()).limit(limit)).scalars())
    idents = identities_of(session, [p.id for p in people])
    return [
        PersonSummary(
            id=p.id,
            name=p.name,
            audience=p.audience,
            segment=p.segment,
            language=p.language,
            identities=idents[p.id],
        )
        for p in people
    ]


def search_condition(q: str | None) -> Any | None:
    """Who matches a search: folded name or identity, or a phone number's digits (None: all)."""
    if not q or not q.strip():
        return None
    folded = fold_for_search(q)
    like = f"%{_escape_like(folded)}%"
    matching_ids = select(Identity.person_id).where(Identity.value_search.like(like, escape="\\"))
    conditions = [Person.name_search.like(like, escape="\\"), Person.id.in_(matching_ids)]
    digits = "".join(ch for ch in to_ascii_digits(q) if ch.isdigit())
    if len(digits) >= 6:
        tail = digits.lstrip("0")
        conditions.append(
            Person.id.in_(
                select(Identity.person_id).where(
                    Identity.kind == IdentityKind.PHONE.value,
                    Identity.value_search.like(f"%{tail}%"),
                )
            )
        )
    return or_(*conditions)


def count_people(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(Person).where(Person.merged_into_id.is_(None))
        ).scalar_one()
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
