"""Headless Chromium, in Persian with the Solar Hijri calendar and Persian digits: pick last
quarter, compare it with the quarter before, type a custom range in Persian digits, and follow
a figure to the verbatims behind it. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import PASSWORD
from tests.web.test_browser import SHOTS, _page, browser, pytestmark, site  # noqa: F401


def test_period_picker_and_comparison_in_persian(
    site: dict[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
    _sqlite_database: Any,
) -> None:
    from sada.tenants.models import User

    with _sqlite_database.transaction() as session:
        user = session.query(User).filter(User.email == site["email"]).one()
        user.calendar, user.digits = "jalali", "persian"
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = site["base"]
    problems: list[str] = []
    page = _page(browser, problems, base)
    page.goto(f"{base}/login?lang=fa")
    page.fill("input[name=email]", site["email"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/overview")
    assert page.get_attribute("html", "dir") == "rtl"

    page.click("nav.presets >> text=فصل گذشته")
    page.wait_for_url("**period=last_quarter**")
    page.check("input[name=compare]")  # submits the form by itself
    page.wait_for_url("**compare=previous_period**")
    assert "period=last_quarter" in page.url
    assert "در مقایسه با" in page.inner_text("nav.presets")
    page.screenshot(path=str(SHOTS / "period-compare-fa.png"), full_page=True)

    page.fill("input[name=from]", "۱۴۰۵/۰۷/۰۱")
    page.fill("input[name=to]", "۱۴۰۵/۰۹/۰۸")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**from=**")
    assert "compare=previous_period" in page.url  # the comparison stays on
    shown = page.inner_text("nav.presets .range")
    assert "۱۴۰۵/۰۷/۰۱" in shown and "۱۴۰۵/۰۹/۰۸" in shown
    page.screenshot(path=str(SHOTS / "period-custom-fa.png"), full_page=True)

    # From the figure to the list behind it, with the same range.
    page.click(".kpi a.drill >> nth=0")
    page.wait_for_url("**/feedback?**")
    assert "from=2026-09-23" in page.url and "to=2026-11-29" in page.url
    page.screenshot(path=str(SHOTS / "period-drill-fa.png"), full_page=True)
    assert problems == []
