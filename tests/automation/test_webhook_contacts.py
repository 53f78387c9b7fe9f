"""Outbound webhook payloads carry the person's contact fields only when the workspace's
`webhook_contact_fields` setting allows it (off by default)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sada.automation.models import WebhookDelivery
from sada.automation.webhooks import do_create_endpoint, emit_event
from sada.core.ssrf import HostPolicy
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch


def test_contact_fields_only_when_allowed(db, workspace, client, make_key) -> None:  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    email = f"nour-{uuid.uuid4().hex[:6]}@example.com"
    with db.transaction(workspace.id) as s:
        do_create_endpoint(
            s,
            url="http://127.0.0.1:9/hook",
            events=["alert.raised"],
            policy=HostPolicy.from_setting("127.0.0.1"),
        )
        (r,) = ingest_batch(
            s,
            [
                {
                    "source": "t",
                    "external_id": uuid.uuid4().hex,
                    "occurred_at": utcnow().isoformat(),
                    "channel": "email",
                    "type": "message",
                    "direction": "inbound",
                    "person": {"email": email, "phone": "+971500000404", "name": "Nour"},
                }
            ],
        )
    person = {"id": r.person_id, "name": "Nour", "language": "ar", "segment": "vip"}

    def payload() -> dict:  # type: ignore[type-arg]
        with db.transaction(workspace.id) as s:
            (delivery_id,) = emit_event(s, "alert.raised", {"person": dict(person), "x": 1})
            return s.get(WebhookDelivery, delivery_id).payload["data"]

    off = payload()
    assert off["person"] == {"id": r.person_id, "segment": "vip"} and off["x"] == 1
    assert (
        client.get("/api/v1/automation/settings", headers=admin).json()["webhook_contact_fields"]
        is False
    )
    r2 = client.patch(
        "/api/v1/automation/settings", json={"webhook_contact_fields": True}, headers=admin
    )
    assert r2.status_code == 200 and r2.json()["webhook_contact_fields"] is True
    on = payload()
    assert on["person"] == {
        "id": r.person_id,
        "segment": "vip",
        "email": email,
        "phone": "+971500000404",
        "name": "Nour",
        "language": None,
    }
    with db.reader(workspace.id) as s:
        assert len(s.execute(select(WebhookDelivery)).scalars().all()) == 2
    assert (
        client.patch(
            "/api/v1/automation/settings", json={"webhook_contact_fields": "yes"}, headers=admin
        ).status_code
        == 422
    )
