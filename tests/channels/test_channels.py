"""Messaging channels against loopback servers that speak the providers' documented APIs.

WhatsApp Business Cloud API (X-Hub-Signature-256 webhooks, hub.challenge, POST
/{version}/{phone_number_id}/messages with a bearer token) and the Telegram Bot API
(X-Telegram-Bot-Api-Secret-Token webhooks, /bot<token>/sendMessage); a person known only
by a WhatsApp number gets the survey invitation there and their reply lands as an interaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from sqlalchemy import select

from sada.feedback import invitations, service
from sada.feedback.models import Invitation, Response
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.jobs.models import Job
from sada.jobs.service import run_pending
from sada.people.models import Identity
from sada.settings import get_settings
from tests.feedback.factories import csat_survey, nps_survey


class FakeProvider:
    """Records every request; answers as WhatsApp Cloud API, the Telegram Bot API and
    Twilio's Messages resource (form-encoded, 201 with the message `sid`) do."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next: list[int] = []  # status codes to answer with before succeeding
        self.sms_sent: list[dict[str, Any]] = []  # Twilio's Message list (GET Messages.json)
        self.lookups: list[str] = []  # the GETs made
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                fake.lookups.append(self.path)
                path, _, query = self.path.partition("?")
                if path.endswith("/Messages.json"):
                    to = parse_qs(query).get("To", [""])[0]
                    code, out = 200, {"messages": [m for m in fake.sms_sent if m["to"] == to]}
                else:
                    code, out = 404, {"message": "Not Found"}
                data = json.dumps(out).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                form = "x-www-form-urlencoded" in (self.headers.get("content-type") or "")
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": {} if form else json.loads(body),
                        "form": parse_qs(body.decode()) if form else {},
                    }
                )
                n = len(fake.requests)
                if fake.fail_next:
                    code = fake.fail_next.pop(0)
                    out: dict[str, Any] = {"error": {"message": "fake failure", "code": code}}
                elif self.path.endswith("/messages"):
                    code = 200
                    to = fake.requests[-1]["json"].get("to")
                    out = {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": to, "wa_id": to}],
                        "messages": [{"id": f"wamid.OUT{n}"}],
                    }
                elif self.path.endswith("/Messages.json"):  # Twilio-style SMS
                    code = 201
                    sent = fake.requests[-1]["form"]
                    out = {
                        "sid": f"SM{n:032x}",
                        "status": "queued",
                        "to": sent.get("To", [""])[0],
                        "body": sent.get("Body", [""])[0],
                        "date_created": formatdate(usegmt=True),
                    }
                    fake.sms_sent.append(out)
                elif self.path.endswith("/sendMessage"):
                    code = 200
                    chat = fake.requests[-1]["json"].get("chat_id")
                    out = {"ok": True, "result": {"message_id": 500 + n, "chat": {"id": chat}}}
                else:
                    code, out = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
                data = json.dumps(out).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    provider = FakeProvider()
    try:
        yield provider
    finally:
        provider.server.shutdown()
        get_settings.cache_clear()


def _admin(db: Any, workspace: Any, make_key: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}


