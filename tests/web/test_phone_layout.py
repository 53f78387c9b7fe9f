"""Headless Chromium at a phone's size (390×844): the main and admin pages scroll only
vertically (no page wider than the screen) and the main navigation stays reachable, in a
left-to-right and a right-to-left language. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import PASSWORD
from tests.web.test_browser import SHOTS, browser, pytestmark, site  # noqa: F401 - fixtures

PHONE = {"width": 390, "height": 844}
PAGES = {
    "overview": "/overview?period=30d",
    "feedback": "/feedback?period=30d",
    "people": "/people",
    "surveys": "/surveys",
    "survey-builder": "/surveys/new",
    "segments": "/segments",
    "views": "/views",
    "notifications": "/notifications",
    "account": "/account",
    "settings": "/settings",
    "users": "/settings/users",
    "api-keys": "/settings/api-keys",
    "touchpoints": "/settings/touchpoints",
    "audit": "/settings/audit",
    "jobs": "/settings/jobs",
    "teams": "/settings/teams",
    "channels": "/settings/channels",
    "csat": "/settings/csat",
    "privacy": "/settings/privacy",
    "canned": "/settings/canned-responses",
    "case-followup": "/settings/case-followup",
    "inbox": "/inbox",
    "cases": "/cases",
    "performance": "/performance",
    "rules": "/rules",
    "journeys": "/journeys",
    "themes": "/themes",
    "listening": "/listening",
    "health": "/health",
}
NAV_CHECK = """() => {
  const w = window.innerWidth, links = [...document.querySelectorAll('.main-nav a')], off = [];
  for (const a of links) {
    a.scrollIntoView({block: 'nearest', inline: 'nearest'});
    const r = a.getBoundingClientRect();
    const shown = a.offsetParent !== null && r.width > 0 && r.height > 0;
    if (!shown || r.left < -1 || r.right > w + 1) off.push(a.getAttribute('href'));
  }
  window.scrollTo(0, 0);
  return {links: links.length, off: off};
}"""
# What the page may be wider than the screen by (sub-pixel rounding).
SLACK = 1


def _too_wide(page: Any) -> list[str]:
    """The elements that stick out of the screen (for the failure message)."""
    return page.evaluate(
        """() => {
          const w = window.innerWidth, out = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if ((r.right > w + 1 || r.left < -1) && r.width > 0) {
              let inScroller = false;
              for (let p = el.parentElement; p; p = p.parentElement) {
                const s = getComputedStyle(p).overflowX;
                if (s === 'auto' || s === 'scroll' || s === 'hidden') { inScroller = true; break; }
              }
              if (!inScroller) out.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
            }
          }
          return out.slice(0, 8);
        }"""
    )


def test_pages_fit_a_phone_and_keep_the_navigation(site: dict[str, Any], browser: Any) -> None:  # noqa: F811
    from sada.web.core import domain_pages

    SHOTS.mkdir(parents=True, exist_ok=True)
    base = site["base"]
    # Not `is_mobile`: a mobile viewport zooms out to fit a page that is too wide, which hides
    # exactly what this test looks for.
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{base}/login?lang=en")
    page.fill("input[name=email]", site["email"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/overview")
    installed = domain_pages()
    needs = {
        "inbox": "cases",
        "cases": "cases",
        "performance": "cases",
        "rules": "automation",
        "canned": "cases",
        "case-followup": "cases",
        "teams": "cases",
        "csat": "cases",
        "channels": "channels",
        "privacy": "privacy",
        "journeys": "journeys",
        "themes": "text",
        "listening": "listening",
        "health": "health",
        "segments": "people",
        "views": "reports",
        "notifications": "notifications",
    }
    failures: list[str] = []
    checked = 0
    for lang in ("fa", "en"):
        for name, path in PAGES.items():
            if name in needs and needs[name] not in installed:
                continue
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{base}{path}{sep}lang={lang}")
            assert response is not None and response.status == 200, (name, lang, response)
            checked += 1
            width = page.evaluate("document.scrollingElement.scrollWidth")
            inner = page.evaluate("window.innerWidth")
            if width > inner + SLACK:
                failures.append(f"{name} ({lang}): {width} > {inner}: {_too_wide(page)}")
            assert inner == PHONE["width"], inner
            # The navigation is reachable: every main link is shown, inside the screen's width
            # (a wrapped list, or a bar that scrolls sideways on its own), and takes a click.
            nav = page.evaluate(NAV_CHECK)
            assert nav["links"] > 3, (name, lang, nav)
            if nav["off"]:
                failures.append(f"{name} ({lang}): navigation out of reach: {nav['off']}")
            page.screenshot(path=str(SHOTS / f"phone-{name}-{lang}.png"), full_page=True)
    context.close()
    assert checked >= 20
    assert not failures, "\n".join(failures)
