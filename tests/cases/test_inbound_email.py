"""Inbound email: raw MIME endpoint (API key or signed), forged requests, messy real-world
messages in four languages, and IMAP polling against a real Dovecot started by the test."""

from __future__ import annotations

import base64
import email.utils
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest
from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.automation.webhooks import sign
from sada.cases import inbound
from sada.cases.models import Conversation
from sada.interactions.models import Interaction


def _arabic_cp1256() -> bytes:
    msg = MIMEText("مرحباً، طلبي رقم 42 لم يصل بعد. أرجو المساعدة.", "plain", "windows-1256")
    msg["Subject"] = Header("طلب متأخر", "windows-1256")
    msg["From"] = f"{Header('سارة', 'utf-8').encode()} <sara@example.com>"
    msg["To"] = "support@sada.example"
    msg["Message-ID"] = f"<ar-{uuid.uuid4().hex}@example.com>"
    # Recent: a message older than the live window would be history (no conversation).
    riyadh = timezone(timedelta(hours=3))
    msg["Date"] = email.utils.format_datetime(datetime.now(riyadh) - timedelta(hours=1))
    return msg.as_bytes()


def _persian_html_only() -> bytes:
    msg = MIMEText(
        "<html><head><style>p{}</style></head><body><p>سلام،</p><p>بستهٔ من آسیب دیده بود"
        "&nbsp;و&nbsp;می‌خواهم آن را پس بدهم.</p><script>alert(1)</script></body></html>",
        "html",
        "utf-8",
    )
    msg["Subject"] = Header("مرجوعی کالا", "utf-8")
    msg["From"] = "reza@example.ir"
    msg["Message-ID"] = f"<fa-{uuid.uuid4().hex}@example.ir>"
    return msg.as_bytes()


