"""Security headers, no external hosts, and escaping of user text on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import csrf_of, ingest, item
from tests.web.xss import PAYLOADS, WRAPPERS

LANGS = ["en", "ar", "fa", "zh"]
PAGES = [
    "/overview",
    "/feedback",
    "/people",
    "/surveys",
    "/surveys/new",
    "/settings",
    "/settings/users",
    "/settings/api-keys",
    "/settings/touchpoints",
    "/settings/audit",
    "/account",
]


def test_every_answer_has_a_strict_content_security_policy(login: Any) -> None:
    client = login("owner")
    for path in ["/login", "/overview", "/static/app.css", "/fonts.css"]:
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/overview").headers["cache-control"] == "no-store"


_URL = re.compile(r"""(?:src|href|action|url\()\s*=?\s*["']?\s*((?:https?:)?//[^"')\s>]+)""", re.I)


def _external(text: str) -> list[str]:
    return [
        u
        for u in _URL.findall(text)
        if "127.0.0.1" not in u and "testserver" not in u and "w3.org/2000/svg" not in u
    ]


def test_no_page_or_asset_references_an_external_host(db: Any, workspace: Any, login: Any) -> None:
    ingest(db, workspace.id, [item(1, "hello https://example.com/look here")])
    client = login("owner")
    seen_assets: set[str] = set()
    for lang in LANGS:
        for path in ["/login", *PAGES]:
            html = client.get(f"{path}?lang={lang}").text
            assert _external(html) == [], (path, lang, _external(html))
            seen_assets.update(re.findall(r'(?:href|src)="(/(?:static|fonts)[^"]+)"', html))
    assert any("app.css" in a for a in seen_assets) and any("app.js" in a for a in seen_assets)
    docs = client.get("/api/docs").text
    assert _external(docs) == [], _external(docs)
    for asset in [*seen_assets, "/fonts.css"]:
        body = client.get(asset).text
        assert _external(body) == [], (asset, _external(body))
    # Font files come from Sada itself.
    css = client.get("/fonts.css").text
    for font in re.findall(r'url\("(/fonts/[^"]+)"\)', css):
        response = client.get(font)
        assert response.status_code == 200 and len(response.content) > 10_000


def _hostile_text(lang: str) -> str:
    return " ".join(WRAPPERS[lang].format(p) for p in PAYLOADS)


def _assert_escaped(html: str) -> None:
    for needle in [
        "<script>window.__xss",
        "<img src=x",
        "<svg onload",
        "<iframe",
        "<body onpageshow",
        "<details open",
        "<b onmouseover",
        '<a href="javascript:',
    ]:
        assert needle not in html, needle


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_user_text_is_escaped_on_every_page(
    db: Any, workspace: Any, login: Any, lang: str
) -> None:
    hostile = _hostile_text(lang)
    results = ingest(
        db,
        workspace.id,
        [
            item(
                1,
                hostile,
                subject=PAYLOADS[0],
                touchpoint="checkout",
                person={
                    "email": "x@example.com",
                    "name": PAYLOADS[1],
                    "traits": {"segment": PAYLOADS[2], PAYLOADS[3][:90]: PAYLOADS[4]},
                },
            ),
        ],
    )
    person_id = results[0].person_id
    client = login("owner")
    page = client.get("/settings/api-keys")
    client.post(
        "/settings/api-keys",
        data={"name": PAYLOADS[2], "scopes": "read", "csrf": csrf_of(page.text)},
    )
    paths = [
        *PAGES,
        f"/people/{person_id}",
        "/feedback?q=" + PAYLOADS[0],
        "/people?q=" + PAYLOADS[1],
        f"/people/{person_id}/merge?other={person_id}",
    ]
    for path in paths:
        response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert response.status_code == 200, path
        _assert_escaped(response.text)
    person_html = client.get(f"/people/{person_id}?lang={lang}").text
    assert "&lt;script&gt;window.__xss(&#39;script&#39;)&lt;/script&gt;" in person_html
