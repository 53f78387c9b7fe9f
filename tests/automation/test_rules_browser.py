"""Headless Chromium: a rule that notifies the customer, written in the rules form in each of
the four languages (dry run, then save), without console errors."""

from __future__ import annotations

import json
from typing import Any

from tests.web.conftest import PASSWORD
from tests.web.test_browser import LANGS, SHOTS, _page, browser, pytestmark, site  # noqa: F401

MESSAGE = {
    "en": "Your order {interaction.attributes.order} is ready",
    "ar": "طلبك {interaction.attributes.order} جاهز",
    "fa": "سفارش {interaction.attributes.order} آماده است",
    "zh": "您的订单 {interaction.attributes.order} 已备好",
}


def test_notify_customer_rule_in_four_languages(site: dict[str, Any], browser: Any) -> None:  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = site["base"]
    problems: list[str] = []
    page = _page(browser, problems, base)
    page.goto(f"{base}/login")
    page.fill("input[name=email]", site["email"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/overview")
    for lang in LANGS:
        page.goto(f"{base}/rules/new?lang={lang}")
        assert page.get_attribute("html", "dir") == ("rtl" if lang in ("ar", "fa") else "ltr")
        page.fill("input[name=name]", f"order ready {lang}")
        conditions = [{"field": "interaction.type", "op": "eq", "value": "order"}]
        page.fill("textarea[name=conditions]", json.dumps(conditions))
        page.fill("textarea[name=actions]", "[]")
        page.select_option("select[name=notify_channel]", "sms")
        page.fill(f"textarea[name=notify_message_{lang}]", MESSAGE[lang])
        page.fill("textarea[name=notify_message_en]", MESSAGE["en"])
        page.click("button[name=step][value=dry]")
        page.wait_for_selector("#dry-run")
        assert page.input_value(f"textarea[name=notify_message_{lang}]") == MESSAGE[lang]
        assert page.input_value("select[name=notify_channel]") == "sms"
        page.screenshot(path=str(SHOTS / f"rule-notify-{lang}.png"), full_page=True)
        page.click("button[name=step][value=save]")
        page.wait_for_url("**/rules?done=*")
    page.goto(f"{base}/rules?lang=zh")
    for lang in LANGS:
        assert f"order ready {lang}" in page.content()
    assert problems == []