def _whatsapp(client: Any, headers: dict[str, str], fake: FakeProvider, **config: Any) -> Any:
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    r = client.post(
        "/api/v1/channels",
        json={
            "kind": "whatsapp",
            "config": {"phone_number_id": "10987", "base_url": fake.url, **config},
            "secrets": {"access_token": "EAAG-tok", "app_secret": "app-sec", "verify_token": "vt"},
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert "EAAG-tok" not in r.text and r.json()["secrets"] == [
        "access_token",
        "app_secret",
        "verify_token",
    ]
    return r.json()


def _wa_message(wamid: str, number: str, text: str) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": "10987"},
                                "contacts": [{"profile": {"name": "Layla"}, "wa_id": number}],
                                "messages": [
                                    {
                                        "from": number,
                                        "id": wamid,
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": text},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def _wa_status(wamid: str, status: str, number: str) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "statuses": [
            {
                "id": wamid,
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": number,
            }
        ],
    }
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()


def _signed(body: bytes, secret: str = "app-sec") -> dict[str, str]:
    sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={sig}", "content-type": "application/json"}


def test_whatsapp_inbound_verified_and_stored_once(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    account = _whatsapp(client, _admin(db, workspace, make_key), fake)
    url = f"/api/v1/channels/whatsapp/{account['webhook_url'].rsplit('/', 1)[-1]}"
    ok = client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "42"}
    )
    assert ok.status_code == 200 and ok.text == "42"
    bad = client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "1"}
    )
    assert bad.status_code == 403
    body = _wa_message("wamid.IN1", "16505551234", "My order is late")
    assert client.post(url, content=body).status_code == 401
    assert client.post(url, content=body, headers=_signed(body, "wrong")).status_code == 401
    r = client.post(url, content=body, headers=_signed(body))
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    replay = client.post(url, content=body, headers=_signed(body))
    assert replay.json() == {"stored": 0, "duplicates": 1, "statuses": 0}
    odd = _wa_message("wamid.BAD", "not-a-number", "hi")
    r = client.post(url, content=odd, headers=_signed(odd))
    assert r.status_code == 200 and r.json()["rejected"][0]["id"] == "wamid.BAD", r.text
    for junk in (b'{"object": "page"}', b"[1, 2]", b"not json"):
        assert client.post(url, content=junk, headers=_signed(junk)).status_code == 422
    junk = b'{"object": "page"}'
    assert client.post(url, content=junk, headers=_signed(junk)).status_code == 422
    assert (
        client.post(
            "/api/v1/channels/whatsapp/nope", content=body, headers=_signed(body)
        ).status_code
        == 404
    )
    with db.reader(workspace.id) as s:
        rows = s.execute(select(Interaction)).scalars().all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.channel, row.origin, row.direction, row.text) == (
            "whatsapp",
            "customer",
            "inbound",
            "My order is late",
        )
        phones = (
            s.execute(
                select(Identity.value).where(
                    Identity.person_id == row.person_id, Identity.kind == "phone"
                )
            )
            .scalars()
            .all()
        )
        assert phones == ["+16505551234"]


def test_whatsapp_outbound_job_and_delivery_status(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    account = _whatsapp(client, headers, fake)
    r = client.post(
        f"/api/v1/channels/{account['id']}/messages",
        json={"to": "+16505550000", "text": "Your order is ready"},
        headers=headers,
    )
    assert r.status_code == 202, r.text
    assert (
        client.post(
            f"/api/v1/channels/{account['id']}/messages", json={"to": "1"}, headers=headers
        ).status_code
        == 422
    )
    fake.fail_next = [503]  # the first try fails: the job is retried with backoff
    run_pending(db, kinds=["channels.send"])
    with db.reader() as s:
        job = s.execute(select(Job).where(Job.kind == "channels.send")).scalar_one()
        assert job.status == "queued" and job.attempts == 1 and "503" in (job.last_error or "")
    with db.transaction() as s:
        s.get(Job, job.id).run_at = job.created_at  # due again now
    run_pending(db, kinds=["channels.send"])
    sent = fake.requests[-1]
    assert sent["path"] == "/v21.0/10987/messages"
    assert sent["headers"]["Authorization"] == "Bearer EAAG-tok"
    assert sent["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505550000",
        "type": "text",
        "text": {"preview_url": True, "body": "Your order is ready"},
    }
    key = account["webhook_url"].rsplit("/", 1)[-1]
    status = _wa_status(f"wamid.OUT{len(fake.requests)}", "delivered", "16505550000")
    r = client.post(f"/api/v1/channels/whatsapp/{key}", content=status, headers=_signed(status))
    assert r.json()["statuses"] == 1, r.text
    with db.reader(workspace.id) as s:
        out = s.execute(select(Interaction).where(Interaction.direction == "outbound")).scalar_one()
        assert out.attributes["delivery_status"] == "delivered" and out.channel == "whatsapp"


def test_telegram_both_ways(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    r = client.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "config": {"base_url": fake.url},
            "secrets": {"bot_token": "123:ABC"},
        },
        headers=headers,
    )
    assert r.status_code == 422 and "secret_token" in r.text
    r = client.post(
        "/api/v1/channels",
        json={
            "kind": "telegram",
            "config": {"base_url": fake.url},
            "secrets": {"bot_token": "123:ABC", "secret_token": "tg-secret"},
        },
        headers=headers,
    )
    account = r.json()
    url = f"/api/v1/channels/telegram/{account['webhook_url'].rsplit('/', 1)[-1]}"
    update = {
        "update_id": 9001,
        "message": {
            "message_id": 77,
            "from": {"id": 4242, "is_bot": False, "first_name": "Reza", "username": "reza"},
            "chat": {"id": 4242, "type": "private"},
            "date": int(time.time()),
            "text": "سلام، سفارشم کجاست؟",
        },
    }
    body = json.dumps(update).encode()
    assert client.post(url, content=body).status_code == 401
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
    assert client.post(url, content=body, headers=wrong).status_code == 401
    good = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret"}
    assert client.post(url, content=body, headers=good).json()["stored"] == 1
    assert client.post(url, content=body, headers=good).json()["duplicates"] == 1
    client.post(
        f"/api/v1/channels/{account['id']}/messages",
        json={"to": "4242", "text": "On its way"},
        headers=headers,
    )
    run_pending(db, kinds=["channels.send"])
    assert fake.requests[-1]["path"] == "/bot123:ABC/sendMessage"
    assert fake.requests[-1]["json"] == {"chat_id": "4242", "text": "On its way"}
    with db.reader(workspace.id) as s:
        rows = s.execute(select(Interaction).order_by(Interaction.id)).scalars().all()
        assert [(r.direction, r.channel) for r in rows] == [
            ("inbound", "telegram"),
            ("outbound", "telegram"),
        ]
        assert rows[0].person_id == rows[1].person_id
        person_id = rows[0].person_id
    # a person known only by Telegram gets the survey link in the chat
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, csat_survey())
        inv = invitations.do_request_survey(
            s, survey, person_id, secret=get_settings().secret_key, requested_by="test"
        )
        assert (inv.status, inv.channel) == ("pending", "telegram")
    run_pending(db, kinds=["feedback.send_invitation"])
    last = fake.requests[-1]
    assert last["path"] == "/bot123:ABC/sendMessage" and last["json"]["chat_id"] == "4242"
    assert "/s/i/" in last["json"]["text"]


