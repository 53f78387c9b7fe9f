"""Formbricks: NPS/CSAT typed from the survey's definition; sources listed, rotated, deleted."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

from standardwebhooks.webhooks import Webhook

FIXTURES = Path(__file__).parent / "fixtures" / "formbricks"


def _signed(secret: str, body: bytes, msg_id: str) -> dict[str, str]:
    at = datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
        "content-type": "application/json",
    }


def test_definition_types_and_source_lifecycle(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    read = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    src = client.post("/api/v1/survey-sources", json={"kind": "formbricks"}, headers=admin).json()
    survey = json.loads((FIXTURES / "management_survey.json").read_text())
    r = client.patch(
        f"/api/v1/survey-sources/{src['id']}",
        json={"settings": {"surveys": {survey["id"]: survey}}},
        headers=admin,
    )
    assert r.status_code == 200 and "secret" not in r.json()
    listed = client.get("/api/v1/survey-sources", headers=admin).json()["items"]
    assert [s["id"] for s in listed] == [src["id"]] and "secret" not in listed[0]
    assert client.get("/api/v1/survey-sources", headers=read).status_code == 403

    url = f"/api/v1/connectors/formbricks/{src['key']}"
    body = (FIXTURES / "response_finished.json").read_bytes()
    r = client.post(url, content=body, headers=_signed(src["secret"], body, "msg-a"))
    assert r.status_code == 200 and r.json()["status"] == "imported", r.text
    item = client.get("/api/v1/responses", headers=read).json()["items"][0]
    types = {a["question"]: a["type"] for a in item["answers"]}
    assert types == {
        "q7nps": "nps",
        "q7csat": "csat",
        "q7stars": "rating",
        "q7reason": "single_choice",
        "q7text": "text",
    }
    assert item["scores"] == {"nps": [10, 10], "csat": [4, 5]}
    nps = client.get("/api/v1/metrics/nps", headers=read).json()
    assert nps["n"] == 1 and nps["promoters"] == 1

    # Rotation: the old secret stops working, the new one works.
    new_secret = "whsec_" + base64.b64encode(b"n" * 32).decode()
    r = client.patch(
        f"/api/v1/survey-sources/{src['id']}", json={"secret": new_secret}, headers=admin
    )
    assert r.status_code == 200 and r.json()["secret"] == new_secret
    again = json.loads(body)
    again["data"]["id"] = "cmresp0002"
    raw = json.dumps(again).encode()
    assert (
        client.post(url, content=raw, headers=_signed(src["secret"], raw, "m-b")).status_code == 401
    )
    assert client.post(url, content=raw, headers=_signed(new_secret, raw, "m-b")).status_code == 200
    assert (
        client.patch(
            f"/api/v1/survey-sources/{src['id']}", json={"settings": []}, headers=admin
        ).status_code
        == 422
    )

    assert client.delete(f"/api/v1/survey-sources/{src['id']}", headers=admin).status_code == 204
    assert client.post(url, content=raw, headers=_signed(new_secret, raw, "m-c")).status_code == 404
    assert client.delete(f"/api/v1/survey-sources/{src['id']}", headers=admin).status_code == 404
    assert len(client.get("/api/v1/responses", headers=read).json()["items"]) == 2


def test_undefined_numbers_stay_text(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    src = client.post("/api/v1/survey-sources", json={"kind": "formbricks"}, headers=admin).json()
    body = (FIXTURES / "response_finished.json").read_bytes()
    url = f"/api/v1/connectors/formbricks/{src['key']}"
    assert (
        client.post(url, content=body, headers=_signed(src["secret"], body, "x1")).status_code
        == 200
    )
    read = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    item = client.get("/api/v1/responses", headers=read).json()["items"][0]
    assert {a["type"] for a in item["answers"]} == {"text"} and item["scores"] == {}
