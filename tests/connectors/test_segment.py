"""Segment-compatible endpoints, driven by the real segment-analytics-python client."""

from __future__ import annotations

import base64
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from sada.interactions.inbox import APPLY_JOB
from sada.interactions.models import Interaction
from sada.jobs.service import run_pending
from sada.people.models import Identity

segment_client = pytest.importorskip(
    "segment.analytics.client", reason="segment-analytics-python not installed"
)


def _count(db, ws_id, **where):  # type: ignore[no-untyped-def]
    with db.reader(ws_id) as s:
        query = select(func.count()).select_from(Interaction)
        for key, value in where.items():
            query = query.where(getattr(Interaction, key) == value)
        return s.execute(query).scalar_one()


def test_real_segment_client_track_identify_page(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    errors: list[object] = []
    client = segment_client.Client(
        write_key=key,
        host=live_server,
        sync_mode=True,
        on_error=lambda e, batch: errors.append(e),
        max_retries=0,
    )
    client.identify("user-42", {"email": "Mina@Example.com", "name": "مینا رضایی", "plan": "pro"})
    client.track("user-42", "Order Completed", {"revenue": 12.5, "touchpoint": "checkout"})
    client.track("user-42", "Review Submitted", {"text": "ارسال خیلی دیر بود"})
    client.page("user-42", "Docs", "Pricing", {"url": "http://127.0.0.1/pricing"})
    client.track(anonymous_id="anon-1", event="Signed Up")
    client.flush()
    assert errors == []
    # Accepted into the inbox; stored once the applier has run.
    assert _count(db, workspace.id, source="segment") == 0
    run_pending(db, kinds=[APPLY_JOB])
    assert _count(db, workspace.id, source="segment") == 4
    assert _count(db, workspace.id, type="order") == 1
    assert _count(db, workspace.id, type="review") == 1
    assert _count(db, workspace.id, type="page_view") == 1
    with db.reader(workspace.id) as s:
        owners = dict(
            s.execute(
                select(Identity.value, Identity.person_id).where(
                    Identity.value.in_(["mina@example.com", "user-42"])
                )
            ).all()
        )
        assert len(set(owners.values())) == 1  # userId and email resolve to one person
        review = s.execute(select(Interaction).where(Interaction.type == "review")).scalar_one()
        assert review.text == "ارسال خیلی دیر بود" and review.person_id == owners["user-42"]


def test_message_id_dedup_limits_and_auth(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    message = {
        "type": "track",
        "event": "Signed Up",
        "userId": "u1",
        "messageId": str(uuid.uuid4()),
        "timestamp": "2026-04-01T10:00:00Z",
    }
    # `Prefer: wait` gives Sada's detailed answer (stored/duplicates/errors) instead of Segment's.
    wait = {"Authorization": auth, "Prefer": "wait"}
    with httpx.Client(base_url=live_server, headers=wait) as http:
        assert http.post("/v1/batch", json={"batch": [message]}).json()["stored"] == 1
        second = http.post("/v1/batch", json={"batch": [message]}).json()
        assert second["stored"] == 0 and second["duplicates"] == 1
        assert http.post("/v1/track", json={**message, "messageId": "m-single"}).status_code == 200
        big = {**message, "messageId": "m-big", "properties": {"blob": "x" * 33_000}}
        r = http.post("/v1/batch", json={"batch": [big, {**message, "messageId": "m-ok"}]})
        assert r.status_code == 200 and r.json()["stored"] == 1
        assert "32,768" in r.json()["errors"][0]["message"] and r.json()["errors"][0]["index"] == 0
        r = http.post(
            "/v1/batch",
            json={
                "batch": [
                    {**message, "messageId": f"m{i}", "properties": {"p": "y" * 20_000}}
                    for i in range(30)
                ]
            },
        )
        assert r.status_code == 413
        r = http.post(
            "/v1/batch", json={"batch": [{"type": "track", "userId": "u1", "event": "x"}]}
        )
        assert r.status_code == 400 and "messageId" in r.json()["errors"][0]["message"]
    with httpx.Client(base_url=live_server) as anonymous:
        assert anonymous.post("/v1/batch", json={"batch": [message]}).status_code == 401
        wrong = "Basic " + base64.b64encode(b"sada_nope_nope:").decode()
        assert (
            anonymous.post(
                "/v1/batch", json={"batch": [message]}, headers={"Authorization": wrong}
            ).status_code
            == 401
        )
    assert _count(db, workspace.id, source="segment") == 3


def test_segment_answers_like_segment_and_applies_later(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    good = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u9",
        "messageId": "m-async",
        "timestamp": "2026-04-01T10:00:00Z",
    }
    no_id = {"type": "track", "userId": "u9", "event": "x"}
    with httpx.Client(base_url=live_server, headers={"Authorization": auth}) as http:
        r = http.post("/v1/batch", json={"batch": [good, no_id]})
        assert (r.status_code, r.json()) == (200, {"success": True})
        r = http.post("/v1/batch", json={"batch": [no_id]})
        assert (r.status_code, r.json()) == (200, {"success": True})
        r = http.post("/v1/identify", json={"userId": "u9", "traits": {"email": "u9@example.com"}})
        assert (r.status_code, r.json()) == (200, {"success": True})
        again = http.post("/v1/batch", json={"batch": [good]})
        assert again.json() == {"success": True}
    assert _count(db, workspace.id, source="segment") == 0
    run_pending(db, kinds=[APPLY_JOB])
    assert _count(db, workspace.id, source="segment") == 1  # the replay is a duplicate
    with db.reader(workspace.id) as s:
        owners = set(
            s.execute(
                select(Identity.person_id).where(Identity.value.in_(["u9", "u9@example.com"]))
            ).scalars()
        )
    assert len(owners) == 1
