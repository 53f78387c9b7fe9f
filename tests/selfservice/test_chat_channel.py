"""The web chat as a channel: a handed-off chat is an inbox conversation on `web_chat` (listed
and filtered, its label translated), an agent's reply from /inbox/{id} reaches the widget's
endpoints, and a survey invitation is delivered in the open chat to a visitor known only there."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select

from sada.cases.models import Conversation
from sada.feedback import invitations, service
from sada.feedback.models import Invitation
from sada.jobs.service import run_pending
from sada.settings import get_settings
from sada.web.i18n import translations
from sada.web.labels import labeler
from tests.feedback.factories import csat_survey

PASSWORD = "correct horse battery"


def _sign_in(client: Any, db: Any, workspace: Any) -> None:
    from sada.tenants.service import do_add_member, do_create_user

    email = f"chat-agent-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(workspace.id) as session:
        user = do_create_user(session, email, PASSWORD, name="Maryam")
        do_add_member(session, user, "owner")
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:300]


def _chat(client: Any, base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"{base}/chat{path}", json=body)
    assert r.status_code == 200, r.text[:300]
    return r.json()  # type: ignore[no-any-return]


def test_web_chat_in_the_inbox_and_back(client: Any, db: Any, help_centre: Any) -> None:
    ws = help_centre
    base = f"/help/{ws.name}"
    token = _chat(client, base, "", {"lang": "fa"})["chat"]["token"]
    _chat(client, base, f"/{token}/messages", {"text": "زمان ارسال سفارش چند روز است؟"})
    handed = _chat(client, base, f"/{token}/person", {})
    assert handed["chat"]["status"] == "waiting"
    with db.reader(ws.id) as session:
        conv = session.execute(
            select(Conversation).order_by(Conversation.id.desc()).limit(1)
        ).scalar_one()
    assert conv.channel == "web_chat" and conv.status == "open"

    _sign_in(client, db, ws)
    inbox = client.get("/inbox")
    assert inbox.status_code == 200 and 'value="web_chat"' in inbox.text
    listed = client.get("/inbox?channel=web_chat")
    assert listed.status_code == 200 and f"/inbox/{conv.id}" in listed.text
    page = client.get(f"/inbox/{conv.id}")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    reply = "سلام، مریم هستم. سفارش شما فردا می‌رسد."
    r = client.post(
        f"/inbox/{conv.id}",
        data={"action": "reply", "body": reply, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    run_pending(db)  # sends the reply; conversation.replied puts it in the chat
    run_pending(db)
    lines = client.get(f"{base}/chat/{token}/messages?after=0").json()
    assert lines["chat"]["status"] == "human"
    assert [m["text"] for m in lines["messages"] if m["role"] == "agent"] == [reply]

    # The channel's name is translated wherever channels are listed.
    for lang, name in (("fa", "گفتگوی وب"), ("ar", "الدردشة على الموقع"), ("zh", "网页聊天")):
        assert labeler(translations(lang).gettext)("channel", "web_chat") == name


def test_survey_invitation_in_the_open_chat(client: Any, db: Any, help_centre: Any) -> None:
    ws = help_centre
    base = f"/help/{ws.name}"
    token = _chat(client, base, "", {"lang": "zh"})["chat"]["token"]
    _chat(client, base, f"/{token}/person", {})  # an anonymous visitor: no email, no phone
    with db.reader(ws.id) as session:
        from sada.selfservice.chat import access_chat

        person_id = access_chat(session, token).person_id
    assert person_id is not None
    with db.transaction(ws.id) as session:
        survey = service.do_create_survey(session, csat_survey())
        inv = invitations.do_request_survey(
            session, survey, person_id, secret=get_settings().secret_key, requested_by="test"
        )
        assert (inv.status, inv.channel, inv.email) == ("pending", "web_chat", None)
        invitation_id = inv.id
    run_pending(db, kinds=["feedback.send_invitation"])
    with db.reader(ws.id) as session:
        assert session.get(Invitation, invitation_id).status == "sent"  # type: ignore[union-attr]
    lines = client.get(f"{base}/chat/{token}/messages?after=0").json()["messages"]
    invite = lines[-1]
    assert invite["role"] == "system" and "一分钟" in invite["text"]
    link = invite["citations"][0]
    assert link["key"] == "survey" and link["url"].startswith("/s/i/")
    assert client.get(link["url"]).status_code == 200

    # Once the chat has ended it is no way to reach the visitor: the invitation says why.
    _chat(client, base, f"/{token}/end", {})
    with db.transaction(ws.id) as session:
        survey = service.do_create_survey(
            session, csat_survey(settings={"ignore_contact_frequency": True})
        )
        later = invitations.do_request_survey(
            session, survey, person_id, secret=get_settings().secret_key, requested_by="test"
        )
        assert later.status == "unreachable"


def test_invitation_line_added_once_per_idempotency_key(
    client: Any, db: Any, help_centre: Any
) -> None:
    """A retried send (same idempotency key, same survey link) adds no second line to the chat."""
    from sada.selfservice import chat as chat_channel

    ws = help_centre
    base = f"/help/{ws.name}"
    token = _chat(client, base, "", {"lang": "fa"})["chat"]["token"]
    _chat(client, base, f"/{token}/person", {})
    with db.reader(ws.id) as session:
        person_id = chat_channel.access_chat(session, token).person_id
    assert person_id is not None
    args = (db, get_settings(), ws.id, person_id, "web_chat", "x", ["Survey", "/s/i/retry-token-1"])
    first = chat_channel.send_to_person(*args, idempotency_key="invitation:retry-1")
    second = chat_channel.send_to_person(*args, idempotency_key="invitation:retry-1")
    assert first == second
    lines = client.get(f"{base}/chat/{token}/messages?after=0").json()["messages"]
    assert sum(1 for m in lines if m["role"] == "system" and m["citations"]) == 1
