"""Fixtures of the reports tests: members, signed-in clients (from the web tests) and a real
SMTP server on 127.0.0.1 that the job handlers reach through SADA_SMTP_*."""

from __future__ import annotations

import email
import socket
import uuid
from collections.abc import Iterator
from email import policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from sada.db.engine import Database
from tests.web.conftest import PASSWORD, login, make_user  # noqa: F401


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def] # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    from sada.settings import get_settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SADA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SADA_SMTP_PORT", str(port))
    monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32")
    monkeypatch.setenv("SADA_BASE_URL", "http://sada.example.com")
    get_settings.cache_clear()
    yield sink
    controller.stop()
    get_settings.cache_clear()


def member(
    db: Database,
    workspace_id: int,
    role: str = "analyst",
    *,
    language: str = "en",
    timezone: str | None = None,
) -> Any:
    """A new member of the workspace (unique email); returns the user."""
    from sada.tenants.service import do_add_member, do_create_user

    with db.transaction(workspace_id) as session:
        user = do_create_user(
            session,
            f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            PASSWORD,
            name=f"{role} {language}",
            language=language,
        )
        user.timezone = timezone
        do_add_member(session, user, role)
        session.flush()
        session.expunge(user)
    return user
