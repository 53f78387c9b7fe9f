"""The settings page for messages to customers: quiet hours, throttle and webhook contact
fields edited in the browser in four languages, refused per field, the same settings the
API and the rules read."""

from __future__ import annotations

import re

from sada.automation.customer import settings_of
from tests.cases.test_workspace import ALLOWED, ENGLISH, _member, _visible
from tests.web.conftest import csrf_of, sign_in

PATH = "/settings/customer-messages"


def test_admin_sets_quiet_hours_and_throttle_in_four_languages(db, workspace, client):  # type: ignore[no-untyped-def]
    _uid, email = _member(db, workspace.id, role="admin")
    sign_in(client, email)
    for lang, word in (("ar", "ساعات الهدوء"), ("fa", "ساعات سکوت"), ("zh", "免打扰时段")):
        page = client.get(f"{PATH}?lang={lang}")
        assert page.status_code == 200, lang
        assert word in page.text and 'id="customer-messages-form"' in page.text
        words = {w for w in ENGLISH.findall(_visible(page.text)) if w not in ALLOWED}
        assert words <= {"HH", "MM", "API", "Webhook"}, (lang, words)
    page = client.get(PATH)
    assert 'href="/settings/customer-messages" aria-current="page"' in page.text
    form = {
        "csrf": csrf_of(page.text),
        "quiet_on": "1",
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "throttle_max": "2",
        "throttle_hours": "48",
        "webhook_contact_fields": "1",
    }
    # A bad value is refused in the reader's language, naming the field; nothing is saved.
    bad = client.post(f"{PATH}?lang=fa", data={**form, "throttle_max": "5000"})
    assert bad.status_code == 422
    assert "پیام برای هر شخص" in bad.text
    assert re.search(r'name="throttle_max"[^>]*aria-invalid="true"', bad.text)
    assert 'value="5000"' in bad.text  # what was typed stays in the form
    bad = client.post(f"{PATH}?lang=ar", data={**form, "quiet_end": "22:00"})
    assert bad.status_code == 422 and "ساعات الهدوء" in bad.text
    with db.reader(workspace.id) as session:
        assert settings_of(session)["throttle_max"] == 3  # the default, untouched

    saved = client.post(PATH, data=form, follow_redirects=False)
    assert saved.status_code in (302, 303), saved.text
    with db.reader(workspace.id) as session:
        stored = settings_of(session)
    assert stored["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    assert stored["throttle_max"] == 2 and stored["throttle_hours"] == 48
    assert stored["webhook_contact_fields"] is True
    page = client.get(PATH)
    assert re.search(r'name="quiet_start"[^>]*value="22:00"', page.text)

    # Turning quiet hours off stores none; the checkbox left out turns contact fields off.
    off = {k: v for k, v in form.items() if k not in ("quiet_on", "webhook_contact_fields")}
    off["csrf"] = csrf_of(page.text)
    assert client.post(PATH, data=off, follow_redirects=False).status_code in (302, 303)
    with db.reader(workspace.id) as session:
        stored = settings_of(session)
    assert stored["quiet_hours"] is None and stored["webhook_contact_fields"] is False


def test_agents_cannot_change_customer_message_settings(db, workspace, client):  # type: ignore[no-untyped-def]
    _uid, email = _member(db, workspace.id, role="agent")
    sign_in(client, email)
    assert client.get(PATH).status_code == 403
