"""Headless Chromium, two people: a visitor asks for a person in the Persian widget, an agent
signed in to Sada answers from /inbox/{id} (the conversation shows the translated `web_chat`
channel), the reply appears live in the widget, and a survey invitation then arrives in the
chat as a link to the survey."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.test_widget_browser import browser, pytestmark, shop  # noqa: F401 (fixtures)

PASSWORD = "correct horse battery"


@pytest.mark.timeout(900)  # two browsers and the app on a shared machine
def test_agent_reply_from_the_inbox_and_survey_in_the_widget(
    shop: dict[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    from sada.feedback import invitations, service
    from sada.selfservice.models import ChatSession
    from sada.settings import get_settings
    from sada.tenants.service import do_add_member, do_create_user
    from sada.web.i18n import translations
    from tests.feedback.factories import csat_survey

    translations("fa")  # the app runs in this process: read the catalogs before the clock runs
    db, ws = shop["db"], shop["ws"]
    email = f"maryam-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws) as session:
        do_add_member(session, do_create_user(session, email, PASSWORD, name="مریم"), "agent")
    problems: list[str] = []
    visitor = browser.new_context(viewport={"width": 1000, "height": 760})
    page = visitor.new_page()
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{shop['site']}/fa")
    page.locator("#sada-chat-launcher").click()
    frame = page.frame_locator("#sada-chat-frame")
    frame.locator("#chat-person").click()
    frame.locator(".msg.system").nth(1).wait_for(timeout=45_000)
    found: tuple[int, int] | None = None
    deadline = time.monotonic() + 20
    while found is None and time.monotonic() < deadline:
        with db.reader(ws) as session:
            row = session.execute(
                select(ChatSession.conversation_id, ChatSession.person_id)
                .where(ChatSession.lang == "fa", ChatSession.conversation_id.is_not(None))
                .order_by(ChatSession.id.desc())
                .limit(1)
            ).first()
            found = (int(row[0]), int(row[1])) if row else None
        time.sleep(0.2)
    assert found is not None
    conversation_id, person_id = found

    agent = browser.new_context(viewport={"width": 1200, "height": 900})
    desk = agent.new_page()
    desk.goto(f"{shop['sada']}/login?lang=fa")
    desk.fill("input[name=email]", email)
    desk.fill("input[name=password]", PASSWORD)
    desk.click("button.primary")
    desk.wait_for_load_state()
    desk.goto(f"{shop['sada']}/inbox/{conversation_id}")
    assert "گفتگوی وب" in (desk.locator("#conv-meta").text_content() or "")
    reply = "سلام، مریم هستم. بستهٔ شما فردا می‌رسد."
    desk.fill("#reply-body", reply)
    desk.click("#reply button.primary")
    desk.wait_for_load_state()
    assert "error" not in desk.url
    agent_line = frame.locator(".msg.agent")
    agent_line.wait_for(timeout=30_000)
    assert reply in (agent_line.text_content() or "")

    with db.transaction(ws) as session:
        survey = service.do_create_survey(session, csat_survey(name="نظرسنجی پشتیبانی"))
        invitation = invitations.do_request_survey(
            session, survey, person_id, secret=get_settings().secret_key, requested_by="test"
        )
        assert invitation.channel == "web_chat"
    link = frame.locator(".msg.system a.cite.survey")
    link.wait_for(timeout=30_000)  # the app's job runner delivers it; SSE shows it
    assert link.text_content() == "نظرسنجی پشتیبانی"
    assert (link.get_attribute("href") or "").startswith("/s/i/")
    assert problems == [], problems
    agent.close()
    visitor.close()
