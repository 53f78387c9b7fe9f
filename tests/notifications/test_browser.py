"""Headless Chromium, in Arabic: the bell in the header shows the unread count; clicking it
opens the notification centre (right to left), and marking all read empties the bell."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import SHOTS, needs_chromium, served
from tests.web.conftest import PASSWORD
from tests.web.test_browser import _page, browser  # noqa: F401 - the shared browser fixture

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def bell_site(_sqlite_database: Any) -> Iterator[dict[str, Any]]:
    from sada.app import create_app
    from sada.notifications import service
    from sada.settings import Settings
    from sada.tenants.service import do_add_member, do_create_user, do_create_workspace

    db = _sqlite_database
    suffix = str(time.time_ns())[-8:]
    with db.transaction() as session:
        ws = do_create_workspace(session, f"bell-browser-{suffix}")
    email = f"agent-{suffix}@example.com"
    with db.transaction(ws.id) as session:
        user = do_create_user(session, email, PASSWORD, name="Agent", language="ar")
        do_add_member(session, user, "agent")
        service.mentioned(session, [user.id], note_id=1, author="سارة", body="تابعي الطلب",
                          case_id=1)  # fmt: skip
        service.assigned(session, user.id, actor="سارة", conversation_id=7)
    settings = Settings(environment="test", database_url="sqlite:///unused.db",
                        base_url="http://127.0.0.1")  # fmt: skip
    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    with served(app) as base:
        yield {"base": base, "email": email}


def test_bell_in_arabic(bell_site: dict[str, Any], browser: Any) -> None:  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = bell_site["base"]
    problems: list[str] = []
    page = _page(browser, problems, base)
    page.set_default_timeout(60_000)
    page.goto(f"{base}/login?lang=ar")
    page.fill("input[name=email]", bell_site["email"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()
    page.goto(f"{base}/account?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("#bell .badge").inner_text() in ("2", "٢")
    page.click("#bell")
    page.wait_for_url(f"{base}/notifications")
    assert page.locator("h1").inner_text() == "الإشعارات"
    items = page.locator("li.notification.unread")
    assert items.count() == 2
    assert "أشار إليك" in page.content() and "سارة" in page.content()
    page.screenshot(path=str(SHOTS / "notifications-ar.png"), full_page=True)
    page.click("form:has(input[name=all]) button")
    page.wait_for_url(f"{base}/notifications")
    assert page.locator("li.notification.unread").count() == 0
    assert page.locator("#bell .badge").count() == 0
    assert problems == []
