"""Inbound email: raw MIME (posted by a mail server or an inbound-mail service) and IMAP.

Real mail is messy: undeclared or wrong charsets, raw 8-bit headers, HTML-only
bodies, attachments, auto-replies. Parsing never fails on content: what cannot
be decoded as declared is repaired (charset detection, then replacement
characters) and the repair is noted in the interaction's attributes.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, cast

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases import attachments as files_store
from sada.cases.attachments import Incoming
from sada.cases.models import Mailbox
from sada.core.errors import Invalid, NotFound
from sada.core.ssrf import BlockedDestination, HostPolicy, open_connection
from sada.db.engine import Database
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.db.types import utcnow
from sada.settings import get_settings

MAX_TEXT_BYTES = 60_000
CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}

PREFERRED_GUESSES = ("utf_8", "cp1252", "cp1256", "gb18030", "big5", "cp1251", "koi8_r")


@dataclass
class ParsedMail:
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_name: str | None
    from_address: str | None
    to: list[str]
    cc: list[str]
    subject: str | None
    date: datetime | None
    text: str
    html_only: bool
    attachments: list[dict[str, Any]] = field(default_factory=list)
    # The attachments' bytes, in the order of `attachments` (kept by `ingest_mime`).
    files: list[Incoming] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    auto_submitted: str | None = None


class _HTMLText(HTMLParser):
    """HTML to readable text: block elements become line breaks, scripts are dropped."""

    BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"}
    )
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _HTMLText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # noqa: BLE001 - broken markup: fall back to stripping tags
        return html.unescape(re.sub(r"<[^>]+>", " ", markup)).strip()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()


def _decode_bytes(data: bytes, charset: str | None, repairs: list[str], what: str) -> str:
    name = (charset or "").strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    if name:
        try:
            return data.decode(name)
        except LookupError:
            repairs.append(f"{what}: unknown charset {charset!r}")
        except UnicodeDecodeError:
            repairs.append(f"{what}: not valid {charset}")
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            repairs.append(f"{what}: no charset declared")
    try:
        from charset_normalizer import from_bytes

        results = from_bytes(data)
        best = results.best()
        if best is not None:
            # Short texts fit several single-byte charsets equally well; prefer the
            # ones mail in Sada's languages most often really uses.
            ties = [
                m
                for m in results
                if m.chaos <= best.chaos + 1e-9 and m.coherence >= best.coherence - 1e-9
            ]
            for name in PREFERRED_GUESSES:
                match = next((m for m in ties if m.encoding == name), None)
                if match is not None:
                    best = match
                    break
            repairs.append(f"{what}: decoded as {best.encoding}")
            return str(best)
    except ImportError:  # pragma: no cover - charset-normalizer ships with httpx's extras
        pass
    repairs.append(f"{what}: undecodable bytes replaced")
    return data.decode("utf-8", "replace")


def _header(msg: Message, name: str, repairs: list[str]) -> str | None:
    # raw_items keeps undeclared 8-bit bytes (as surrogates) instead of replacing them.
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return None
    value = str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        # Raw 8-bit bytes in a header (no RFC 2047 encoding): recover them.
        data = value.encode("utf-8", "surrogateescape")
        value = _decode_bytes(data, None, repairs, f"header {name}")
    elif "=?" in value:
        try:
            value = str(make_header(decode_header(value)))
        except (LookupError, UnicodeDecodeError, ValueError):
            repairs.append(f"header {name}: broken encoded-word")
    value = value.replace("\x00", "")
    return re.sub(r"\s+", " ", value).strip() or None


def _msgid(value: str | None) -> str | None:
    if not value:
        return None
    found = re.findall(r"<[^<>\s]+>", value)
    return found[0] if found else value.strip().split()[0]


def parse_mime(raw: bytes) -> ParsedMail:
    if not raw or not raw.strip():
        raise Invalid("empty message")
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    if not msg.keys():
        raise Invalid("not a MIME message: no headers found")
    repairs: list[str] = []
    subject = _header(msg, "Subject", repairs)
    from_value = _header(msg, "From", repairs) or ""
    addresses = getaddresses([from_value])
    from_name, from_address = addresses[0] if addresses else ("", "")
    to = [a for _n, a in getaddresses([_header(msg, "To", repairs) or ""]) if a]
    cc = [a for _n, a in getaddresses([_header(msg, "Cc", repairs) or ""]) if a]
    date = None
    date_value = _header(msg, "Date", repairs)
    if date_value:
        try:
            date = parsedate_to_datetime(date_value)
            if date.tzinfo is None:
                date = date.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            repairs.append("header Date: unparseable")
    references = re.findall(r"<[^<>\s]+>", _header(msg, "References", repairs) or "")
    plain: list[str] = []
    htmls: list[str] = []
    attachments: list[dict[str, Any]] = []
    files: list[Incoming] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = part.get_filename()
        if filename and "=?" in filename:
            try:
                filename = str(make_header(decode_header(filename)))
            except (LookupError, UnicodeDecodeError, ValueError):
                repairs.append("attachment name: broken encoded-word")
        payload = cast(bytes, part.get_payload(decode=True) or b"")
        if disposition == "attachment" or filename or not content_type.startswith("text/"):
            attachments.append(
                {
                    "filename": (filename or "")[:300] or None,
                    "content_type": content_type,
                    "size": len(payload),
                    "sha256": hashlib.sha256(payload).hexdigest(),
                }
            )
            files.append(
                Incoming(filename, content_type, payload, inline=disposition != "attachment")
            )
            continue
        text = _decode_bytes(payload, part.get_content_charset(), repairs, content_type)
        if content_type == "text/html":
            htmls.append(text)
        else:
            plain.append(text)
    html_only = not plain and bool(htmls)
    body = "\n\n".join(p.strip() for p in plain) if plain else html_to_text("\n".join(htmls))
    body = body.replace("\x00", "")
    return ParsedMail(
        message_id=_msgid(_header(msg, "Message-ID", repairs)),
        in_reply_to=_msgid(_header(msg, "In-Reply-To", repairs)),
        references=references,
        from_name=from_name or None,
        from_address=(from_address or "").lower() or None,
        to=to,
        cc=cc,
        subject=subject,
        date=date,
        text=body,
        html_only=html_only,
        attachments=attachments,
        files=files,
        repairs=repairs,
        auto_submitted=_header(msg, "Auto-Submitted", repairs),
    )


def _truncate(text: str, limit: int) -> tuple[str, bool]:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text, False
    return data[:limit].decode("utf-8", "ignore"), True


@dataclass
class InboundResult:
    status: str  # stored | duplicate | ignored
    interaction_id: int | None = None
    reason: str | None = None


def ingest_mime(session: Session, raw: bytes, *, mailbox: Mailbox | None = None) -> InboundResult:
    """Parse and store one message as an inbound email interaction (idempotent by Message-ID)."""
    from sada.interactions.ingest import ingest_batch

    mail = parse_mime(raw)
    if mail.auto_submitted and mail.auto_submitted.lower() != "no":
        return InboundResult("ignored", reason=f"auto-submitted: {mail.auto_submitted}")
    if mail.from_address is None or "@" not in mail.from_address:
        return InboundResult("ignored", reason="no sender address")
    if mailbox is not None and mail.from_address == mailbox.address.lower():
        return InboundResult("ignored", reason="sent by this mailbox")
    text, truncated = _truncate(mail.text, MAX_TEXT_BYTES)
    message_id = mail.message_id or f"<{hashlib.sha256(raw).hexdigest()}@sada.generated>"
    external_id = message_id.strip("<>")
    if len(external_id) > 200:
        external_id = hashlib.sha256(external_id.encode()).hexdigest()
    attributes: dict[str, Any] = {
        "message_id": message_id,
        "to": mail.to[:50],
        "cc": mail.cc[:50],
    }
    if mail.in_reply_to:
        attributes["in_reply_to"] = mail.in_reply_to
    if mail.references:
        attributes["references"] = mail.references[-50:]
    limits = files_store.Limits.from_settings(get_settings())
    judged = files_store.judge(mail.files, limits)
    if mail.attachments:
        listed = []
        for meta, verdict in zip(mail.attachments[:50], judged, strict=False):
            meta = {**meta, "filename": verdict.filename}
            if verdict.status == "refused":
                meta["refused"] = verdict.reason
                meta["limit"] = verdict.limit
            listed.append(meta)
        attributes["attachments"] = listed
    if mail.html_only:
        attributes["html_only"] = True
    if mail.repairs:
        attributes["encoding_repairs"] = mail.repairs[:20]
    if truncated:
        attributes["truncated"] = True
    if mailbox is not None:
        attributes["mailbox_id"] = mailbox.id
        if mailbox.team_id is not None:
            attributes["mailbox_team_id"] = mailbox.team_id
    person: dict[str, Any] = {"email": mail.from_address}
    if mail.from_name:
        person["name"] = mail.from_name[:300]
    item = {
        "source": "email",
        "external_id": external_id,
        "occurred_at": (mail.date or utcnow()).isoformat(),
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "subject": (mail.subject or "")[:1000] or None,
        "text": text,
        "attributes": attributes,
        "person": person,
    }
    result = ingest_batch(session, [item])[0]
    if result.status == "rejected":
        raise Invalid(
            "message rejected: " + "; ".join(f"{e.path}: {e.message}" for e in result.errors)
        )
    if result.status == "stored" and result.id is not None:
        # Within the limits: the files are kept with the message, in the same transaction.
        kept = [f for f, v in zip(mail.files, judged, strict=True) if v.status == "stored"]
        files_store.store(session, result.id, kept, limits)
    return InboundResult(result.status, result.id)


# ---------------------------------------------------------------- mailboxes


def do_create_mailbox(session: Session, data: dict[str, Any]) -> Mailbox:
    from sada.automation.webhooks import new_secret

    address = str(data.get("address", "")).strip().lower()
    if "@" not in address:
        raise Invalid("address must be an email address")
    mailbox = Mailbox(
        workspace_id=bound_workspace(session),
        **{**data, "address": address},
        secret=new_secret(),
    )
    session.add(mailbox)
    session.flush()
    return mailbox


def access_mailbox(session: Session, mailbox_id: int) -> Mailbox:
    mailbox = session.execute(select(Mailbox).where(Mailbox.id == mailbox_id)).scalar_one_or_none()
    if mailbox is None:
        raise NotFound(f"no mailbox {mailbox_id}")
    return mailbox


def find_mailbox_any_workspace(db: Database, mailbox_id: int) -> Mailbox | None:
    """For signed posts: the mailbox id says which workspace (the signature proves it)."""
    with db.reader() as session:
        return session.execute(
            select(Mailbox)
            .where(Mailbox.id == mailbox_id)
            .execution_options(**{ALL_WORKSPACES: True})
        ).scalar_one_or_none()


def poll_imap(
    db: Database, workspace_id: int, mailbox_id: int, *, batch: int = 50
) -> dict[str, int]:
    """Fetch new messages (by UID, past the last one seen) and ingest each; idempotent."""
    with db.reader(workspace_id) as session:
        mailbox = access_mailbox(session, mailbox_id)
        session.expunge(mailbox)
    if not mailbox.imap_host or not mailbox.imap_username:
        raise Invalid("this mailbox has no IMAP settings")
    counts = {"fetched": 0, "stored": 0, "duplicate": 0, "ignored": 0, "failed": 0}
    settings = get_settings()
    policy = HostPolicy.from_setting(settings.webhook_allowed_hosts)
    try:
        client = _connect_imap(
            policy, mailbox.imap_host, mailbox.imap_port, mailbox.imap_tls, settings
        )
        try:
            client.login(mailbox.imap_username, mailbox.imap_password or "")
            status, _ = client.select(_quote(mailbox.imap_folder), readonly=True)
            if status != "OK":
                raise Invalid(f"cannot open folder {mailbox.imap_folder!r}")
            uidvalidity = _uidvalidity(client)
            last_uid = mailbox.last_uid
            if mailbox.uidvalidity is not None and uidvalidity != mailbox.uidvalidity:
                last_uid = 0  # the folder was rebuilt; Message-IDs keep this idempotent
            status, data = client.uid("SEARCH", f"UID {last_uid + 1}:*")
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last_uid)
            for start in range(0, len(uids), batch):
                chunk = uids[start : start + batch]
                messages: list[tuple[int, bytes]] = []
                for uid in chunk:
                    status, parts = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
                    raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
                    if status == "OK" and raw is not None:
                        messages.append((uid, raw))
                with db.transaction(workspace_id) as session:
                    box = access_mailbox(session, mailbox_id)
                    for uid, raw in messages:
                        counts["fetched"] += 1
                        try:
                            with session.begin_nested():
                                result = ingest_mime(session, raw, mailbox=box)
                            counts[result.status] = counts.get(result.status, 0) + 1
                        except Invalid:
                            counts["failed"] += 1
                        box.last_uid = max(
                            box.last_uid if box.uidvalidity == uidvalidity else 0, uid
                        )
                    box.uidvalidity = uidvalidity
                    box.last_polled_at = utcnow()
                    box.last_error = None
            with db.transaction(workspace_id) as session:
                box = access_mailbox(session, mailbox_id)
                box.uidvalidity = uidvalidity
                box.last_polled_at = utcnow()
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
    except (imaplib.IMAP4.error, OSError, httpx.TransportError) as exc:
        reason = _imap_failure(exc)
        with db.transaction(workspace_id) as session:
            box = access_mailbox(session, mailbox_id)
            box.last_error = reason
            box.last_polled_at = utcnow()
        raise Invalid(f"IMAP polling failed: {reason}") from None
    return counts


class _GuardedIMAP4(imaplib.IMAP4):
    """IMAP4 whose connection goes through the SSRF guard (one lookup, judged addresses)."""

    def __init__(self, policy: HostPolicy, host: str, port: int, timeout: float) -> None:
        self._policy = policy
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return open_connection(self._policy, self.host, self.port, timeout or 30)


class _GuardedIMAP4SSL(imaplib.IMAP4_SSL):
    """IMAPS through the SSRF guard; the certificate is verified against the host name."""

    def __init__(
        self, policy: HostPolicy, host: str, port: int, timeout: float, context: ssl.SSLContext
    ) -> None:
        self._policy = policy
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = open_connection(self._policy, self.host, self.port, timeout or 30)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def _connect_imap(
    policy: HostPolicy, host: str, port: int | None, tls: bool, settings: Any
) -> imaplib.IMAP4:
    """IMAPS when `tls`, else STARTTLS; plaintext only with SADA_IMAP_ALLOW_PLAINTEXT."""
    context = ssl.create_default_context()  # verifies the certificate and the host name
    try:
        if tls:
            return _GuardedIMAP4SSL(policy, host, port or 993, 30, context)
        client = _GuardedIMAP4(policy, host, port or 143, 30)
    except imaplib.IMAP4.error:  # the greeting was not IMAP's (its text is not repeated)
        raise _NotImap() from None
    if "STARTTLS" in client.capabilities:
        client.starttls(context)
        return client
    if not settings.imap_allow_plaintext:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.shutdown()
        raise _PlaintextRefused()
    return client


class _PlaintextRefused(OSError):
    """The server offers no STARTTLS and plaintext IMAP is not allowed."""


class _NotImap(OSError):
    """The server's greeting was not an IMAP greeting."""


