"""Headless Chromium, in Persian: a manager builds a segment, sees its live count, saves it."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sada.db.engine import Database
from tests.automation.sada_test_servers import drain_jobs
from tests.browser import SHOTS, chromium, needs_chromium, served, sign_in, watched_page
from tests.people.test_segments import _ingest, _item
from tests.web.conftest import PASSWORD

pytestmark = needs_chromium


def _latin(text: str) -> str:
    return text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))


def test_manager_builds_a_segment_in_persian(
    sqlite_db: Database, make_workspace: Any, settings: Any
) -> None:
    from sada.app import create_app
    from sada.tenants.service import do_add_member, do_create_user

    db = sqlite_db
    ws = make_workspace(db)
    email = f"manager-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws.id) as session:
        user = do_create_user(session, email, PASSWORD, name="مدیر", language="fa")
        do_add_member(session, user, "manager")
    tag = uuid.uuid4().hex[:6]
    for n in range(3):
        plan = "طلایی" if n < 2 else "نقره‌ای"
        _ingest(
            db,
            ws.id,
            [
                _item(
                    "",
                    1,
                    person={
                        "email": f"b{n}-{tag}@example.com",
                        "name": f"مشتری {n}",
                        "traits": {"plan": plan},
                    },
                )
            ],
        )

    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    problems: list[str] = []
    with served(app) as base, chromium() as browser:
        page = watched_page(browser, problems)
        sign_in(page, base, email, lang="fa")
        page.goto(f"{base}/segments?lang=fa")
        assert page.get_attribute("html", "dir") == "rtl"
        page.click("#new-segment")
        page.wait_for_load_state()
        assert "/segments/new" in page.url
        # The script shows only the inputs of the condition's type.
        assert page.is_hidden("input[name=c0-event]")
        # Everyone at first (an empty condition list is all people) ...
        page.fill("input[name=key]", "gold-fa")
        page.fill("input[name=name_fa]", "مشتریان طلایی")
        page.fill("input[name=c0-field]", "traits.plan")
        page.fill("input[name=c0-value]", "طلایی")
        # ... then the live count follows the edit (in the user's digits).
        count_text = ""
        waited = time.monotonic() + 15
        while "2" not in _latin(count_text) and time.monotonic() < waited:
            page.wait_for_timeout(200)
            count_text = page.text_content("#preview-count") or ""
        assert _latin(count_text).startswith("2 "), count_text
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "segment-builder-fa.png"), full_page=True)
        page.click("#add-condition")
        page.wait_for_load_state()
        assert page.locator(".condition").count() == 2
        page.select_option("select[name=c1-type]", "audience")
        assert page.is_visible("input[name=c1-value]")
        page.fill("input[name=c1-value]", "customer")
        page.click("#save-segment")
        page.wait_for_load_state()
        assert "/segments/gold-fa" in page.url
        drain_jobs(db, ws.id, kinds=["segments.refresh"])
        page.reload()
        assert _latin(page.text_content("#member-count") or "").strip() == "2"
        page.screenshot(path=str(SHOTS / "segment-saved-fa.png"), full_page=True)
    assert not problems, problems
