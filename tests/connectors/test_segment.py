"""Segment-compatible endpoints, driven by the real segment-analytics-python client."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from sada.connectors.models import Account, AccountMember
from sada.interactions.models import Interaction
from sada.people.merges import do_unmerge
from sada.people.models import Identity, PersonMerge
from sada.tenants.models import Workspace

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
    with httpx.Client(base_url=live_server, headers={"Authorization": auth}) as http:
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
        # messageId is optional (Segment's HTTP API): stored each time, no dedupe.
        bare = {"type": "track", "userId": "u1", "event": "x"}
        assert http.post("/v1/batch", json={"batch": [bare]}).json()["stored"] == 1
        assert http.post("/v1/batch", json={"batch": [bare]}).json()["stored"] == 1
    with httpx.Client(base_url=live_server) as anonymous:
        assert anonymous.post("/v1/batch", json={"batch": [message]}).status_code == 401
        wrong = "Basic " + base64.b64encode(b"sada_nope_nope:").decode()
        assert (
            anonymous.post(
                "/v1/batch", json={"batch": [message]}, headers={"Authorization": wrong}
            ).status_code
            == 401
        )
    assert _count(db, workspace.id, source="segment") == 5


FIXTURES = Path(__file__).parent / "fixtures" / "segment"


def _basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def test_every_http_api_call_without_message_id_takes_effect(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write", "read")
    with db.transaction(workspace.id) as s:
        s.get(Workspace, workspace.id).settings = {"keep_ip": True}
    with httpx.Client(base_url=live_server, headers=_basic(key)) as http:
        # An anonymous visitor first (anonymousId), the later alias joins them.
        anon = {"type": "page", "anonymousId": "anon-4f1c-92aa", "name": "Landing"}
        assert http.post("/v1/page", json=anon).json()["stored"] == 1
        for call in ("identify", "track", "page", "screen", "group"):
            body = json.loads((FIXTURES / f"{call}.json").read_text())
            r = http.post(f"/v1/{call}", json=body)
            assert r.status_code == 200 and r.json()["success"], (call, r.text)
        r = http.post("/v1/alias", json=json.loads((FIXTURES / "alias.json").read_text()))
        assert r.status_code == 200 and r.json()["aliased"] == 1
        bearer = {"Authorization": f"Bearer {key}"}
        listed = http.get("/api/v1/accounts", headers=bearer)
        assert listed.status_code == 200, listed.text
        accounts = listed.json()["accounts"]
        assert {a["name"] for a in accounts} == {"Initech Dubai", "Acme Iran"}
        initech = next(a for a in accounts if a["external_id"] == "org-8e9df3")
        assert initech["traits"]["employees"] == 420 and initech["member_count"] == 1
        detail = http.get(f"/api/v1/accounts/{initech['id']}", headers=bearer).json()
        assert len(detail["person_ids"]) == 1
    with db.reader(workspace.id) as s:
        person_ids = set(
            s.execute(
                select(Interaction.person_id).where(Interaction.source == "segment")
            ).scalars()
        )
        assert person_ids == {detail["person_ids"][0]}  # alias merged the anonymous visitor
        merge = s.execute(select(PersonMerge)).scalar_one()
        assert "segment alias" in merge.reason
        order = s.execute(select(Interaction).where(Interaction.type == "order")).scalar_one()
        assert order.language == "fa"
        attrs = order.attributes
        assert attrs["utm_campaign"] == "yalda_sale" and attrs["utm_source"] == "newsletter"
        assert attrs["utm_medium"] == "email" and attrs["utm_term"] == "gift"
        assert attrs["user_agent"].startswith("Mozilla/5.0") and attrs["ip"] == "5.120.33.7"
        assert attrs["page"]["path"] == "/checkout/done"
        assert order.occurred_at.isoformat().startswith("2026-11-20T08:31:12")
        screen = s.execute(
            select(Interaction).where(Interaction.subject == "Order history")
        ).scalar_one()
        assert screen.channel == "app"
    # The alias merge is the people domain's: audited and reversible.
    with db.transaction(workspace.id) as s:
        do_unmerge(s, merge.id)
    with db.reader(workspace.id) as s:
        owners = set(
            s.execute(
                select(Interaction.person_id).where(Interaction.source == "segment")
            ).scalars()
        )
        assert len(owners) == 2


def test_ip_dropped_unless_the_workspace_keeps_it(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    body = json.loads((FIXTURES / "track.json").read_text())
    with httpx.Client(base_url=live_server, headers=_basic(key)) as http:
        assert http.post("/v1/track", json=body).json()["stored"] == 1
    with db.reader(workspace.id) as s:
        order = s.execute(select(Interaction).where(Interaction.type == "order")).scalar_one()
        assert "ip" not in order.attributes and order.attributes["utm_content"] == "hero_banner"


def test_sent_at_corrects_the_sender_clock_and_large_batches(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    skewed = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)  # a device clock years ahead
    message = {
        "type": "track",
        "userId": "clock-1",
        "event": "Signed Up",
        "messageId": "skew-1",
        "timestamp": (skewed - timedelta(minutes=5)).isoformat(),
    }
    before = datetime.now(UTC)
    with httpx.Client(base_url=live_server, headers=_basic(key)) as http:
        r = http.post("/v1/batch", json={"batch": [message], "sentAt": skewed.isoformat()})
        assert r.json()["stored"] == 1
        # 1,500 small events: Segment limits bytes (500 KB), not a count of events.
        many = [
            {"type": "track", "userId": f"u{i % 40}", "event": "Viewed", "messageId": f"m-{i}"}
            for i in range(1500)
        ]
        r = http.post("/v1/batch", json={"batch": many})
        assert r.status_code == 200 and r.json()["stored"] == 1500, r.text[:300]
    with db.reader(workspace.id) as s:
        row = s.execute(select(Interaction).where(Interaction.external_id == "skew-1")).scalar_one()
        delta = before - row.occurred_at
        assert timedelta(minutes=4) < delta < timedelta(minutes=6)


def test_real_client_group_and_alias(live_server, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    errors: list[object] = []
    client = segment_client.Client(
        write_key=key,
        host=live_server,
        sync_mode=True,
        on_error=lambda e, batch: errors.append(e),
        max_retries=0,
    )
    client.track(anonymous_id="visitor-9", event="Viewed Pricing")
    client.identify("user-9", {"email": "sami@example.ae"})
    client.alias("visitor-9", "user-9")
    client.group("user-9", "team-77", {"name": "Sami & Co", "plan": "pro"})
    client.flush()
    assert errors == []
    with db.reader(workspace.id) as s:
        account = s.execute(select(Account).where(Account.external_id == "team-77")).scalar_one()
        assert account.name == "Sami & Co" and account.traits["plan"] == "pro"
        member = s.execute(select(AccountMember.person_id)).scalar_one()
        viewer = s.execute(
            select(Interaction.person_id).where(Interaction.type == "custom:viewed_pricing")
        ).scalar_one()
        assert viewer == member