def _imap_failure(exc: BaseException) -> str:
    """What went wrong, in our words: never the server's own text (a port-scan oracle)."""
    if isinstance(exc, _PlaintextRefused):
        return (
            "the server offers no TLS (neither IMAPS nor STARTTLS); plaintext IMAP would send "
            "the password in clear (set SADA_IMAP_ALLOW_PLAINTEXT=true to allow it)"
        )
    if isinstance(exc, _NotImap):
        return "the server did not answer as an IMAP server"
    if isinstance(exc, BlockedDestination):
        return f"the SSRF guard refused this host ({str(exc).split(': ', 1)[-1][:200]})"
    if isinstance(exc, httpx.TransportError):
        return "the host name does not resolve"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "the server's TLS certificate could not be verified"
    if isinstance(exc, ssl.SSLError):
        return "the TLS handshake failed"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "the connection timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, imaplib.IMAP4.abort):
        return "the server did not answer as an IMAP server"
    if isinstance(exc, imaplib.IMAP4.error):
        text = str(exc).lower()
        if "login" in text or "authenticat" in text:
            return "the server refused the user name or password"
        return "the server refused a command"
    return "the connection failed"


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uidvalidity(client: imaplib.IMAP4) -> int | None:
    _typ, data = client.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] else None
    except (TypeError, ValueError):
        return None


def sample_message(
    *, sender: str, to: str, subject: str, body: str, message_id: str | None = None
) -> bytes:
    """A well-formed UTF-8 message (used by the demo and tests)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes()
