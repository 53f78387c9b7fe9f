"""Chatwoot: signed webhooks (real HMAC over timestamp.body), replays, and an export."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

from sqlalchemy import select

from sada.connectors.chatwoot import service as chatwoot
from sada.interactions.models import Interaction

FIXTURES = Path(__file__).parent / "fixtures" / "chatwoot"


def _signed(secret: str, body: bytes, delivery: str, at: int | None = None) -> dict[str, str]:
    stamp = str(at or int(time.time()))
    sig = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "X-Chatwoot-Timestamp": stamp,
        "X-Chatwoot-Signature": f"sha256={sig}",
        "X-Chatwoot-Delivery": delivery,
        "content-type": "application/json",
    }


def test_signed_webhooks(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    src = client.post(
        "/api/v1/survey-sources", json={"kind": "chatwoot", "secret": "cw-secret-1"}, headers=admin
    ).json()
    url = f"/api/v1/connectors/chatwoot/{src['key']}"
    incoming = (FIXTURES / "message_incoming.json").read_bytes()
    unsigned = client.post(url, content=incoming)
    assert unsigned.status_code == 401, unsigned.text
    wrong = _signed("other-secret", incoming, "d1")
    assert client.post(url, content=incoming, headers=wrong).status_code == 401
    stale = _signed("cw-secret-1", incoming, "d1", int(time.time()) - 900)
    assert client.post(url, content=incoming, headers=stale).status_code == 401
    r = client.post(url, content=incoming, headers=_signed("cw-secret-1", incoming, "d1"))
    assert r.status_code == 200 and r.json()["status"] == "stored", r.text
    replay = client.post(url, content=incoming, headers=_signed("cw-secret-1", incoming, "d1"))
    assert replay.json()["status"] == "duplicate"
    for name, delivery in (
        ("message_outgoing", "d2"),
        ("message_private", "d3"),
        ("conversation_resolved", "d4"),
    ):
        body = (FIXTURES / f"{name}.json").read_bytes()
        r = client.post(url, content=body, headers=_signed("cw-secret-1", body, delivery))
        assert r.status_code == 200, r.text
    with db.reader(workspace.id) as s:
        rows = {r.external_id: r for r in s.execute(select(Interaction)).scalars()}
    customer = rows["message:1:9001"]
    assert customer.origin == "customer" and customer.channel == "whatsapp"
    assert customer.person_id is not None and customer.conversation_id == "chatwoot:1:31"
    assert rows["message:1:9002"].origin == "agent"
    assert "message:1:9003" not in rows  # private note
    event = next(r for k, r in rows.items() if k.startswith("conversation:"))
    assert event.type == "event" and event.attributes["status"] == "resolved"
    assert event.person_id == customer.person_id


def test_conversation_export(db, workspace):  # type: ignore[no-untyped-def]
    path = FIXTURES / "conversations_export.json"
    summary = chatwoot.import_file(db, workspace.id, path)
    assert (summary.imported, summary.skipped) == (3, {"activity message": 1})
    with db.reader(workspace.id) as s:
        rows = s.execute(select(Interaction).order_by(Interaction.occurred_at)).scalars().all()
    assert [r.origin for r in rows] == ["import", "agent", "import"]
    assert (
        all(r.backfill for r in rows) and rows[0].channel == "chat" and rows[2].channel == "email"
    )
    assert chatwoot.import_file(db, workspace.id, path).duplicates == 3
