"""Headless Chromium, in Arabic: a manager sends a survey to a segment from its distribution card."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from sada.db.engine import Database
from tests.feedback.test_segment_invitations import _invitations, _people, _survey
from tests.people.test_segments_browser import CHROMIUM, SHOTS, _latin, pytestmark  # noqa: F401
from tests.web.conftest import PASSWORD


def test_manager_sends_a_survey_to_a_segment_in_arabic(
    sqlite_db: Database, make_workspace: Any, settings: Any
) -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from sada.app import create_app
    from sada.tenants.service import do_add_member, do_create_user
    from tests.web.test_browser import _free_port

    db = sqlite_db
    ws = make_workspace(db)
    email = f"manager-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws.id) as session:
        user = do_create_user(session, email, PASSWORD, name="مدير", language="ar")
        do_add_member(session, user, "manager")
    _people(db, ws.id)
    survey_id = _survey(db, ws.id)

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
            page.goto(f"{base}/login?lang=ar")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{base}/surveys/{survey_id}")
            assert page.get_attribute("html", "dir") == "rtl"
            option = page.locator("#segment-invite select[name=segment] option").first
            assert _latin(option.text_content() or "").count("5") == 1  # the member count
            page.select_option("#segment-invite select[name=segment]", "gold")
            page.select_option("#segment-invite select[name=channel]", "email")
            page.click("#segment-invite button[type=submit]")
            page.wait_for_load_state()
            status = _latin(page.text_content("#segment-sent") or "")
            assert "3" in status and "5" in status and "الشريحة" in status, status
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "survey-segment-invite-ar.png"), full_page=True)
            # Sending again invites nobody twice.
            page.click("#segment-invite button[type=submit]")
            page.wait_for_load_state()
            assert "invited=0" in page.url and "already=3" in page.url
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not problems, problems
    assert len([r for r in _invitations(db, ws.id, survey_id) if r.status == "pending"]) == 3
