"""Formbricks (Standard Webhooks) and Typeform webhooks: signatures, replays, updates."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from sada.feedback.models import Response

FIXTURES = Path(__file__).parent / "fixtures"


def _source(client, db, workspace, make_key, kind, **extra):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    r = client.post("/api/v1/survey-sources", json={"kind": kind, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _responses(db, workspace):  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as s:
        return s.execute(select(func.count()).select_from(Response)).scalar_one()


def _signed(secret: str, body: bytes, msg_id: str, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
        "content-type": "application/json",
    }


def test_formbricks_signed_lifecycle(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    src = _source(
        client,
        db,
        workspace,
        make_key,
        "formbricks",
        settings={"questions": {"npsq1a2b3c4d5e6f7g8h9": {"type": "nps", "title": "Recommend?"}}},
    )
    url = f"/api/v1/connectors/formbricks/{src['key']}"
    payload = json.loads((FIXTURES / "formbricks_response_finished.json").read_text())
    created = json.loads(json.dumps(payload))
    created["event"], created["data"]["finished"] = "responseCreated", False
    created["data"]["data"] = {"npsq1a2b3c4d5e6f7g8h9": 9}
    body = json.dumps(created).encode()

    # unsigned, wrong secret and stale requests: 401 and nothing stored
    assert (
        client.post(url, content=body, headers={"content-type": "application/json"}).status_code
        == 401
    )
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    assert client.post(url, content=body, headers=_signed(other, body, "msg_1")).status_code == 401
    stale = _signed(src["secret"], body, "msg_1", datetime.now(UTC) - timedelta(minutes=10))
    assert client.post(url, content=body, headers=stale).status_code == 401
    tampered = _signed(src["secret"], body, "msg_1")
    assert client.post(url, content=body.replace(b"9}", b"0}"), headers=tampered).status_code == 401
    assert _responses(db, workspace) == 0

    r = client.post(url, content=body, headers=_signed(src["secret"], body, "msg_1"))
    assert r.status_code == 200 and r.json()["status"] == "imported", r.text
    replay = client.post(url, content=body, headers=_signed(src["secret"], body, "msg_1"))
    assert replay.json()["status"] == "duplicate"

    finished = json.dumps(payload).encode()
    r = client.post(url, content=finished, headers=_signed(src["secret"], finished, "msg_2"))
    assert r.json()["status"] == "updated"
    api = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    items = client.get("/api/v1/responses", headers=api).json()["items"]
    assert len(items) == 1 and items[0]["status"] == "completed" and items[0]["language"] == "fa"
    assert items[0]["scores"] == {"nps": [9, 10]}
    assert any(a["value"] == "پشتیبانی سریع بود" for a in items[0]["answers"])

    corrected = json.loads(json.dumps(payload))
    corrected["event"] = "responseUpdated"
    corrected["data"]["data"]["npsq1a2b3c4d5e6f7g8h9"] = 4
    cbody = json.dumps(corrected).encode()
    assert (
        client.post(url, content=cbody, headers=_signed(src["secret"], cbody, "msg_3")).json()[
            "status"
        ]
        == "updated"
    )
    m = client.get("/api/v1/metrics/nps", headers=api).json()
    assert (m["n"], m["detractors"], m["promoters"]) == (1, 1, 0)  # rollups corrected

    bad = json.loads(json.dumps(payload))
    bad["data"]["id"] = "other"
    bad["data"]["data"]["npsq1a2b3c4d5e6f7g8h9"] = 42
    bbody = json.dumps(bad).encode()
    assert (
        client.post(url, content=bbody, headers=_signed(src["secret"], bbody, "msg_4")).status_code
        == 422
    )
    assert _responses(db, workspace) == 1


def test_typeform_signature_and_replay(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    src = _source(client, db, workspace, make_key, "typeform", secret="tf-secret-123")
    url = f"/api/v1/connectors/typeform/{src['key']}"
    body = (FIXTURES / "typeform_form_response.json").read_bytes()
    sig = (
        "sha256="
        + base64.b64encode(hmac.new(b"tf-secret-123", body, hashlib.sha256).digest()).decode()
    )
    assert client.post(url, content=body).status_code == 401
    assert (
        client.post(url, content=body, headers={"Typeform-Signature": "sha256=AAAA"}).status_code
        == 401
    )
    assert (
        client.post(url, content=body + b" ", headers={"Typeform-Signature": sig}).status_code
        == 401
    )
    assert _responses(db, workspace) == 0
    r = client.post(url, content=body, headers={"Typeform-Signature": sig})
    assert r.status_code == 200 and r.json()["status"] == "imported", r.text
    assert (
        client.post(url, content=body, headers={"Typeform-Signature": sig}).json()["status"]
        == "duplicate"
    )
    assert _responses(db, workspace) == 1
    api = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    item = client.get("/api/v1/responses", headers=api).json()["items"][0]
    assert (
        item["scores"] == {"nps": [6, 10]}
        and item["touchpoint"] == "delivery"
        and item["language"] == "ar"
    )
    values = {a["question"]: a["value"] for a in item["answers"]}
    assert values == {
        "recommend": 6,
        "delivery_rating": 2,
        "channels": ["app"],
        "comment": "التوصيل تأخر يومين",
    }
    assert item["person_id"] is not None
    assert (
        client.post(
            "/api/v1/connectors/typeform/unknown", content=body, headers={"Typeform-Signature": sig}
        ).status_code
        == 404
    )
    _ = time
