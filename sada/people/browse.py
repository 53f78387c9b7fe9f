"""The people list: sort, filter by trait, audience, segment and language, keyset pages, export.

`segment` filters the legacy label; `in_segment` a defined segment (`sada.people.segments`)
by its kept membership (`segment_members`, indexed by segment and person).

Pages are keyset pages (`after` is an opaque cursor of the last row's sort value and id), so
the hundredth page costs what the first costs and nobody is skipped or shown twice while
people are added. Sorts: newest / oldest (id), name (folded, A→Z) and recently updated;
each has an index starting with the workspace (`ix_people_ws_name_search`,
`ix_people_ws_updated`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.people.membership import member_condition
from sada.people.models import Person
from sada.people.schemas import PersonSummary
from sada.people.service import identities_of, search_condition

SORTS = ("newest", "oldest", "name", "updated")
EXPORT_LIMIT = 100_000
_TRAIT_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class PeopleQuery:
    q: str = ""
    audience: str | None = None
    segment: str | None = None  # the legacy label
    in_segment: str | None = None  # a defined segment's key (its kept membership)
    language: str | None = None
    trait: str | None = None  # a trait's key ...
    trait_value: str | None = None  # ... and the value it must have (text comparison)
    sort: str = "newest"

    def check(self) -> None:
        if self.sort not in SORTS:
            raise Invalid(f"sort must be one of {', '.join(SORTS)}", details={"field": "sort"})
        if self.trait is not None and not _TRAIT_KEY.match(self.trait):
            raise Invalid(
                "a trait name is 1-64 letters, digits, '_', '-' or '.'", details={"field": "trait"}
            )


@dataclass
class PersonRow:
    id: int
    name: str | None
    audience: str
    segment: str | None
    language: str | None
    updated_at: datetime
    traits: dict[str, Any]
    summary: PersonSummary


def _sort_column(sort: str) -> Any:
    if sort == "name":
        return func.coalesce(Person.name_search, "")
    if sort == "updated":
        return Person.updated_at
    return Person.id


def _descending(sort: str) -> bool:
    return sort in ("newest", "updated")


def _query(pq: PeopleQuery) -> Any:
    pq.check()
    query = select(Person).where(Person.merged_into_id.is_(None))
    if pq.audience:
        query = query.where(Person.audience == pq.audience)
    if pq.segment:
        query = query.where(Person.segment == pq.segment)
    if pq.in_segment:
        query = query.where(member_condition([pq.in_segment]))
    if pq.language:
        query = query.where(Person.language == pq.language)
    if pq.trait:
        value = Person.traits[pq.trait].as_string()
        query = query.where(value == pq.trait_value if pq.trait_value else value.is_not(None))
    matches = search_condition(pq.q)
    if matches is not None:
        query = query.where(matches)
    return query


def encode_cursor(value: Any, person_id: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, person_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, person_id = json.loads(raw)
        if sort == "updated":
            value = datetime.fromisoformat(value)
        elif sort in ("newest", "oldest"):
            value = int(value)
        else:
            value = str(value)
        return value, int(person_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise Invalid("the page link is not valid; start from the first page") from None


def _after(query: Any, sort: str, cursor: str) -> Any:
    value, last_id = _decode_cursor(cursor, sort)
    col = _sort_column(sort)
    if sort in ("newest", "oldest"):
        return query.where(Person.id < last_id if _descending(sort) else Person.id > last_id)
    if _descending(sort):
        return query.where(or_(col < value, and_(col == value, Person.id < last_id)))
    return query.where(or_(col > value, and_(col == value, Person.id > last_id)))


def _ordered(query: Any, sort: str) -> Any:
    col = _sort_column(sort)
    if sort in ("newest", "oldest"):
        return query.order_by(Person.id.desc() if _descending(sort) else Person.id.asc())
    if _descending(sort):
        return query.order_by(col.desc(), Person.id.desc())
    return query.order_by(col.asc(), Person.id.asc())


def _cursor_of(person: Person, sort: str) -> str:
    if sort == "name":
        return encode_cursor(person.name_search or "", person.id)
    if sort == "updated":
        return encode_cursor(person.updated_at, person.id)
    return encode_cursor(person.id, person.id)


def browse(
    session: Session, pq: PeopleQuery, *, after: str | None = None, limit: int = 50
) -> tuple[list[PersonRow], str | None]:
    """One page of people and the cursor of the next page (None on the last page)."""
    query = _query(pq)
    if after:
        query = _after(query, pq.sort, after)
    people = list(session.execute(_ordered(query, pq.sort).limit(limit + 1)).scalars())
    more = len(people) > limit
    people = people[:limit]
    return _rows(session, people), (_cursor_of(people[-1], pq.sort) if more and people else None)


def _rows(session: Session, people: list[Person]) -> list[PersonRow]:
    idents = identities_of(session, [p.id for p in people])
    return [
        PersonRow(
            id=p.id,
            name=p.name,
            audience=p.audience,
            segment=p.segment,
            language=p.language,
            updated_at=p.updated_at,
            traits=dict(p.traits or {}),
            summary=PersonSummary(
                id=p.id,
                name=p.name,
                audience=p.audience,
                segment=p.segment,
                language=p.language,
                identities=idents[p.id],
            ),
        )
        for p in people
    ]


def iter_people(
    session: Session, pq: PeopleQuery, *, limit: int = EXPORT_LIMIT, chunk: int = 1000
) -> Iterator[PersonRow]:
    """Every person the query finds, in its order, read a keyset page at a time."""
    after: str | None = None
    sent = 0
    while sent < limit:
        rows, after = browse(session, pq, after=after, limit=min(chunk, limit - sent))
        yield from rows
        sent += len(rows)
        if after is None:
            return


def export_table(rows: Iterator[PersonRow]) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of a people export (spreadsheet formulas are guarded by the writer)."""
    header = ["id", "name", "audience", "segment", "language", "identities", "traits", "updated_at"]

    def body() -> Iterator[list[Any]]:
        for r in rows:
            yield [
                r.id,
                r.name or "",
                r.audience,
                r.segment or "",
                r.language or "",
                "; ".join(i.value for i in r.summary.identities),
                json.dumps(r.traits, ensure_ascii=False, sort_keys=True) if r.traits else "",
                r.updated_at.isoformat(),
            ]

    return header, body()
