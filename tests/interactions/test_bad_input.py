"""Finding 4: implausible dates, NUL bytes, deep JSON and oversized ids are refused per item
with a 4xx on both databases; the good items of the same batch are stored."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from sada.interactions.models import Interaction

URL = "/api/v1/interactions:batch"


def _item(**over):  # type: ignore[no-untyped-def]
    base = {
        "source": "shop",
        "external_id": uuid.uuid4().hex,
        "occurred_at": "2026-05-01T10:00:00+03:30",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": "fine",
        "person": {"email": f"{uuid.uuid4().hex[:8]}@example.com"},
    }
    base.update(over)
    return base


def _deep(levels: int) -> dict:  # type: ignore[type-arg]
    node: dict = {}  # type: ignore[type-arg]
    top = node
    for _ in range(levels):
        node["x"] = {}
        node = node["x"]
    return top


def test_bad_items_rejected_alone_good_ones_stored(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    email = lambda: f"{uuid.uuid4().hex[:8]}@example.com"  # noqa: E731
    bad = {
        "year one": (_item(occurred_at="0001-01-01T00:00:00+03:30"), "occurred_at", "1970-01-01"),
        "year 9999": (_item(occurred_at="9999-12-31T23:59:59Z"), "occurred_at", "one day after"),
        "before 1970": (_item(occurred_at="1969-12-31T23:59:59Z"), "occurred_at", "1970"),
        "NUL in source": (_item(source="sh\x00op"), "source", "NUL"),
        "NUL in external_id": (_item(external_id="e\x00"), "external_id", "NUL"),
        "NUL in name": (_item(person={"email": email(), "name": "a\x00b"}), "person.name", "NUL"),
        "NUL in a trait": (
            _item(person={"email": email(), "traits": {"plan": "p\x00"}}),
            "person.traits.plan",
            "NUL",
        ),
        "NUL in an attribute key": (_item(attributes={"k\x00": 1}), "attributes", "NUL"),
        "NUL in agent": (_item(agent="x\x00@example.com"), "agent", "NUL"),
        "deep attributes": (_item(attributes=_deep(40)), "attributes", "nested"),
        "huge external id": (
            _item(person={"external_ids": {"crm": "9" * 5000}}),
            "person.external_ids",
            "320",
        ),
    }
    items = [_item(), *[b[0] for b in bad.values()], _item()]
    r = client.post(URL, json={"items": items}, headers=api_headers)
    assert r.status_code == 207, r.text
    results = r.json()["results"]
    assert results[0]["status"] == results[-1]["status"] == "stored"
    for n, (name, (_body, path, words)) in enumerate(bad.items(), start=1):
        res = results[n]
        assert res["status"] == "rejected", (name, res)
        error = res["errors"][0]
        assert error["path"].startswith(f"items[{n}].{path}"), (name, error)
        assert words in error["message"], (name, error)
    with db.reader(workspace.id) as s:
        assert s.execute(select(func.count()).select_from(Interaction)).scalar_one() == 2


def test_deep_json_big_ids_and_nul_elsewhere_answer_4xx(client, api_headers):  # type: ignore[no-untyped-def]
    deep = b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    r = client.post(URL, content=deep, headers=api_headers | {"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    for path in (
        "/api/v1/people/99999999999999999999999999",
        "/api/v1/people/-99999999999999999999",
        "/api/v1/interactions/9223372036854775808",
        "/api/v1/cases/99999999999999999999",
    ):
        r = client.get(path, headers=api_headers)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    r = client.post(
        "/api/v1/people:identify",
        json={"email": "x@example.com", "name": "a\x00"},
        headers=api_headers,
    )
    assert r.status_code == 422 and "NUL" in r.text
    r = client.post(
        "/api/v1/people:identify",
        json={"email": "y@example.com", "traits": _deep(40)},
        headers=api_headers,
    )
    assert r.status_code == 422 and "nested" in r.text
    message = {"type": "track", "event": "e\x00", "userId": "u", "messageId": uuid.uuid4().hex}
    good = {"type": "track", "event": "ok", "userId": "u", "messageId": uuid.uuid4().hex}
    key = api_headers["Authorization"].split()[1]
    r = client.post("/v1/batch", json={"batch": [message, good]}, auth=(key, ""))
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    assert "NUL" in r.json()["errors"][0]["message"]
