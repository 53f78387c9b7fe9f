"""Rules notify customers (`notify_customer`): per-language messages with placeholders on the
best or a chosen channel, consent and opt-outs skipped with their reason in the firing
history, quiet hours deferred, a throttle per person, an unsubscribe link in mails, once per
key; against the loopback WhatsApp/SMS providers and a real SMTP server."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sada.automation import customer
from sada.automation.models import CustomerNotification, RuleFiring
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.people import consent
from sada.people.models import Identity, Person
from sada.settings import get_settings
from tests.automation.sada_test_servers import SMTPSink, drain_jobs
from tests.automation.test_rules_web import _owner
from tests.channels.test_channels import _admin, _sms, _whatsapp
from tests.web.conftest import sign_in

MESSAGES = {
    "en": "Hello {person.name}, order {interaction.attributes.order} is ready",
    "ar": "مرحبا {person.name}، الطلب {interaction.attributes.order} جاهز",
    "fa": "سلام {person.name}، سفارش {interaction.attributes.order} آماده است",
    "zh": "{person.name}您好，订单 {interaction.attributes.order} 已备好",
}


def _rule(client: Any, headers: dict[str, str], **action: Any) -> dict[str, Any]:
    r = client.post(
        "/api/v1/rules",
        json={
            "name": f"order ready {uuid.uuid4().hex[:6]}",
            "triggers": ["interaction.ingested"],
            "conditions": [
                {"field": "interaction.attributes.status", "op": "eq", "value": "ready"}
            ],
            "actions": [{"type": "notify_customer", "messages": MESSAGES, **action}],
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _order_ready(db: Any, ws: int, person: dict[str, Any], channel: str = "whatsapp") -> int:
    person = dict(person)
    language = person.pop("language", None)
    if language:  # the person's language is known before the order event arrives
        with db.transaction(ws) as s:
            (known,) = ingest_batch(
                s,
                [
                    {
                        "source": "crm",
                        "external_id": uuid.uuid4().hex,
                        "occurred_at": (utcnow() - timedelta(days=3)).isoformat(),
                        "channel": "other",
                        "type": "note",
                        "direction": "outbound",
                        "origin": "system",
                        "person": person,
                    }
                ],
            )
            assert known.person_id is not None, known
            s.get(Person, known.person_id).language = language
    with db.transaction(ws) as s:
        (result,) = ingest_batch(
            s,
            [
                {
                    "source": "shop",
                    "external_id": uuid.uuid4().hex,
                    "occurred_at": utcnow().isoformat(),
                    "channel": channel,
                    "type": "message",
                    "direction": "inbound",
                    "text": "order update",
                    "person": person,
                    "attributes": {"status": "ready", "order": "A-17"},
                }
            ],
        )
    assert result.status == "stored", result
    assert result.person_id is not None
    return result.person_id


def _firings(client: Any, headers: dict[str, str], rule_id: int) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/rules/{rule_id}/firings", headers=headers)
    assert r.status_code == 200, r.text
    return [a for f in r.json()["items"] for a in f["results"] if a["action"] == "notify_customer"]


def _keys(db: Any, ws: int, make_key: Any) -> dict[str, str]:
    key = make_key(db, ws, "read", "write", "manage:rules", "admin")
    return {"Authorization": f"Bearer {key}"}


def test_validation_is_per_field(client, db, workspace, make_key) -> None:  # type: ignore[no-untyped-def]
    headers = _keys(db, workspace.id, make_key)
    for action, field in (
        ({"type": "notify_customer"}, "actions[0].messages"),
        ({"type": "notify_customer", "messages": {"en": " "}}, "actions[0].messages.en"),
        ({"type": "notify_customer", "messages": {"x y": "a"}}, "actions[0].messages"),
        ({"type": "notify_customer", "messages": {"en": "a"}, "channel": "fax"}, "channel"),
        ({"type": "notify_customer", "messages": {"en": "a"}, "purpose": "x"}, "purpose"),
    ):
        r = client.post(
            "/api/v1/rules",
            json={"name": "bad", "triggers": ["interaction.ingested"], "actions": [action]},
            headers=headers,
        )
        assert r.status_code == 422 and field in r.text, r.text
    for bad in (
        {"quiet_hours": {"start": "25:00", "end": "08:00"}},
        {"throttle_max": "3"},
        {"x": 1},
    ):
        r = client.patch("/api/v1/automation/settings", json=bad, headers=headers)
        assert r.status_code == 422, r.text


def test_whatsapp_in_the_persons_language_once(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _keys(db, workspace.id, make_key)
    _whatsapp(client, _admin(db, workspace, make_key), fake)
    rule = _rule(client, headers)
    person = {"phone": "+966500000101", "name": "Layla", "language": "ar-SA"}
    _order_ready(db, workspace.id, person)
    drain_jobs(db, workspace.id)
    (sent,) = [r for r in fake.requests if r["path"].endswith("/messages")]
    assert sent["json"]["to"] == "966500000101"
    assert sent["json"]["text"]["body"] == "مرحبا Layla، الطلب A-17 جاهز"
    (result,) = _firings(client, headers, rule["id"])
    assert result["status"] == "sent" and result["channel"] == "whatsapp", result
    assert result["language"] == "ar"
    # the job again (a retry): nothing more goes out
    settings = get_settings()
    assert customer.deliver(db, settings, workspace.id, result["notification_id"]) == "done"
    with db.transaction(workspace.id) as s:  # even when its row were left "sending"
        s.get(CustomerNotification, result["notification_id"]).status = "sending"
    customer.deliver(db, settings, workspace.id, result["notification_id"])
    assert len([r for r in fake.requests if r["path"].endswith("/messages")]) == 1


def test_consent_and_opt_out_are_skipped_with_their_reason(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _keys(db, workspace.id, make_key)
    admin = _admin(db, workspace, make_key)
    _whatsapp(client, admin, fake)
    _sms(client, admin, fake)
    rule = _rule(client, headers)
    # written from SMS: answered there (WhatsApp would need a template outside its window)
    pid = _order_ready(db, workspace.id, {"phone": "+14155550901", "name": "Sam"}, "sms")
    drain_jobs(db, workspace.id)
    with db.transaction(workspace.id) as s:
        consent.opt_out(s, pid, "whatsapp", "whatsapp reply")
        consent.opt_out(s, pid, "sms", "sms reply")
    before = len(fake.requests)
    _order_ready(db, workspace.id, {"phone": "+14155550901"}, "web")
    drain_jobs(db, workspace.id)
    assert len(fake.requests) == before
    results = _firings(client, headers, rule["id"])
    skipped = [r for r in results if "skipped" in r]
    assert len(skipped) == 1 and "status" not in skipped[0]
    assert skipped[0]["skipped"] == "whatsapp: opted out; sms: opted out"
    # the workspace requires consent for notifications: nobody without one is reached
    with db.transaction(workspace.id) as s:
        from sada.tenants.models import Workspace

        ws = s.get(Workspace, workspace.id)
        ws.settings = {**(ws.settings or {}), "privacy": {"require_consent": ["notifications"]}}
    _order_ready(db, workspace.id, {"phone": "+14155550902"}, "web")
    drain_jobs(db, workspace.id)
    assert len(fake.requests) == before
    reasons = [r.get("skipped") for r in _firings(client, headers, rule["id"])]
    assert "whatsapp: no consent; sms: no consent" in reasons
    with db.reader(workspace.id) as s:
        statuses = s.execute(select(CustomerNotification.status)).scalars().all()
        assert "sent" in statuses and statuses.count("sent") == 1
    # the reasons on the rule's page, in the reader's language
    sign_in(client, _owner(db, workspace.id))
    page = client.get(f"/rules/{rule['id']}/edit?lang=fa")
    assert page.status_code == 200 and 'id="firings"' in page.text
    assert "فرستاده نشد: whatsapp: opted out; sms: opted out" in page.text
    assert page.text.count('class="notify-skipped"') == 2


def test_quiet_hours_defer_to_their_end_then_send(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _keys(db, workspace.id, make_key)
    sms = _sms(client, _admin(db, workspace, make_key), fake)
    del sms
    tehran = ZoneInfo("Asia/Tehran")
    local = utcnow().astimezone(tehran)
    start = (local - timedelta(hours=1)).strftime("%H:%M")
    end = (local + timedelta(hours=1)).strftime("%H:%M")
    r = client.patch(
        "/api/v1/automation/settings",
        json={"quiet_hours": {"start": start, "end": end}, "throttle_max": 1},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["quiet_hours"] == {"start": start, "end": end}
    rule = _rule(client, headers, channel="sms")
    person = {"phone": "+989121110001", "language": "fa", "traits": {"timezone": "Asia/Tehran"}}
    pid = _order_ready(db, workspace.id, person, "web")
    drain_jobs(db, workspace.id)
    assert not any(r["path"].endswith("/Messages.json") for r in fake.requests)
    (result,) = _firings(client, headers, rule["id"])
    assert result["status"] == "deferred" and result["reason"] == "quiet hours"
    until = result["until"]
    assert until[:16] == (local + timedelta(hours=1)).astimezone(ZoneInfo("UTC")).isoformat()[:16]
    # the throttle (1 per 24 h) counts the deferred one: a second order is skipped
    _order_ready(db, workspace.id, {"phone": "+989121110001"}, "web")
    drain_jobs(db, workspace.id)
    assert [r.get("skipped") for r in _firings(client, headers, rule["id"])].count(
        "throttled: 1 in 24 h"
    ) == 1
    drain_jobs(db, workspace.id, now=utcnow() + timedelta(hours=1, minutes=1))
    (sent,) = [r for r in fake.requests if r["path"].endswith("/Messages.json")]
    assert sent["form"]["Body"] == ["سلام ، سفارش A-17 آماده است"]
    assert sent["form"]["To"] == ["+989121110001"]
    statuses = sorted(r.get("status", "skipped") for r in _firings(client, headers, rule["id"]))
    assert statuses == ["sent", "skipped"]
    del pid


def test_email_with_unsubscribe_link(client, db, workspace, make_key, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sink = SMTPSink()
    monkeypatch.setenv("SADA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SADA_SMTP_PORT", str(sink.port))
    monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1/32")
    get_settings.cache_clear()
    try:
        headers = _keys(db, workspace.id, make_key)
        rule = _rule(
            client,
            headers,
            subjects={"zh": "订单已备好", "en": "Your order is ready"},
        )
        email = f"li-{uuid.uuid4().hex[:6]}@example.com"
        pid = _order_ready(
            db, workspace.id, {"email": email, "name": "李", "language": "zh"}, "web"
        )
        drain_jobs(db, workspace.id)
        (mail,) = sink.wait(1)
        assert mail["To"] == email and mail["Subject"] == "订单已备好"
        body = mail.get_content()
        assert "李您好，订单 A-17 已备好" in body
        url = re.search(r"(http\S+/n/unsubscribe/\S+)", body).group(1)
        assert mail["List-Unsubscribe"].strip() == f"<{url}>"
        assert mail["Auto-Submitted"].strip() == "auto-generated"
        path = url.split("://", 1)[1].split("/", 1)[1]
        page = client.get("/" + path)
        assert page.status_code == 200 and 'lang="zh"' in page.text
        with db.reader(workspace.id) as s:
            assert consent.refusal(s, pid, "email", "notifications") is None
        done = client.post("/" + path)
        assert done.status_code == 200
        assert client.post("/" + path[:-3] + "xyz").status_code == 404
        with db.reader(workspace.id) as s:
            assert consent.refusal(s, pid, "email", "notifications") == "opted out"
        _order_ready(db, workspace.id, {"email": email}, "web")
        drain_jobs(db, workspace.id)
        reasons = [r.get("skipped") for r in _firings(client, headers, rule["id"])]
        assert "email: opted out" in reasons
        assert len(sink.messages) == 1
    finally:
        sink.close()
        get_settings.cache_clear()


def test_whatsapp_template_outside_the_window(client, db, workspace, make_key, fake):  # type: ignore[no-untyped-def]
    headers = _keys(db, workspace.id, make_key)
    _whatsapp(client, _admin(db, workspace, make_key), fake)
    rule = _rule(
        client,
        headers,
        channel="whatsapp",
        whatsapp_template={"name": "order_ready"},
    )
    _order_ready(db, workspace.id, {"phone": "+971500000303", "language": "en"}, "web")
    drain_jobs(db, workspace.id)
    (sent,) = [r for r in fake.requests if r["path"].endswith("/messages")]
    assert sent["json"]["type"] == "template"
    template = sent["json"]["template"]
    assert template["name"] == "order_ready" and template["language"]["code"] == "en"
    params = template["components"][0]["parameters"]
    assert params == [{"type": "text", "text": "Hello , order A-17 is ready"}]
    (result,) = _firings(client, headers, rule["id"])
    assert result["status"] == "sent"
    with db.reader(workspace.id) as s:
        phones = s.execute(select(Identity.value).where(Identity.kind == "phone")).scalars()
        assert "+971500000303" in list(phones)
        firing = s.execute(select(RuleFiring).where(RuleFiring.rule_id == rule["id"])).scalar_one()
        assert firing.results[0]["sent_at"]
