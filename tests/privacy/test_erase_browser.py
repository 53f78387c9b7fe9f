"""Headless Chromium, in Persian: an admin erases a person from the person page."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from sada.db.engine import Database
from tests.web.conftest import PASSWORD, ingest, item

CHROMIUM = os.environ.get("SADA_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"
)


def test_admin_erases_a_person_in_persian(
    sqlite_db: Database, make_workspace: Any, settings: Any
) -> None:
    import threading
    import time

    import uvicorn
    from playwright.sync_api import sync_playwright

    from sada.app import create_app
    from sada.tenants.service import do_add_member, do_create_user
    from tests.web.test_browser import _free_port

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
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    problems: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type == "error" else None,
            )
            page.goto(f"{base}/login?lang=fa")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
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
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not [p for p in problems if "404" not in p], problems
