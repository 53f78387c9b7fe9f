"""Headless Chromium through the agent workspace: a Persian-speaking agent replies to an Arabic
customer's email (the reply reaches a real SMTP server, threaded to the original), a note's
@mention reaches the colleague, a CSM closes the loop on a case; keyboard help overlay, RTL,
no console errors, no request leaving the site. Screenshots in test-artifacts/screenshots.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.cases import threads
from sada.cases.models import Case, Conversation
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from tests.browser import SHOTS, chromium, needs_chromium, served

PASSWORD = "correct horse battery"

pytestmark = needs_chromium


def _user(db: Any, ws_id: int, role: str, name: str, language: str) -> tuple[int, str]:
    from sada.tenants.service import do_add_member, do_create_user

    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        user = do_create_user(session, email, PASSWORD, name=name, language=language)
        do_add_member(session, user, role)
        return user.id, email


@pytest.fixture(scope="module")
def site(_sqlite_database: Any) -> Iterator[dict[str, Any]]:
    from sada.app import create_app
    from sada.settings import Settings
    from sada.tenants.service import do_create_workspace

    db = _sqlite_database
    with db.transaction() as session:
        ws = do_create_workspace(session, f"desk-{uuid.uuid4().hex[:8]}")
    agent_id, agent = _user(db, ws.id, "agent", "نرگس کریمی", "fa")
    colleague_id, colleague = _user(db, ws.id, "agent", "Reza Ahmadi", "fa")
    _csm_id, csm = _user(db, ws.id, "manager", "李伟", "zh")
    root = f"<{uuid.uuid4().hex}@customer.example>"
    with db.transaction(ws.id) as session:
        (result,) = ingest_batch(
            session,
            [
                {
                    "source": "mail",
                    "external_id": uuid.uuid4().hex,
                    "occurred_at": utcnow().isoformat(),
                    "channel": "email",
                    "type": "message",
                    "direction": "inbound",
                    "subject": "لم يصل طلبي",
                    "text": "مرحباً، طلبت قبل أسبوع ولم يصل الطلب حتى الآن. ما السبب؟",
                    "language": "ar",
                    "attributes": {"message_id": root},
                    "person": {"email": "sami@example.com", "name": "سامي"},
                }
            ],
        )
        threads.attach_interactions(session, [result.id])
        conv_id = session.execute(select(Conversation.id)).scalar_one()
        from sada.cases.service import do_create_case

        case = do_create_case(
            session,
            title="Follow up with سامي: rated 3.0 (nps)",
            person_id=result.person_id,
            owner_id=None,
            due_hours=48,
            priority="high",
        )
        case_id = case.id
    settings = Settings(
        environment="test", database_url="sqlite:///unused.db", base_url="http://127.0.0.1"
    )
    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    with served(app) as base:
        yield {
            "db": db,
            "ws": ws.id,
            "base": base,
            "agent": agent,
            "agent_id": agent_id,
            "colleague": colleague,
            "colleague_id": colleague_id,
            "csm": csm,
            "conversation": conv_id,
            "case": case_id,
            "root": root,
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _signed_in(browser: Any, site: dict[str, Any], email: str, problems: list[str]) -> Any:
    base = site["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.on(
        "request",
        lambda r: (
            problems.append(f"external request: {r.url}")
            if not r.url.startswith((base, "data:", "about:"))
            else None
        ),
    )
    page = context.new_page()
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()
    return page


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"workspace-{name}.png"), full_page=True)


def test_persian_agent_replies_to_an_arabic_email(
    site: dict[str, Any], browser: Any, smtp: Any
) -> None:
    problems: list[str] = []
    page = _signed_in(browser, site, site["agent"], problems)
    page.goto(f"{site['base']}/inbox?status=all")
    assert page.get_attribute("html", "lang") == "fa"
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("h1").inner_text() == "صندوق ورودی"
    # Keyboard: "?" opens the help overlay, Escape closes it; j then o opens the conversation.
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    _shot(page, "inbox-shortcuts-fa")
    page.keyboard.press("Escape")
    assert not page.locator("#shortcuts").is_visible()
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"{site['base']}/inbox/{site['conversation']}")
    assert "سامي" in page.locator("#context").inner_text()
    page.fill("textarea[name=body]", "سلام سامی عزیز، سفارش شما فردا تحویل می‌شود. پوزش از تأخیر.")
    page.select_option("select[name=then]", "pending")
    page.click("#reply button[type=submit]")
    page.wait_for_url(f"{site['base']}/inbox/{site['conversation']}?done=reply")
    assert "فردا تحویل" in page.locator("#thread").inner_text()
    _shot(page, "conversation-replied-fa")
    drain_jobs(site["db"], site["ws"], kinds=["inbox.send_reply"])
    (mail,) = smtp.wait(1)
    assert mail["To"] == "sami@example.com"
    assert mail["In-Reply-To"] == site["root"] and site["root"] in mail["References"]
    assert "فردا تحویل" in mail.get_content()
    page.reload()
    assert "فرستاده شد" in page.locator("#thread").inner_text()  # delivered: "sent", in Persian
    assert not problems, problems


def test_a_mentioned_colleague_sees_the_note(site: dict[str, Any], browser: Any) -> None:
    problems: list[str] = []
    page = _signed_in(browser, site, site["agent"], problems)
    page.goto(f"{site['base']}/inbox/{site['conversation']}")
    page.fill("textarea[name=note]", "@Reza Ahmadi لطفاً وضعیت ارسال را از انبار بپرس")
    page.click("#note-form button[type=submit]")
    page.wait_for_url(f"{site['base']}/inbox/{site['conversation']}?done=note")
    drain_jobs(site["db"], site["ws"], kinds=["inbox.mention"])
    other = _signed_in(browser, site, site["colleague"], problems)
    other.goto(f"{site['base']}/inbox?view=mentions&status=all")
    mentions = other.locator("#mentions").inner_text()
    assert "از انبار بپرس" in mentions and "نرگس کریمی" in mentions
    assert other.locator('[data-view="mentions"] .chip').inner_text() in ("1", "۱")
    _shot(other, "mentions-fa")
    other.click("#mentions a")
    other.wait_for_load_state()
    assert "از انبار بپرس" in other.locator("#notes").inner_text()
    assert not problems, problems


def test_csm_closes_the_loop_on_a_case(site: dict[str, Any], browser: Any) -> None:
    problems: list[str] = []
    page = _signed_in(browser, site, site["csm"], problems)
    page.goto(f"{site['base']}/cases")
    assert page.locator("h1").inner_text() == "工单"
    title = page.locator("#cases tbody a").first.inner_text()
    assert title == "跟进 سامي：评分 3（NPS）", title  # rendered in Chinese, 3 not 3.0
    page.locator("#cases tbody a").first.click()
    page.wait_for_url(f"{site['base']}/cases/{site['case']}")
    page.select_option("#contacted-form select[name=channel]", "phone")
    page.click("#contacted-form button[type=submit]")
    page.wait_for_url(f"{site['base']}/cases/{site['case']}?done=contacted")
    page.fill("textarea[name=resolution]", "已致电客户，重新发货，明天送达。")
    page.click("#resolve-form button[type=submit]")
    page.wait_for_url(f"{site['base']}/cases/{site['case']}?done=resolve")
    assert "是：已联系并已解决" in page.locator("#loop").inner_text()
    assert "电话" in page.locator("#contacted").inner_text()
    _shot(page, "case-loop-closed-zh")
    with site["db"].reader(site["ws"]) as session:
        case = session.get(Case, site["case"])
        assert case.status == "resolved" and case.contact_channel == "phone"
        assert case.contacted_at is not None and case.resolved_at is not None
    page.goto(f"{site['base']}/cases?loop=closed")
    assert page.locator("#cases tbody a").count() == 1
    assert not problems, problems


def test_a_second_agent_sees_the_reply_and_the_typing_warning_live(
    site: dict[str, Any], browser: Any
) -> None:
    problems: list[str] = []
    url = f"{site['base']}/inbox/{site['conversation']}"
    first = _signed_in(browser, site, site["agent"], problems)
    second = _signed_in(browser, site, site["colleague"], problems)
    second.goto(url)
    first.goto(url)
    second.wait_for_timeout(1500)  # its event stream is open
    first.fill("textarea[name=body]", "")
    first.type("textarea[name=body]", "یک لحظه")
    second.wait_for_selector("#typing:not([hidden])", timeout=10_000)
    assert "نرگس کریمی" in second.locator("#typing").inner_text()
    _shot(second, "collision-warning-fa")
    first.fill("textarea[name=body]", "پاسخ زنده برای سامی")
    first.click("#reply button[type=submit]")
    first.wait_for_url(f"{url}?done=reply")
    # The colleague's page shows it without a reload.
    second.locator("#thread").get_by_text("پاسخ زنده برای سامی").wait_for(timeout=15_000)
    assert second.url == url
    assert not problems, problems
