"""Headless Chromium: a Persian-speaking agent attaches a file to a reply in the conversation
page (multipart form, CSRF kept); the mail reaches a real SMTP server with the file attached,
and the thread lists it with a download link. Screenshot in test-artifacts/screenshots."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.cases import threads
from sada.cases.models import Conversation
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from tests.browser import chromium, needs_chromium, served
from tests.cases.test_workspace_browser import _shot, _signed_in, _user

pytestmark = needs_chromium
PERSIAN_NAME = "فاکتور اصلاحی.pdf"


@pytest.fixture(scope="module")
def site(_sqlite_database: Any) -> Iterator[dict[str, Any]]:
    from sada.app import create_app
    from sada.settings import Settings
    from sada.tenants.service import do_create_workspace

    db = _sqlite_database
    with db.transaction() as session:
        ws = do_create_workspace(session, f"files-{uuid.uuid4().hex[:8]}")
    _agent_id, agent = _user(db, ws.id, "agent", "نرگس کریمی", "fa")
    root = f"<{uuid.uuid4().hex}@customer.example>"
    customer = f"sami-{uuid.uuid4().hex[:6]}@example.com"
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
                    "subject": "فاکتور اشتباه",
                    "text": "سلام، نام شرکت در فاکتور اشتباه است.",
                    "language": "fa",
                    "attributes": {"message_id": root},
                    "person": {"email": customer, "name": "سامی"},
                }
            ],
        )
        threads.attach_interactions(session, [result.id])
        conv_id = session.execute(
            select(Conversation.id).order_by(Conversation.id.desc()).limit(1)
        ).scalar_one()
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
            "conversation": conv_id,
            "root": root,
            "customer": customer,
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_persian_agent_attaches_a_file_to_a_reply(
    site: dict[str, Any], browser: Any, smtp: Any
) -> None:
    problems: list[str] = []
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    page = _signed_in(browser, site, site["agent"], problems)
    page.goto(f"{site['base']}/inbox/{site['conversation']}")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("textarea[name=body]", "سلام سامی عزیز، فاکتور اصلاح‌شده پیوست است.")
    page.set_input_files(
        "#reply-files",
        files=[{"name": PERSIAN_NAME, "mimeType": "application/pdf", "buffer": pdf}],
    )
    _shot(page, "reply-with-file-fa")
    page.click("#reply button[type=submit]")
    page.wait_for_url(f"{site['base']}/inbox/{site['conversation']}?done=reply")
    thread = page.locator("#thread")
    assert PERSIAN_NAME in thread.inner_text()
    link = thread.locator(".attachment a").first
    href = link.get_attribute("href")
    assert href and href.startswith(f"/inbox/{site['conversation']}/attachments/")
    with page.expect_download() as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename == PERSIAN_NAME
    assert Path(download.path()).read_bytes() == pdf
    _shot(page, "reply-file-listed-fa")
    drain_jobs(site["db"], site["ws"], kinds=["inbox.send_reply"])
    (mail,) = smtp.wait(1)
    assert mail["To"] == site["customer"] and mail["In-Reply-To"] == site["root"]
    (part,) = list(mail.iter_attachments())
    assert part.get_filename() == PERSIAN_NAME and part.get_content() == pdf
    assert not problems, problems
