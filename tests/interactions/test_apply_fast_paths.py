"""The applier's and accept's fast paths give the slow paths' answers.

- `_surely_safe` (accept: one orjson pass instead of walking the item) only ever says "safe"
  where `unsafe_json` finds nothing.
- `insert_many_ignoring_conflicts(expect_new=True)` (PostgreSQL: COPY straight into the
  table) still skips rows whose unique key was taken meanwhile and inserts the rest, and the
  transaction goes on as before (SQLite: the flag changes nothing).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from sada.core.validation import MAX_JSON_DEPTH, unsafe_json
from sada.db.dialect import insert_many_ignoring_conflicts, reserve_ids
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.interactions.service import _surely_safe
from sada.people.models import Identity, Person
from sada.tenants.models import Workspace


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


CASES: list[Any] = [
    {"text": "plain", "person": {"email": "a@example.com"}},
    {"text": "nul \x00 here"},
    {"attributes": {"k\x00": 1}},
    {"text": "lone \ud800 surrogate"},
    {"attributes": {"\udfff": "x"}},
    {"text": "a literal backslash-u: \\u0000"},
    {"text": "brackets {[{[{[{[{[{[{[{[{[ in text"},
    {"attributes": {1: "non-string key"}},
    {"attributes": {"n": 2**70}},
    {"attributes": {"t": ("tuple", "x\x00")}},
    {"attributes": _nested(MAX_JSON_DEPTH - 2)},
    {"attributes": _nested(MAX_JSON_DEPTH - 1)},
    {"attributes": _nested(MAX_JSON_DEPTH)},
    {"attributes": _nested(MAX_JSON_DEPTH + 5)},
    {"a": [{"b": [{"c": "ok"}] * 20}]},
]


@pytest.mark.parametrize("raw", CASES)
def test_surely_safe_implies_clean(raw: dict[str, Any]) -> None:
    if _surely_safe(raw):
        assert unsafe_json(raw, "items[0]") is None


def test_surely_safe_takes_the_usual_item() -> None:
    assert _surely_safe(CASES[0])
    assert not _surely_safe(CASES[1]) and unsafe_json(CASES[1], "items[0]") is not None
    assert not _surely_safe(CASES[3]) and unsafe_json(CASES[3], "items[0]") is not None


def _identity(workspace_id: int, iid: int, person_id: int, value: str) -> dict[str, Any]:
    return {
        "id": iid,
        "workspace_id": workspace_id,
        "person_id": person_id,
        "kind": "email",
        "namespace": "",
        "value": value,
        "value_search": value,
        "created_at": utcnow(),
    }


def test_expect_new_skips_a_taken_key_and_inserts_the_rest(
    db: Database, workspace: Workspace
) -> None:
    with db.transaction(workspace.id) as session:
        now = utcnow()
        person = Person(workspace_id=workspace.id, audience="customer", traits={})
        person.created_at = person.updated_at = now
        session.add(person)
        session.flush()
        table = Identity.__table__
        first = reserve_ids(session, table, 1)
        taken = insert_many_ignoring_conflicts(
            session,
            table,
            [_identity(workspace.id, first[0], person.id, "taken@example.com")],
            ["workspace_id", "kind", "namespace", "value"],
            expect_new=True,
        )
        assert taken == set(first)
        ids = reserve_ids(session, table, 3)
        rows = [
            _identity(workspace.id, ids[0], person.id, "new1@example.com"),
            _identity(workspace.id, ids[1], person.id, "taken@example.com"),
            _identity(workspace.id, ids[2], person.id, "new2@example.com"),
        ]
        inserted = insert_many_ignoring_conflicts(
            session, table, rows, ["workspace_id", "kind", "namespace", "value"], expect_new=True
        )
        assert inserted == {ids[0], ids[2]}
        # The transaction is usable after the fallback and holds exactly the four rows.
        values = set(
            session.execute(select(Identity.value).where(Identity.person_id == person.id))
            .scalars()
            .all()
        )
        assert values == {"taken@example.com", "new1@example.com", "new2@example.com"}
    with db.reader(workspace.id) as session:
        count = session.execute(
            select(func.count()).select_from(Identity).where(Identity.person_id == person.id)
        ).scalar_one()
        assert count == 3
