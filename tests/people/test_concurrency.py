"""Concurrent ingests of the same new identity create one person, not two.

Runs over real HTTP with parallel requests; on PostgreSQL the requests truly
race inside the database (on SQLite writers queue on the write lock).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
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


def test_sixteen_clients_overlapping_new_people_no_deadlock_no_5xx(  # type: ignore[no-untyped-def]
    live_server, db, workspace, make_key
):
    """16 clients at once, each a batch of new people that the others also create."""
    import random

    key = make_key(db, workspace.id, "write")
    pool = 40

    def send(worker: int) -> tuple[int, list[dict]]:
        chosen = random.Random(worker).sample(range(pool), 25)
        items = [
            {
                "source": "overlap",
                "external_id": f"w{worker}-{k}",
                "occurred_at": "2026-02-01T00:00:00Z",
                "channel": "web",
                "type": "page_view",
                "direction": "inbound",
                "person": {"email": f"p{k}@example.com", "external_ids": {"crm": f"c{k}"}},
            }
            for k in chosen
        ]
        with httpx.Client(base_url=live_server, timeout=120) as http:
            r = http.post(
                "/api/v1/interactions:batch?wait=true",
                json={"items": items},
                headers={"Authorization": f"Bearer {key}"},
            )
        return r.status_code, r.json().get("results", []) if r.status_code < 500 else []

    with ThreadPoolExecutor(max_workers=16) as pool_:
        answers = list(pool_.map(send, range(16)))
    assert [code for code, _ in answers] == [200] * 16, [code for code, _ in answers]
    owners: dict[str, set[int]] = {}
    for worker, (_code, results) in enumerate(answers):
        chosen = random.Random(worker).sample(range(pool), 25)
        for k, result in zip(chosen, results, strict=True):
            assert result["status"] == "stored", result
            owners.setdefault(f"p{k}", set()).add(result["person_id"])
    with db.reader(workspace.id) as s:
        assert s.execute(select(func.count()).select_from(Interaction)).scalar_one() == 16 * 25
        live = s.execute(
            select(func.count()).select_from(Person).where(Person.merged_into_id.is_(None))
        ).scalar_one()
        assert live == len(owners)
        assert s.execute(select(func.count()).select_from(Identity)).scalar_one() == 2 * len(owners)
        # Every identity of a person resolves to the person the answers named.
        current = dict(
            s.execute(
                select(Identity.value, Identity.person_id).where(Identity.kind == "email")
            ).all()
        )
    for name, ids in owners.items():
        assert ids == {current[f"{name}@example.com"]}, (name, ids)


def test_synchronous_batch_commits_its_new_people_before_the_batch(  # type: ignore[no-untyped-def]
    live_server, db, workspace, make_key
):
    """On PostgreSQL a `?wait=true` batch creates its brand-new people in a short
    transaction of their own, so a concurrent request naming the same new person waits
    for that, not for the whole batch. Shown by holding the batch's own transaction up
    (another connection locks `interactions` against inserts): the person is already
    committed and visible while the batch still waits."""
    import time

    from sqlalchemy import text

    if db.is_sqlite:
        pytest.skip("SQLite has one writer at a time: the batch creates its people itself")
    key = make_key(db, workspace.id, "write")
    item = {
        "source": "early",
        "external_id": "e1",
        "occurred_at": "2026-02-01T00:00:00Z",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "person": {"email": "early-bird@example.com", "name": "Early Bird"},
    }

    def send() -> httpx.Response:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            return http.post(
                "/api/v1/interactions:batch?wait=true",
                json={"items": [item]},
                headers={"Authorization": f"Bearer {key}"},
            )

    def visible() -> int | None:
        with db.reader(workspace.id) as s:
            return s.execute(
                select(Identity.person_id).where(Identity.value == "early-bird@example.com")
            ).scalar_one_or_none()

    with db.engine.connect() as blocker, ThreadPoolExecutor(max_workers=1) as pool:
        blocker.execute(text("LOCK TABLE interactions IN SHARE MODE"))
        answer = pool.submit(send)
        seen = None
        deadline = time.monotonic() + 20
        while seen is None and time.monotonic() < deadline and not answer.done():
            time.sleep(0.05)
            seen = visible()
        still_waiting = not answer.done()
        blocker.rollback()  # lets the batch's inserts through
        response = answer.result(timeout=60)
    assert seen is not None, "the new person was not committed before the batch"
    assert still_waiting, "the batch did not wait for the lock (the test proves nothing)"
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["person_id"] == seen
    with db.reader(workspace.id) as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == 1
        assert s.execute(select(Person.name)).scalar_one() == "Early Bird"
