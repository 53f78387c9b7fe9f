"""HubSpot history: tickets (JSON and CSV export), contacts matched by email/phone, thread
messages by who spoke, feedback submissions as NPS/CSAT/CES responses; the API pull through
the outbound guard against a loopback server speaking HubSpot's documented endpoints."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.hubspot import service as hubspot
from sada.interactions.models import Interaction
from sada.people.models import Identity, Person

FIXTURES = Path(__file__).parent / "fixtures" / "hubspot"
FILES = {
    "tickets": FIXTURES / "tickets.json",
    "contacts": FIXTURES / "contacts.json",
    "threads": FIXTURES / "threads.json",
    "messages": FIXTURES / "messages.json",
    "feedback": FIXTURES / "feedback_submissions.json",
}


def _rows(db: Any, workspace_id: int) -> dict[str, Interaction]:
    with db.reader(workspace_id) as s:
        rows = s.execute(select(Interaction).where(Interaction.source == "hubspot")).scalars()
        return {r.external_id: r for r in rows}


def _check_history(db: Any, workspace_id: int) -> None:
    rows = _rows(db, workspace_id)
    assert all(r.backfill for r in rows.values())
    ticket = rows["ticket:1001"]
    assert ticket.subject == "Charged twice in September" and ticket.channel == "email"
    assert ticket.origin == "import" and ticket.conversation_id == "hubspot:1001"
    assert ticket.attributes["priority"] == "HIGH" and ticket.attributes["pipeline_stage"] == "4"
    assert rows["ticket:1002"].channel == "chat"
    # The thread tied to ticket 1001 joins its conversation; who spoke decides the origin.
    first = rows["message:m-9001"]
    assert first.conversation_id == "hubspot:1001" and first.person_id == ticket.person_id
    reply = rows["message:m-9002"]
    assert (reply.origin, reply.direction) == ("agent", "outbound")
    assert reply.attributes["agent"] == "Sara Support"
    assert rows["message:m-9003"].origin == "system" and rows["message:m-9003"].type == "note"
    chat = rows["message:m-9101"]
    assert chat.channel == "chat" and chat.conversation_id == "hubspot:thread:7002"
    nps, csat, ces, custom = (rows[f"feedback:{n}"] for n in (5501, 5502, 5503, 5504))
    assert (nps.rating, nps.rating_scale, nps.person_id) == (9, "nps", ticket.person_id)
    assert (csat.rating, csat.rating_scale) == (1, "csat5")
    assert (
        csat.attributes["hubspot_value"] == "0" and csat.person_id == rows["ticket:1002"].person_id
    )
    assert (ces.rating, ces.rating_scale, ces.person_id) == (6, "ces7", chat.person_id)
    assert custom.rating is None and custom.text == "Blue, like the logo"
    with db.reader(workspace_id) as s:
        person = s.get(Person, ticket.person_id)
        assert person is not None and person.language == "ar"
        kinds = {
            i.kind
            for i in s.execute(select(Identity).where(Identity.person_id == person.id)).scalars()
        }
        assert {"email", "phone"} <= kinds


def test_hubspot_files(db, workspace):  # type: ignore[no-untyped-def]
    summary = hubspot.import_files(db, workspace.id, **FILES)
    # 2 tickets + 5 messages + 4 feedback; archived ticket, status change skipped; NPS 12 refused.
    assert (summary.imported, summary.rejected) == (11, 1), summary.errors
    assert summary.skipped == {"archived": 1, "thread status change": 1}
    assert "outside 0-10" in " ".join(summary.errors)
    _check_history(db, workspace.id)
    again = hubspot.import_files(db, workspace.id, **FILES)
    assert (again.imported, again.duplicates) == (0, 11)


def test_hubspot_csv_export(db, workspace):  # type: ignore[no-untyped-def]
    summary = hubspot.import_files(
        db, workspace.id, tickets=FIXTURES / "tickets.csv", timezone="Asia/Dubai"
    )
    assert (summary.imported, summary.rejected) == (3, 1), summary.errors
    rows = _rows(db, workspace.id)
    ticket = rows["ticket:1001"]
    assert ticket.occurred_at.replace(tzinfo=None).isoformat() == "2026-09-01T08:30:00"
    assert rows["ticket:1004"].channel == "web" and rows["ticket:1004"].person_id is not None
    assert rows["ticket:1005"].channel == "phone"
    # The same ticket from the API export afterwards is a duplicate, not a second ticket.
    again = hubspot.import_files(db, workspace.id, tickets=FILES["tickets"])
    assert (again.duplicates, again.imported) == (1, 1)  # 1001 known; 1002 is new


def test_hubspot_cli(sqlite_db, make_workspace, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws = make_workspace(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = ["import", "hubspot", "--tickets", str(FILES["tickets"]), "--contacts"]
        args += [str(FILES["contacts"]), "--workspace", ws.name]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        assert "stored=2" in r.stdout.strip().splitlines()[-1] and "skipped archived=1" in r.stdout
        again = runner.invoke(app, args)
        assert again.exit_code == 0 and "duplicate=2" in again.stdout
        broken = tmp_path / "tickets.json"
        broken.write_text('{"results": [{"id": "9", "properties": {"createdate": "soon"}}]}')
        r = runner.invoke(
            app, ["import", "hubspot", "--tickets", str(broken), "--workspace", ws.name]
        )
        assert r.exit_code == 1 and "rejected=1" in r.stdout
        junk = tmp_path / "junk.csv"
        junk.write_text("Name,Email\nA,a@example.com\n")
        r = runner.invoke(
            app, ["import", "hubspot", "--tickets", str(junk), "--workspace", ws.name]
        )
        assert r.exit_code == 1 and "Ticket ID" in r.output
        r = runner.invoke(app, ["import", "hubspot", "--api", "--workspace", ws.name])
        assert r.exit_code == 1 and "HUBSPOT_ACCESS_TOKEN" in r.output
    finally:
        get_settings.cache_clear()


def _hubspot_server(token: str) -> tuple[ThreadingHTTPServer, dict[str, Any]]:
    """A loopback server answering HubSpot's documented list endpoints from the fixtures:
    Bearer auth, `limit`/`after` paging, one 429 with Retry-After."""
    data = {name: json.loads(path.read_text()) for name, path in FILES.items()}
    messages: dict[str, list[dict[str, Any]]] = {}
    for page in data["messages"]:
        for m in page.get("results", [page]):
            thread = m.get("conversationsThreadId") or page.get("threadId")
            messages.setdefault(thread, []).append(m)
    lists = {
        "/crm/v3/objects/tickets": data["tickets"]["results"],
        "/crm/v3/objects/contacts": data["contacts"]["results"],
        "/conversations/v3/conversations/threads": data["threads"]["results"],
        "/crm/v3/objects/feedback_submissions": data["feedback"]["results"],
    }
    for thread, found in messages.items():
        lists[f"/conversations/v3/conversations/threads/{thread}/messages"] = found
    state: dict[str, Any] = {"throttled": False, "queries": []}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: object, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json;charset=utf-8")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:  # noqa: N802
            if self.headers.get("authorization") != f"Bearer {token}":
                return self._send(
                    401,
                    {
                        "status": "error",
                        "message": "Authentication credentials not found.",
                        "category": "INVALID_AUTHENTICATION",
                    },
                )
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            state["queries"].append((url.path, query))
            if url.path not in lists:
                return self._send(404, {"status": "error", "category": "OBJECT_NOT_FOUND"})
            if url.path.endswith("/contacts") and not state["throttled"]:
                state["throttled"] = True
                return self._send(
                    429, {"status": "error", "category": "RATE_LIMITS"}, {"Retry-After": "0"}
                )
            rows = lists[url.path]
            limit = min(int(query.get("limit", "10")), 2)  # small pages: the pull must follow
            start = int(query.get("after", "0"))
            page: dict[str, Any] = {"results": rows[start : start + limit]}
            if start + limit < len(rows):
                page["paging"] = {"next": {"after": str(start + limit)}}
            return self._send(200, page)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


def test_hubspot_api_pull(sqlite_db, make_workspace, monkeypatch):  # type: ignore[no-untyped-def]
    from sada.connectors.base import PermanentError
    from sada.connectors.hubspot.pull import pull
    from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client
    from sada.settings import get_settings

    server, state = _hubspot_server("pat-na1-test")
    base = f"http://127.0.0.1:{server.server_port}"
    refused = (BlockedDestination,)
    try:
        with guarded_client(HostPolicy(), timeout=5, follow_redirects=False) as client:
            try:
                pull(client, "pat-na1-test", base_url=base, refused=refused)
            except PermanentError as exc:
                assert "refused" in exc.message
            else:
                raise AssertionError("loopback should be refused by default")
        policy = HostPolicy.from_setting("127.0.0.1")
        with guarded_client(policy, timeout=5, follow_redirects=False) as client:
            try:
                pull(client, "wrong", base_url=base, refused=refused)
            except PermanentError as exc:
                assert "token" in exc.message
            else:
                raise AssertionError("a wrong token should be refused")
        ws = make_workspace(sqlite_db)
        monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
        monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
        monkeypatch.setenv("HS_TOKEN", "pat-na1-test")
        get_settings.cache_clear()
        runner = CliRunner()
        args = ["import", "hubspot", "--api", "--base-url", base, "--token-env", "HS_TOKEN"]
        args += ["--workspace", ws.name]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        assert "stored=11" in r.stdout and "pat-na1-test" not in r.output
        assert state["throttled"]
        tickets = [q for p, q in state["queries"] if p == "/crm/v3/objects/tickets"]
        assert [q.get("after") for q in tickets] == [None, "2"]
        assert "associations" in tickets[0] and "hs_pipeline_stage" in tickets[0]["properties"]
        _check_history(sqlite_db, ws.id)
        again = runner.invoke(app, args)
        assert again.exit_code == 0 and "duplicate=11" in again.stdout
    finally:
        server.shutdown()
        get_settings.cache_clear()


def test_hubspot_odd_shapes_are_reported_not_crashes() -> None:
    import pytest

    from sada.connectors.base import PermanentError

    tickets = {
        "results": [
            {"id": "1", "properties": "x", "associations": ["contacts"]},
            {"properties": {"subject": "no id"}},
            "not an object",
        ]
    }
    items = list(hubspot.ticket_items(tickets))
    assert items[0].record["person"] is None and items[1].outcome == "rejected: ticket without id"
    messages = [
        {"type": "MESSAGE", "id": "a", "conversationsThreadId": "t", "senders": "V-1"},
        {"type": "MESSAGE", "id": "b", "conversationsThreadId": "t", "senders": [None]},
        {"type": "MESSAGE", "id": "c", "direction": "INCOMING", "senders": [{"x": 1}]},
    ]
    got = list(hubspot.message_items(messages))
    assert got[0].record["attributes"]["thread_id"] == "t" and got[1].record["agent"] == "agent"
    assert got[2].outcome == "rejected: message without id or thread"
    feedback = {
        "results": [
            {"id": "f", "properties": {"hs_survey_type": "CSAT", "hs_response_value": "1.5"}}
        ]
    }
    assert "not 0, 1 or 2" in (list(hubspot.feedback_items(feedback))[0].outcome or "")
    with pytest.raises(PermanentError):
        list(hubspot.ticket_items({"tickets": []}))
    with pytest.raises(PermanentError):
        list(hubspot.csv_ticket_items("Name,Email\n"))
    with pytest.raises(PermanentError):
        list(hubspot.csv_ticket_items("Ticket ID\n1\n", "Mars/Olympus"))
