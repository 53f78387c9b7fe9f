"""One way to reach the SMTP server: STARTTLS or SMTPS with verified certificates.

Every sender (notifications, survey invitations, sign-in mail) opens its connection here, so
the TLS rules are the same everywhere: the server's certificate and host name are checked
against the system's trust store (or SADA_SMTP_TLS_CA_FILE); only SADA_SMTP_TLS_VERIFY=false
turns that off, for a local development server.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


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


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.smtp_tls_ca_file or None)
    if not settings.smtp_tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def smtp_connection(settings: MailSettings, *, timeout: float = 20) -> Iterator[smtplib.SMTP]:
    """A connected (and, with credentials, logged-in) SMTP client; closed on exit."""
    smtp: smtplib.SMTP
    if settings.smtp_ssl:
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=timeout,
            context=tls_context(settings),
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=tls_context(settings))
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        yield smtp
