"""Moving a domain's person-owned rows through a person merge, and back on an unmerge.

A domain whose tables carry a `person_id` that simply follows the person lists them as
`person_tables` in `sada.domains`; the people domain's merges call these two functions
for all of them: a merge moves the merged person's rows to the survivor and returns
their ids per table, an unmerge moves exactly those rows back, wherever later merges
took them (`holders`). Queries are scoped to the workspace by the session, like every
other query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from sada.db.dialect import chunks


def move_person_column(
    session: Any, models: Sequence[Any], from_person: int, to_person: int
) -> dict[str, list[int]]:
    """Every row of `models` held by `from_person` goes to `to_person`: {table: ids}."""
    moved: dict[str, list[int]] = {}
    for model in models:
        ids = [
            int(i)
            for i in session.execute(
                select(model.id).where(model.person_id == from_person)
            ).scalars()
        ]
        for part in chunks(ids, 500):
            session.execute(update(model).where(model.id.in_(part)).values(person_id=to_person))
        if ids:
            moved[model.__tablename__] = ids
    return moved


def restore_person_column(
    session: Any, models: Sequence[Any], moved: Any, holders: list[int], to_person: int
) -> None:
    """The rows a merge moved go back to `to_person` (merges recorded before a table was
    listed have nothing stored for it, and nothing moves)."""
    if not isinstance(moved, dict):
        return
    for model in models:
        for part in chunks([int(i) for i in moved.get(model.__tablename__, [])], 500):
            session.execute(
                update(model)
                .where(model.id.in_(part), model.person_id.in_(holders))
                .values(person_id=to_person)
            )
