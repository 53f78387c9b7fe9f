"""Typeform webhooks: every answer type of the documented form_response, odd definitions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "typeform"


def _source(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    r = client.post(
        "/api/v1/survey-sources", json={"kind": "typeform", "secret": "s3cret"}, headers=headers
    )
    assert r.status_code == 201, r.text
    return f"/api/v1/connectors/typeform/{r.json()['key']}"


def _post(client, url, body: dict):  # type: ignore[no-untyped-def]
    raw = json.dumps(body).encode()
    sig = "sha256=" + base64.b64encode(hmac.new(b"s3cret", raw, hashlib.sha256).digest()).decode()
    return client.post(url, content=raw, headers={"Typeform-Signature": sig})


def test_documented_form_response_with_every_answer_type(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    url = _source(client, db, workspace, make_key)
    body = json.loads((FIXTURES / "form_response_all_types.json").read_text())
    r = _post(client, url, body)
    assert r.status_code == 200 and r.json()["status"] == "imported", r.text
    api = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    item = client.get("/api/v1/responses", headers=api).json()["items"][0]
    values = {a["question"]: a["value"] for a in item["answers"]}
    assert values["first_name"] == "Reza"
    assert values["products"] == ["Router", "TV_box", "other"]
    assert values["products_other"] == "Smart plug"
    assert values["heard"] == "other" and values["heard_other"] == "Billboard"
    assert values["again"] == "yes" and values["terms"] == "yes"
    assert values["bought_on"] == "2026-10-05" and values["devices"] == "3"
    assert values["installer"] == 4 and values["likely"] == 9 and values["nps"] == 10
    assert values["city"] == "Shiraz"  # a dropdown whose definition lists no choices
    assert values["tip"].startswith("5.00") and values["phone"] == "+989121234567"
    assert item["scores"]["nps"][0] in (9, 10)


def test_choice_field_without_choices_and_empty_definition(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    url = _source(client, db, workspace, make_key)
    body = json.loads((FIXTURES / "form_response_all_types.json").read_text())
    fr = body["form_response"]
    for f in fr["definition"]["fields"]:
        f.pop("choices", None)
    body["event_id"] = "evt-no-choices"
    r = _post(client, url, body)
    assert r.status_code == 200 and r.json()["status"] == "imported", r.text
    # A second response of the same form with a label not seen before grows the choices.
    second = json.loads(json.dumps(body))
    second["event_id"], second["form_response"]["token"] = "evt-2", "tok-2"
    for a in second["form_response"]["answers"]:
        if a["field"]["id"] == "fB6drop":
            a["choice"] = {"label": "Tabriz"}
    assert _post(client, url, second).json()["status"] == "imported"
    for definition in ({"id": "tF9xQ2", "fields": []}, {}):
        empty = json.loads(json.dumps(body))
        empty["event_id"] = f"evt-empty-{len(definition)}"
        empty["form_response"]["definition"] = definition
        r = _post(client, url, empty)
        assert 400 <= r.status_code < 500, r.text
