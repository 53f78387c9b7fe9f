"""Web chat through the real services: assistant answer, handoff into the inbox with the
transcript, an agent's reply reaching the chat through `conversation.replied`, offline
contact, signed identity, CSAT; and the generative backend against a loopback server that
speaks the OpenAI chat-completions API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from sada.cases.conversations import access_conversation
from sada.cases.replies import do_reply
from sada.cases.service import notes_of
from sada.core.errors import Invalid
from sada.core.ssrf import HostPolicy
from sada.jobs.service import run_pending
from sada.selfservice import chat
from sada.selfservice.assistant import AssistantConfig, ask


def test_answer_then_handoff_then_agent_reply(db: Any, help_centre: Any) -> None:
    ws = help_centre.id
    config = AssistantConfig(workspace_name=help_centre.name)
    with db.transaction(ws) as session:
        row = chat.start(session, lang="fa", secret="s", page_url="https://shop.example/cart")
        token = row.token
        out = chat.post(session, row, "زمان ارسال سفارش چند روز است؟", config)
        assert [m.role for m in out] == ["customer", "assistant"]
        assert out[1].citations[0]["key"] == "delivery-times"
        assert row.conversation_id is None and row.status == "bot"
        out = chat.post(session, row, "میخوام با یه اپراتور صحبت کنم", config)
        assert [m.role for m in out] == ["customer", "system"]
        assert row.status == "waiting" and row.handoff_reason == "human_requested"
        conversation_id = row.conversation_id
        assert conversation_id is not None
    with db.transaction(ws) as session:
        conv = access_conversation(session, conversation_id)
        assert conv.channel == "web_chat" and conv.status == "open"
        note = notes_of(session, conversation_id=conversation_id)[0].body
        assert "Language: fa" in note and "human_requested" in note
        assert "زمان ارسال سفارش" in note and "delivery-times" in note
        do_reply(
            session, conversation_id, "سلام، من مریم هستم. سفارش شما فردا می‌رسد.", label="agent"
        )
    run_pending(db)  # sends the reply, publishes conversation.replied, the widget's handler runs
    run_pending(db)
    with db.reader(ws) as session:
        row = chat.access_chat(session, token)
        lines = chat.messages_after(session, row, 0)
        assert lines[-1].role == "agent" and "مریم" in lines[-1].text
        assert row.status == "human"
    with db.transaction(ws) as session:
        row = chat.access_chat(session, token)
        chat.post(session, row, "ممنون!", config)
        chat.end(session, row)
        chat.rate(session, row, 5)
        with pytest.raises(Invalid):
            chat.rate(session, row, 4)


def test_offline_contact_and_signed_identity(db: Any, help_centre: Any) -> None:
    from sada.cases.assignment import do_add_member, do_create_team
    from sada.tenants.service import do_add_member as add_workspace_member
    from sada.tenants.service import do_create_user

    ws = help_centre.id
    with db.transaction(ws) as session:
        user = do_create_user(session, f"agent-{ws}@example.com", "x" * 12)
        add_workspace_member(session, user, "agent")
        team = do_create_team(session, {"name": "Support"})
        do_add_member(session, team.id, user.id, online=False)
    with db.transaction(ws) as session:
        with pytest.raises(Invalid):
            chat.start(
                session, lang="ar", secret="secret", identity={"user_id": "u1", "user_hash": "bad"}
            )
        signed = chat.user_hash("secret", "u1")
        row = chat.start(
            session,
            lang="ar",
            secret="secret",
            identity={"user_id": "u1", "user_hash": signed, "email": "u1@example.com"},
        )
        assert row.user_id == "u1"
        out = chat.request_person(session, row)
        assert row.status == "offline" and out[-1].role == "system"
        with pytest.raises(Invalid):
            chat.leave_contact(session, row, email="", phone="", text="hi")
        chat.leave_contact(
            session, row, email="u1@example.com", phone="", text="أبي أكلم أحد عن طلبي"
        )
        assert row.conversation_id is not None and row.status == "waiting"
        assert access_conversation(session, row.conversation_id).channel == "email"


class _OpenAI(BaseHTTPRequestHandler):
    answer = "[1]"
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _OpenAI.seen.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        reply = {
            "id": "x",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": _OpenAI.answer},
                    "finish_reason": "stop",
                }
            ],
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return None


def test_generative_backend_must_cite(db: Any, help_centre: Any) -> None:
    _OpenAI.seen.clear()
    server = HTTPServer(("127.0.0.1", 0), _OpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    generative = {"base_url": base, "model": "local", "api_key": "k-123"}
    try:
        with db.transaction(help_centre.id) as session:
            blocked = AssistantConfig(
                generative=generative, generative_enabled=True, policy=HostPolicy()
            )
            out = ask(session, "What are the delivery times?", "en", config=blocked)
            assert (
                out.generated is False and out.citations
            )  # the guard refused loopback: extractive
            assert _OpenAI.seen == []
            allowed = AssistantConfig(
                generative=generative,
                generative_enabled=True,
                policy=HostPolicy.from_setting("127.0.0.1"),
            )
            _OpenAI.answer = "Orders take 1 to 2 days in the capital [1]."
            out = ask(session, "What are the delivery times?", "en", config=allowed)
            assert (
                out.generated is True
                and out.answer == "Orders take 1 to 2 days in the capital [1]."
            )
            assert out.citations[0].key == "delivery-times"
            request = _OpenAI.seen[-1]
            assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k-123"
            assert "Delivery times" in request["body"]["messages"][1]["content"]
            _OpenAI.answer = "Orders usually take a day or two."  # no citation: refused
            out = ask(session, "What are the delivery times?", "en", config=allowed)
            assert out.generated is False and "1 to 2 days" in (out.answer or "")
            _OpenAI.answer = "See [7]."  # cites a source it was not given: refused
            assert (
                ask(session, "What are the delivery times?", "en", config=allowed).generated
                is False
            )
    finally:
        server.shutdown()
