"""Attachments in conversations: kept from inbound mail and the JSON API, listed on the
conversation page, downloaded with safe headers (HTML never rendered), other workspaces
answered 404, over-limit files refused with a reason while the message is kept, an agent's
reply carrying files reaching a real local SMTP server as a multipart mail, and erasure."""

from __future__ import annotations

import base64
import email
import email.utils
import re
import uuid
from datetime import UTC, datetime
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from urllib.parse import unquote

import pytest
from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.cases import attachments as files_store
from sada.cases.attachments import Attachment, AttachmentBlob
from sada.cases.models import Conversation
from sada.interactions.models import Interaction
from tests.web.conftest import csrf_of, sign_in

PERSIAN_PDF = "گزارش خرید ۱۴۰۳.pdf"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<html><body><h1>hi</h1><script>alert(document.cookie)</script></body></html>"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _mail(*parts: tuple[str, str, bytes], sender: str | None = None) -> bytes:
    msg = MIMEMultipart()
    msg["Subject"] = "فاکتور و صفحه"
    msg["From"] = sender or f"reza-{uuid.uuid4().hex[:6]}@example.ir"
    msg["To"] = "support@sada.example"
    msg["Message-ID"] = f"<att-{uuid.uuid4().hex}@example.ir>"
    msg["Date"] = email.utils.format_datetime(datetime.now(UTC))
    msg.attach(MIMEText("سلام، فاکتور پیوست است.", "plain", "utf-8"))
    for name, ctype, data in parts:
        main, sub = ctype.split("/")
        part = MIMEApplication(data, sub)
        part.replace_header("Content-Type", ctype)
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        msg.attach(part)
    return msg.as_bytes()


def _member(db, ws_id, role="agent", language="en"):
    from sada.tenants.service import do_add_member, do_create_user

    email_ = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        user = do_create_user(session, email_, "correct horse battery", language=language)
        do_add_member(session, user, role)
    return email_


