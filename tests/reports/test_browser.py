"""Headless Chromium, in Persian: save the overview of last quarter against the quarter before
as a view from the page header, find it on the views page, schedule it weekly to a colleague,
send it now and see its status. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import PASSWORD
from tests.web.test_browser import SHOTS, _page, browser, pytestmark, site  # noqa: F401


def test_save_and_schedule_a_view_in_persian(
    site: dict[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
    _sqlite_database: Any,
) -> None:
    from sada.tenants.models import Membership, User
    from sada.tenants.service import do_add_member, do_create_user

    db = _sqlite_database
    with db.transaction() as session:
        owner = session.query(User).filter(User.email == site["email"]).one()
        ws_id = (
            session.query(Membership.workspace_id)
            .filter(Membership.user_id == owner.id)
            .execution_options(all_workspaces=True)
            .scalar()
        )
    colleague_email = "colleague-" + site["email"]
    with db.transaction(ws_id) as session:
        colleague = do_create_user(session, colleague_email, PASSWORD, name="مریم", language="fa")
        do_add_member(session, colleague, "manager")
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = site["base"]
    problems: list[str] = []
    page = _page(browser, problems, base)
    page.goto(f"{base}/login?lang=fa")
    page.fill("input[name=email]", site["email"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/overview")
    page.goto(f"{base}/overview?period=last_quarter&compare=previous_period")
    assert page.get_attribute("html", "dir") == "rtl"
    page.click("#save-view summary")
    assert page.inner_text("#save-view summary") == "ذخیرهٔ این نما"
    page.fill("#save-view input[name=name]", "فصل گذشته در برابر فصل قبل")
    page.select_option("#save-view select[name=share]", "workspace")
    page.screenshot(path=str(SHOTS / "views-save-fa.png"), full_page=True)
    page.click("#save-view button[type=submit]")
    page.wait_for_url("**/views?done=saved**")
    item = page.locator(".view-list li", has_text="فصل گذشته در برابر فصل قبل")
    assert item.count() == 1
    page.screenshot(path=str(SHOTS / "views-list-fa.png"), full_page=True)

    item.locator("a.schedule-link").click()
    page.wait_for_url("**/schedule")
    page.select_option("select[name=frequency]", "weekly")
    page.select_option("select[name=weekday]", "5")  # Saturday, the first working day in Iran
    page.fill("input[name=at_time]", "09:00")
    page.check("input[name=member] >> nth=0")
    page.locator("label.check", has_text=colleague_email).locator("input").check()
    page.fill("textarea[name=emails]", "board@example.org")
    page.select_option("select[name=email_language]", "fa")
    page.screenshot(path=str(SHOTS / "views-schedule-fa.png"), full_page=True)
    page.click("form.schedule-form button[type=submit]")
    page.wait_for_url("**/views?done=scheduled**")
    schedule = page.locator(".schedule").first
    text = schedule.inner_text()
    assert "هفتگی" in text and "شنبه" in text and "اجرای بعدی" in text
    schedule.locator("button[value=run]").click()
    page.wait_for_url("**/views?done=run**")
    assert page.locator(".schedule [data-last-status]").first.inner_text() == "در صف"
    page.screenshot(path=str(SHOTS / "views-scheduled-fa.png"), full_page=True)
    assert problems == []
