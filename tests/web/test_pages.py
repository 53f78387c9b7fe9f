"""Overview figures, feedback search and exports, person 360 and merges, settings actions."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, csrf_of, ingest, item


def test_overview_counts_volume_by_channel_and_shows_it_in_the_data_table(
    db: Any, workspace: Any, login: Any
) -> None:
    ingest(
        db,
        workspace.id,
        [item(i, "ok", channel="chat") for i in range(3)] + [item(9, None, channel="sms")],
    )
    client = login("viewer")
    html = client.get("/overview?period=7d").text
    assert '<svg class="chart"' in html
    table = html.split('id="h-channels"')[1].split("</table>")[0]
    assert re.search(r"<td>Chat</td><td>3</td><td>75%</td>", table)
    assert re.search(r"<td>SMS</td><td>1</td><td>25%</td>", table)
    # Every chart mark carries its value (and n) in a tooltip.
    assert "<title>Interactions · " in html and "(n = " in html
    only_sms = client.get("/overview?period=7d&channel=sms").text.split('id="h-channels"')[1]
    assert "<td>Chat</td>" not in only_sms.split("</table>")[0]


def test_overview_charts_are_mirrored_in_rtl(db: Any, workspace: Any, login: Any) -> None:
    ingest(db, workspace.id, [item(i, None) for i in range(2)])
    client = login("viewer")
    ltr = client.get("/overview?period=7d&lang=en").text
    rtl = client.get("/overview?period=7d&lang=fa").text
    assert 'direction="ltr"' in ltr and 'direction="rtl"' in rtl

    # The value axis sits at the start side: on the left in LTR, on the right in RTL.
    def first_tick(html):
        return float(
            re.search(
                r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end" font-size="11"', html
            ).group(1)
        )  # noqa: E731

    assert first_tick(ltr) < 100 and first_tick(rtl) > 540


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("المنتج وصل متأخراً جداً", "متاخرا"),  # Arabic, hamza and tanwin folded
        ("سفارش من هنوز نرسیده است", "سفارش من"),  # Persian
        ("سفارش من هنوز نرسيده است", "نرسیده"),  # Persian written with Arabic yeh
        ("می\u200cخواهم پولم را پس بگیرم", "میخواهم"),  # zero-width non-joiner
        ("快递太慢了，等了一个星期", "太慢"),  # Chinese
        ("The PACKAGE arrived broken", "package arrived"),  # English, case
        ("شماره سفارش ۱۲۳۴۵ گم شده", "12345"),  # Persian digits
    ],
)
def test_feedback_search_works_in_four_languages(
    db: Any, workspace: Any, login: Any, stored: str, query: str
) -> None:
    ingest(db, workspace.id, [item(1, stored), item(2, "unrelated words only")])
    client = login("analyst")
    html = client.get("/feedback", params={"q": query, "period": "7d"}).text
    assert stored.split()[0] in html
    assert "unrelated words only" not in html


def test_exports_guard_formulas_and_carry_a_bom(db: Any, workspace: Any, login: Any) -> None:
    ingest(
        db,
        workspace.id,
        [item(1, '=HYPERLINK("http://evil")', subject="+cmd|' /C calc'!A0"), item(2, "سلام دنیا")],
    )
    client = login("admin")
    response = client.get("/feedback/export.csv?period=7d")
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "occurred_at", "channel"]
    texts = {r[-1] for r in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in texts and "سلام دنیا" in texts
    assert any(r[-2] == "'+cmd|' /C calc'!A0" for r in rows[1:])
    from openpyxl import load_workbook

    xlsx = client.get("/feedback/export.xlsx?period=7d")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil")' in values and "سلام دنیا" in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)


def test_personal_data_in_texts_is_redacted_for_roles_without_access(
    db: Any, workspace: Any, login: Any
) -> None:
    from sada.jobs.registry import get_handler

    results = ingest(
        db,
        workspace.id,
        [
            item(1, "شماره من ۰۹۱۲۳۴۵۶۷۸۹ است و ایمیلم reza.k@example.com — سفارش دیر رسید"),
            item(2, "Card 4111 1111 1111 1111 was charged twice"),
            item(3, "not analysed yet: call me on +44 7700 900123 please"),
        ],
    )
    handler = get_handler("text.analyze")
    assert handler is not None
    handler(db, workspace.id, {"interaction_ids": [r.id for r in results[:2]]})
    secrets = ["۰۹۱۲۳۴۵۶۷۸۹", "reza.k@example.com", "4111 1111 1111 1111", "+44 7700 900123"]

    analyst = login("analyst").get("/feedback?period=7d")
    assert analyst.status_code == 200
    assert not any(s in analyst.text for s in secrets), "an analyst saw personal data"
    assert "سفارش دیر رسید" in analyst.text and "charged twice" in analyst.text
    assert "not analysed yet: call me on" in analyst.text  # redacted on the spot, not hidden
    export = login("analyst").get("/feedback/export.csv?period=7d").content.decode("utf-8-sig")
    assert not any(s in export for s in secrets)
    manager = login("manager").get("/feedback?period=7d").text
    assert [s for s in secrets[:3] if s not in manager] == []
    admin_export = login("admin").get("/feedback/export.csv?period=7d").content.decode("utf-8-sig")
    assert all(s in admin_export for s in secrets)


def test_person_360_shows_timeline_and_merge_then_unmerge_with_confirmation(
    db: Any, workspace: Any, login: Any
) -> None:
    a = ingest(
        db,
        workspace.id,
        [item(1, "first message", person={"email": "a@example.com", "name": "Ali"})],
    )[0].person_id
    b = ingest(
        db,
        workspace.id,
        [
            item(
                2,
                "second message",
                channel="chat",
                person={"phone": "+989121234567", "name": "Ali R."},
            )
        ],
    )[0].person_id
    client = login("agent")
    html = client.get(f"/people/{a}").text
    assert "first message" in html and "a@example.com" in html
    confirm = client.get(f"/people/{a}/merge?other={b}")
    assert "Merge these profiles" in confirm.text and "+989121234567" in confirm.text
    done = client.post(
        f"/people/{a}/merge",
        data={"other": b, "reason": "same person", "csrf": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    merged = client.get(f"/people/{a}").text
    assert "second message" in merged and "+989121234567" in merged
    undo_link = re.search(r'href="(/people/merges/\d+/undo)"', merged).group(1)
    undo_page = client.get(undo_link)
    client.post(undo_link, data={"csrf": csrf_of(undo_page.text)})
    assert "second message" not in client.get(f"/people/{a}").text
    assert "second message" in client.get(f"/people/{b}").text


def test_people_search_folds_arabic_letters(db: Any, workspace: Any, login: Any) -> None:
    ingest(
        db, workspace.id, [item(1, None, person={"email": "k@example.com", "name": "علي كريمي"})]
    )
    client = login("agent")
    assert "علي كريمي" in client.get("/people", params={"q": "کریمی"}).text


def test_api_key_is_shown_once_and_can_be_revoked(db: Any, workspace: Any, login: Any) -> None:
    client = login("admin")
    page = client.get("/settings/api-keys")
    created = client.post(
        "/settings/api-keys",
        data={"name": "crm sync", "scopes": ["read", "write"], "csrf": csrf_of(page.text)},
    )
    key = re.search(r'<code id="new-key">(sada_[^<]+)</code>', created.text).group(1)
    assert (
        client.get("/api/v1/people", headers={"Authorization": f"Bearer {key}"}).status_code != 401
    )
    listing = client.get("/settings/api-keys").text
    assert key not in listing and "crm sync" in listing
    revoke = re.search(r'href="(/settings/api-keys/\d+/revoke)"', listing).group(1)
    confirm = client.get(revoke)
    client.post(revoke, data={"csrf": csrf_of(confirm.text)})
    assert (
        client.get("/api/v1/people", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    )
    audit = client.get("/settings/audit").text
    assert "api_key.create" in audit and "api_key.revoke" in audit


def test_ingest_key_with_allowed_origins_from_the_settings_page(
    db: Any, workspace: Any, login: Any
) -> None:
    client = login("admin")
    page = client.get("/settings/api-keys")
    assert 'name="allowed_origins"' in page.text
    created = client.post(
        "/settings/api-keys",
        data={
            "name": "shop site",
            "scopes": ["ingest"],
            "allowed_origins": "https://shop.example\nhttps://www.shop.example/",
            "csrf": csrf_of(page.text),
        },
    )
    assert created.status_code == 200, created.text
    key = re.search(r'<code id="new-key">(sada_[^<]+)</code>', created.text).group(1)
    message = {"type": "track", "event": "Viewed", "anonymousId": "a1", "messageId": "m-1"}
    evil = client.post(
        "/v1/track", json=message, auth=(key, ""), headers={"Origin": "https://evil.example"}
    )
    assert evil.status_code == 403
    shop = client.post(
        "/v1/track", json=message, auth=(key, ""), headers={"Origin": "https://www.shop.example"}
    )
    assert shop.status_code == 200, shop.text
    listing = client.get("/settings/api-keys").text
    assert "https://shop.example" in listing and "https://www.shop.example" in listing
    # Origins on a server key, or a malformed origin: a clear 422, no key made.
    for scopes, origins in ((["read:analytics"], "https://shop.example"), (["ingest"], "shop")):
        refused = client.post(
            "/settings/api-keys",
            data={
                "name": "x",
                "scopes": scopes,
                "allowed_origins": origins,
                "csrf": csrf_of(listing),
            },
        )
        assert refused.status_code == 422
        assert "ingest keys only" in refused.text and "new-key" not in refused.text
    fa = client.get("/settings/api-keys", headers={"Accept-Language": "fa"})
    assert fa.status_code == 200


def test_workspace_settings_are_saved_and_audited(db: Any, workspace: Any, login: Any) -> None:
    client = login("owner")
    page = client.get("/settings")
    client.post(
        "/settings",
        data={
            "csrf": csrf_of(page.text),
            "display_name": "نخل",
            "timezone": "Asia/Tehran",
            "calendar": "jalali",
            "default_language": "fa",
            "languages": ["fa", "en"],
        },
    )
    from sada.tenants.models import Workspace

    with db.reader() as session:
        ws = session.get(Workspace, workspace.id)
    assert (ws.display_name, ws.timezone, ws.calendar) == ("نخل", "Asia/Tehran", "jalali")
    assert ws.default_language == "fa" and ws.languages == ["fa", "en"]
    assert "workspace.update" in client.get("/settings/audit").text


# ---------------------------------------------------------------- mail: invitations and resets


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import email

        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def wait(self, count: int = 1) -> list[Any]:
        deadline = time.monotonic() + 5
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    import socket

    from aiosmtpd.controller import Controller

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def mail_client(db: Any, smtp: tuple[Mailbox, int]) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from sada.app import create_app
    from sada.settings import Settings

    settings = Settings(
        environment="test",
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        base_url="http://testserver",
        webhook_allowed_hosts="127.0.0.1",  # the SSRF guard lets the loopback relay through
    )
    with TestClient(create_app(settings, db=db, migrate=False, run_jobs=False)) as client:
        yield client


def _body(message: Any) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def test_invitation_by_email_lets_a_new_person_join_with_the_role(
    db: Any, workspace: Any, make_user: Any, smtp: Any, mail_client: Any
) -> None:
    from tests.web.conftest import sign_in

    box, _port = smtp
    admin = make_user("admin")
    assert sign_in(mail_client, admin).status_code == 303
    page = mail_client.get("/settings/users")
    mail_client.post(
        "/settings/users/invite",
        data={"email": "new.analyst@example.com", "role": "analyst", "csrf": csrf_of(page.text)},
    )
    message = box.wait()[0]
    assert message["To"] == "new.analyst@example.com"
    link = re.search(r"http://testserver(/invite/\S+)", _body(message)).group(1)
    mail_client.cookies.clear()
    form = mail_client.get(link)
    assert "analyst" in form.text.lower()
    joined = mail_client.post(
        link,
        data={"name": "New", "password": "a-long-password", "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert joined.status_code == 303
    assert mail_client.get("/feedback").status_code == 200  # analysts see feedback
    assert mail_client.get("/settings").status_code == 403
    # The link works once.
    mail_client.cookies.clear()
    assert mail_client.get(link).status_code == 404


def test_password_reset_by_email(
    db: Any, workspace: Any, make_user: Any, smtp: Any, mail_client: Any
) -> None:
    from tests.web.conftest import sign_in

    box, _port = smtp
    email = make_user("viewer")
    page = mail_client.get("/password/forgot")
    mail_client.post("/password/forgot", data={"email": email, "csrf": csrf_of(page.text)})
    mail_client.post(
        "/password/forgot", data={"email": "nobody@example.com", "csrf": csrf_of(page.text)}
    )
    messages = box.wait()
    time.sleep(0.2)
    assert [m["To"] for m in messages] == [email]
    link = re.search(r"http://testserver(/password/reset/\S+)", _body(messages[0])).group(1)
    form = mail_client.get(link)
    done = mail_client.post(
        link,
        data={
            "password": "brand-new-secret",
            "password2": "brand-new-secret",
            "csrf": csrf_of(form.text),
        },
    )
    assert done.status_code == 200
    assert sign_in(mail_client, email, PASSWORD).status_code == 401
    assert sign_in(mail_client, email, "brand-new-secret").status_code == 303
    assert mail_client.get(link).status_code == 404


def test_overview_shows_open_cases_and_overdue(db: Any, workspace: Any, login: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from sada.cases.service import do_create_case

    with db.transaction(workspace.id) as session:
        do_create_case(
            session,
            title="Late delivery to Mashhad",
            priority="urgent",
            due_at=datetime.now(UTC) - timedelta(hours=2),
        )
        do_create_case(session, title="Refund question", priority="low", due_hours=48)
    html = login("viewer").get("/?lang=fa").text
    assert "پرونده‌های باز" in html and "Late delivery to Mashhad" in html
    assert "فوری" in html  # the urgent priority, translated
    counts = re.findall(r"<strong>([^<]+)</strong>", html)
    assert "۲" in counts or "2" in counts


def test_overview_shows_text_analysis_progress(db: Any, workspace: Any, login: Any) -> None:
    from sada.jobs.registry import get_handler

    results = ingest(db, workspace.id, [item(1, "The courier was late"), item(2, "Great app")])
    html = login("viewer").get("/?lang=en").text
    assert "Analysing texts: 0 of 2" in html
    handler = get_handler("text.analyze")
    assert handler is not None
    handler(db, workspace.id, {"interaction_ids": [r.id for r in results]})
    html = login("viewer").get("/?lang=en").text
    assert "Analysing texts" not in html
