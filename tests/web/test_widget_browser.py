"""Headless Chromium: the chat widget embedded on a customer's page (another origin), in
Persian (RTL) and Chinese: the assistant answers with a source, the customer asks for a
person, and the agent's reply from the inbox arrives live in the widget."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tests.browser import SHOTS, chromium, free_port, needs_chromium, served

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(scope="module")
def shop(_sqlite_database: Any) -> Iterator[dict[str, Any]]:
    from sada.app import create_app
    from sada.selfservice.demo import seed_help_centre
    from sada.settings import Settings
    from sada.tenants.service import do_create_workspace

    db = _sqlite_database
    name = f"shop-{time.time_ns() % 10**8}"
    with db.transaction() as session:
        ws = do_create_workspace(session, name, display_name="Nakhl")
    with db.transaction(ws.id) as session:
        seed_help_centre(session)
    from sada.jobs.service import run_pending

    run_pending(db)  # vectors of the published articles (when the embeddings extra is installed)
    port = free_port()
    settings = Settings(
        environment="test",
        database_url="sqlite:///unused.db",
        base_url=f"http://127.0.0.1:{port}",
        job_poll_interval=0.1,
    )
    app = create_app(settings, db=db, migrate=False, run_jobs=True)
    with served(app, port=port) as sada:

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                lang = "zh" if "zh" in self.path else "fa"
                direction = "rtl" if lang == "fa" else "ltr"
                html = (
                    f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
                    "<title>Nakhl</title></head><body><h1>Nakhl</h1>"
                    f'<script src="{sada}/widget.js" data-workspace="{name}" async></script></body></html>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", f"script-src {sada}; frame-src {sada}")
                self.end_headers()
                self.wfile.write(html)

            def log_message(self, *args: Any) -> None:
                return None

        site = HTTPServer(("127.0.0.1", 0), Page)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        yield {
            "db": db,
            "ws": ws.id,
            "sada": sada,
            "site": f"http://127.0.0.1:{site.server_address[1]}",
        }
        site.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize(
    ("lang", "question", "key", "answer_bit", "reply"),
    [
        (
            "fa",
            "چطوری سفارشمو پس بدم؟",
            "returns-window",
            "مرجوع",  # the answer is about returns (which sentences it quotes may vary)
            "سلام، مریم هستم. پیک فردا می‌آید.",
        ),
        ("zh", "退款多久到账？", "refund-time", "退", "您好，我是小王，退款今天处理。"),
    ],
)
def test_widget_answer_handoff_and_live_reply(
    shop: dict[str, Any],
    browser: Any,
    lang: str,
    question: str,
    key: str,
    answer_bit: str,
    reply: str,
) -> None:
    from sada.cases.replies import do_reply
    from sada.selfservice.models import ChatSession

    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{shop['site']}/{lang}")
    launcher = page.locator("#sada-chat-launcher")
    launcher.wait_for()
    box = launcher.bounding_box()
    assert box is not None and (box["x"] < 550) == (lang == "fa")  # RTL page: launcher on the left
    launcher.click()
    frame = page.frame_locator("#sada-chat-frame")
    assert frame.locator("html").get_attribute("dir") == ("rtl" if lang == "fa" else "ltr")
    frame.locator("#chat-input").fill(question)
    frame.locator("#chat-send").click()
    answer = frame.locator(".msg.assistant").first
    answer.wait_for(timeout=45_000)
    assert answer_bit in answer.text_content()
    assert (
        frame.locator(".msg.assistant a.cite")
        .first.get_attribute("href")
        .endswith(f"/{lang}/articles/{key}")
    )
    page.screenshot(path=str(SHOTS / f"widget-answer-{lang}.png"))

    frame.locator("#chat-person").click()
    frame.locator(".msg.system").nth(1).wait_for(timeout=45_000)
    db, ws = shop["db"], shop["ws"]
    conversation_id = None
    deadline = time.monotonic() + 20
    while conversation_id is None and time.monotonic() < deadline:
        with db.reader(ws) as session:
            from sqlalchemy import select

            conversation_id = session.execute(
                select(ChatSession.conversation_id)
                .where(ChatSession.lang == lang, ChatSession.conversation_id.is_not(None))
                .order_by(ChatSession.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        time.sleep(0.2)
    assert conversation_id is not None
    with db.transaction(ws) as session:
        do_reply(session, conversation_id, reply, label="agent")
    # The app's job runner sends the reply; conversation.replied puts it in the chat; SSE shows it.
    agent = frame.locator(".msg.agent")
    agent.wait_for(timeout=30_000)
    assert reply in agent.text_content()
    page.screenshot(path=str(SHOTS / f"widget-agent-reply-{lang}.png"))
    assert problems == [], problems
    context.close()
