"""Headless Chromium: the listening pages in four languages (RTL for Arabic and Persian, no
console errors, no request leaving the site), and from a post to an inbox conversation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser import SHOTS, needs_chromium, served
from tests.web.conftest import PASSWORD
from tests.web.test_browser import _page, browser  # noqa: F401 - the shared browser fixture

pytestmark = needs_chromium
LANGS = ["en", "ar", "fa", "zh"]


@pytest.fixture(scope="module")
def listening_site(_sqlite_database: Any) -> Iterator[dict[str, Any]]:
    from sada.app import create_app
    from sada.listening import service, sources
    from sada.settings import Settings
    from sada.tenants.service import do_add_member, do_create_user, do_create_workspace

    db = _sqlite_database
    suffix = str(time.time_ns())[-8:]
    with db.transaction() as session:
        ws = do_create_workspace(session, f"listening-browser-{suffix}")
    email = f"manager-{suffix}@example.com"
    now = datetime.now(UTC)
    texts = [
        ("fa", "پیک <b>اسنپ فود</b> خیلی دیر رسید، افتضاح"),
        ("ar", "طلبات وصل الطلب بسرعة، ممتاز"),
        ("zh", "美团的配送太慢了"),
        ("en", "Snappfood food was tasty but Talabat was late"),
    ]
    items = [
        sources.post_item(network="x", post_id=f"b{i}-{k}", text=text, language=lang,
                          at=now - timedelta(hours=k * 7 + i), handle=f"u{i}", followers=100 * i)
        for k in range(12) for i, (lang, text) in enumerate(texts)
    ]  # fmt: skip
    with db.transaction(ws.id) as session:
        user = do_create_user(session, email, PASSWORD, name="Manager")
        do_add_member(session, user, "manager")
        for data in (
            {"name": "Snappfood", "kind": "own", "aliases": ["اسنپ فود"]},
            {"name": "Talabat", "kind": "competitor", "aliases": ["طلبات"]},
            {"name": "Meituan", "kind": "competitor", "aliases": ["美团"]},
        ):
            service.do_create_brand(session, data)
        service.ingest_posts(session, items)
    settings = Settings(environment="test", database_url="sqlite:///unused.db",
                        base_url="http://127.0.0.1")  # fmt: skip
    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    with served(app) as base:
        yield {"base": base, "email": email}


def test_listening_pages_in_four_languages_and_reply_path(
    listening_site: dict[str, Any],
    browser: Any,  # noqa: F811 - the fixture imported above
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = listening_site["base"]
    problems: list[str] = []
    page = _page(browser, problems, base)
    page.set_default_timeout(60_000)
    page.goto(f"{base}/login?lang=en")
    page.fill("input[name=email]", listening_site["email"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/overview")
    for lang in LANGS:
        for name, path in (
            ("listening", "/listening?days=30"),
            ("listening-compare", "/listening/compare?days=30"),
            ("listening-posts", "/listening/posts?sentiment=negative"),
        ):
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{base}{path}{sep}lang={lang}")
            assert response is not None and response.status == 200, (name, lang)
            expected = "rtl" if lang in ("ar", "fa") else "ltr"
            assert page.get_attribute("html", "dir") == expected, (name, lang)
            page.screenshot(path=str(SHOTS / f"{name}-{lang}.png"), full_page=True)
    page.goto(f"{base}/listening?days=30&lang=fa")
    assert page.locator("#brands tbody tr").count() == 3
    assert page.locator("nav.main-nav a[href='/listening']").count() == 1
    page.goto(f"{base}/listening/posts?sentiment=negative&lang=en")
    post = page.locator("li.post", has_text="اسنپ فود").first
    assert "<b>" in post.inner_text()  # user text shown as text, never as markup
    post.locator("button.open-conversation").click()
    page.wait_for_url(f"{base}/inbox/*")
    assert "اسنپ فود" in page.content()
    assert problems == []
