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
