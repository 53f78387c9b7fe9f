"""Workspace isolation: no API route of one workspace reads or changes another's data.

The route list is taken from the app itself, so routes added later are covered
without editing this test: workspace B's admin key is aimed at every route,
with every id of workspace A substituted into every path parameter. B's
responses must never contain A's marker, and A's data must be unchanged.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import select

from sada.db.scoping import CrossWorkspaceWriteError, UnscopedQueryError
from sada.interactions.models import Interaction
from sada.people.models import Person

PARAM = re.compile(r"{([^}:]+)(:[^}]+)?}")


def _seed_a(client, headers, marker):  # type: ignore[no-untyped-def]
    items = [
        {
            "source": "iso",
            "external_id": f"{marker}-{i}",
            "occurred_at": f"2026-01-0{i + 1}T00:00:00Z",
            "channel": "email",
            "type": "complaint",
            "direction": "inbound",
            "subject": marker,
            "text": f"{marker} private text",
            "touchpoint": f"tp-{marker.lower()}",
            "conversation_id": marker,
            "person": {
                "email": f"{marker.lower()}-{i}@example.com",
                "name": marker,
                "phone": f"+4477009000{i}{i}",
            },
        }
        for i in range(3)
    ]
    results = client.post(
        "/api/v1/interactions:batch?wait=true", json={"items": items}, headers=headers
    ).json()["results"]
    merge = client.post(
        "/api/v1/people:merge",
        json={"survivor_id": results[0]["person_id"], "merged_id": results[1]["person_id"]},
        headers=headers,
    )
    assert merge.status_code == 200, merge.text
    return results, merge.json()["id"]


def _snapshot(client, headers, person_ids):  # type: ignore[no-untyped-def]
    snap = {}
    for pid in person_ids:
        snap[str(pid)] = (
            client.get(f"/api/v1/people/{pid}", headers=headers).json(),
            client.get(f"/api/v1/people/{pid}/timeline", headers=headers).json(),
        )
    # last_used_at moves once a minute while A's own key reads: not a change made by B.
    snap["keys"] = [
        {k: v for k, v in key.items() if k != "last_used_at"}
        for key in client.get("/api/v1/api-keys", headers=headers).json()
    ]
    snap["touchpoints"] = client.get("/api/v1/touchpoints", headers=headers).json()
    return json.dumps(snap, sort_keys=True, default=str)


def test_no_route_of_one_workspace_reads_or_changes_another(
    client, app, db, make_workspace, make_key
):  # type: ignore[no-untyped-def]
    ws_a, ws_b = make_workspace(db), make_workspace(db)
    headers_a = {"Authorization": f"Bearer {make_key(db, ws_a.id, 'read', 'write', 'admin')}"}
    headers_b = {"Authorization": f"Bearer {make_key(db, ws_b.id, 'read', 'write', 'admin')}"}
    marker = f"MARKER{uuid.uuid4().hex[:8].upper()}"
    results, merge_id = _seed_a(client, headers_a, marker)
    person_ids = sorted({r["person_id"] for r in results})
    ids = sorted(
        {
            *person_ids,
            *(r["id"] for r in results),
            merge_id,
            *(k["id"] for k in client.get("/api/v1/api-keys", headers=headers_a).json()),
        }
    )
    before = _snapshot(client, headers_a, person_ids)
    assert marker in before

    exercised = 0
    # Reads first, then writes: a write may legitimately store B's own copy of a value
    # (e.g. a touchpoint key), which B's later reads would then show.
    operations = app.openapi()["paths"].items()
    for phase in ("read", "write"):
        for route_path, methods in operations:
            if not (route_path.startswith("/api/") or route_path.startswith("/v1/")):
                continue
            params = [m.group(1) for m in PARAM.finditer(route_path)]
            values = [str(i) for i in ids] + [marker, f"tp-{marker.lower()}"] if params else [None]
            for method in sorted(m.upper() for m in methods):
                if (method == "GET") != (phase == "read"):
                    continue
                for value in values:
                    path = PARAM.sub(value, route_path) if value is not None else route_path
                    if method == "GET":
                        response = client.get(path, headers=headers_b)
                    else:
                        response = client.request(method, path, headers=headers_b, json={})
                    exercised += 1
                    # An answer may echo the caller's own path value; that is not a leak.
                    body = response.text.lower().replace((value or "").lower(), "")
                    assert marker.lower() not in body, f"{method} {path} leaked workspace A data"
                    assert response.status_code != 500, (
                        f"{method} {path} crashed: {response.text[:200]}"
                    )
    assert exercised > 30
    assert _snapshot(client, headers_a, person_ids) == before


def test_unbound_session_refuses_workspace_tables(db, workspace):  # type: ignore[no-untyped-def]
    with db.reader() as session, pytest.raises(UnscopedQueryError):
        session.execute(select(Person)).all()
    with db.reader() as session:
        # Explicit cross-workspace reads are possible, and visible in code review.
        session.execute(select(Interaction).execution_options(all_workspaces=True).limit(1)).all()


def test_bound_session_filters_and_refuses_foreign_writes(db, make_workspace):  # type: ignore[no-untyped-def]
    from sada.db.types import utcnow

    ws_a, ws_b = make_workspace(db), make_workspace(db)
    with db.transaction(ws_a.id) as s:
        s.add(Person(name="a-only", traits={}, updated_at=utcnow()))
    with db.reader(ws_b.id) as s:
        assert s.execute(select(Person).where(Person.name == "a-only")).all() == []
    with db.reader(ws_a.id) as s:
        person = s.execute(select(Person).where(Person.name == "a-only")).scalar_one()
    with pytest.raises(CrossWorkspaceWriteError), db.transaction(ws_b.id) as s:
        s.add(Person(workspace_id=ws_a.id, name="sneaky", traits={}, updated_at=utcnow()))
    with pytest.raises(CrossWorkspaceWriteError), db.transaction(ws_b.id) as s:
        person = s.merge(person)
        person.name = "changed"
    with db.transaction(ws_b.id) as s:
        from sqlalchemy import update

        s.execute(update(Person).where(Person.name == "a-only").values(name="changed"))
    with db.reader(ws_a.id) as s:
        assert s.execute(select(Person.name).where(Person.id == person.id)).scalar_one() == "a-only"
