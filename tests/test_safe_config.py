"""Settings validated at start; SMTP over STARTTLS/SMTPS with verified certificates."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from sada.core.mail import SmtpDestinationBlocked, smtp_connection
from sada.settings import ConfigurationError, Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s" * 40


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SADA_")}
    return subprocess.run(
        [sys.executable, "-m", "sada.cli.main", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_missing_or_misspelled_database_url(tmp_path: Path) -> None:
    prod = {"SADA_ENVIRONMENT": "production", "SADA_SECRET_KEY": SECRET}
    # The typo: the setting is missing, so production refuses instead of using ./sada.db.
    typo = _run("db", "current", **prod, SADA_DATABSE_URL="postgresql://x@127.0.0.1/sada")
    message = " ".join(typo.stderr.split())
    assert typo.returncode == 1
    assert "SADA_DATABSE_URL (did you mean SADA_DATABASE_URL?)" in message
    assert "Traceback" not in typo.stderr
    missing = _run("db", "current", **prod)
    assert missing.returncode == 1
    assert "SADA_DATABASE_URL is not set" in " ".join(missing.stderr.split())
    bad = _run("db", "current", SADA_DATABASE_URL="postgressql://x@127.0.0.1/sada")
    assert bad.returncode == 1 and "must start with sqlite:///" in " ".join(bad.stderr.split())
    lease = _run(
        "db", "current", SADA_DATABASE_URL=f"sqlite:///{tmp_path}/a.db", SADA_JOB_LEASE_SECONDS="0"
    )
    assert lease.returncode == 1
    assert "SADA_JOB_LEASE_SECONDS: Input should be greater than or equal to 3" in " ".join(
        lease.stderr.split()
    )
    ok = _run("db", "current", **prod, SADA_DATABASE_URL=f"sqlite:///{tmp_path}/b.db")
    assert ok.returncode == 0, ok.stderr


def test_production_refuses_unverified_or_cleartext_smtp() -> None:
    base: dict[str, Any] = {
        "environment": "production",
        "secret_key": SECRET,
        "database_url": "postgresql://x@db/sada",
    }
    Settings(**base).check_safe_to_run(environ={})
    with pytest.raises(ConfigurationError, match="SADA_SMTP_TLS_VERIFY"):
        Settings(**base, smtp_tls_verify=False).check_safe_to_run(environ={})
    with pytest.raises(ConfigurationError, match="clear text"):
        Settings(**base, smtp_host="mail.example.com", smtp_username="u").check_safe_to_run(
            environ={}
        )
    Settings(
        **base, smtp_host="mail.example.com", smtp_username="u", smtp_starttls=True
    ).check_safe_to_run(environ={})
    # Development only warns about unknown variables.
    Settings(environment="development").check_safe_to_run(environ={"SADA_NOPE": "1"})
    get_settings.cache_clear()


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "hi"
    message.set_content("سلام")
    return message


def test_starttls_and_smtps_verify_the_certificate(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    key, cert = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(str(cert), str(key))
    sink = Sink()
    port = _free_port()
    starttls = Controller(
        sink, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True
    )
    starttls.start()
    ssl_port = _free_port()
    smtps = Controller(sink, hostname="127.0.0.1", port=ssl_port, ssl_context=server_tls)
    smtps.start()
    try:
        # Loopback is private: the SSRF guard refuses it unless the allow-list names it.
        for host in ("127.0.0.1", "localhost"):
            with (
                pytest.raises(SmtpDestinationBlocked),
                smtp_connection(Settings(smtp_host=host, smtp_port=port, smtp_tls_verify=False)),
            ):
                pass
        allow = {"webhook_allowed_hosts": "127.0.0.1"}
        common = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": True, **allow}
        # Self-signed and not trusted: refused before anything is sent.
        with (
            pytest.raises(ssl.SSLCertVerificationError),
            smtp_connection(Settings(**common)) as smtp,
        ):
            smtp.send_message(_message())
        assert sink.messages == []
        # Trusted through a CA file: verified and delivered.
        with smtp_connection(Settings(**common, smtp_tls_ca_file=str(cert))) as smtp:
            smtp.send_message(_message())
        # Explicitly unverified (local development): delivered.
        with smtp_connection(Settings(**common, smtp_tls_verify=False)) as smtp:
            smtp.send_message(_message())
        assert len(sink.messages) == 2
        # SMTPS (TLS from the first byte), verified the same way.
        implicit = {"smtp_host": "127.0.0.1", "smtp_port": ssl_port, "smtp_ssl": True, **allow}
        with (
            pytest.raises(SmtpDestinationBlocked),
            smtp_connection(Settings(**{**implicit, "webhook_allowed_hosts": ""})),
        ):
            pass
        with pytest.raises(ssl.SSLCertVerificationError), smtp_connection(Settings(**implicit)):
            pass
        with smtp_connection(Settings(**implicit, smtp_tls_ca_file=str(cert))) as smtp:
            smtp.send_message(_message())
        assert len(sink.messages) == 3
    finally:
        starttls.stop()
        smtps.stop()