def test_whatsapp_only_person_gets_the_survey_there(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    account = _whatsapp(client, headers, fake, template={"name": "csat_invite", "language": "en"})
    settings = get_settings()
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, csat_survey())
        # known only by a WhatsApp number, never wrote to us: a template outside the window
        result = ingest_batch(
            s,
            [
                {
                    "source": "shop",
                    "external_id": "order-1",
                    "occurred_at": "2026-11-01T10:00:00Z",
                    "channel": "web",
                    "type": "event",
                    "direction": "inbound",
                    "person": {"phone": "+966501234567"},
                }
            ],
        )[0]
        inv = invitations.do_request_survey(
            s, survey, result.person_id, secret=settings.secret_key, requested_by="test"
        )
        assert (inv.status, inv.channel, inv.email) == ("pending", "whatsapp", None)
        no_one = ingest_batch(
            s,
            [
                {
                    "source": "shop",
                    "external_id": "order-2",
                    "occurred_at": "2026-11-01T10:00:00Z",
                    "channel": "web",
                    "type": "event",
                    "direction": "inbound",
                    "person": {"external_ids": {"shop": "x"}},
                }
            ],
        )[0]
        gone = invitations.do_request_survey(
            s, survey, no_one.person_id, secret=settings.secret_key, requested_by="test"
        )
        assert gone.status == "unreachable"
    run_pending(db, kinds=["feedback.send_invitation"])
    sent = fake.requests[-1]["json"]
    assert sent["type"] == "template" and sent["to"] == "966501234567"
    assert sent["template"]["name"] == "csat_invite"
    params = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert params[0] == "Support CSAT" and "/s/i/" in params[1]
    with db.reader(workspace.id) as s:
        row = s.get(Invitation, inv.id)
        assert row is not None and row.status == "sent" and row.sent_at is not None
    # the reply lands as an interaction of the same person
    key = account["webhook_url"].rsplit("/", 1)[-1]
    reply = _wa_message("wamid.REPLY1", "966501234567", "5 - great service")
    r = client.post(f"/api/v1/channels/whatsapp/{key}", content=reply, headers=_signed(reply))
    assert r.json()["stored"] == 1
    with db.reader(workspace.id) as s:
        answer = s.execute(
            select(Interaction).where(Interaction.external_id == "wamid.REPLY1")
        ).scalar_one()
        assert answer.person_id == result.person_id and answer.origin == "customer"
        # ... and answers the CSAT: the score and the rest of the text as the comment
        response = s.execute(select(Response).where(Response.invitation_id == inv.id)).scalar_one()
        assert response.status == "completed"
        assert service.answers_of(s, response.id) == {"csat": 5, "comment": "great service"}
        done = s.get(Invitation, inv.id)
        assert done is not None and done.completed_at is not None
    # a second reply is only a message
    again = _wa_message("wamid.REPLY2", "966501234567", "٤")
    assert (
        client.post(
            f"/api/v1/channels/whatsapp/{key}", content=again, headers=_signed(again)
        ).json()["stored"]
        == 1
    )
    with db.reader(workspace.id) as s:
        assert len(s.execute(select(Response)).scalars().all()) == 1