def _chinese_with_attachment() -> bytes:
    msg = MIMEMultipart()
    msg["Subject"] = Header("发票问题", "gb2312")
    msg["From"] = "wang@example.cn"
    msg["Message-ID"] = f"<zh-{uuid.uuid4().hex}@example.cn>"
    # Declared gb2312 but uses a character only GBK/GB18030 has (镕).
    body = MIMEText("", "plain", "gb2312")
    body.set_payload(
        base64.b64encode("您好，我的发票抬头写错了：朱镕。请重新开具。".encode("gb18030"))
    )
    body.replace_header("Content-Transfer-Encoding", "base64")
    msg.attach(body)
    pdf = MIMEApplication(b"%PDF-1.4 fake invoice", "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "发票.pdf"))
    msg.attach(pdf)
    return msg.as_bytes()


def _english_broken_encoding() -> bytes:
    # Declared UTF-8, actually Latin-1; an undeclared 8-bit UTF-8 subject header.
    return (
        b"From: Jo Smith <jo@example.com>\r\n"
        b"Subject: Caf\xc3\xa9 order \xe2\x80\x94 wrong\r\n"
        b"Message-ID: <en-" + uuid.uuid4().hex.encode() + b"@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"The caf\xe9 au lait was cold and the cr\xe8me br\xfbl\xe9e missing.\r\n"
    )


def _unknown_charset() -> bytes:
    return (
        b"From: x@example.com\r\nSubject: hello\r\nMessage-ID: <u-"
        + uuid.uuid4().hex.encode()
        + b"@x>\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\n"
        + "Привет, это тест кодировки".encode("koi8-r")
        + b"\r\n"
    )


def test_parse_four_languages_and_messy_mail():
    ar = inbound.parse_mime(_arabic_cp1256())
    assert ar.subject == "طلب متأخر" and "طلبي رقم 42" in ar.text
    assert ar.from_name == "سارة" and ar.from_address == "sara@example.com"
    assert ar.date is not None and ar.date.utcoffset().total_seconds() == 3 * 3600
    fa = inbound.parse_mime(_persian_html_only())
    assert fa.html_only and "بستهٔ من آسیب دیده بود و می‌خواهم" in fa.text
    assert "alert" not in fa.text and "<p>" not in fa.text
    zh = inbound.parse_mime(_chinese_with_attachment())
    assert zh.subject == "发票问题" and "朱镕" in zh.text
    (attachment,) = zh.attachments
    assert attachment["filename"] == "发票.pdf" and attachment["content_type"] == "application/pdf"
    assert attachment["size"] == len(b"%PDF-1.4 fake invoice")
    en = inbound.parse_mime(_english_broken_encoding())
    assert en.subject == "Café order — wrong"
    assert "café au lait" in en.text and "crème brûlée" in en.text
    assert any("not valid utf-8" in r for r in en.repairs)
    unknown = inbound.parse_mime(_unknown_charset())
    assert any("unknown charset" in r for r in unknown.repairs)
    assert unknown.text  # decoded somehow, never an exception


def test_api_key_endpoint_stores_and_threads(db, workspace, client, api_headers):
    raw = _arabic_cp1256()
    r = client.post("/api/v1/inbound/email", content=raw, headers=api_headers)
    assert r.status_code == 200 and r.json()["status"] == "stored", r.text
    again = client.post("/api/v1/inbound/email", content=raw, headers=api_headers)
    assert again.json()["status"] == "duplicate"
    first = inbound.parse_mime(raw)
    reply = (
        f"From: sara@example.com\r\nSubject: Re: x\r\nMessage-ID: <r-{uuid.uuid4().hex}@e>\r\n"
        f"In-Reply-To: {first.message_id}\r\nReferences: {first.message_id}\r\n\r\nAny news?\r\n"
    ).encode()
    client.post("/api/v1/inbound/email", content=reply, headers=api_headers)
    auto = b"From: bot@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: OOO\r\n\r\naway\r\n"
    assert (
        client.post("/api/v1/inbound/email", content=auto, headers=api_headers).json()["status"]
        == "ignored"
    )
    assert client.post("/api/v1/inbound/email", content=raw).status_code == 401
    assert (
        client.post("/api/v1/inbound/email", content=b"\r\n", headers=api_headers).status_code
        == 422
    )
    drain_jobs(db, workspace.id, kinds=["automation.ingested"])
    with db.reader(workspace.id) as session:
        (conv,) = session.execute(select(Conversation)).scalars().all()
        rows = session.execute(select(Interaction).order_by(Interaction.id)).scalars().all()
    assert conv.channel == "email" and conv.subject == "طلب متأخر"
    assert [r.text.strip() for r in rows][1] == "Any news?"
    assert rows[0].attributes["message_id"] == first.message_id


def _mailbox(db, ws_id, **kw):
    with db.transaction(ws_id) as session:
        box = inbound.do_create_mailbox(session, {"address": "support@sada.example", **kw})
        return box.id, box.secret


def _signed(secret, body, *, msg_id=None, ts=None):
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(ts if ts is not None else time.time())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(secret, msg_id, ts, body),
        "content-type": "message/rfc822",
    }


def test_signed_endpoint_refuses_forged_requests(db, workspace, client):
    box_id, secret = _mailbox(db, workspace.id)
    raw = _persian_html_only()
    url = f"/api/v1/inbound/email/{box_id}"
    other_secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    good = _signed(secret, raw)
    forged = {
        "no headers": {},
        "wrong secret": _signed(other_secret, raw),
        "body changed": _signed(secret, raw + b"x"),
        "stale timestamp": _signed(secret, raw, ts=time.time() - 3600),
        "future timestamp": _signed(secret, raw, ts=time.time() + 3600),
        "id swapped": {**good, "webhook-id": "msg_other"},
        "garbage signature": {**good, "webhook-signature": "v1,AAAA"},
        "unsupported version": {
            **good,
            "webhook-signature": good["webhook-signature"].replace("v1,", "v2,"),
        },
    }
    for name, headers in forged.items():
        r = client.post(url, content=raw, headers=headers)
        assert r.status_code == 401, name
    r = client.post("/api/v1/inbound/email/999999", content=raw, headers=good)
    assert r.status_code == 401  # unknown mailbox answers like a bad signature
    r = client.post(url, content=raw, headers=good)
    assert r.status_code == 200 and r.json()["status"] == "stored", r.text
    # A replay of the same signed message stores nothing new.
    assert client.post(url, content=raw, headers=good).json()["status"] == "duplicate"
    with db.reader(workspace.id) as session:
        (row,) = session.execute(select(Interaction)).scalars().all()
    assert row.attributes["html_only"] is True and row.attributes["mailbox_id"] == box_id


# ---------------------------------------------------------------- IMAP (real Dovecot)


def _dovecot() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )


