"""Invitations and reminders through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from sada.feedback import invitations, mail, service
from sada.feedback.models import Invitation
from sada.feedback.schemas import Recipient
from sada.jobs.models import Job
from sada.jobs.service import run_pending
from sada.settings import Settings
from tests.feedback.factories import nps_survey


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def] # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def _body(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(preferencelist=("plain",)).get_content()


def test_persian_invitation_reminder_and_unsubscribe(db, workspace, smtp, client, monkeypatch):  # type: ignore[no-untyped-def]
    sink, port = smtp
    settings = Settings(
        environment="test",
        smtp_port=port,
        base_url="http://testserver",
        webhook_allowed_hosts="127.0.0.1",  # the SSRF guard lets the loopback relay through
    )
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, nps_survey(default_language="fa"))
        out = invitations.do_create_invitations(
            s,
            survey,
            [Recipient(email="Reza@Example.com", name="رضا", language="fa")],
            secret=settings.secret_key,
            base_url=settings.base_url,
        )
    inv = out[0]
    assert inv.status == "pending"
    assert mail.send_invitation(db, settings, workspace.id, inv.id) == "sent"
    assert mail.send_invitation(db, settings, workspace.id, inv.id) == "skipped: already sent"
    assert len(sink.messages) == 1
    msg = sink.messages[0]
    assert msg["To"].addresses[0].addr_spec == "reza@example.com"
    assert "یک دقیقه" in msg["Subject"]
    text = _body(msg)
    assert "سلام رضا" in text and inv.link in text
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert 'dir="rtl"' in html
    unsubscribe = re.search(r"<(http[^>]+)>", msg["List-Unsubscribe"]).group(1)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page = client.get(inv.link.replace("http://testserver", ""))
    assert page.status_code == 200 and 'dir="rtl"' in page.text

    with db.reader(workspace.id) as s:
        reminder_job = s.execute(
            select(Job).where(Job.dedupe_key == f"feedback.send_invitation:{inv.id}:1")
        ).scalar_one()
        assert reminder_job.run_at > s.get(Invitation, inv.id).sent_at
    assert mail.send_invitation(db, settings, workspace.id, inv.id, reminder=1) == "sent"
    assert "یادآوری" in _body(sink.messages[1])
    assert (
        mail.send_invitation(db, settings, workspace.id, inv.id, reminder=1)
        == "skipped: reminder already sent"
    )

    assert client.post(unsubscribe.replace("http://testserver", "")).status_code == 200
    assert client.post("/s/u/1.forged").status_code == 404
    with db.transaction(workspace.id) as s:
        s.get(Invitation, inv.id).sent_at = None  # pretend a resend is due
    assert mail.send_invitation(db, settings, workspace.id, inv.id) == "skipped: unsubscribed"
    with db.transaction(workspace.id) as s:
        again = invitations.do_create_invitations(
            s,
            service.access_survey(s, survey.id),
            [Recipient(email="reza@example.com")],
            secret=settings.secret_key,
            base_url=settings.base_url,
            contact_days_default=0,
        )
    assert again[0].status == "skipped" and again[0].reason == "unsubscribed"
    assert len(sink.messages) == 2


def test_email_goes_out_through_the_job_runner(db, workspace, smtp, monkeypatch):  # type: ignore[no-untyped-def]
    sink, port = smtp
    from sada.settings import get_settings

    monkeypatch.setenv("SADA_SMTP_PORT", str(port))
    monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    try:
        with db.transaction(workspace.id) as s:
            survey = service.do_create_survey(s, nps_survey())
            invitations.do_create_invitations(
                s,
                survey,
                [Recipient(email=f"job{i}@example.com") for i in range(3)],
                secret=get_settings().secret_key,
                base_url="http://x",
            )
        run_pending(db, kinds=["feedback.send_invitation"])
    finally:
        get_settings.cache_clear()
    sent = sorted(m["To"].addresses[0].addr_spec for m in sink.messages)
    assert [a for a in sent if a.startswith("job")] == [
        "job0@example.com",
        "job1@example.com",
        "job2@example.com",
    ]
