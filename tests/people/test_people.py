"""Identity resolution, merges and unmerges, and folded multilingual search."""

from __future__ import annotations

from sqlalchemy import select

from sada.tenants.models import AuditEvent

URL = "/api/v1/interactions:batch?wait=true"


def ev(i: int, person: dict, **over):  # type: ignore[no-untyped-def]
    base = {
        "source": "crm",
        "external_id": f"x{i}",
        "occurred_at": f"2026-03-{i + 1:02d}T08:00:00Z",
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "text": f"message {i}",
        "person": person,
    }
    base.update(over)
    return base


def ingest(client, headers, *items):  # type: ignore[no-untyped-def]
    r = client.post(URL, json={"items": list(items)}, headers=headers)
    assert r.status_code in (200, 422), r.text
    return r.json()["results"]


def test_same_identity_always_same_person(client, api_headers):  # type: ignore[no-untyped-def]
    a = ingest(client, api_headers, ev(0, {"email": "Nasrin@Example.COM "}))[0]["person_id"]
    b = ingest(client, api_headers, ev(1, {"email": "nasrin@example.com"}))[0]["person_id"]
    c = ingest(client, api_headers, ev(2, {"phone": "+98 912 345 6789"}))[0]["person_id"]
    d = ingest(client, api_headers, ev(3, {"phone": "۰۰۹۸۹۱۲۳۴۵۶۷۸۹"}))[0]["person_id"]
    e = ingest(client, api_headers, ev(4, {"phone": "0912 345 6789", "country": "IR"}))[0][
        "person_id"
    ]
    f = ingest(client, api_headers, ev(5, {"handles": {"Instagram": "@Nasrin.K"}}))[0]["person_id"]
    g = ingest(client, api_headers, ev(6, {"handles": {"instagram": "nasrin.k"}}))[0]["person_id"]
    assert a == b and c == d == e and f == g
    assert len({a, c, f}) == 3
    person = client.get(f"/api/v1/people/{c}", headers=api_headers).json()
    assert person["identities"] == [{"kind": "phone", "namespace": "", "value": "+989123456789"}]


