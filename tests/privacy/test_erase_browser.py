"""Headless Chromium, in Persian: an admin erases a person from the person page."""

from __future__ import annotations

import uuid
from typing import Any

from sada.db.engine import Database
from tests.browser import SHOTS, chromium, needs_chromium, served, sign_in, watched_page
from tests.web.conftest import PASSWORD, ingest, item

pytestmark = needs_chromium


def test_admin_erases_a_person_in_persian(
    sqlite_db: Database, make_workspace: Any, settings: Any
) -> None:
    from sada.app import create_app
    from sada.tenants.service import do_add_member, do_create_user

    db = sqlite_db
    ws = make_workspace(db)
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws.id) as session:
        user = do_create_user(session, email, PASSWORD, name="مدیر", language="fa")
        do_add_member(session, user, "admin")
    customer = f"forget-{uuid.uuid4().hex[:6]}@example.org"
    stored = ingest(db, ws.id, [item(1, "لطفاً اطلاعات مرا پاک کنید", person={"email": customer})])
    person_id = stored[0].person_id

    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    problems: list[str] = []
    with served(app) as base, chromium() as browser:
        page = watched_page(browser, problems)
        sign_in(page, base, email, lang="fa")
        page.goto(f"{base}/people/{person_id}?lang=fa")
        assert page.get_attribute("html", "dir") == "rtl"
        assert customer in page.content()
        page.click("#privacy-actions a.danger")
        page.wait_for_load_state()
        assert "/erase" in page.url and page.get_attribute("html", "dir") == "rtl"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "privacy-erase-fa.png"), full_page=True)
        page.check("input[name=confirm]")
        page.click("#erase-form button[type=submit]")
        page.wait_for_selector("#erased")
        assert "این فرد و همهٔ داده‌های مربوط به او پاک شد." in page.content()
        page.screenshot(path=str(SHOTS / "privacy-erased-fa.png"), full_page=True)
        response = page.goto(f"{base}/people/{person_id}?lang=fa")
        assert response is not None and response.status == 404
    assert not [p for p in problems if "404" not in p], problems
