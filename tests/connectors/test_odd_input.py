"""Odd but well-formed JSON never gives a 500: every connector answers 2xx or a clear 4xx."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

ODD = [None, 1, "x", [], {}, [1, "a"], {"a": None}, True, -1.5, "2026-13-45T99:00:00Z"]


def _chatwoot_headers(secret: str, body: bytes, delivery: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    sig = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "X-Chatwoot-Timestamp": stamp,
        "X-Chatwoot-Signature": f"sha256={sig}",
        "X-Chatwoot-Delivery": delivery,
    }


def test_segment_odd_fields(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    key = make_key(db, workspace.id, "write")
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    fields = (
        "context",
        "traits",
        "properties",
        "timestamp",
        "sentAt",
        "userId",
        "event",
        "groupId",
        "previousId",
        "messageId",
        "anonymousId",
    )
    n = 0
    for call in ("track", "identify", "page", "group", "alias"):
        for field in fields:
            for value in ODD:
                n += 1
                body = {
                    "type": call,
                    "userId": "u1",
                    "event": "E",
                    "groupId": "g",
                    "previousId": "p",
                    field: value,
                }
                r = client.post("/v1/batch", json={"batch": [body], "sentAt": value}, headers=auth)
                assert r.status_code < 500, (call, field, value, r.text)
    assert n > 500


def test_chatwoot_odd_fields(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    src = client.post(
        "/api/v1/survey-sources", json={"kind": "chatwoot", "secret": "odd-secret"}, headers=admin
    ).json()
    url = f"/api/v1/connectors/chatwoot/{src['key']}"
    base = {
        "event": "message_created",
        "id": 1,
        "content": "hi",
        "message_type": "incoming",
        "sender": {"id": 5, "type": "contact"},
        "conversation": {"id": 2},
        "account": {"id": 1},
    }
    n = 0
    for field in (
        "sender",
        "conversation",
        "account",
        "content",
        "message_type",
        "created_at",
        "id",
        "inbox",
        "event",
        "private",
    ):
        for value in ODD:
            n += 1
            raw = json.dumps({**base, field: value}).encode()
            r = client.post(url, content=raw, headers=_chatwoot_headers("odd-secret", raw, f"d{n}"))
            assert r.status_code < 500, (field, value, r.text)
    for raw in (b"[]", b"1", b"null", b'"x"'):
        r = client.post(
            url, content=raw, headers=_chatwoot_headers("odd-secret", raw, raw.decode())
        )
        assert 400 <= r.status_code < 500


def test_responses_batch_odd_items(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    from sada.feedback import service
    from tests.feedback.factories import nps_survey

    with db.transaction(workspace.id) as s:
        sid = service.do_create_survey(s, nps_survey()).id
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'write')}"}
    items = [{"external_id": f"e{i}", "answers": {"nps": v}} for i, v in enumerate(ODD)]
    items += [{"external_id": "p", "answers": {}, "person": v} for v in ODD]
    items += [v for v in ODD]
    r = client.post(
        f"/api/v1/surveys/{sid}/responses:batch", json={"items": items}, headers=headers
    )
    assert r.status_code in (200, 207, 422), r.text


def test_typeform_odd_answers(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    from pathlib import Path

    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    src = client.post(
        "/api/v1/survey-sources", json={"kind": "typeform", "secret": "tf-odd"}, headers=admin
    ).json()
    url = f"/api/v1/connectors/typeform/{src['key']}"
    fixture = Path(__file__).parent / "fixtures" / "typeform" / "form_response_all_types.json"
    base = json.loads(fixture.read_text())
    n = 0
    for answer_field in ("field", "choice", "choices", "number", "text", "type", "payment"):
        for value in ODD:
            n += 1
            body = json.loads(json.dumps(base))
            body["event_id"] = f"odd-{n}"
            body["form_response"]["token"] = f"tok-{n}"
            for a in body["form_response"]["answers"]:
                a[answer_field] = value
            raw = json.dumps(body).encode()
            sig = base64.b64encode(hmac.new(b"tf-odd", raw, hashlib.sha256).digest()).decode()
            r = client.post(url, content=raw, headers={"Typeform-Signature": f"sha256={sig}"})
            assert r.status_code < 500, (answer_field, value, r.text)
