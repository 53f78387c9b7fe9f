"""`sada connectors list` and the history imports `sada import zendesk|hubspot|reviews|...`.

Every import prints skipped and rejected counts by reason, then the counts
(`stored=… duplicate=… skipped=… rejected=…`), and exits 1 when nothing was stored
from a non-empty file. Re-running stores nothing twice.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Connectors to other tools.", no_args_is_help=True)

TOOLS = (
    "qualtrics",
    "surveymonkey",
    "typeform",
    "formbricks",
    "segment",
    "zendesk",
    "reviews",
    "googleforms",
    "chatwoot",
    "intercom",
    "freshdesk",
    "hubspot",
)


def load_all() -> None:
    """Import every connector package so each registers itself."""
    for tool in TOOLS:
        importlib.import_module(f"sada.connectors.{tool}.service")


@app.command("list")
def list_cmd() -> None:
    """List the connectors and what they take (file, webhook, api)."""
    from sada.connectors.base import REGISTRY

    load_all()
    for name in sorted(REGISTRY):
        typer.echo(f"{name}\t{','.join(REGISTRY[name].kinds)}")


def run_import(workspace: str, work: Callable[[Any, int], Any], *, survey: bool = False) -> None:
    """Open the database, run `work(db, workspace_id)`, print the summary, exit non-zero when
    nothing was stored from a non-empty input."""
    from sada.cli.common import _db, _workspace_id
    from sada.core.errors import SadaError
    from sada.db.migrate import upgrade

    db = _db()
    upgrade(db)
    ws_id = _workspace_id(db, workspace)
    try:
        summary = work(db, ws_id)
    except SadaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    for line in summary.errors[:20]:
        typer.echo(f"rejected {line}", err=True)
    for line in summary.lines():
        typer.echo(line)
    if survey:
        typer.echo(f"survey_id={summary.survey_id}")
    if summary.rows and summary.stored + summary.duplicates == 0:
        typer.echo("error: nothing was stored", err=True)
        raise typer.Exit(1)


def _register() -> None:
    from sada.cli.imports import import_app

    @import_app.command("zendesk")
    def import_zendesk(
        workspace: str = typer.Option(..., help="Workspace name."),
        tickets: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Incremental ticket export JSON."
        ),
        comments: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Ticket events / audits / comments JSON."
        ),
        ratings: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Satisfaction ratings JSON."
        ),
        api: str | None = typer.Option(
            None, help="Pull from the API instead: https://SUBDOMAIN.zendesk.com"
        ),
        email: str | None = typer.Option(None, help="The API user's email (with --api)."),
        token_env: str = typer.Option(
            "ZENDESK_API_TOKEN", help="Environment variable holding the API token (with --api)."
        ),
    ) -> None:
        """Import Zendesk tickets, comments and satisfaction ratings (CSAT) as history,
        from saved API files or pulled from the API with a token the admin provides."""
        import os

        from sada.connectors.zendesk.pull import pull
        from sada.connectors.zendesk.service import import_data, import_files
        from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client
        from sada.settings import get_settings

        if api is None:
            run_import(
                workspace,
                lambda db, ws: import_files(
                    db, ws, tickets=tickets, comments=comments, ratings=ratings
                ),
            )
            return
        token = os.environ.get(token_env, "")
        if not email or not token:
            typer.echo(f"error: --api needs --email and the token in ${token_env}", err=True)
            raise typer.Exit(1)
        policy = HostPolicy.from_setting(get_settings().webhook_allowed_hosts)

        def work(db: Any, ws: int) -> Any:
            with guarded_client(policy, timeout=30, follow_redirects=False) as client:
                pulled = pull(client, api, email, token, refused=(BlockedDestination,))
            return import_data(db, ws, *pulled)

        run_import(workspace, work)

    @import_app.command("hubspot")
    def import_hubspot(
        workspace: str = typer.Option(..., help="Workspace name."),
        tickets: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Tickets: CRM v3 JSON or the CSV export."
        ),
        contacts: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Contacts JSON (email, phone, language)."
        ),
        threads: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Conversation threads JSON."
        ),
        messages: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Thread messages JSON."
        ),
        feedback: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Feedback submissions JSON (NPS/CSAT/CES)."
        ),
        timezone: str | None = typer.Option(
            None, help="Time zone of the CSV export's times (the portal's; default UTC)."
        ),
        api: bool = typer.Option(False, "--api", help="Pull from the HubSpot API instead."),
        base_url: str = typer.Option(
            "https://api.hubapi.com", help="The API's address (with --api)."
        ),
        token_env: str = typer.Option(
            "HUBSPOT_ACCESS_TOKEN",
            help="Environment variable holding the private app's access token (with --api).",
        ),
    ) -> None:
        """Import HubSpot tickets, conversations and feedback submissions (NPS/CSAT/CES) as
        history, from saved API files, the tickets CSV export, or pulled from the API."""
        import os

        from sada.connectors.hubspot.pull import pull
        from sada.connectors.hubspot.service import import_data, import_files
        from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client
        from sada.settings import get_settings

        if not api:
            run_import(
                workspace,
                lambda db, ws: import_files(
                    db,
                    ws,
                    tickets=tickets,
                    contacts=contacts,
                    threads=threads,
                    messages=messages,
                    feedback=feedback,
                    timezone=timezone,
                ),
            )
            return
        token = os.environ.get(token_env, "")
        if not token:
            typer.echo(f"error: --api needs the access token in ${token_env}", err=True)
            raise typer.Exit(1)
        policy = HostPolicy.from_setting(get_settings().webhook_allowed_hosts)

        def work(db: Any, ws: int) -> Any:
            with guarded_client(policy, timeout=30, follow_redirects=False) as client:
                got = pull(client, token, base_url=base_url, refused=(BlockedDestination,))
            for note in got.notes:
                typer.echo(note, err=True)
            return import_data(
                db,
                ws,
                tickets=got.tickets,
                contacts=got.contacts,
                threads=got.threads,
                messages=got.messages,
                feedback=got.feedback,
            )

        run_import(workspace, work)

    @import_app.command("reviews")
    def import_reviews(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="Play/App Store/Trustpilot/Google export."
        ),
        workspace: str = typer.Option(..., help="Workspace name."),
    ) -> None:
        """Import app-store and review-site reviews as `review` interactions with their stars."""
        from sada.connectors.reviews.service import import_file

        run_import(workspace, lambda db, ws: import_file(db, ws, file))

    @import_app.command("googleforms")
    def import_googleforms(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Responses CSV."),
        workspace: str = typer.Option(..., help="Workspace name."),
        survey_key: str | None = typer.Option(None, help="Which Sada survey (default: header)."),
        timezone: str | None = typer.Option(
            None, help="Time zone of times without an offset (Sheet exports)."
        ),
    ) -> None:
        """Import a Google Forms responses CSV into a survey; prints survey_id=N last."""
        from sada.connectors.googleforms.service import import_file

        run_import(
            workspace,
            lambda db, ws: import_file(db, ws, file, survey_key=survey_key, timezone=timezone),
            survey=True,
        )

    @import_app.command("chatwoot")
    def import_chatwoot(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="Conversations (with messages) JSON."
        ),
        workspace: str = typer.Option(..., help="Workspace name."),
    ) -> None:
        """Import a Chatwoot conversation export as history (live: its signed webhooks)."""
        from sada.connectors.chatwoot.service import import_file

        run_import(workspace, lambda db, ws: import_file(db, ws, file))

    @import_app.command("intercom")
    def import_intercom(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Conversations JSON."),
        workspace: str = typer.Option(..., help="Workspace name."),
    ) -> None:
        """Import Intercom conversations (parts and ratings) as history."""
        from sada.connectors.intercom.service import import_file

        run_import(workspace, lambda db, ws: import_file(db, ws, file))

    @import_app.command("freshdesk")
    def import_freshdesk(
        workspace: str = typer.Option(..., help="Workspace name."),
        tickets: Path | None = typer.Option(None, exists=True, dir_okay=False, help="Tickets."),
        conversations: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Ticket conversations."
        ),
        ratings: Path | None = typer.Option(
            None, exists=True, dir_okay=False, help="Satisfaction ratings."
        ),
    ) -> None:
        """Import Freshdesk tickets, conversations and satisfaction ratings (CSAT) as history."""
        from sada.connectors.freshdesk.service import import_files

        run_import(
            workspace,
            lambda db, ws: import_files(
                db, ws, tickets=tickets, conversations=conversations, ratings=ratings
            ),
        )


_register()
