"""The people list: sorts, filters by trait, audience and language, keyset pages past the newest
50, and CSV/XLSX exports with spreadsheet formulas guarded."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from sada.core.errors import Invalid
from sada.people.browse import PeopleQuery, browse, iter_people


def _people(db: Any, workspace: Any, n: int = 60) -> None:
    from sqlalchemy import insert

    from sada.db.types import utcnow
    from sada.people.models import Person

    now = utcnow()
    rows = [
        {
            "workspace_id": workspace.id,
            "name": f"Person {i:03d}" if i else '=HYPERLINK("http://x")',
            "name_search": f"person {i:03d}" if i else "=hyperlink",
            "audience": "employee" if i % 10 == 0 else "customer",
            "language": "fa" if i % 2 else "en",
            "traits": {"city": "Tehran" if i % 3 == 0 else "Shiraz", "tier": i % 4},
            "updated_at": now,
            "created_at": now,
        }
        for i in range(n)
    ]
    with db.transaction(workspace.id) as session:
        session.execute(insert(Person), rows)


def test_keyset_pages_cover_everyone_once_in_every_sort(db: Any, workspace: Any) -> None:
    _people(db, workspace)
    with db.reader(workspace.id) as session:
        for sort in ("newest", "oldest", "name", "updated"):
            seen: list[int] = []
            after = None
            while True:
                rows, after = browse(session, PeopleQuery(sort=sort), after=after, limit=25)
                seen += [r.id for r in rows]
                if after is None:
                    break
            assert len(seen) == 60 == len(set(seen)), sort
        names = [r.name for r in browse(session, PeopleQuery(sort="name"), limit=3)[0]]
        assert names == ['=HYPERLINK("http://x")', "Person 001", "Person 002"]
        tehran = list(iter_people(session, PeopleQuery(trait="city", trait_value="Tehran")))
        assert len(tehran) == 20
        fa_employees = browse(session, PeopleQuery(language="fa", audience="employee"))[0]
        assert fa_employees == []  # employees are every tenth person: even, so English
        with pytest.raises(Invalid):
            browse(session, PeopleQuery(sort="age"))
        with pytest.raises(Invalid):
            browse(session, PeopleQuery(), after="not-a-cursor")


def test_people_page_sorts_pages_and_exports(db: Any, workspace: Any, login: Any) -> None:
    _people(db, workspace)
    client = login("manager")
    first = client.get("/people?sort=name&lang=fa")
    assert first.status_code == 200
    assert 'dir="rtl"' in first.text and "مرتب‌سازی" in first.text
    link = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert link, "a second page past the first 50"
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and "Person 059" in second.text
    assert "Person 049" not in second.text and "Person 050" in second.text
    assert client.get("/people?sort=age").status_code == 422
    assert client.get("/people?after=%%%").status_code == 422
    csv = client.get("/people/export.csv?trait=city&trait_value=Tehran")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 21
    assert "'=HYPERLINK" in csv.text  # the formula is neutralised
    xlsx = client.get("/people/export.xlsx?language=fa")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 31
    assert client.get("/people/export.pdf").status_code == 404


def test_agents_may_list_but_not_export(db: Any, workspace: Any, login: Any) -> None:
    _people(db, workspace, 3)
    client = login("agent")
    assert client.get("/people").status_code == 200
    assert client.get("/people/export.csv").status_code == 403
