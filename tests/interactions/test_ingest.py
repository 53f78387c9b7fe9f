"""Ingest API: per-item results, bad input of every kind, limits, auth, idempotency."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sada.interactions.models import Interaction

URL = "/api/v1/interactions:batch?wait=true"


def item(i: int, **over):  # type: ignore[no-untyped-def]
    base = {
        "source": "shop",
        "external_id": f"e{i}",
        "occurred_at": "2026-05-01T10:00:00+03:30",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": "The courier was late again",
        "person": {"email": f"user{i}@example.com"},
    }
    base.update(over)
    return base


def count(db, workspace) -> int:  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as s:
        return s.execute(select(func.count()).select_from(Interaction)).scalar_one()


def test_good_items_stored_bad_items_rejected_with_paths(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    items = [
        item(0, text="سفارشم دیر رسید 😡 ولی کیفیت عالی بود"),
        item(1, channel="carrier-pigeon"),
        item(2, occurred_at="2026-05-01T10:00:00"),
        item(3, rating=11, rating_scale="nps"),
        item(4, colour="blue"),
        item(5, person={"email": "not-an-email"}),
        item(6, person={"phone": "12"}),
        {k: v for k, v in item(7).items() if k != "source"},
        item(8, text="快递太慢了，客服态度也不好"),
        item(9, text="التوصيل تأخر كثيراً"),
        item(10, rating=4, rating_scale=None),
        "not an object",
        item(12, text="x\x00y"),
        item(13, person={"email": "a@example.com", "handles": {"Bad Network!": "x"}}),
        item(14, text="", person={"phone": "+98 ۹۱۲ ۳۴۵ ۶۷۸۹"}),
    ]
    r = client.post(URL, json={"items": items}, headers=api_headers)
    assert r.status_code == 207, r.text
    res = {x["index"]: x for x in r.json()["results"]}
    assert [res[i]["status"] for i in (0, 8, 9, 14)] == ["stored"] * 4
    expected = {
        1: ("items[1].channel", "unknown channel"),
        2: ("items[2].occurred_at", "timezone"),
        3: ("items[3].rating", "outside nps range 0-10"),
        4: ("items[4].colour", "unknown field"),
        5: ("items[5].person.email", "not a valid email"),
        6: ("items[6].person.phone", "phone"),
        7: ("items[7].source", "field required"),
        10: ("items[10].rating_scale", "required when rating"),
        11: ("items[11]", "expected an object"),
        12: ("items[12].text", "NUL"),
        13: ("items[13].person.handles.Bad Network!", "network must be"),
    }
    for index, (path, fragment) in expected.items():
        assert res[index]["status"] == "rejected", (index, res[index])
        errors = res[index]["errors"]
        assert any(
            e["path"] == path and fragment.lower() in e["message"].lower() for e in errors
        ), (index, errors)
    assert count(db, workspace) == 4
    body = r.json()
    assert (body["stored"], body["rejected"]) == (4, 11)


def test_replay_stores_nothing_twice_and_in_batch_duplicates(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    batch = {"items": [item(1), item(2), item(1)]}
    first = client.post(URL, json=batch, headers=api_headers).json()["results"]
    assert [r["status"] for r in first] == ["stored", "stored", "duplicate"]
    second = client.post(URL, json=batch, headers=api_headers).json()["results"]
    assert [r["status"] for r in second] == ["duplicate"] * 3
    assert second[0]["id"] == first[0]["id"]
    assert count(db, workspace) == 2


def test_text_over_64kb_rejected_with_index_not_truncated(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    big = "ب" * 40_000  # 80,000 bytes in UTF-8
    r = client.post(URL, json={"items": [item(0), item(1, text=big)]}, headers=api_headers)
    res = r.json()["results"]
    assert res[0]["status"] == "stored"
    assert res[1]["status"] == "rejected"
    assert res[1]["errors"][0]["path"] == "items[1].text"
    assert (
        "80,000 bytes" in res[1]["errors"][0]["message"]
        and "65,536" in res[1]["errors"][0]["message"]
    )
    assert count(db, workspace) == 1


def test_text_exactly_at_limit_is_kept_whole(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    text = "a" * 65_536
    r = client.post(URL, json={"items": [item(0, text=text)]}, headers=api_headers)
    assert r.json()["results"][0]["status"] == "stored"
    with db.reader(workspace.id) as s:
        assert len(s.execute(select(Interaction.text)).scalar_one()) == 65_536


def test_oversized_body_413_with_limit(client, api_headers, app):  # type: ignore[no-untyped-def]
    limit = app.state.services.settings.max_body_bytes
    payload = json.dumps({"items": [item(i, text="x" * 60_000) for i in range(100)]})
    r = client.post(
        URL, content=payload, headers={**api_headers, "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert f"{limit:,}" in r.json()["error"]["message"]


def test_too_many_items(client, api_headers):  # type: ignore[no-untyped-def]
    r = client.post(
        URL, json={"items": [item(i, text=None) for i in range(1001)]}, headers=api_headers
    )
    assert r.status_code == 422
    assert "1,000" in r.json()["error"]["message"]


def test_invalid_json_and_invalid_unicode(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    r = client.post(
        URL, content=b'{"items": [', headers={**api_headers, "content-type": "application/json"}
    )
    assert r.status_code == 422 and "not valid JSON" in r.json()["error"]["message"]
    r = client.post(
        URL,
        content=b'{"items": []}\xff',
        headers={**api_headers, "content-type": "application/json"},
    )
    assert r.status_code == 422
    # A lone surrogate is legal JSON escape syntax but invalid Unicode: only that item is rejected.
    bad = json.dumps(item(1)).replace("The courier", "\\ud800 courier")
    raw = f'{{"items": [{json.dumps(item(0))}, {bad}]}}'
    r = client.post(
        URL, content=raw.encode(), headers={**api_headers, "content-type": "application/json"}
    )
    res = r.json()["results"]
    assert res[0]["status"] == "stored" and res[1]["status"] == "rejected"
    assert "surrogate" in res[1]["errors"][0]["message"]


def test_auth_scopes_revocation_and_rate_limit(client, db, workspace, make_key, app):  # type: ignore[no-untyped-def]
    assert client.post(URL, json={"items": []}).status_code == 401
    assert (
        client.post(
            URL, json={"items": []}, headers={"Authorization": "Bearer sada_nope_nope"}
        ).status_code
        == 401
    )
    read_only = make_key(db, workspace.id, "read")
    r = client.post(
        URL, json={"items": [item(0)]}, headers={"Authorization": f"Bearer {read_only}"}
    )
    assert r.status_code == 403
    key = make_key(db, workspace.id, "write")
    from sada.tenants.models import ApiKey
    from sada.tenants.service import do_revoke_api_key

    with db.transaction(workspace.id) as s:
        key_id = s.execute(select(ApiKey.id).order_by(ApiKey.id.desc())).scalars().first()
        do_revoke_api_key(s, key_id)
    r = client.post(URL, json={"items": [item(0)]}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]

    from sada.core.ratelimit import RateLimiter

    app.state.services.api_limiter = RateLimiter(rate_per_second=0.5, burst=2)
    fresh = make_key(db, workspace.id, "read")
    headers = {"Authorization": f"Bearer {fresh}"}
    codes = [client.get("/api/v1/workspace", headers=headers) for _ in range(3)]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert int(codes[2].headers["retry-after"]) >= 1


def test_key_last_used_is_recorded(client, db, workspace, make_key):  # type: ignore[no-untyped-def]
    from sada.tenants.models import ApiKey

    key = make_key(db, workspace.id, "read")
    client.get("/api/v1/workspace", headers={"Authorization": f"Bearer {key}"})
    with db.reader(workspace.id) as s:
        last = s.execute(select(ApiKey.last_used_at).order_by(ApiKey.id.desc())).scalars().first()
    assert last is not None


@pytest.mark.parametrize(
    "text", ["", "🙂🙂🙂", "مرسی from Tehran, the app is great", "繁體中文測試，简体中文测试"]
)
def test_edge_texts_are_stored_verbatim(client, api_headers, db, workspace, text):  # type: ignore[no-untyped-def]
    r = client.post(URL, json={"items": [item(0, text=text)]}, headers=api_headers)
    assert r.json()["results"][0]["status"] == "stored"
    with db.reader(workspace.id) as s:
        assert s.execute(select(Interaction.text)).scalar_one() == text


def test_touchpoints_registered_and_timeline_paginates(client, api_headers):  # type: ignore[no-untyped-def]
    items = [
        item(
            i,
            occurred_at=f"2026-05-{i + 1:02d}T10:00:00Z",
            touchpoint="Delivery" if i % 2 else "checkout",
            channel="chat" if i % 3 else "whatsapp",
            person={"email": "same@example.com"},
        )
        for i in range(7)
    ]
    results = client.post(URL, json={"items": items}, headers=api_headers).json()["results"]
    person_id = results[0]["person_id"]
    assert {r["person_id"] for r in results} == {person_id}
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(
            f"/api/v1/people/{person_id}/timeline", params=params, headers=api_headers
        ).json()
        seen += [x["external_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"e{i}" for i in range(6, -1, -1)]
    only = client.get(
        f"/api/v1/people/{person_id}/timeline", params={"channel": "whatsapp"}, headers=api_headers
    ).json()
    assert [x["external_id"] for x in only["items"]] == ["e6", "e3", "e0"]
    since = client.get(
        f"/api/v1/people/{person_id}/timeline",
        params={"since": "2026-05-05T00:00:00Z"},
        headers=api_headers,
    ).json()
    assert [x["external_id"] for x in since["items"]] == ["e6", "e5", "e4"]
    tps = {t["key"] for t in client.get("/api/v1/touchpoints", headers=api_headers).json()}
    assert {"delivery", "checkout"} <= tps
    assert (
        client.get(
            f"/api/v1/people/{person_id}/timeline", params={"cursor": "!!bad"}, headers=api_headers
        ).status_code
        == 422
    )


def test_jobs_enqueued_in_same_transaction(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    from sada.jobs.models import Job
    from sada.jobs.registry import subscriptions

    # Live subscribers with something to do in this workspace (`handler(..., wanted=...)`:
    # no fan-out without a webhook, no segment update without a segment...).
    with db.reader(workspace.id) as s:
        kinds = [
            sub.kind
            for sub in subscriptions("interaction.ingested")
            if sub.wants(s, "interaction.ingested", True)
        ]
    assert "text.analyze" in kinds and "webhooks.fanout" not in kinds
    recent = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    client.post(
        URL,
        json={"items": [item(0, occurred_at=recent), item(1, occurred_at=recent)]},
        headers=api_headers,
    )
    with db.reader() as s:
        jobs = s.execute(select(Job).where(Job.workspace_id == workspace.id)).scalars().all()
    assert sorted(j.kind for j in jobs) == sorted(kinds)
    for job in jobs:
        assert len(job.payload["interaction_ids"]) == 2
        assert job.payload["event"] == "interaction.ingested" and job.payload["live"] is True


def test_duplicate_item_creates_no_person(client, api_headers, db, workspace):  # type: ignore[no-untyped-def]
    """A resent item is a duplicate: a new identity in its person reference creates nobody
    (on PostgreSQL new people are created before the batch; duplicates are left out)."""
    from sada.people.models import Person

    assert client.post(URL, json={"items": [item(7)]}, headers=api_headers).status_code == 200
    again = item(7, person={"email": "somebody-else@example.com"})
    r = client.post(URL, json={"items": [again]}, headers=api_headers)
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == "duplicate"
    # repeated within one batch: the second copy is the duplicate
    twice = [item(8), item(8, person={"email": "a-third-one@example.com"})]
    r = client.post(URL, json={"items": twice}, headers=api_headers)
    assert [x["status"] for x in r.json()["results"]] == ["stored", "duplicate"], r.text
    with db.reader(workspace.id) as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == 2
