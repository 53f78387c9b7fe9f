"""The `sada` command. Settings are read when a command runs, never at import."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from sada import __version__

if TYPE_CHECKING:
    from sada.db.engine import Database

app = typer.Typer(help="Sada: customer and audience experience management.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys: created once, stored hashed.", no_args_is_help=True)
user_app = typer.Typer(help="Users who sign in.", no_args_is_help=True)
import_app = typer.Typer(help="Bring data from files and other tools.", no_args_is_help=True)
people_app = typer.Typer(help="People: merges and unmerges.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(workspace_app, name="workspace")
app.add_typer(apikey_app, name="apikey")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(people_app, name="people")
app.add_typer(jobs_app, name="jobs")

console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        print(f"sada {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Sada: one interaction log, one profile per person, in four languages."""


def _db() -> Database:
    import sada.db.registry  # noqa: F401 - every table known before any query
    from sada.db.engine import open_database
    from sada.settings import get_settings

    settings = get_settings()
    settings.check_safe_to_run()
    return open_database(settings.database_url)


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code=1)


def _workspace_id(db: Database, name: str) -> int:
    from sada.core.errors import NotFound
    from sada.tenants.service import get_workspace_by_name

    with db.reader() as session:
        try:
            return get_workspace_by_name(session, name).id
        except NotFound as exc:
            _fail(exc.message)
            raise  # unreachable


# ---------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Argument("heads", help="Target revision (default: all heads)."),
) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from sada.db.migrate import current_revision, upgrade

    db = _db()
    upgrade(db, revision)
    console.print(f"database at revision {current_revision(db)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current revision."""
    from sada.db.migrate import current_revision

    print(current_revision(_db()) or "none")


# ---------------------------------------------------------------- workspaces


@workspace_app.command("create")
def workspace_create(
    name: str = typer.Argument(..., help="Unique workspace name."),
    timezone: str = typer.Option("UTC", help="IANA time zone for reports, e.g. Asia/Tehran."),
) -> None:
    """Create a workspace."""
    from sada.core.errors import SadaError
    from sada.db.migrate import upgrade
    from sada.tenants.service import do_create_workspace

    db = _db()
    upgrade(db)
    try:
        with db.transaction() as session:
            ws = do_create_workspace(session, name, timezone=timezone)
            print(f"workspace_id={ws.id}")
    except SadaError as exc:
        _fail(exc.message)


@workspace_app.command("list")
def workspace_list() -> None:
    """List workspaces."""
    from sqlalchemy import select

    from sada.tenants.models import Workspace

    with _db().reader() as session:
        for ws in session.execute(select(Workspace).order_by(Workspace.id)).scalars():
            print(f"{ws.id}\t{ws.name}\t{ws.timezone}")


# ---------------------------------------------------------------- API keys


@apikey_app.command("create")
def apikey_create(
    workspace: str = typer.Option(..., help="Workspace name."),
    scope: list[str] = typer.Option(
        ["read:analytics"],
        help="ingest (the public key for Segment and browsers: ingest only), or server scopes "
        "read:people, read:analytics, write:data, manage:rules, manage:webhooks, reply, admin "
        "(read and write are the original bundles); repeat for several.",
    ),
    name: str = typer.Option("cli", help="A label for the key."),
    origin: list[str] = typer.Option(
        [], help="Ingest keys: a browser origin allowed to use the key; repeat for several."
    ),
) -> None:
    """Create an API key; the key is printed alone on the last line, once."""
    from sada.core.errors import SadaError
    from sada.tenants.service import do_create_api_key

    db = _db()
    ws_id = _workspace_id(db, workspace)
    try:
        with db.transaction(ws_id) as session:
            key, full = do_create_api_key(
                session, name=name, scopes=scope, allowed_origins=origin or None
            )
            console.print(
                f"API key {key.id} ({', '.join(key.scopes)}) created; it is shown only once:"
            )
    except (SadaError, ValueError) as exc:
        _fail(str(exc))
    print(full)


@apikey_app.command("list")
def apikey_list(workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """List API keys (never their secrets)."""
    from sada.tenants.service import list_api_keys

    db = _db()
    with db.reader(_workspace_id(db, workspace)) as session:
        for k in list_api_keys(session):
            state = "revoked" if k.revoked_at else "active"
            print(
                f"{k.id}\t{k.name}\t{','.join(k.scopes)}\t{state}\tlast used {k.last_used_at or 'never'}"
            )


@apikey_app.command("revoke")
def apikey_revoke(key_id: int, workspace: str = typer.Option(..., help="Workspace name.")) -> None:
    """Revoke an API key."""
    from sada.core.errors import SadaError
    from sada.tenants.service import do_revoke_api_key

    db = _db()
    try:
        with db.transaction(_workspace_id(db, workspace)) as session:
            do_revoke_api_key(session, key_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"API key {key_id} revoked")


# ---------------------------------------------------------------- users


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., help="Sign-in email."),
    workspace: str = typer.Option(..., help="Workspace name."),
    role: str = typer.Option("owner", help="owner, admin, manager, agent, analyst or viewer."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
    ),
    name: str = typer.Option("", help="Display name."),
    language: str = typer.Option("en", help="UI language: en, ar, fa or zh."),
) -> None:
    """Create a user and give them a role in a workspace."""
    from sada.core.errors import SadaError
    from sada.tenants.service import do_add_member, do_create_user, record_audit

    db = _db()
    ws_id = _workspace_id(db, workspace)
    try:
        with db.transaction(ws_id) as session:
            user = do_create_user(session, email, password, name=name, language=language)
            do_add_member(session, user, role)
            record_audit(
                session, None, "user.create", "user", user.id, {"email": user.email, "role": role}
            )
    except (SadaError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"user {email} created with role {role}")


