"""Rules from the web: the dry run is shown before saving, enable/disable, edit, bad input."""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import select

from sada.automation.models import Rule
from tests.web.conftest import csrf_of, sign_in


def _owner(db, ws_id):  # type: ignore[no-untyped-def]
    from sada.tenants.service import do_add_member, do_create_user

    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        do_add_member(session, do_create_user(session, email, "correct horse battery"), "owner")
    return email


def _rules(db, ws_id, name):  # type: ignore[no-untyped-def]
    with db.reader(ws_id) as session:
        return session.execute(select(Rule).where(Rule.name == name)).scalars().all()


def test_rule_form_shows_the_dry_run_before_saving(db, workspace, client) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, _owner(db, workspace.id))
    form = client.get("/rules/new?lang=fa")
    assert form.status_code == 200 and "اجرای آزمایشی پیش از ذخیره" in form.text
    data = {
        "name": "شکایت‌های منفی",
        "triggers": ["interaction.ingested"],
        "conditions": json.dumps([{"field": "interaction.type", "op": "eq", "value": "complaint"}]),
        "actions": json.dumps([{"type": "tag", "tags": ["complaint"]}]),
        "cooldown_minutes": "0",
        "csrf": csrf_of(form.text),
    }
    dry = client.post("/rules/new", data={**data, "step": "dry"})
    assert dry.status_code == 200 and 'id="dry-run"' in dry.text
    assert _rules(db, workspace.id, "شکایت‌های منفی") == []
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', dry.text).group(1)
    # "Save" with content other than what the dry run showed: the dry run again, no rule.
    changed = {**data, "actions": json.dumps([{"type": "tag", "tags": ["x"]}])}
    again = client.post("/rules/new", data={**changed, "step": "save", "digest": digest})
    assert again.status_code == 200 and 'id="dry-run"' in again.text
    assert _rules(db, workspace.id, "شکایت‌های منفی") == []
    saved = client.post(
        "/rules/new", data={**data, "step": "save", "digest": digest}, follow_redirects=False
    )
    assert saved.status_code == 303
    (rule,) = _rules(db, workspace.id, "شکایت‌های منفی")
    assert rule.actions == [{"type": "tag", "tags": ["complaint"]}] and rule.enabled
    # Disable, then edit.
    off = client.post(
        f"/rules/{rule.id}/enabled",
        data={"enabled": "0", "csrf": data["csrf"]},
        follow_redirects=False,
    )
    assert off.status_code == 303
    assert not _rules(db, workspace.id, "شکایت‌های منفی")[0].enabled
    page = client.get("/rules?lang=ar").text
    assert "معطّلة" in page and "تفاعل جديد" in page  # state and trigger, in Arabic
    assert "interaction.ingested<" not in page
    edit = client.get(f"/rules/{rule.id}/edit")
    assert edit.status_code == 200 and "complaint" in edit.text
    # Bad input: a clear 422 with the form kept.
    bad = client.post(f"/rules/{rule.id}/edit", data={**data, "conditions": "[{", "step": "dry"})
    assert bad.status_code == 422 and "[{" in bad.text
    unknown = client.post(
        "/rules/new",
        data={**data, "actions": json.dumps([{"type": "explode"}]), "step": "dry"},
    )
    assert unknown.status_code == 422
    assert client.get("/rules/999999/edit").status_code == 404