def test_migration_matches_channel_models(db) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sada.db.registry import metadata, owned_by_sada

    with db.engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": owned_by_sada}
            ),
            metadata,
        )
    assert [d for d in diffs if "channel_accounts" in repr(d)] == []


def test_survey_channel_choice_window_and_refusals(
    client, db, workspace, make_key, make_workspace, fake
):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    account = _whatsapp(client, headers, fake)  # no template configured
    key = account["webhook_url"].rsplit("/", 1)[-1]
    settings = get_settings()
    # Layla wrote on WhatsApp a minute ago: inside the 24-hour window, a plain text goes out
    body = _wa_message("wamid.IN9", "447700900123", "hello")
    client.post(f"/api/v1/channels/whatsapp/{key}", content=body, headers=_signed(body))

    def person(ref: dict[str, Any], ext: str) -> int:
        with db.transaction(workspace.id) as s:
            item = {
                "source": "shop",
                "external_id": ext,
                "occurred_at": "2026-11-01T10:00:00Z",
                "channel": "web",
                "type": "event",
                "direction": "inbound",
                "person": ref,
            }
            pid = ingest_batch(s, [item])[0].person_id
            assert pid is not None
            return pid

    layla = person({"phone": "+447700900123"}, "o1")
    both = person({"phone": "+447700900999", "email": "both@example.com"}, "o2")
    silent = person({"phone": "+447700900555"}, "o3")  # outside the window, no template
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(
            s, csat_survey(settings={"ignore_contact_frequency": True})
        )
        invs = {
            name: invitations.do_request_survey(
                s, survey, pid, secret=settings.secret_key, requested_by="test"
            )
            for name, pid in (("layla", layla), ("both", both), ("silent", silent))
        }
        assert {n: i.channel for n, i in invs.items()} == {
            "layla": "whatsapp",
            "both": "email",
            "silent": "whatsapp",
        }
        ids = {n: i.id for n, i in invs.items()}
    run_pending(db, kinds=["feedback.send_invitation"])
    texts = [r["json"] for r in fake.requests if r["json"].get("type") == "text"]
    assert len(texts) == 1 and texts[0]["to"] == "447700900123"
    assert (
        texts[0]["text"]["body"].startswith("Support CSAT\n")
        and "/s/i/" in texts[0]["text"]["body"]
    )
    with db.reader(workspace.id) as s:
        layla_inv, silent_inv = s.get(Invitation, ids["layla"]), s.get(Invitation, ids["silent"])
        assert layla_inv is not None and layla_inv.status == "sent"
        assert silent_inv is not None and silent_inv.status == "failed"
        assert "24-hour window" in (silent_inv.reason or "")
    # another workspace sees none of this workspace's accounts and cannot reach its people
    other = make_workspace(db)
    r = client.get("/api/v1/channels", headers=_admin(db, other, make_key))
    assert r.status_code == 200 and r.json()["items"] == []
    with db.reader(other.id) as s:
        assert invitations.message_reach(s, layla) == []
    assert client.get("/api/v1/channels", headers=headers).json()["items"][0]["id"] == account["id"]