# ---------------------------------------------------------------- people


@people_app.command("unmerge")
def people_unmerge(
    merge_id: int, workspace: str = typer.Option(..., help="Workspace name.")
) -> None:
    """Undo a merge: both people get their own identities and interactions back."""
    from sada.core.errors import SadaError
    from sada.people.merges import do_unmerge

    db = _db()
    try:
        with db.transaction(_workspace_id(db, workspace)) as session:
            record = do_unmerge(session, merge_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"merge {merge_id} undone: person {record.merged_id} restored")


# ---------------------------------------------------------------- import


@import_app.command("interactions")
def import_interactions(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or JSONL file."),
    workspace: str = typer.Option(..., help="Workspace name."),
    source: str = typer.Option("import", help="Source name used with external_id for idempotency."),
    map_: list[str] = typer.Option(
        [], "--map", help="FIELD=COLUMN, e.g. --map text=message --map person.email=Email."
    ),
    rejects: Path | None = typer.Option(
        None, help="Where to write rejected rows (default FILE.rejects.csv)."
    ),
    batch_size: int = typer.Option(500, min=1, max=1000, help="Rows per transaction."),
    fmt: str | None = typer.Option(
        None, "--format", help="csv or jsonl (default: from the file name)."
    ),
) -> None:
    """Import interactions; safe to re-run (nothing is stored twice), resumes after a crash."""
    from sada.db.migrate import upgrade
    from sada.interactions.importer import ImportError_, run_import

    db = _db()
    upgrade(db)
    ws_id = _workspace_id(db, workspace)
    try:
        mapping = dict(m.split("=", 1) for m in map_)
    except ValueError:
        _fail("--map takes FIELD=COLUMN")
    try:
        summary = run_import(
            db,
            ws_id,
            file,
            source=source,
            mapping=mapping,
            rejects_path=rejects,
            batch_size=batch_size,
            fmt=fmt,
            console=console,
        )
    except ImportError_ as exc:
        _fail(str(exc))
    print(json.dumps(summary))


# ---------------------------------------------------------------- jobs


@jobs_app.command("run")
def jobs_run(
    limit: int = typer.Option(0, help="Stop after this many jobs (0: until none is due)."),
) -> None:
    """Run due jobs in this process and exit."""
    from sada.jobs.service import run_pending

    ran = run_pending(_db(), limit=limit or None)
    console.print(f"ran {ran} job(s)")


@jobs_app.command("status")
def jobs_status() -> None:
    """Count jobs by status."""
    from sada.jobs.service import counts_by_status

    print(json.dumps(counts_by_status(_db())))


@app.command("worker")
def worker(poll: float = typer.Option(0.5, help="Seconds between polls when idle.")) -> None:
    """Run jobs until interrupted (use with `SADA_RUN_JOBS_IN_PROCESS=false` on API processes)."""
    import time

    from sada.jobs.runner import InProcessRunner

    runner = InProcessRunner(_db(), poll_interval=poll)
    runner.start()
    console.print("worker running; Ctrl-C to stop")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        runner.stop()


# ---------------------------------------------------------------- serve and demo


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Server processes (jobs then need `sada worker`)."),
) -> None:
    """Upgrade the database and serve the web app and API."""
    import uvicorn

    from sada.db.migrate import upgrade
    from sada.settings import get_settings

    settings = get_settings()
    settings.check_safe_to_run()
    upgrade(_db())
    console.print(f"Sada {__version__} on http://{host}:{port}  (API docs: /api/docs)")
    uvicorn.run(
        "sada.asgi:app", host=host, port=port, workers=workers, log_level="info", factory=False
    )


@app.command("demo")
def demo(
    people: int = typer.Option(20_000, min=10, help="How many people to create."),
    interactions: int | None = typer.Option(
        None, help="How many interactions (default: 15 per person)."
    ),
    serve_after: bool = typer.Option(
        True, "--serve/--no-serve", help="Serve the app after seeding."
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    reset: bool = typer.Option(False, help="Delete an existing demo workspace first."),
    seed: int = typer.Option(7, help="Random seed."),
) -> None:
    """Create a demo workspace with realistic multilingual data, print a login, serve it."""
    from sada.db.migrate import upgrade
    from sada.demo.seed import seed_demo

    db = _db()
    upgrade(db)
    info = seed_demo(
        db, people=people, interactions=interactions, reset=reset, seed=seed, console=console
    )
    console.print(
        f"\n[bold]Demo workspace[/bold] {info['workspace']}: {info['people']:,} people, {info['interactions']:,} interactions\n"
        f"Sign in at http://{host}:{port}/login as [bold]{info['email']}[/bold] / [bold]{info['password']}[/bold]\n"
        f"API key (write): {info['api_key']}"
    )
    if serve_after:
        serve(host=host, port=port, workers=1)


def _mount_domain_commands() -> None:
    """Each domain's Typer app, as listed in the domain manifest."""
    import importlib

    from sada.domains import DOMAINS

    for entry in DOMAINS:
        if entry.cli:
            sub = importlib.import_module(f"sada.{entry.name}.cli")
            app.add_typer(sub.app, name=entry.cli, help=entry.cli_help)


_mount_domain_commands()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
