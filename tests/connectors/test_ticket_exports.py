"""Intercom and Freshdesk exports as history: who spoke, ratings as CSAT, no doubles."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.freshdesk import service as freshdesk
from sada.connectors.intercom import service as intercom
from sada.interactions.models import Interaction

FIXTURES = Path(__file__).parent / "fixtures"


def _rows(db, workspace):  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as s:
        return {r.external_id: r for r in s.execute(select(Interaction)).scalars()}


def test_intercom_conversations(db, workspace):  # type: ignore[no-untyped-def]
    path = FIXTURES / "intercom" / "conversations.json"
    summary = intercom.import_file(db, workspace.id, path)
    assert (summary.imported, summary.rejected) == (5, 0)
    assert summary.skipped == {"assignment part": 1, "close part": 1}
    rows = _rows(db, workspace)
    first = rows["part:1911149811-source"]
    assert first.text == "My invoice shows the wrong VAT number" and first.origin == "import"
    assert (
        rows["part:2002"].origin == "agent"
        and rows["part:2002"].text == "Thanks Noor, I've corrected it."
    )
    assert rows["part:2003"].origin == "system" and rows["part:2003"].type == "note"
    assert rows["part:2004"].person_id == first.person_id
    rating = rows["rating:1911149811"]
    assert (rating.rating, rating.rating_scale, rating.person_id) == (5, "csat5", first.person_id)
    assert intercom.import_file(db, workspace.id, path).duplicates == 5


def test_freshdesk_tickets(db, workspace):  # type: ignore[no-untyped-def]
    d = FIXTURES / "freshdesk"
    summary = freshdesk.import_files(
        db,
        workspace.id,
        tickets=d / "tickets.json",
        conversations=d / "conversations.json",
        ratings=d / "satisfaction_ratings.json",
    )
    assert (summary.imported, summary.rejected) == (5, 1)
    assert summary.skipped == {"spam or deleted": 1}
    rows = _rows(db, workspace)
    ticket = rows["ticket:20"]
    assert ticket.channel == "email" and ticket.subject == "Late refund" and ticket.backfill
    assert rows["conversation:9100"].origin == "agent"
    assert rows["conversation:9101"].origin == "import"
    assert rows["conversation:9101"].person_id == ticket.person_id
    assert rows["conversation:9102"].origin == "system"
    assert (rows["rating:700"].rating, rows["rating:700"].rating_scale) == (4, "csat5")


def test_cli(sqlite_db, make_workspace, monkeypatch):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws = make_workspace(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(
            app,
            [
                "import",
                "intercom",
                str(FIXTURES / "intercom" / "conversations.json"),
                "--workspace",
                ws.name,
            ],
        )
        assert r.exit_code == 0 and "stored=5" in r.stdout, r.output
        r = runner.invoke(
            app,
            [
                "import",
                "freshdesk",
                "--tickets",
                str(FIXTURES / "freshdesk" / "tickets.json"),
                "--workspace",
                ws.name,
            ],
        )
        assert r.exit_code == 0 and "stored=1" in r.stdout, r.output
        r = runner.invoke(app, ["connectors", "list"])
        assert r.exit_code == 0
        names = {line.split("\t")[0] for line in r.stdout.splitlines()}
        assert {"qualtrics", "segment", "zendesk", "chatwoot", "intercom", "reviews"} <= names
    finally:
        get_settings.cache_clear()