def test_settings_page_in_four_languages(client, db, workspace, make_key, login, fake):  # type: ignore[no-untyped-def]
    from sada.web.catalog import missing_translations

    assert not {k: v for k, v in missing_translations().items() if "channels" in k}
    signed = login("owner")
    empty = signed.get("/settings/channels")
    assert empty.status_code == 200 and 'id="no-channels"' in empty.text
    _whatsapp(client, _admin(db, workspace, make_key), fake)
    page = signed.get("/settings/channels")
    assert "/api/v1/channels/whatsapp/" in page.text and "EAAG-tok" not in page.text
    assert "app_secret" in page.text
    for lang, words in (("ar", "قنوات المراسلة"), ("fa", "کانال‌های پیام‌رسانی"), ("zh", "消息渠道")):
        r = login("owner", language=lang).get("/settings/channels")
        assert words in r.text, lang
        assert 'dir="rtl"' in r.text if lang != "zh" else 'lang="zh' in r.text


def test_agent_reply_from_the_inbox_goes_out_on_whatsapp_once(
    client, db, workspace, make_key, fake
):  # type: ignore[no-untyped-def]
    from sada.cases.models import Conversation

    headers = _admin(db, workspace, make_key)
    account = _whatsapp(client, headers, fake)
    url = f"/api/v1/channels/whatsapp/{account['webhook_url'].rsplit('/', 1)[-1]}"
    body = _wa_message("wamid.IN9", "16505559876", "سفارشم کجاست؟")
    assert client.post(url, content=body, headers=_signed(body)).status_code == 200
    run_pending(db)  # the message is threaded into a conversation
    with db.reader(workspace.id) as s:
        conversation = s.execute(select(Conversation)).scalar_one()
        assert conversation.channel == "whatsapp"
    before = len(fake.requests)
    r = client.post(
        f"/api/v1/conversations/{conversation.id}/reply",
        json={"text": "سفارش شما فردا می‌رسد"},
        headers=headers,
    )
    assert r.status_code == 202, r.text
    assert r.json()["delivery_status"] in ("queued", "handed_off")
    run_pending(db)
    run_pending(db)  # a second pass finds nothing left to send
    sent = [q for q in fake.requests[before:] if q["path"].endswith("/messages")]
    assert len(sent) == 1, fake.requests[before:]
    assert sent[0]["json"]["to"] == "16505559876"
    assert sent[0]["json"]["text"]["body"] == "سفارش شما فردا می‌رسد"
    with db.reader(workspace.id) as s:
        reply = s.get(Interaction, r.json()["interaction_id"])
        assert reply.origin == "agent" and reply.attributes["delivery_status"] == "sent"
        assert reply.attributes["provider_message_id"].startswith("wamid.OUT")


# ---------------------------------------------------------------- SMS (Twilio-style)


