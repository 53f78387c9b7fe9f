from __future__ import annotations


def item(i: int, **over):  # type: ignore[no-untyped-def]
    base = {
        "source": "shop",
        "external_id": f"e{i}",
        "occurred_at": "2026-05-01T10:00:00+03:30",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": "سلام، سفارشم دیر رسید",
        "person": {"email": f"User{i}@Example.com"},
    }
    base.update(over)
    return base


def test_batch_stores_and_replays(client, api_headers):  # type: ignore[no-untyped-def]
    body = {"items": [item(1), item(2)]}
    first = client.post("/api/v1/interactions:batch", json=body, headers=api_headers)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["stored", "stored"]
    again = client.post("/api/v1/interactions:batch", json=body, headers=api_headers)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert again.json()["results"][0]["id"] == first.json()["results"][0]["id"]
