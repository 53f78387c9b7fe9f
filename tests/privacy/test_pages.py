"""The person page's "Export data" and "Erase person" for admins, with a confirmation step."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.web.conftest import csrf_of, ingest, item


def test_only_admins_see_and_use_export_and_erase(db: Any, workspace: Any, login: Any) -> None:
    email = f"erase-me-{uuid.uuid4().hex[:6]}@example.org"
    stored = ingest(db, workspace.id, [item(1, "please forget me", person={"email": email})])
    person_id = stored[0].person_id

    for role in ("agent", "manager"):
        client = login(role)
        html = client.get(f"/people/{person_id}").text
        assert email in html and 'id="privacy-actions"' not in html
        assert client.get(f"/people/{person_id}/erase").status_code == 403
        assert client.get(f"/people/{person_id}/privacy/export").status_code == 403
        client.cookies.clear()

    client = login("admin")
    html = client.get(f"/people/{person_id}?lang=fa").text
    assert 'id="privacy-actions"' in html and "پاک کردن فرد" in html
    exported = client.get(f"/people/{person_id}/privacy/export")
    assert exported.status_code == 200
    assert email in {i["value"] for i in json.loads(exported.text)["tables"]["identities"]}

    confirm = client.get(f"/people/{person_id}/erase?lang=fa")
    assert confirm.status_code == 200 and 'dir="rtl"' in confirm.text
    csrf = csrf_of(confirm.text)
    # Without the CSRF token, or without ticking the box, nothing happens.
    assert client.post(f"/people/{person_id}/erase", data={"confirm": "yes"}).status_code == 403
    r = client.post(f"/people/{person_id}/erase", data={"csrf": csrf})
    assert r.status_code == 422
    assert client.get(f"/people/{person_id}").status_code == 200
    r = client.post(f"/people/{person_id}/erase", data={"csrf": csrf, "confirm": "yes"})
    assert r.status_code == 200 and 'id="erased"' in r.text and "er_" in r.text
    assert client.get(f"/people/{person_id}").status_code == 404


def test_privacy_settings_page_sets_retention_and_consent(
    db: Any, workspace: Any, login: Any
) -> None:
    client = login("manager")
    assert client.get("/settings/privacy").status_code == 403
    client.cookies.clear()
    client = login("owner")
    html = client.get("/settings/privacy?lang=zh").text
    assert "没有保留策略" in html and "隐私" in html
    csrf = csrf_of(html)
    r = client.post(
        "/settings/privacy/retention",
        data={"csrf": csrf, "kind": "webhook_logs", "days": "30", "action": "anonymise"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    bad = client.post("/settings/privacy/retention", data={"csrf": csrf, "kind": "x", "days": "30"})
    assert bad.status_code == 422
    r = client.post(
        "/settings/privacy",
        data={"csrf": csrf, "allow_return": "yes", "require_consent": ["surveys", "marketing"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = client.get("/settings/privacy?lang=en").text
    assert "Webhook delivery logs" in html and "Anonymise" in html
    assert html.count(" checked") == 3  # allow_return, two purposes; webhooks stay raw
    r = client.post(
        "/settings/privacy/retention/webhook_logs/remove",
        data={"csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "No retention policy" in client.get("/settings/privacy").text
