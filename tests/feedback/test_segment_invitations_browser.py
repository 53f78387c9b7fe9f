"""Headless Chromium, in Arabic: a manager sends a survey to a segment from its distribution card."""

from __future__ import annotations

import uuid
from typing import Any

from sada.db.engine import Database
from tests.browser import SHOTS, chromium, needs_chromium, served, sign_in, watched_page
from tests.feedback.test_segment_invitations import _invitations, _people, _survey
from tests.people.test_segments_browser import _latin
from tests.web.conftest import PASSWORD

pytestmark = needs_chromium


def test_manager_sends_a_survey_to_a_segment_in_arabic(
    sqlite_db: Database, make_workspace: Any, settings: Any
) -> None:
    from sada.app import create_app
    from sada.tenants.service import do_add_member, do_create_user

    db = sqlite_db
    ws = make_workspace(db)
    email = f"manager-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws.id) as session:
        user = do_create_user(session, email, PASSWORD, name="مدير", language="ar")
        do_add_member(session, user, "manager")
    _people(db, ws.id)
    survey_id = _survey(db, ws.id)

    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    problems: list[str] = []
    with served(app) as base, chromium() as browser:
        page = watched_page(browser, problems)
        sign_in(page, base, email, lang="ar")
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
    assert not problems, problems
    assert len([r for r in _invitations(db, ws.id, survey_id) if r.status == "pending"]) == 3
