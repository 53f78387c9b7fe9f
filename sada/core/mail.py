"""One way to reach the SMTP server: STARTTLS or SMTPS with verified certificates.

Every sender (notifications, survey invitations, sign-in mail) opens its connection here, so
the TLS rules are the same everywhere: the server's certificate and host name are checked
against the system's trust store (or SADA_SMTP_TLS_CA_FILE); only SADA_SMTP_TLS_VERIFY=false
turns that off, for a local development server. The connection itself goes through the SSRF
guard (`sada.core.ssrf`): a private, loopback or metadata address is refused unless
SADA_WEBHOOK_ALLOWED_HOSTS (the one outbound allow-list) names it, e.g. "127.0.0.1" for a
local relay.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from sada.core.ssrf import BlockedDestination, HostPolicy, open_connection


class MailSettings(Protocol):
    """The SMTP fields of `sada.settings.Settings` (core does not import the settings)."""

    smtp_host: str
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    smtp_ssl: bool
    smtp_tls_verify: bool
    smtp_tls_ca_file: str | None
    webhook_allowed_hosts: str


class SmtpDestinationBlocked(smtplib.SMTPException):
    """The SSRF guard refused the SMTP server's address (allow it in SADA_WEBHOOK_ALLOWED_HOSTS)."""


class _GuardedSMTP(smtplib.SMTP):
    """SMTP whose TCP connection is opened by the SSRF guard (one lookup, judged addresses)."""

    def __init__(self, policy: HostPolicy, host: str, port: int, timeout: float) -> None:
        self._policy = policy
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return open_connection(self._policy, host, port, timeout)


class _GuardedSMTPSSL(smtplib.SMTP_SSL, _GuardedSMTP):
    """SMTPS through the guard: SMTP_SSL wraps the guarded socket and checks the certificate."""

    def __init__(
        self, policy: HostPolicy, host: str, port: int, timeout: float, context: ssl.SSLContext
    ) -> None:
        self._policy = policy
        smtplib.SMTP_SSL.__init__(self, host, port, timeout=timeout, context=context)


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.smtp_tls_ca_file or None)
    if not settings.smtp_tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def smtp_connection(settings: MailSettings, *, timeout: float = 20) -> Iterator[smtplib.SMTP]:
    """A connected (and, with credentials, logged-in) SMTP client; closed on exit."""
    policy = HostPolicy.from_setting(settings.webhook_allowed_hosts)
    smtp: smtplib.SMTP
    try:
        if settings.smtp_ssl:
            smtp = _GuardedSMTPSSL(
                policy, settings.smtp_host, settings.smtp_port, timeout, tls_context(settings)
            )
        else:
            smtp = _GuardedSMTP(policy, settings.smtp_host, settings.smtp_port, timeout)
    except BlockedDestination as exc:
        raise SmtpDestinationBlocked(f"the SMTP server is not allowed: {exc}") from None
    with smtp:
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=tls_context(settings))
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        yield smtp
