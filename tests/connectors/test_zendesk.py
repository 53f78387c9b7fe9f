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
