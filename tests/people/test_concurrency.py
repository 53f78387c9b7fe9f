"""Concurrent ingests of the same new identity create one person, not two.

Runs over real HTTP with parallel requests; on PostgreSQL the requests truly
race inside the database (on SQLite writers queue on the write lock).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from sada.interactions.models import Interaction
from sada.people.models import Identity, Person


def test_parallel_requests_same_new_identities(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    emails = [f"racer{i}@example.com" for i in range(5)]

    def send(worker: int) -> list[dict]:
        items = [
            {
                "source": "race",
                "external_id": f"w{worker}-{i}",
                "occurred_at": "2026-02-01T00:00:00Z",
                "channel": "web",
                "type": "page_view",
                "direction": "inbound",
                "person": {"email": email, "handles": {"telegram": f"racer{i}"}},
            }
            for i, email in enumerate(emails)
        ]
        with httpx.Client(base_url=live_server, timeout=60) as http:
            r = http.post(
                "/api/v1/interactions:batch?wait=true",
                json={"items": items},
                headers={"Authorization": f"Bearer {key}"},
            )
        assert r.status_code == 200, r.text
        return r.json()["results"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        all_results = list(pool.map(send, range(24)))
    per_email = [{results[i]["person_id"] for results in all_results} for i in range(len(emails))]
    assert all(len(ids) == 1 for ids in per_email), per_email
    with db.reader(workspace.id) as s:
        assert (
            s.execute(
                select(func.count()).select_from(Person).where(Person.merged_into_id.is_(None))
            ).scalar_one()
            == 5
        )
        assert s.execute(select(func.count()).select_from(Identity)).scalar_one() == 10
        assert s.execute(select(func.count()).select_from(Interaction)).scalar_one() == 24 * 5


def test_parallel_identify_same_person(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")

    def identify(i: int) -> int:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            r = http.post(
                "/api/v1/people:identify",
                json={"phone": "+8613800138000", "traits": {"n": i}},
                headers={"Authorization": f"Bearer {key}"},
            )
        assert r.status_code == 200, r.text
        return r.json()["person_id"]

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = set(pool.map(identify, range(20)))
    assert len(ids) == 1
