"""Headless Chromium on the team settings page: an Arabic-speaking admin gives a team split
shifts and a holiday, and an overlapping shift is refused naming the day, in Arabic (RTL)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from sada.cases.models import Team
from tests.cases.test_workspace_browser import (  # noqa: F401  (fixtures)
    _shot,
    _signed_in,
    _user,
    browser,
    pytestmark,
    site,
)


def test_admin_sets_split_shifts_in_the_browser(site: dict[str, Any], browser: Any) -> None:  # noqa: F811
    _admin_id, admin = _user(site["db"], site["ws"], "admin", "هالة", "ar")
    problems: list[str] = []
    page = _signed_in(browser, site, admin, problems)
    page.goto(f"{site['base']}/settings")
    assert page.get_attribute("html", "dir") == "rtl"
    page.click("nav.subnav a[href='/settings/teams']")
    page.wait_for_url(f"{site['base']}/settings/teams")
    name = f"فريق الرياض {uuid.uuid4().hex[:4]}"
    page.fill("input[name=name]", name)
    page.fill("input[name=timezone]", "Asia/Riyadh")
    for day in (6, 0, 1, 2):  # Sunday to Wednesday: two shifts with a break
        page.fill(f"input[name=shifts_{day}]", "08:00-12:00, 13:00-17:00")
    page.fill("input[name=shifts_3]", "08:00-12:00")
    for day in (4, 5):  # Friday-Saturday weekend
        page.fill(f"input[name=shifts_{day}]", "")
    # An overlap on Monday is refused, naming Monday in Arabic; nothing is saved.
    page.fill("input[name=shifts_0]", "08:00-12:00, 11:00-17:00")
    page.click("#team-form button[type=submit]")
    page.wait_for_load_state()
    assert "الاثنين" in page.locator("#team-error").inner_text()
    assert page.get_attribute("input[name=shifts_0]", "aria-invalid") == "true"
    _shot(page, "teams-overlap-ar")
    page.fill("input[name=shifts_0]", "08:00-12:00, 13:00-17:00")
    page.fill("textarea[name=holidays]", "2026-09-23")
    page.click("#team-form button[type=submit]")
    page.wait_for_load_state()
    assert "done=1" in page.url
    row = page.locator("#teams tr", has_text=name)
    assert "08:00-12:00, 13:00-17:00" in row.inner_text()
    _shot(page, "teams-saved-ar")
    with site["db"].reader(site["ws"]) as session:
        team = session.execute(select(Team).where(Team.name == name)).scalar_one()
    assert team.hours["0"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert sorted(team.weekend_days) == [4, 5] and team.holidays == ["2026-09-23"]
    # The refused form answers 422 (Chromium logs the status); nothing else may go wrong.
    assert [p for p in problems if "status of 422" not in p] == [], problems
