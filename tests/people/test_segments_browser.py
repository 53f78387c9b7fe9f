"""Headless Chromium, in Persian: a manager builds a segment, sees its live count, saves it."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from sada.db.engine import Database
from tests.automation.sada_test_servers import drain_jobs
from tests.people.test_segments import _ingest, _item
from tests.web.conftest import PASSWORD

CHROMIUM = os.environ.get("SADA_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"
)


def _latin(text: str) -> str:
    return text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))


def test_manager_builds_a_segment_in_persian(
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
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not problems, problems
