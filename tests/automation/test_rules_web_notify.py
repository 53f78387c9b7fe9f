"""The rules form's customer notification fields, in the four languages."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from sada.automation.models import Rule
from tests.automation.test_rules_web import _owner
from tests.web.conftest import csrf_of, sign_in

LEGEND = {
    "en": "Notify the customer",
    "ar": "إشعار العميل",
    "fa": "اطلاع‌رسانی به مشتری",
    "zh": "通知客户",
}


def test_notify_customer_from_the_form(db, workspace, client) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, _owner(db, workspace.id))
    for lang, legend in LEGEND.items():
        page = client.get(f"/rules/new?lang={lang}")
        assert page.status_code == 200 and 'id="notify-customer"' in page.text
        assert legend in page.text, lang
        assert 'name="notify_message_fa"' in page.text and 'dir="rtl"' in page.text
    form = client.get("/rules/new?lang=ar")
    data = {
        "name": "الطلب جاهز",
        "triggers": ["interaction.ingested"],
        "conditions": json.dumps([{"field": "interaction.type", "op": "eq", "value": "order"}]),
        "actions": json.dumps([{"type": "tag", "tags": ["order"]}]),
        "cooldown_minutes": "0",
        "notify_channel": "whatsapp",
        "notify_purpose": "notifications",
        "notify_message_ar": "طلبك {interaction.attributes.order} جاهز",
        "notify_message_en": "Your order {interaction.attributes.order} is ready",
        "notify_subject_en": "Order ready",
        "csrf": csrf_of(form.text),
    }
    dry = client.post("/rules/new?lang=ar", data={**data, "step": "dry"})
    assert dry.status_code == 200 and 'id="dry-run"' in dry.text
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', dry.text).group(1)
    saved = client.post(
        "/rules/new", data={**data, "step": "save", "digest": digest}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    with db.reader(workspace.id) as s:
        rule = s.execute(select(Rule).where(Rule.name == "الطلب جاهز")).scalar_one()
    assert rule.actions == [
        {"type": "tag", "tags": ["order"]},
        {
            "type": "notify_customer",
            "channel": "whatsapp",
            "purpose": "notifications",
            "messages": {
                "en": "Your order {interaction.attributes.order} is ready",
                "ar": "طلبك {interaction.attributes.order} جاهز",
            },
            "subjects": {"en": "Order ready"},
        },
    ]
    edit = client.get(f"/rules/{rule.id}/edit?lang=zh")
    assert edit.status_code == 200
    assert "طلبك {interaction.attributes.order} جاهز</textarea>" in edit.text
    assert '<option value="whatsapp" selected>' in edit.text
    assert "notify_customer" not in edit.text  # in its fields, not in the JSON list
    # an empty message everywhere is a clear error, not a 500
    bad = {**data, "notify_message_ar": "", "notify_message_en": ""}
    bad["actions"] = json.dumps([{"type": "notify_customer", "messages": {"en": ""}}])
    r = client.post("/rules/new", data={**bad, "step": "dry"})
    assert r.status_code == 422 and "actions[0].messages.en" in r.text
