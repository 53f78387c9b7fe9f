"""`sada privacy ...`: export and erase a person, suppression, retention policies, consent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

app = typer.Typer(
    help="Privacy rights: export and erase a person, retention policies, consent.",
    no_args_is_help=True,
)
retention_app = typer.Typer(help="Retention policies: delete or anonymise after N days.")
app.add_typer(retention_app, name="retention")


@contextmanager
def _errors() -> Iterator[None]:
    from sada.core.errors import SadaError

    try:
        yield
    except SadaError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("export")
def export_cmd(
    workspace: str = typer.Option(..., help="Workspace name."),
    person: int = typer.Option(..., help="Person id."),
    out: Path = typer.Option(
        ..., help="Where to write it: JSON, or a zip of JSON files when it ends in .zip."
    ),
) -> None:
    """Write everything held about a person to a file (JSON, or a zip of JSON)."""
    from sada.cli.common import _db, _workspace_id
    from sada.privacy import export

    db = _db()
    with _errors(), db.transaction(_workspace_id(db, workspace)) as session:
        document = export.export_data(session, person)
        data = export.export_bytes(document, as_zip=out.suffix.lower() == ".zip")
        out.write_bytes(data)
        export.record_export(
            session, person, path=str(out.resolve()), actor=None, counts=document["counts"]
        )
    typer.echo(f"wrote {out} ({len(data):,} bytes; {sum(document['counts'].values())} rows)")


@app.command("erase")
def erase_cmd(
    workspace: str = typer.Option(..., help="Workspace name."),
    person: int = typer.Option(..., help="Person id."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: erasure cannot be undone."),
    allow_return: bool = typer.Option(
        False,
        "--allow-return",
        help="Let later events about the same identities create a new person.",
    ),
) -> None:
    """Erase a person everywhere (rows, derived data, job payloads, webhook logs, export files)."""
    from sada.cli.common import _db, _workspace_id
    from sada.privacy import erase

    if not yes:
        typer.echo("error: erasure cannot be undone; add --yes to confirm", err=True)
        raise typer.Exit(2)
    db = _db()
    with _errors(), db.transaction(_workspace_id(db, workspace)) as session:
        erasure = erase.erase(session, person, actor=None, allow_return=allow_return)
    erase.after_erasure(db)
    typer.echo(json.dumps(erase.erasure_summary(erasure), indent=1))


@app.command("allow-return")
def allow_return_cmd(
    workspace: str = typer.Option(..., help="Workspace name."),
    email: str | None = typer.Option(None, help="An erased person's email."),
    phone: str | None = typer.Option(None, help="An erased person's phone (E.164 or national)."),
    external_id: str | None = typer.Option(None, help="SYSTEM:VALUE of an erased person."),
) -> None:
    """Let one erased identity create a person again with its next event."""
    from sada.cli.common import _db, _workspace_id
    from sada.people.identities import normalize_email, normalize_external_id, normalize_phone
    from sada.privacy import erase

    keys = []
    with _errors():
        if email:
            keys.append(("email", "", normalize_email(email)))
        if phone:
            keys.append(("phone", "", normalize_phone(phone)))
        if external_id:
            system, _, value = external_id.partition(":")
            key = normalize_external_id(system, value)
            keys.append((str(key.kind), key.namespace, key.value))
    if not keys:
        typer.echo("error: give --email, --phone or --external-id", err=True)
        raise typer.Exit(2)
    db = _db()
    with db.transaction(_workspace_id(db, workspace)) as session:
        found = sum(erase.allow_return(session, *k) for k in keys)
    typer.echo(f"allowed {found} of {len(keys)} identities to return")


@app.command("settings")
def settings_cmd(
    workspace: str = typer.Option(..., help="Workspace name."),
    allow_return: bool | None = typer.Option(
        None,
        "--allow-return/--suppress-return",
        help="Whether erased people may come back with their next event.",
    ),
    require_consent: str | None = typer.Option(
        None, help="Comma-separated purposes that need a recorded consent ('' for none)."
    ),
) -> None:
    """Show or change the workspace's privacy settings."""
    from sada.cli.common import _db, _workspace_id
    from sada.privacy import service

    purposes = None
    if require_consent is not None:
        purposes = [p.strip() for p in require_consent.split(",") if p.strip()]
    db = _db()
    with _errors(), db.transaction(_workspace_id(db, workspace)) as session:
        if allow_return is None and purposes is None:
            out = service.privacy_settings(session)
        else:
            out = service.set_privacy_settings(
                session, allow_return=allow_return, require_consent=purposes
            )
    typer.echo(json.dumps(out))


@retention_app.command("list")
def retention_list(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """The workspace's retention policies."""
    from sada.cli.common import _db, _workspace_id
    from sada.privacy import retention

    db = _db()
    with db.reader(_workspace_id(db, workspace)) as session:
        for p in retention.list_policies(session):
            typer.echo(f"{p['kind']}\t{p['days']}d\t{p['action']}\tlast run {p['last_run_at']}")


@retention_app.command("set")
def retention_set(
    workspace: str = typer.Option(..., help="Workspace name."),
    kind: str = typer.Option(
        ...,
        help="interaction_texts, survey_responses, job_payloads, webhook_logs or chat_transcripts.",
    ),
    days: int = typer.Option(..., min=1, max=36500, help="Age in days after which it applies."),
    action: str = typer.Option("delete", help="delete or anonymise."),
) -> None:
    """Set (or replace) a retention policy; it runs once a day as a job."""
    from sada.cli.common import _db, _workspace_id
    from sada.privacy import retention

    db = _db()
    with _errors(), db.transaction(_workspace_id(db, workspace)) as session:
        p = retention.set_policy(session, kind, days, action)
    typer.echo(f"{p['kind']}: {p['action']} after {p['days']} days")


@retention_app.command("run")
def retention_run(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """Apply the workspace's retention policies now."""
    from sada.cli.common import _db, _workspace_id
    from sada.privacy import retention

    db = _db()
    counts = retention.run(db, _workspace_id(db, workspace))
    typer.echo(json.dumps(counts))
