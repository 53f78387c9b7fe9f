"""`sada automation ...`: run the periodic work by hand, dry-run rules, poll mailboxes."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

app = typer.Typer(
    help="Rules, alerts, SLA checks, webhooks and inbound mail.", no_args_is_help=True
)


def _db_and_workspace(workspace: str) -> tuple[Any, int]:
    from sada.db.engine import open_database
    from sada.settings import get_settings
    from sada.tenants.service import get_workspace_by_name

    settings = get_settings()
    settings.check_safe_to_run()
    db = open_database(settings.database_url)
    with db.reader() as session:
        return db, get_workspace_by_name(session, workspace).id


def _print(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command("tick")
def tick(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """Run scheduled rules, SLA checks and IMAP polling once, now."""
    from datetime import timedelta

    from sada.automation import engine
    from sada.db.types import utcnow

    db, ws = _db_and_workspace(workspace)
    engine.tick(db, ws, utcnow() - timedelta(minutes=1))
    typer.echo("done")


@app.command("sla-check")
def sla_check(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """Record SLA warnings and breaches that are due and print them."""
    from sada.automation import engine

    db, ws = _db_and_workspace(workspace)
    _print([hit.__dict__ for hit in engine.check_sla(db, ws)])


@app.command("dry-run")
def dry_run(
    rule_id: int = typer.Argument(..., help="Rule id."),
    workspace: str = typer.Option(..., help="Workspace name."),
    days: int = typer.Option(30, help="How many days of history to replay."),
) -> None:
    """Show what a rule would have done over the last N days (writes nothing)."""
    from sada.automation import engine
    from sada.automation.rules import access_rule

    db, ws = _db_and_workspace(workspace)
    with db.reader(ws) as session:
        _print(engine.dry_run(session, access_rule(session, rule_id), days=days))


@app.command("poll-imap")
def poll_imap(
    mailbox_id: int = typer.Argument(..., help="Mailbox id."),
    workspace: str = typer.Option(..., help="Workspace name."),
) -> None:
    """Fetch new messages from a mailbox's IMAP folder now."""
    from sada.cases.inbound import poll_imap as poll

    db, ws = _db_and_workspace(workspace)
    _print(poll(db, ws, mailbox_id))


@app.command("defaults")
def defaults(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """Install the shipped alerts (detractor, repeat complainer, silence, topic rise)."""
    from sada.automation.defaults import ensure_default_rules

    db, ws = _db_and_workspace(workspace)
    with db.transaction(ws) as session:
        typer.echo(f"added {ensure_default_rules(session)} rule(s)")