def test_event_with_two_people_merges_and_unmerge_restores(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    first = ingest(
        client,
        api_headers,
        ev(0, {"email": "ali@example.com", "name": "علی", "traits": {"segment": "vip"}}),
        ev(1, {"email": "ali@example.com"}),
    )
    second = ingest(
        client, api_headers, ev(2, {"phone": "+966501234567", "traits": {"plan": "pro"}})
    )
    a, b = first[0]["person_id"], second[0]["person_id"]
    assert a != b
    both = ingest(
        client, api_headers, ev(3, {"email": "ali@example.com", "phone": "+966501234567"})
    )
    assert both[0]["person_id"] == a  # the older profile survives
    timeline = client.get(f"/api/v1/people/{a}/timeline", headers=api_headers).json()["items"]
    assert sorted(x["external_id"] for x in timeline) == ["x0", "x1", "x2", "x3"]
    merged = client.get(f"/api/v1/people/{a}", headers=api_headers).json()
    assert {i["kind"] for i in merged["identities"]} == {"email", "phone"}
    assert merged["traits"] == {"segment": "vip", "plan": "pro"}
    # The merged profile's id keeps answering, pointing at the survivor.
    assert client.get(f"/api/v1/people/{b}", headers=api_headers).json()["id"] == a
    merges = client.get(f"/api/v1/people/{a}/merges", headers=api_headers).json()
    assert len(merges) == 1 and merges[0]["merged_id"] == b and merges[0]["moved_interactions"] == 1
    with db.reader(workspace.id) as s:
        actions = s.execute(select(AuditEvent.action)).scalars().all()
    assert "person.merge" in actions

    undo = client.post(f"/api/v1/merges/{merges[0]['id']}:undo", headers=api_headers)
    assert undo.status_code == 200, undo.text
    a_items = client.get(f"/api/v1/people/{a}/timeline", headers=api_headers).json()["items"]
    b_items = client.get(f"/api/v1/people/{b}/timeline", headers=api_headers).json()["items"]
    assert sorted(x["external_id"] for x in a_items) == ["x0", "x1", "x3"]
    assert [x["external_id"] for x in b_items] == ["x2"]
    b_person = client.get(f"/api/v1/people/{b}", headers=api_headers).json()
    assert b_person["id"] == b and b_person["identities"][0]["value"] == "+966501234567"
    assert client.get(f"/api/v1/people/{a}", headers=api_headers).json()["traits"] == {
        "segment": "vip"
    }
    # After the unmerge each identity resolves to its own person again.
    again = ingest(client, api_headers, ev(9, {"phone": "+966501234567"}))
    assert again[0]["person_id"] == b
    assert (
        client.post(f"/api/v1/merges/{merges[0]['id']}:undo", headers=api_headers).status_code
        == 422
    )
    with db.reader(workspace.id) as s:
        assert "person.unmerge" in s.execute(select(AuditEvent.action)).scalars().all()


def test_identify_endpoint_creates_then_updates(client, api_headers):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/people:identify",
        json={
            "email": "wei@example.cn",
            "name": "王伟",
            "audience": "fan",
            "traits": {"language": "zh"},
        },
        headers=api_headers,
    )
    assert r.status_code == 200 and r.json()["created"] is True
    pid = r.json()["person_id"]
    r2 = client.post(
        "/api/v1/people:identify",
        json={
            "email": "WEI@example.cn",
            "external_ids": {"shopify": 42},
            "traits": {"segment": "plus"},
        },
        headers=api_headers,
    )
    assert r2.json() == {"person_id": pid, "created": False, "merged_ids": []}
    person = client.get(f"/api/v1/people/{pid}", headers=api_headers).json()
    assert (
        person["audience"] == "fan" and person["segment"] == "plus" and person["language"] == "zh"
    )
    assert {"kind": "external_id", "namespace": "shopify", "value": "42"} in person["identities"]
    bad = client.post(
        "/api/v1/people:identify",
        json={"email": "x@example.com", "audience": "aliens"},
        headers=api_headers,
    )
    assert bad.status_code == 422 and "unknown audience" in bad.json()["error"]["message"]
    bad = client.post("/api/v1/people:identify", json={"phone": "abc"}, headers=api_headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["path"] == "phone"


def test_search_is_folded_for_arabic_persian_chinese_and_case(client, api_headers):  # type: ignore[no-untyped-def]
    people = {
        "fa": {"email": "k1@example.com", "name": "کریم یوسفی"},
        "ar": {"email": "k2@example.com", "name": "عَلِيّ الأحمد"},
        "ar2": {"email": "k3@example.com", "name": "فاطمة"},
        "zh": {"email": "k4@example.com", "name": "王小明"},
        "en": {"email": "Jane.Doe@Example.com", "name": "Jane Doe"},
        "tatweel": {"email": "k6@example.com", "name": "محـــمد"},
        "phone": {"phone": "+989121112233", "name": "Shirin"},
    }
    ids = {}
    for i, (key, person) in enumerate(people.items()):
        ids[key] = ingest(client, api_headers, ev(i, person))[0]["person_id"]

    def found(q):  # type: ignore[no-untyped-def]
        r = client.get("/api/v1/people", params={"q": q}, headers=api_headers)
        assert r.status_code == 200
        return {p["id"] for p in r.json()["items"]}

    assert ids["fa"] in found("كريم")  # Arabic kaf and yeh find Persian spelling
    assert ids["ar"] in found("علی")  # no diacritics, Persian yeh
    assert ids["ar"] in found("الاحمد")  # hamza-less alef
    assert ids["ar2"] in found("فاطمه")  # teh marbuta
    assert ids["zh"] in found("小明")
    assert ids["en"] in found("jane.doe@EXAMPLE")
    assert ids["en"] in found("DOE")
    assert ids["tatweel"] in found("محمد")
    assert ids["phone"] in found("۰۹۱۲۱۱۱۲۲۳۳")  # Persian digits, national format
    assert found("nobody-here") == set()


def test_workspace_defined_audiences_and_aliases(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    before = ingest(
        client, admin, ev(0, {"email": "a1@example.com", "audience": "alumni"}, external_id="al0")
    )
    assert (
        before[0]["status"] == "rejected"
        and "unknown audience" in before[0]["errors"][0]["message"]
    )
    assert (
        client.put(
            "/api/v1/audience-types/alumni", json={"label": "Alumni"}, headers=admin
        ).status_code
        == 200
    )
    after = ingest(client, admin, ev(1, {"email": "a1@example.com", "audience": "alumni"}))
    assert after[0]["status"] == "stored"
    fan = ingest(client, admin, ev(2, {"email": "f1@example.com", "audience": "Follower"}))[0][
        "person_id"
    ]
    assert client.get(f"/api/v1/people/{fan}", headers=admin).json()["audience"] == "fan"
    keys = {
        a["key"]: a["builtin"] for a in client.get("/api/v1/audience-types", headers=admin).json()
    }
    assert keys["alumni"] is False and keys["customer"] is True
    assert client.put("/api/v1/audience-types/customer", json={}, headers=admin).status_code == 422


def test_bulk_creation_folds_as_fold_for_search() -> None:
    """`search_fold` (bulk people creation's fold, with an ASCII shortcut) equals
    `fold_for_search` on every ASCII character and on mixed text; `value_search` equals
    `IdentityKey.search_value` for each kind."""
    from sada.people.bulk_create import search_fold, value_search
    from sada.people.identities import IdentityKey
    from sada.text.normalize import fold_for_search

    samples = [chr(c) * 2 + " x\t" + chr(c) for c in range(128)]
    samples += ["Jane  SMITH 1", "مریم احمدی", "王小明", "ＡＢＣ", "Ali\u200cReza", "ك ي ۱۲"]
    for text in samples:
        assert search_fold(text) == fold_for_search(text), repr(text)
    keys = [
        IdentityKey("email", "", "Jane.Doe@Example.com"),
        IdentityKey("phone", "", "+989121234567"),
        IdentityKey("external_id", "crm", "ID-٤٢"),
        IdentityKey("handle", "telegram", "JaneDoe"),
    ]
    for key in keys:
        assert value_search(key) == key.search_value, key