def _sms(client: Any, headers: dict[str, str], fake: FakeProvider) -> Any:
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    secrets = {"auth_token": "twilio-tok"}
    r = client.post(
        "/api/v1/channels",
        json={
            "kind": "sms",
            "config": {"account_sid": "AC123", "base_url": fake.url},
            "secrets": secrets,
        },
        headers=headers,
    )
    assert r.status_code == 422 and "messaging_service_sid" in r.text  # no sender
    config = {"account_sid": "AC123", "from": "+15005550001", "base_url": fake.url}
    r = client.post(
        "/api/v1/channels",
        json={"kind": "sms", "config": config, "secrets": secrets},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert "twilio-tok" not in r.text and r.json()["secrets"] == ["auth_token"]
    return r.json()


def _twilio_signature(url: str, form: dict[str, str], token: str = "twilio-tok") -> str:
    """Twilio's documented scheme, written out here independently of the adapter."""
    data = url + "".join(k + form[k] for k in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def _sms_post(client: Any, account: Any, form: dict[str, str], signature: str | None = "") -> Any:
    path = account["webhook_url"].removeprefix(client.app.state.services.settings.base_url)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature or _twilio_signature(account["webhook_url"], form)
    return client.post(path, content=urlencode(form).encode(), headers=headers)


def _sms_in(sid: str, sender: str, text: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC123",
        "From": sender,
        "To": "+15005550001",
        "Body": text,
        "NumMedia": "0",
        "SmsStatus": "received",
    }


def test_sms_inbound_signature_and_replay(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    account = _sms(client, _admin(db, workspace, make_key), fake)
    base = client.app.state.services.settings.base_url.rstrip("/")
    assert account["webhook_url"].startswith(f"{base}/api/v1/channels/sms/")
    form = _sms_in("SM" + "a" * 32, "+14155550123", "Where is my parcel?")
    assert _sms_post(client, account, form, signature=None).status_code == 401
    wrong = _twilio_signature(account["webhook_url"], form, token="other")
    assert _sms_post(client, account, form, signature=wrong).status_code == 401
    # signed for the URL the request reached (behind a proxy: not the public one) is refused
    own = _twilio_signature(account["webhook_url"].replace(base, "http://testserver"), form)
    assert _sms_post(client, account, form, signature=own).status_code == 401
    tampered = _twilio_signature(account["webhook_url"], {**form, "Body": "other"})
    assert _sms_post(client, account, form, signature=tampered).status_code == 401
    r = _sms_post(client, account, form)
    assert r.status_code == 200 and "<Response>" in r.text, r.text
    assert r.headers["content-type"].startswith("application/xml")
    assert _sms_post(client, account, form).status_code == 200  # Twilio retries: stored once
    junk = {"Foo": "bar"}
    assert _sms_post(client, account, junk).status_code == 422
    with db.reader(workspace.id) as s:
        rows = s.execute(select(Interaction)).scalars().all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.channel, row.source, row.origin, row.direction, row.text) == (
            "sms",
            "sms",
            "customer",
            "inbound",
            "Where is my parcel?",
        )
        phones = (
            s.execute(
                select(Identity.value).where(
                    Identity.person_id == row.person_id, Identity.kind == "phone"
                )
            )
            .scalars()
            .all()
        )
        assert phones == ["+14155550123"]


def test_sms_outbound_form_basic_auth_retry_and_status(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    account = _sms(client, headers, fake)
    r = client.post(
        f"/api/v1/channels/{account['id']}/messages",
        json={"to": "+14155550199", "text": "Your order is ready"},
        headers=headers,
    )
    assert r.status_code == 202, r.text
    fake.fail_next = [503]
    run_pending(db, kinds=["channels.send"])
    with db.reader() as s:
        job = s.execute(
            select(Job).where(Job.kind == "channels.send", Job.workspace_id == workspace.id)
        ).scalar_one()
        assert job.status == "queued" and job.attempts == 1 and "503" in (job.last_error or "")
    with db.transaction() as s:
        s.get(Job, job.id).run_at = job.created_at
    run_pending(db, kinds=["channels.send"])
    assert len(fake.requests) == 2
    sent = fake.requests[-1]
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    basic = base64.b64encode(b"AC123:twilio-tok").decode()
    assert sent["headers"]["Authorization"] == f"Basic {basic}"
    assert sent["form"] == {
        "To": ["+14155550199"],
        "From": ["+15005550001"],
        "Body": ["Your order is ready"],
        "StatusCallback": [account["webhook_url"]],
    }
    sid = f"SM{2:032x}"
    with db.reader(workspace.id) as s:
        out = s.execute(select(Interaction).where(Interaction.direction == "outbound")).scalar_one()
        assert (out.external_id, out.channel, out.attributes["delivery_status"]) == (
            sid,
            "sms",
            "accepted",
        )
    for status in ("sent", "undelivered"):
        callback = {
            "MessageSid": sid,
            "MessageStatus": status,
            "AccountSid": "AC123",
            "To": "+14155550199",
        }
        if status == "undelivered":
            callback["ErrorCode"] = "30003"
        assert _sms_post(client, account, callback).status_code == 200
    with db.reader(workspace.id) as s:
        out = s.execute(select(Interaction).where(Interaction.direction == "outbound")).scalar_one()
        assert out.attributes["delivery_status"] == "undelivered"
        assert out.attributes["delivery_error"] == "30003"
        assert [h["status"] for h in out.attributes["delivery_history"]] == ["sent", "undelivered"]
    # a 4xx is permanent: the job is not retried
    client.post(
        f"/api/v1/channels/{account['id']}/messages",
        json={"to": "+1", "text": "x"},
        headers=headers,
    )
    fake.fail_next = [400]
    run_pending(db, kinds=["channels.send"])
    run_pending(db, kinds=["channels.send"])
    assert len(fake.requests) == 3


def _nps_comment_survey() -> Any:
    return nps_survey(
        languages=["en"],
        definition={
            "questions": [
                {"key": "nps", "type": "nps", "required": True, "title": {"en": "Recommend us?"}},
                {"key": "comment", "type": "text", "title": {"en": "Why?"}},
            ]
        },
    )


def test_sms_only_person_gets_the_survey_by_sms(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _admin(db, workspace, make_key)
    account = _sms(client, headers, fake)
    settings = get_settings()
    with db.transaction(workspace.id) as s:
        survey = service.do_create_survey(s, _nps_comment_survey())
        item = {
            "source": "shop",
            "external_id": "order-9",
            "occurred_at": "2026-11-01T10:00:00Z",
            "channel": "web",
            "type": "event",
            "direction": "inbound",
            "person": {"phone": "+966501234567"},
        }
        person_id = ingest_batch(s, [item])[0].person_id
        assert person_id is not None
        assert invitations.message_reach(s, person_id) == [("sms", "+966501234567")]
        inv = invitations.do_request_survey(
            s, survey, person_id, secret=settings.secret_key, requested_by="test"
        )
        assert (inv.status, inv.channel, inv.email) == ("pending", "sms", None)
    run_pending(db, kinds=["feedback.send_invitation"])
    sent = fake.requests[-1]
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent["form"]["To"] == ["+966501234567"]
    assert (
        sent["form"]["Body"][0].startswith("Relationship NPS\n")
        and "/s/i/" in sent["form"]["Body"][0]
    )
    with db.reader(workspace.id) as s:
        row = s.get(Invitation, inv.id)
        assert row is not None and row.status == "sent"
    r = _sms_post(client, account, _sms_in("SM" + "b" * 32, "+966501234567", "9 great"))
    assert r.status_code == 200, r.text
    with db.reader(workspace.id) as s:
        answer = s.execute(
            select(Interaction).where(Interaction.external_id == "SM" + "b" * 32)
        ).scalar_one()
        assert answer.person_id == person_id and answer.channel == "sms"
        response = s.execute(select(Response).where(Response.invitation_id == inv.id)).scalar_one()
        assert response.status == "completed"
        assert service.answers_of(s, response.id) == {"nps": 9, "comment": "great"}
    # display logic decides where the words go: "what went wrong?" shows only for 0-6
    with db.transaction(workspace.id) as s:
        standard = service.do_create_survey(s, nps_survey())
        item = {**item, "external_id": "order-10", "person": {"phone": "+966501234000"}}
        other = ingest_batch(s, [item])[0].person_id
        assert other is not None
        inv2 = invitations.do_request_survey(
            s, standard, other, secret=settings.secret_key, requested_by="test"
        )
    run_pending(db, kinds=["feedback.send_invitation"])
    r = _sms_post(client, account, _sms_in("SM" + "d" * 32, "+966501234000", "3 - too slow"))
    assert r.status_code == 200
    with db.reader(workspace.id) as s:
        response = s.execute(select(Response).where(Response.invitation_id == inv2.id)).scalar_one()
        assert service.answers_of(s, response.id) == {"nps": 3, "why_low": "too slow"}
    # with a WhatsApp account too, WhatsApp comes first and SMS second
    _whatsapp(client, headers, fake)
    with db.reader(workspace.id) as s:
        assert invitations.message_reach(s, person_id) == [
            ("whatsapp", "966501234567"),
            ("sms", "+966501234567"),
        ]


def test_agent_reply_from_the_inbox_goes_out_by_sms_once(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    from sada.cases.models import Conversation

    headers = _admin(db, workspace, make_key)
    account = _sms(client, headers, fake)
    r = _sms_post(client, account, _sms_in("SM" + "c" * 32, "+14155550142", "Refund please"))
    assert r.status_code == 200
    run_pending(db)
    with db.reader(workspace.id) as s:
        conversation = s.execute(select(Conversation)).scalar_one()
        assert conversation.channel == "sms"
    r = client.post(
        f"/api/v1/conversations/{conversation.id}/reply",
        json={"text": "Refunded today"},
        headers=headers,
    )
    assert r.status_code == 202, r.text
    run_pending(db)
    run_pending(db)
    sent = [q for q in fake.requests if q["path"].endswith("/Messages.json")]
    assert len(sent) == 1, fake.requests
    assert sent[0]["form"]["To"] == ["+14155550142"] and sent[0]["form"]["Body"] == [
        "Refunded today"
    ]
    with db.reader(workspace.id) as s:
        reply = s.get(Interaction, r.json()["interaction_id"])
        assert reply.attributes["delivery_status"] == "sent"
        assert reply.attributes["provider_message_id"] == f"SM{1:032x}"