@pytest.fixture
def dovecot():
    binary = _dovecot()
    if binary is None:
        pytest.skip(
            "IMAP test skipped: Dovecot is not installed (apt-get install -y dovecot-imapd)"
        )
    if os.getuid() == 0:
        try:
            owner = pwd.getpwnam("dovecot")
        except KeyError:
            pytest.skip("IMAP test skipped: running as root without a 'dovecot' system user")
        uid, gid, extra = owner.pw_uid, owner.pw_gid, ""
    else:
        me = pwd.getpwuid(os.getuid())
        uid, gid = me.pw_uid, me.pw_gid
        extra = f"default_internal_user = {me.pw_name}\ndefault_login_user = {me.pw_name}\n"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Dovecot's own processes (another user when run as root) must read this directory.
    tmp_path = Path(tempfile.mkdtemp(prefix="sada-dovecot-"))
    os.chmod(tmp_path, 0o755)
    for d in ("run", "state", "mail", "home"):
        (tmp_path / d).mkdir()
    (tmp_path / "users").write_text("sada:{PLAIN}imap-secret\n")
    conf = tmp_path / "dovecot.conf"
    conf.write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{tmp_path}/mail/%u
first_valid_uid = {uid}
{extra}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp_path}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp_path}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    for path in (tmp_path, tmp_path / "mail", tmp_path / "home"):
        os.chown(path, uid, gid)
    proc = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.terminate()
        pytest.fail(f"dovecot did not start: {proc.stderr.read() if proc.stderr else ''}")

    maildir = tmp_path / "mail" / "sada"

    def deliver(raw: bytes) -> None:
        for sub in ("new", "cur", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
            os.chown(maildir / sub, uid, gid)
        os.chown(maildir, uid, gid)
        path = maildir / "new" / f"{time.time_ns()}.{uuid.uuid4().hex}.sada"
        path.write_bytes(raw)
        os.chown(path, uid, gid)

    yield {"port": port, "deliver": deliver}
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_imap_polling_against_real_dovecot(db, workspace, dovecot, monkeypatch, request):
    from sada.settings import get_settings

    request.addfinalizer(get_settings.cache_clear)
    # This Dovecot listens on loopback without TLS: both must be allowed explicitly.
    monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32")
    monkeypatch.setenv("SADA_IMAP_ALLOW_PLAINTEXT", "true")
    get_settings.cache_clear()
    messages = [
        _arabic_cp1256(),
        _persian_html_only(),
        _chinese_with_attachment(),
        _english_broken_encoding(),
    ]
    for raw in messages:
        dovecot["deliver"](raw)
    box_id, _secret = _mailbox(
        db,
        workspace.id,
        imap_host="127.0.0.1",
        imap_port=dovecot["port"],
        imap_tls=False,
        imap_username="sada",
        imap_password="imap-secret",
    )
    counts = inbound.poll_imap(db, workspace.id, box_id)
    assert counts["fetched"] == 4 and counts["stored"] == 4
    # Nothing new: nothing fetched. A new message: only it.
    assert inbound.poll_imap(db, workspace.id, box_id)["fetched"] == 0
    dovecot["deliver"](_unknown_charset())
    assert inbound.poll_imap(db, workspace.id, box_id) == {
        "fetched": 1,
        "stored": 1,
        "duplicate": 0,
        "ignored": 0,
        "failed": 0,
    }
    with db.reader(workspace.id) as session:
        rows = session.execute(select(Interaction).order_by(Interaction.id)).scalars().all()
        box = inbound.access_mailbox(session, box_id)
    texts = " ".join(r.text for r in rows)
    for needle in ("طلبي رقم 42", "آسیب دیده", "朱镕", "crème brûlée"):
        assert needle in texts
    assert {r.channel for r in rows} == {"email"} and box.last_uid == 5 and box.uidvalidity
    assert rows[2].attributes["attachments"][0]["filename"] == "发票.pdf"
    # Wrong password: a clear error recorded on the mailbox.
    with db.transaction(workspace.id) as session:
        inbound.access_mailbox(session, box_id).imap_password = "nope"
    with pytest.raises(Exception, match="IMAP polling failed"):
        inbound.poll_imap(db, workspace.id, box_id)
    with db.reader(workspace.id) as session:
        assert inbound.access_mailbox(session, box_id).last_error
