"""The knowledge-base API on SQLite and PostgreSQL: create, update, workflow, revisions,
search in four scripts with typos and synonyms, the assistant, import/export, bad input."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tests.selfservice.conftest import ARTICLES


def test_create_update_and_search_in_four_languages(
    client: Any, api_headers: Any, workspace: Any
) -> None:
    for article in ARTICLES:
        response = client.post("/api/v1/kb/articles", json=article, headers=api_headers)
        assert response.status_code == 201, response.text
    again = client.post("/api/v1/kb/articles", json=ARTICLES[0], headers=api_headers)
    assert again.status_code == 409

    cases = [
        ("چطوری سفارشمو مرجوع کنم؟", "fa", "returns-window"),
        ("ابي ارجع الطلب", "ar", "returns-window"),
        ("我想退货", "zh", "returns-window"),
        ("how long does delivery take", "en", "delivery-times"),
        ("delivry times", "en", "delivery-times"),  # typo
    ]
    for q, lang, key in cases:
        body = client.get(
            "/api/v1/kb/search", params={"q": q, "lang": lang, "limit": 5}, headers=api_headers
        ).json()
        assert body["items"], (q, body)
        top = body["items"][0]
        assert (top["key"], top["lang"], top["cross_lingual"]) == (key, lang, False), (q, body)
        assert set(top) >= {"key", "lang", "title", "score", "cross_lingual"}

    # PUT with the key updates; a draft edit leaves the published text alone.
    put = client.put(
        "/api/v1/kb/articles/returns-window",
        json={
            "versions": {
                "en": {
                    "title": "Return window",
                    "body": "Returns within 45 days.",
                    "status": "draft",
                }
            }
        },
        headers=api_headers,
    )
    assert put.status_code == 200, put.text
    en = put.json()["versions"]["en"]
    assert en["status"] == "draft" and en["published"] and en["revision"] == 2
    got = client.get("/api/v1/kb/articles/returns-window", headers=api_headers).json()
    assert got["versions"]["en"]["body"] == "Returns within 45 days."
    status = client.post(
        "/api/v1/kb/articles/returns-window/versions/en/status",
        json={"status": "published"},
        headers=api_headers,
    )
    assert status.status_code == 200 and status.json()["published_title"] == "Return window"
    revisions = client.get(
        "/api/v1/kb/articles/returns-window/versions/en/revisions", headers=api_headers
    ).json()
    assert [r["number"] for r in revisions["items"]][:2] == [2, 2] or len(revisions["items"]) >= 2

    # PUT on the collection with the body's key: create or update.
    created = client.put(
        "/api/v1/kb/articles",
        json={
            "key": "store-hours",
            "category": "stores",
            "status": "published",
            "versions": {"fa": {"title": "ساعت کاری", "body": "هر روز ۹ تا ۲۲."}},
        },
        headers=api_headers,
    )
    assert created.status_code == 201
    updated = client.put(
        "/api/v1/kb/articles",
        json={
            "key": "store-hours",
            "category": "stores",
            "status": "published",
            "versions": {"fa": {"title": "ساعت کاری فروشگاه", "body": "هر روز ۹ تا ۲۳."}},
        },
        headers=api_headers,
    )
    assert updated.status_code == 200
    assert updated.json()["versions"]["fa"]["published_title"] == "ساعت کاری فروشگاه"


def test_bad_input_is_refused_per_field(client: Any, api_headers: Any) -> None:
    bad = client.post(
        "/api/v1/kb/articles",
        json={"key": "Bad Key", "versions": {"xx": {"title": "t"}, "fa": {"title": ""}}},
        headers=api_headers,
    )
    assert bad.status_code == 422
    paths = {d["path"] for d in bad.json()["error"]["details"]}
    assert "key" in paths and "versions.fa.title" in paths
    missing = client.put("/api/v1/kb/articles/nope", json={"category": "x"}, headers=api_headers)
    assert missing.status_code == 404
    related = client.post(
        "/api/v1/kb/articles",
        json={"key": "a", "related": ["does-not-exist"], "versions": {"en": {"title": "A"}}},
        headers=api_headers,
    )
    assert related.status_code == 422
    assert (
        client.get(
            "/api/v1/kb/search", params={"q": "x", "lang": "de"}, headers=api_headers
        ).status_code
        == 422
    )
    assert client.get("/api/v1/kb/search", params={"q": "x"}).status_code == 401
    assert (
        client.post(
            "/api/v1/assistant/ask", json={"question": "  "}, headers=api_headers
        ).status_code
        == 422
    )


def test_assistant_answers_with_citation_or_hands_off(
    client: Any, api_headers: Any, help_centre: Any
) -> None:
    answer = client.post(
        "/api/v1/assistant/ask",
        json={"question": "چند روزه سفارش میرسه؟ زمان ارسال چقدره", "lang": "fa"},
        headers=api_headers,
    ).json()
    assert answer["handoff"] is False, answer
    assert (
        answer["citations"][0]["key"] == "delivery-times" and answer["citations"][0]["lang"] == "fa"
    )
    assert "۱ تا ۲ روزه" in answer["answer"]
    detected = client.post(
        "/api/v1/assistant/ask", json={"question": "退货期限是多少天？"}, headers=api_headers
    ).json()
    assert detected["lang"] == "zh" and detected["citations"][0]["key"] == "returns-window"
    for question, reason in [
        ("I want to talk to a human", "human_requested"),
        ("عندي شكوى على المندوب", "complaint"),
        ("لغو اشتراک من را انجام دهید", "cancellation"),
        ("修改账户绑定的手机号", "account_change"),
        ("Do you sell second-hand cars?", "low_confidence"),
    ]:
        out = client.post(
            "/api/v1/assistant/ask", json={"question": question}, headers=api_headers
        ).json()
        assert out["handoff"] is True and out["reason"] == reason and out["answer"] is None, (
            question,
            out,
        )
    measures = client.get("/api/v1/kb/measures", headers=api_headers).json()
    assert measures["assistant"]["questions"] == 7
    assert measures["assistant"]["handoff_reasons"]["low_confidence"] == 1
    assert "en" in measures["unanswered"]


def test_synonyms_import_and_export(client: Any, api_headers: Any, help_centre: Any) -> None:
    before = client.get(
        "/api/v1/kb/search", params={"q": "vouchers", "lang": "en"}, headers=api_headers
    ).json()
    assert not before["good"] and all(
        i["key"] != "gift-cards" or i["score"] < 0.1 for i in before["items"]
    )
    client.put(
        "/api/v1/kb/synonyms",
        json={"lang": "en", "groups": [["voucher", "gift card"]]},
        headers=api_headers,
    )
    after = client.get(
        "/api/v1/kb/search", params={"q": "vouchers", "lang": "en"}, headers=api_headers
    ).json()
    assert after["items"][0]["key"] == "gift-cards" and after["items"][0]["score"] > 0.3

    exported = client.get("/api/v1/kb/export", headers=api_headers).json()
    assert {a["key"] for a in exported["articles"]} == {
        "returns-window",
        "delivery-times",
        "gift-cards",
    }
    archive = client.get("/api/v1/kb/export", params={"format": "markdown"}, headers=api_headers)
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "returns-window.fa.md" in names and "gift-cards.en.md" in names

    # Re-import the archive with one file changed and one broken article in JSON.
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive.content)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for name in src.namelist():
            text = src.read(name).decode()
            if name == "gift-cards.en.md":
                text = text.replace("two years", "three years")
            dst.writestr(name, text)
    result = client.post(
        "/api/v1/kb/import",
        content=buffer.getvalue(),
        headers={**api_headers, "Content-Type": "application/zip"},
    ).json()
    assert {r["status"] for r in result["results"]} == {"updated"}
    got = client.get("/api/v1/kb/articles/gift-cards", headers=api_headers).json()
    assert "three years" in got["versions"]["en"]["body"]
    mixed = client.post(
        "/api/v1/kb/import",
        json={
            "articles": [
                {"key": "ok-one", "versions": {"en": {"title": "OK"}}},
                {"key": "BAD", "versions": {}},
            ]
        },
        headers=api_headers,
    ).json()["results"]
    assert mixed[0]["status"] == "created" and mixed[1]["status"] == "rejected"
    assert any(e["path"].startswith("articles[1]") for e in mixed[1]["errors"])


def test_attachments_are_served_with_safe_types(
    client: Any, api_headers: Any, help_centre: Any
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    up = client.post(
        "/api/v1/kb/attachments",
        files={"file": ("logo.png", png, "text/html")},
        headers=api_headers,
    )
    assert up.status_code == 201 and up.json()["content_type"] == "image/png"
    served = client.get(up.json()["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    up2 = client.post(
        "/api/v1/kb/attachments",
        files={"file": ("x.svg", svg, "image/svg+xml")},
        headers=api_headers,
    )
    served2 = client.get(up2.json()["url"])
    assert served2.headers["content-type"] == "application/octet-stream"
    assert served2.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in served2.headers["content-security-policy"]