def _inbound(db, ws_id, client, headers, raw):
    r = client.post("/api/v1/inbound/email", content=raw, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "stored", r.text
    drain_jobs(db, ws_id, kinds=["automation.ingested"])
    interaction_id = r.json()["interaction_id"]
    with db.reader(ws_id) as session:
        conv_id = session.execute(
            select(Conversation.id).order_by(Conversation.id.desc()).limit(1)
        ).scalar_one()
    return interaction_id, conv_id


def test_sniff_and_names():
    assert files_store.sniff(PDF) == "application/pdf"
    assert files_store.sniff(HTML) == "text/html"
    assert files_store.sniff(b"\n  <svg xmlns='http://www.w3.org/2000/svg'/>") == "image/svg+xml"
    assert files_store.sniff(PNG) == "image/png"
    assert files_store.sniff("سلام".encode()) == "text/plain"
    assert files_store.served_type("text/html") == "application/octet-stream"
    assert files_store.served_type("image/svg+xml") == "application/octet-stream"
    assert files_store.sanitize_filename("../../etc/" + PERSIAN_PDF) == PERSIAN_PDF
    assert files_store.sanitize_filename("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert files_store.sanitize_filename("می\u200cخواهم.txt") == "می\u200cخواهم.txt"
    assert files_store.sanitize_filename("发票.pdf") == "发票.pdf"
    assert files_store.sanitize_filename("", "application/pdf") == "attachment.pdf"
    assert files_store.sanitize_filename("..") == "attachment"
    long = files_store.sanitize_filename("ا" * 400 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_inbound_mail_files_are_kept_listed_and_downloaded_safely(
    db, workspace, client, api_headers, make_workspace, make_key
):
    raw = _mail((PERSIAN_PDF, "application/pdf", PDF), ("page.html", "text/html", HTML))
    interaction_id, conv_id = _inbound(db, workspace.id, client, api_headers, raw)
    with db.reader(workspace.id) as session:
        rows = session.execute(select(Attachment).order_by(Attachment.id)).scalars().all()
    assert [(r.filename, r.declared_type, r.sniffed_type) for r in rows] == [
        (PERSIAN_PDF, "application/pdf", "application/pdf"),
        ("page.html", "text/html", "text/html"),
    ]
    assert rows[0].size == len(PDF) and rows[0].interaction_id == interaction_id
    pdf_id, html_id = rows[0].id, rows[1].id

    sign_in(client, _member(db, workspace.id, language="fa"))
    page = client.get(f"/inbox/{conv_id}")
    assert page.status_code == 200
    assert PERSIAN_PDF in page.text and "page.html" in page.text
    assert f'href="/inbox/{conv_id}/attachments/{pdf_id}" download' in page.text
    assert "<script>alert" not in page.text  # the HTML file is not rendered in the page
    assert "<h1>hi</h1>" not in page.text

    r = client.get(f"/inbox/{conv_id}/attachments/{pdf_id}")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    star = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert star and unquote(star.group(1)) == PERSIAN_PDF
    assert disposition.encode("latin-1")  # the header itself is pure ASCII
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == "sandbox; default-src 'none'"

    h = client.get(f"/inbox/{conv_id}/attachments/{html_id}")
    assert h.status_code == 200 and h.content == HTML
    assert h.headers["content-type"] == "application/octet-stream"
    assert h.headers["content-disposition"].startswith('attachment; filename="page.html"')
    assert h.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert client.get(f"/inbox/{conv_id}/attachments/{html_id}/thumbnail").status_code == 404

    # The API lists and serves them the same way.
    listed = client.get(f"/api/v1/interactions/{interaction_id}/attachments", headers=api_headers)
    assert [a["filename"] for a in listed.json()["attachments"]] == [PERSIAN_PDF, "page.html"]
    got = client.get(f"/api/v1/attachments/{html_id}/content", headers=api_headers)
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    conv = client.get(f"/api/v1/conversations/{conv_id}", headers=api_headers).json()
    assert [f["filename"] for f in conv["messages"][0]["files"]] == [PERSIAN_PDF, "page.html"]

    # Another workspace: the same ids answer 404, on the page and in the API.
    other = make_workspace(db)
    client.cookies.clear()
    sign_in(client, _member(db, other.id, role="admin"))
    assert client.get(f"/inbox/{conv_id}/attachments/{pdf_id}").status_code == 404
    other_headers = {"Authorization": f"Bearer {make_key(db, other.id, 'read', 'write')}"}
    assert (
        client.get(f"/api/v1/attachments/{pdf_id}/content", headers=other_headers).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/interactions/{interaction_id}/attachments", headers=other_headers
        ).status_code
        == 404
    )


def test_a_file_of_another_conversation_is_not_served_through_this_one(
    db, workspace, client, api_headers
):
    first, conv_a = _inbound(
        db, workspace.id, client, api_headers, _mail(("a.pdf", "application/pdf", PDF))
    )
    _second, conv_b = _inbound(db, workspace.id, client, api_headers, _mail())
    with db.reader(workspace.id) as session:
        att = session.execute(
            select(Attachment.id).where(Attachment.interaction_id == first)
        ).scalar_one()
    sign_in(client, _member(db, workspace.id))
    assert client.get(f"/inbox/{conv_a}/attachments/{att}").status_code == 200
    assert client.get(f"/inbox/{conv_b}/attachments/{att}").status_code == 404


def test_viewer_sees_no_file_names_and_cannot_download(db, workspace, client, api_headers):
    _i, conv_id = _inbound(
        db, workspace.id, client, api_headers, _mail((PERSIAN_PDF, "application/pdf", PDF))
    )
    with db.reader(workspace.id) as session:
        att = (
            session.execute(select(Attachment.id).order_by(Attachment.id.desc())).scalars().first()
        )
    sign_in(client, _member(db, workspace.id, role="viewer"))
    page = client.get(f"/inbox/{conv_id}")
    assert page.status_code == 200 and PERSIAN_PDF not in page.text
    assert client.get(f"/inbox/{conv_id}/attachments/{att}").status_code == 404


def test_over_size_mail_file_is_refused_with_a_reason_and_the_message_kept(
    db, workspace, client, api_headers, monkeypatch
):
    from sada.settings import get_settings

    monkeypatch.setenv("SADA_ATTACHMENT_MAX_BYTES", "2000")
    get_settings.cache_clear()
    try:
        raw = _mail(
            ("small.pdf", "application/pdf", PDF), ("big.pdf", "application/pdf", PDF * 100)
        )
        interaction_id, conv_id = _inbound(db, workspace.id, client, api_headers, raw)
    finally:
        get_settings.cache_clear()
    with db.reader(workspace.id) as session:
        names = (
            session.execute(
                select(Attachment.filename).where(Attachment.interaction_id == interaction_id)
            )
            .scalars()
            .all()
        )
        row = session.get(Interaction, interaction_id)
    assert names == ["small.pdf"]
    assert row.text.startswith("سلام")  # the message itself is stored
    refused = [a for a in row.attributes["attachments"] if a.get("refused")]
    assert refused == [{**refused[0], "filename": "big.pdf", "refused": "too_large", "limit": 2000}]
    sign_in(client, _member(db, workspace.id, language="fa"))
    page = client.get(f"/inbox/{conv_id}").text
    assert "big.pdf" in page and "نگه داشته نشد" in page  # "not kept", in Persian


def test_json_api_files_validated_per_field_and_limits(db, workspace, client, api_headers):
    interaction_id, _conv = _inbound(db, workspace.id, client, api_headers, _mail())
    url = f"/api/v1/interactions/{interaction_id}/attachments"
    bad = client.post(
        url,
        json={
            "attachments": [
                {"filename": "", "content_type": "pdf", "data": "***"},
                {"filename": "ok.txt", "data": base64.b64encode(b"hello").decode(), "x": 1},
            ]
        },
        headers=api_headers,
    )
    assert bad.status_code == 422, bad.text
    paths = {e["path"] for e in bad.json()["error"]["details"]}
    assert paths == {
        "attachments.0.filename",
        "attachments.0.content_type",
        "attachments.0.data",
        "attachments.1.x",
    }
    assert client.post(url, content=b"{", headers=api_headers).status_code == 422
    assert client.post(url, json=[1], headers=api_headers).status_code == 422
    assert client.post(url, json={"attachments": "x"}, headers=api_headers).status_code == 422
    good = {
        "filename": "رسید.txt",
        "content_type": "text/plain",
        "data": base64.b64encode("رسید پرداخت".encode()).decode(),
    }
    r = client.post(url, json={"attachments": [good]}, headers=api_headers)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "stored", r.text
    again = client.post(url, json={"attachments": [good]}, headers=api_headers)
    assert again.json()["results"][0]["status"] == "duplicate"
    assert (
        client.post(
            "/api/v1/interactions/999999999/attachments",
            json={"attachments": [good]},
            headers=api_headers,
        ).status_code
        == 404
    )
    # Over the count limit (20 by default): refused with a reason, the others kept.
    many = [
        {**good, "filename": f"{i}.txt", "data": base64.b64encode(f"n{i}".encode()).decode()}
        for i in range(20)
    ]
    r = client.post(url, json={"attachments": many}, headers=api_headers)
    assert r.status_code == 207
    statuses = [x["status"] for x in r.json()["results"]]
    assert statuses.count("stored") == 19 and statuses[-1] == "refused"
    assert r.json()["results"][-1]["reason"] == "too_many"


def test_same_bytes_are_stored_once_per_workspace(db, workspace, client, api_headers):
    unique = PDF + uuid.uuid4().hex.encode()
    _inbound(db, workspace.id, client, api_headers, _mail(("a.pdf", "application/pdf", unique)))
    _inbound(db, workspace.id, client, api_headers, _mail(("b.pdf", "application/pdf", unique)))
    import hashlib

    digest = hashlib.sha256(unique).hexdigest()
    with db.reader(workspace.id) as session:
        assert (
            len(session.execute(select(Attachment).where(Attachment.sha256 == digest)).all()) == 2
        )
        assert (
            len(
                session.execute(select(AttachmentBlob).where(AttachmentBlob.sha256 == digest)).all()
            )
            == 1
        )


def test_reply_with_files_reaches_smtp_as_a_multipart_mail(
    db, workspace, client, api_headers, smtp
):
    raw = _mail(sender=f"sara-{uuid.uuid4().hex[:6]}@example.com")
    _i, conv_id = _inbound(db, workspace.id, client, api_headers, raw)
    root = email.message_from_bytes(raw)["Message-ID"]
    sign_in(client, _member(db, workspace.id, language="fa"))
    page = client.get(f"/inbox/{conv_id}")
    assert 'enctype="multipart/form-data"' in page.text and 'name="files"' in page.text
    r = client.post(
        f"/inbox/{conv_id}",
        data={"body": "فاکتور اصلاح‌شده پیوست است.", "csrf": csrf_of(page.text)},
        files=[
            ("files", (PERSIAN_PDF, PDF, "application/pdf")),
            ("files", ("x.png", PNG, "image/png")),
        ],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    drain_jobs(db, workspace.id, kinds=["inbox.send_reply"])
    (mail,) = smtp.wait(1)
    assert mail.is_multipart()
    assert mail["In-Reply-To"] == root
    parts = list(mail.iter_attachments())
    assert [p.get_filename() for p in parts] == [PERSIAN_PDF, "x.png"]
    assert parts[0].get_content_type() == "application/pdf"
    assert parts[0].get_content() == PDF
    assert "اصلاح‌شده" in mail.get_body(("plain",)).get_content()
    shown = client.get(f"/inbox/{conv_id}").text
    assert shown.count(PERSIAN_PDF) >= 1 and "/thumbnail" in shown  # the PNG shows a preview
    with db.reader(workspace.id) as session:
        png = (
            session.execute(
                select(Attachment.id)
                .where(Attachment.filename == "x.png")
                .order_by(Attachment.id.desc())
            )
            .scalars()
            .first()
        )
    thumb = client.get(f"/inbox/{conv_id}/attachments/{png}/thumbnail")
    assert thumb.headers["content-type"] == "image/png" and thumb.content == PNG


def test_reply_files_over_the_limit_or_on_a_text_channel_are_refused(db, workspace, client):
    from sada.cases import threads
    from sada.db.types import utcnow
    from sada.interactions.ingest import ingest_batch

    item = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": "instagram",
        "type": "message",
        "direction": "inbound",
        "text": "سلام",
        "conversation_id": f"thread-{uuid.uuid4().hex[:8]}",
        "person": {"email": f"x-{uuid.uuid4().hex[:6]}@example.com"},
    }
    with db.transaction(workspace.id) as session:
        (result,) = ingest_batch(session, [item])
        threads.attach_interactions(session, [result.id])
        conv_id = session.execute(
            select(Conversation.id).order_by(Conversation.id.desc()).limit(1)
        ).scalar_one()
    sign_in(client, _member(db, workspace.id, language="fa"))
    page = client.get(f"/inbox/{conv_id}")
    assert 'id="no-files"' in page.text
    r = client.post(
        f"/inbox/{conv_id}",
        data={"body": "سلام", "csrf": csrf_of(page.text)},
        files=[("files", ("a.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert r.status_code == 409 and "سلام" in r.text  # refused, the draft kept
    with db.reader(workspace.id) as session:
        assert not session.execute(
            select(Interaction.id).where(
                Interaction.direction == "outbound", Interaction.person_id == result.person_id
            )
        ).first()


def test_erasing_a_person_deletes_their_files_and_exports_list_them(
    db, workspace, client, api_headers
):
    from sada.privacy import erase as privacy_erase
    from sada.privacy import export as privacy_export

    shared = PDF + uuid.uuid4().hex.encode()
    mine = PDF + uuid.uuid4().hex.encode()
    sender = f"gone-{uuid.uuid4().hex[:6]}@example.ir"
    interaction_id, _ = _inbound(
        db,
        workspace.id,
        client,
        api_headers,
        _mail(
            ("mine.pdf", "application/pdf", mine),
            ("shared.pdf", "application/pdf", shared),
            sender=sender,
        ),
    )
    _inbound(db, workspace.id, client, api_headers, _mail(("other.pdf", "application/pdf", shared)))
    with db.reader(workspace.id) as session:
        person_id = session.get(Interaction, interaction_id).person_id
        exported = privacy_export.export_data(session, person_id)
    assert sorted(a["filename"] for a in exported["tables"]["attachments"]) == [
        "mine.pdf",
        "shared.pdf",
    ]
    with db.transaction(workspace.id) as session:
        privacy_erase.erase(session, person_id)
    import hashlib

    with db.reader(workspace.id) as session:
        assert not session.execute(
            select(Attachment.id).where(Attachment.interaction_id == interaction_id)
        ).first()
        blobs = set(session.execute(select(AttachmentBlob.sha256)).scalars())
    assert hashlib.sha256(mine).hexdigest() not in blobs
    assert hashlib.sha256(shared).hexdigest() in blobs  # still another person's file


@pytest.mark.parametrize("name", ["\u202ecod.exe", "a" * 300])
def test_content_disposition_is_ascii_with_an_rfc5987_name(name):
    from sada.cases.web_attachments import content_disposition

    value = content_disposition(files_store.sanitize_filename(name))
    value.encode("ascii")
    assert value.startswith('attachment; filename="')
    assert "filename*=UTF-8''" in value


def test_reply_api_carries_base64_files_and_validates_them(
    db, workspace, client, api_headers, smtp
):
    raw = _mail(sender=f"lin-{uuid.uuid4().hex[:6]}@example.cn")
    _i, conv_id = _inbound(db, workspace.id, client, api_headers, raw)
    url = f"/api/v1/conversations/{conv_id}/reply"
    bad = client.post(
        url,
        json={"text": "您好", "attachments": [{"filename": "a.pdf", "data": "%%%"}]},
        headers=api_headers,
    )
    assert bad.status_code == 422, bad.text
    assert "attachments" in bad.text and "data" in bad.text
    data = base64.b64encode(PDF).decode()
    r = client.post(
        url,
        json={
            "text": "发票已更正。",
            "attachments": [
                {"filename": "发票.pdf", "content_type": "application/pdf", "data": data}
            ],
        },
        headers=api_headers,
    )
    assert r.status_code == 202, r.text
    drain_jobs(db, workspace.id, kinds=["inbox.send_reply"])
    (mail,) = smtp.wait(1)
    (part,) = list(mail.iter_attachments())
    assert part.get_filename() == "发票.pdf" and part.get_content() == PDF
