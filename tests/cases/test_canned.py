"""Canned responses over the API: kept in four languages, filled on the server in the
customer's language (workspace default as fallback), placeholders filled, bad input a 422,
and only keys with the `reply` scope may use them."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sada.cases import threads
from sada.cases.models import Case, Conversation
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch

BODIES = {
    "fa": "سلام {{first_name}}، من {{agent_name}} هستم. پرونده {{case_id}} را پیگیری می‌کنم.",
    "ar": "مرحباً {{first_name}}، أنا {{agent_name}}. أتابع الحالة {{case_id}}.",
    "zh": "{{first_name}}您好，我是{{agent_name}}，正在跟进工单 {{case_id}}。",
    "en": "Hello {{first_name}}, I am {{agent_name}}; I am following case {{case_id}}.",
}


def _conversation(db, ws_id, language, name):
    item = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "text": "سفارشم نرسیده",
        "conversation_id": f"thread-{uuid.uuid4().hex[:8]}",
        "person": {"email": f"p-{uuid.uuid4().hex[:6]}@example.com", "name": name},
    }
    if language:
        item["language"] = language
    with db.transaction(ws_id) as session:
        (result,) = ingest_batch(session, [item])
        threads.attach_interactions(session, [result.id])
        conv = session.execute(
            select(Conversation).order_by(Conversation.id.desc()).limit(1)
        ).scalar_one()
        conv.language = language
        case = Case(title="x", conversation_id=conv.id, person_id=conv.person_id)
        session.add(case)
        session.flush()
        return conv.id, case.id


def test_canned_response_filled_in_persian_for_a_persian_customer(
    db, workspace, client, api_headers, make_key
):
    r = client.post(
        "/api/v1/canned-responses", json={"key": "delay", "bodies": BODIES}, headers=api_headers
    )
    assert r.status_code == 201, r.text
    listed = client.get("/api/v1/canned-responses", headers=api_headers).json()["items"]
    assert [c["key"] for c in listed] == ["delay"] and set(listed[0]["bodies"]) == set(BODIES)

    conv_id, case_id = _conversation(db, workspace.id, "fa", "مریم احمدی")
    r = client.post(
        "/api/v1/canned-responses/delay/fill",
        json={"conversation_id": conv_id, "agent_name": "علی"},
        headers=api_headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "key": "delay",
        "language": "fa",
        "text": f"سلام مریم، من علی هستم. پرونده {case_id} را پیگیری می‌کنم.",
    }

    # No Persian body: the workspace's default language (English here) is used instead.
    client.post(
        "/api/v1/canned-responses",
        json={"key": "delay", "bodies": {"ar": BODIES["ar"], "en": BODIES["en"]}},
        headers=api_headers,
    )
    r = client.post(
        "/api/v1/canned-responses/delay/fill",
        json={"conversation_id": conv_id, "agent_name": "Ali"},
        headers=api_headers,
    )
    assert r.json()["language"] == "en" and "{{" not in r.json()["text"]


def test_canned_responses_refuse_bad_input_and_keys_without_reply(
    db, workspace, client, api_headers, make_key
):
    for body in (
        {"key": "Bad Key", "bodies": {"fa": "x"}},
        {"key": "ok", "bodies": {"de": "x"}},
        {"key": "ok", "bodies": {"fa": "{{password}}"}},
        {"key": "ok", "bodies": {}},
        {"key": "ok"},
    ):
        r = client.post("/api/v1/canned-responses", json=body, headers=api_headers)
        assert r.status_code == 422, (body, r.text)
    r = client.post(
        "/api/v1/canned-responses/missing/fill", json={"conversation_id": 1}, headers=api_headers
    )
    assert r.status_code == 404
    read_only = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    assert client.get("/api/v1/canned-responses", headers=read_only).status_code == 403


def test_manager_saves_on_the_settings_page_and_agent_inserts_it_in_persian(db, workspace, client):
    from tests.cases.test_workspace import _member
    from tests.web.conftest import csrf_of, sign_in

    _manager, email = _member(db, workspace.id, role="manager", language="fa")
    sign_in(client, email)
    form = client.get("/settings/canned-responses")
    assert form.status_code == 200 and 'name="csrf"' in form.text
    data = {"key": "delay", **{f"body_{lang}": text for lang, text in BODIES.items()}}
    assert client.post("/settings/canned-responses", data=data).status_code == 403  # no csrf
    r = client.post(
        "/settings/canned-responses",
        data={**data, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text
    bad = client.post(
        "/settings/canned-responses",
        data={**data, "body_fa": "{{secret}}", "csrf": csrf_of(form.text)},
    )
    assert bad.status_code == 422 and "جای‌نگهدار" in bad.text

    agent, agent_email = _member(db, workspace.id, role="agent", name="علی رضایی", language="fa")
    sign_in(client, agent_email)
    conv_id, case_id = _conversation(db, workspace.id, "fa", "مریم احمدی")
    page = client.get(f"/inbox/{conv_id}")
    assert 'id="canned-picker"' in page.text
    filled = client.get(f"/inbox/{conv_id}?canned=delay").text
    expected = f"سلام مریم، من علی رضایی هستم. پرونده {case_id} را پیگیری می‌کنم."
    assert f">{expected}</textarea>" in filled
    assert client.get(f"/inbox/{conv_id}?canned=nothing").status_code == 200
