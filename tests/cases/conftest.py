from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "automation"))

from sada_test_servers import Receiver, SMTPSink  # noqa: E402


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SMTPSink]:
    """A real SMTP server; job handlers read SADA_SMTP_* through get_settings()."""
    from sada.settings import get_settings

    sink = SMTPSink()
    monkeypatch.setenv("SADA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SADA_SMTP_PORT", str(sink.port))
    # The SMTP connection goes through the SSRF guard: the loopback relay must be allowed.
    monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32")
    get_settings.cache_clear()
    yield sink
    sink.close()
    get_settings.cache_clear()


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from sada.settings import get_settings

    monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
