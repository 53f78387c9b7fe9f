"""Finding 5: IMAP polling goes through the SSRF guard, requires verified TLS (IMAPS or
STARTTLS) unless plaintext is explicitly allowed, and never repeats the server's own text."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sada.cases import inbound
from sada.core.errors import Invalid
from sada.settings import get_settings

SERVER_SECRET = "xyzzy-banner-7f3a"  # must never appear in what Sada says


def _mailbox(db, ws_id, **kw):  # type: ignore[no-untyped-def]
    with db.transaction(ws_id) as session:
        box = inbound.do_create_mailbox(
            session,
            {
                "address": f"help-{uuid.uuid4().hex[:8]}@example.com",
                "imap_username": "u",
                "imap_password": "p",
                **kw,
            },
        )
        return box.id


def _poll_error(db, ws_id, box_id) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught:
        inbound.poll_imap(db, ws_id, box_id)
    with db.reader(ws_id) as session:
        stored = inbound.access_mailbox(session, box_id).last_error or ""
    assert SERVER_SECRET not in caught.value.message and SERVER_SECRET not in stored
    return caught.value.message


@pytest.fixture
def settings_env(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> pytest.MonkeyPatch:
    """Environment changes for get_settings(); the cache is cleared before and after."""
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    return monkeypatch


def _allow_loopback(env: pytest.MonkeyPatch, *, plaintext: bool = False) -> None:
    env.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32")
    env.setenv("SADA_IMAP_ALLOW_PLAINTEXT", "true" if plaintext else "false")
    get_settings.cache_clear()


class FakeServer:
    """A loopback TCP server that speaks just enough IMAP (or not at all)."""

    def __init__(
        self,
        *,
        greeting: bytes,
        implicit_tls: ssl.SSLContext | None = None,
        starttls: ssl.SSLContext | None = None,
    ) -> None:
        self.greeting, self.implicit_tls, self.starttls = greeting, implicit_tls, starttls
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.logins: list[bool] = []  # whether each LOGIN arrived over TLS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            try:
                self._talk(conn)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        tls = False
        if self.implicit_tls is not None:
            conn = self.implicit_tls.wrap_socket(conn, server_side=True)
            tls = True
        conn.sendall(self.greeting)
        reader = conn.makefile("rb")
        while True:
            line = reader.readline()
            if not line:
                return
            tag, _, rest = line.decode().strip().partition(" ")
            command = rest.split(" ", 1)[0].upper()
            if command == "CAPABILITY":
                caps = "IMAP4rev1 AUTH=PLAIN" + (
                    " STARTTLS" if self.starttls is not None and not tls else ""
                )
                conn.sendall(f"* CAPABILITY {caps}\r\n{tag} OK done\r\n".encode())
            elif command == "STARTTLS" and self.starttls is not None:
                conn.sendall(f"{tag} OK begin TLS\r\n".encode())
                conn = self.starttls.wrap_socket(conn, server_side=True)
                reader = conn.makefile("rb")
                tls = True
            elif command == "LOGIN":
                self.logins.append(tls)
                conn.sendall(f"{tag} NO [AUTHENTICATIONFAILED] {SERVER_SECRET}\r\n".encode())
            elif command == "LOGOUT":
                conn.sendall(f"* BYE {SERVER_SECRET}\r\n{tag} OK bye\r\n".encode())
                return
            else:
                conn.sendall(f"{tag} BAD {SERVER_SECRET}\r\n".encode())


@pytest.fixture
def servers() -> Iterator[list[FakeServer]]:
    made: list[FakeServer] = []
    yield made
    for server in made:
        server.close()


def _certificate(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A self-signed certificate for 127.0.0.1: the server's context and the CA file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sada test imap")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


def test_imap_goes_through_the_ssrf_guard(db, workspace, settings_env):  # type: ignore[no-untyped-def]
    get_settings.cache_clear()
    for host, reason in (
        ("169.254.169.254", "metadata"),
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("metadata.google.internal", "metadata"),
    ):
        box = _mailbox(db, workspace.id, imap_host=host, imap_port=993)
        message = _poll_error(db, workspace.id, box)
        assert "SSRF guard refused" in message and reason in message, message


def test_imap_never_echoes_the_remote_banner(db, workspace, settings_env, servers):  # type: ignore[no-untyped-def]
    _allow_loopback(settings_env, plaintext=True)
    ssh = FakeServer(greeting=f"SSH-2.0-OpenSSH_9.6 {SERVER_SECRET}\r\n".encode())
    servers.append(ssh)
    box = _mailbox(db, workspace.id, imap_host="127.0.0.1", imap_port=ssh.port, imap_tls=False)
    assert "did not answer as an IMAP server" in _poll_error(db, workspace.id, box)
    imap = FakeServer(greeting=f"* OK [CAPABILITY IMAP4rev1] {SERVER_SECRET}\r\n".encode())
    servers.append(imap)
    box = _mailbox(db, workspace.id, imap_host="127.0.0.1", imap_port=imap.port, imap_tls=False)
    assert "refused the user name or password" in _poll_error(db, workspace.id, box)


def test_imap_requires_verified_tls_unless_plaintext_is_allowed(  # type: ignore[no-untyped-def]
    db, workspace, settings_env, servers, tmp_path
):
    _allow_loopback(settings_env)
    plain = FakeServer(greeting=b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
    servers.append(plain)
    box = _mailbox(db, workspace.id, imap_host="127.0.0.1", imap_port=plain.port, imap_tls=False)
    assert "plaintext" in _poll_error(db, workspace.id, box)
    assert plain.logins == []  # the password was never sent in clear

    context, ca_file = _certificate(tmp_path)
    imaps = FakeServer(greeting=b"* OK [CAPABILITY IMAP4rev1] ready\r\n", implicit_tls=context)
    starttls = FakeServer(greeting=b"* OK ready\r\n", starttls=context)
    servers.extend([imaps, starttls])
    tls_box = _mailbox(db, workspace.id, imap_host="127.0.0.1", imap_port=imaps.port)
    st_box = _mailbox(
        db, workspace.id, imap_host="127.0.0.1", imap_port=starttls.port, imap_tls=False
    )
    # An untrusted certificate is refused before anything is sent.
    assert "certificate could not be verified" in _poll_error(db, workspace.id, tls_box)
    assert "certificate could not be verified" in _poll_error(db, workspace.id, st_box)
    assert imaps.logins == starttls.logins == []
    # Trusted: the login travels inside TLS (and the server's refusal is not repeated).
    settings_env.setenv("SSL_CERT_FILE", str(ca_file))
    assert "refused the user name" in _poll_error(db, workspace.id, tls_box)
    assert "refused the user name" in _poll_error(db, workspace.id, st_box)
    assert imaps.logins == [True] and starttls.logins == [True]
