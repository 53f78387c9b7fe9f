"""Zendesk history: tickets, comment events, good/bad ratings as CSAT; re-runs store nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.zendesk import service as zendesk
from sada.interactions.models import Interaction

FIXTURES = Path(__file__).parent / "fixtures" / "zendesk"


def test_zendesk_files(db, workspace):  # type: ignore[no-untyped-def]
    summary = zendesk.import_files(
        db,
        workspace.id,
        tickets=FIXTURES / "tickets_incremental.json",
        comments=FIXTURES / "ticket_events.json",
        ratings=FIXTURES / "satisfaction_ratings.json",
    )
    # 2 tickets + 4 comments + 2 ratings; a deleted ticket and an unanswered offer skipped.
    assert (summary.imported, summary.rejected) == (8, 0), summary.errors
    assert summary.skipped == {"deleted": 1, "offered": 1}
    with db.reader(workspace.id) as s:
        rows = s.execute(select(Interaction).order_by(Interaction.occurred_at)).scalars().all()
    assert all(r.backfill for r in rows)
    by_id = {r.external_id: r for r in rows}
    ticket = by_id["ticket:5101"]
    assert ticket.subject == "Router keeps disconnecting" and ticket.type == "complaint"
    assert ticket.origin == "import" and ticket.channel == "email"
    assert by_id["ticket:5102"].channel == "web" and by_id["ticket:5102"].language in (None, "fa")
    reply = by_id["comment:71002"]
    assert reply.origin == "agent" and reply.direction == "outbound"
    assert by_id["comment:71004"].origin == "system" and by_id["comment:71004"].type == "note"
    customer = by_id["comment:71005"]
    assert customer.origin == "import" and customer.person_id == ticket.person_id
    bad, good = by_id["rating:8801"], by_id["rating:8802"]
    assert (bad.rating, bad.rating_scale, good.rating) == (1, "csat5", 5)
    assert bad.text == "Took three days" and bad.conversation_id == "zendesk:5101"
    again = zendesk.import_files(
        db,
        workspace.id,
        tickets=FIXTURES / "tickets_incremental.json",
        comments=FIXTURES / "ticket_events.json",
        ratings=FIXTURES / "satisfaction_ratings.json",
    )
    assert (again.imported, again.duplicates) == (0, 8)


def test_zendesk_cli(sqlite_db, make_workspace, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws = make_workspace(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = [
            "import",
            "zendesk",
            "--tickets",
            str(FIXTURES / "tickets_incremental.json"),
            "--ratings",
            str(FIXTURES / "satisfaction_ratings.json"),
            "--workspace",
            ws.name,
        ]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        assert "stored=4" in r.stdout.strip().splitlines()[-1]
        assert "skipped offered=1" in r.stdout
        again = runner.invoke(app, args)
        assert again.exit_code == 0 and "duplicate=4" in again.stdout
        broken = tmp_path / "tickets.json"
        broken.write_text('{"tickets": [{"id": 1, "created_at": "yesterday"}]}')
        r = runner.invoke(
            app, ["import", "zendesk", "--tickets", str(broken), "--workspace", ws.name]
        )
        assert r.exit_code == 1 and "rejected=1" in r.stdout
        junk = tmp_path / "junk.json"
        shutil.copy(FIXTURES / "ticket_events.json", junk)
        r = runner.invoke(
            app, ["import", "zendesk", "--ratings", str(junk), "--workspace", ws.name]
        )
        assert r.exit_code == 1 and "satisfaction_ratings" in r.output
    finally:
        get_settings.cache_clear()


def _zendesk_server(token: str):  # type: ignore[no-untyped-def]
    """A loopback server answering Zendesk's documented endpoints from the fixtures."""
    import base64
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    tickets = json.loads((FIXTURES / "tickets_incremental.json").read_text())
    events = json.loads((FIXTURES / "ticket_events.json").read_text())
    ratings = json.loads((FIXTURES / "satisfaction_ratings.json").read_text())
    state = {"throttled": False, "paths": []}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # type: ignore[no-untyped-def]
            pass

        def _send(self, code: int, body: object, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:  # noqa: N802
            expected = (
                "Basic " + base64.b64encode(f"admin@nakhl.example/token:{token}".encode()).decode()
            )
            if self.headers.get("authorization") != expected:
                return self._send(401, {"error": "Couldn't authenticate you"})
            state["paths"].append(self.path)
            base = f"http://127.0.0.1:{self.server.server_port}"
            if self.path.startswith("/api/v2/incremental/tickets/cursor.json"):
                if "cursor=p2" in self.path:
                    page = {
                        "tickets": tickets["tickets"][1:],
                        "users": tickets["users"],
                        "end_of_stream": True,
                    }
                else:
                    page = {
                        "tickets": tickets["tickets"][:1],
                        "users": tickets["users"],
                        "after_url": f"{base}/api/v2/incremental/tickets/cursor.json?cursor=p2",
                        "end_of_stream": False,
                    }
                return self._send(200, page)
            if self.path.startswith("/api/v2/incremental/ticket_events.json"):
                if not state["throttled"]:
                    state["throttled"] = True
                    return self._send(429, {"error": "slow down"}, {"Retry-After": "0"})
                return self._send(200, {**events, "end_of_stream": True})
            if self.path.startswith("/api/v2/satisfaction_ratings.json"):
                return self._send(200, ratings)
            return self._send(404, {"error": "InvalidEndpoint"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


def test_zendesk_api_pull(sqlite_db, make_workspace, monkeypatch):  # type: ignore[no-untyped-def]
    from sada.connectors.base import PermanentError
    from sada.connectors.zendesk.pull import pull
    from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client
    from sada.settings import get_settings

    server, state = _zendesk_server("tok-123")
    base = f"http://127.0.0.1:{server.server_port}"
    refused = (BlockedDestination,)
    try:
        # The outbound guard refuses loopback unless the admin allows it.
        with guarded_client(HostPolicy(), timeout=5, follow_redirects=False) as client:
            try:
                pull(client, base, "admin@nakhl.example", "tok-123", refused=refused)
            except PermanentError as exc:
                assert "refused" in exc.message
            else:
                raise AssertionError("loopback should be refused by default")
        policy = HostPolicy.from_setting("127.0.0.1")
        with guarded_client(policy, timeout=5, follow_redirects=False) as client:
            try:
                pull(client, base, "admin@nakhl.example", "wrong", refused=refused)
            except PermanentError as exc:
                assert "credentials" in exc.message
            else:
                raise AssertionError("a wrong token should be refused")
        ws = make_workspace(sqlite_db)
        monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
        monkeypatch.setenv("SADA_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
        monkeypatch.setenv("ZD_TOKEN", "tok-123")
        get_settings.cache_clear()
        runner = CliRunner()
        args = [
            "import",
            "zendesk",
            "--api",
            base,
            "--email",
            "admin@nakhl.example",
            "--token-env",
            "ZD_TOKEN",
            "--workspace",
            ws.name,
        ]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        assert "stored=8" in r.stdout and "tok-123" not in r.output
        assert any("cursor=p2" in p for p in state["paths"]) and state["throttled"]
        again = runner.invoke(app, args)
        assert again.exit_code == 0 and "duplicate=8" in again.stdout
    finally:
        server.shutdown()
        get_settings.cache_clear()
