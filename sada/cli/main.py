"""The `sada` command. Settings are read when a command runs, never at import."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from sada import __version__

if TYPE_CHECKING:
    from sada.db.engine import Database
    from sada.settings import Settings

app = typer.Typer(help="Sada: customer and audience experience management.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys: created once, stored hashed.", no_args_is_help=True)
user_app = typer.Typer(help="Users who sign in.", no_args_is_help=True)
import_app = typer.Typer(help="Bring data from files and other tools.", no_args_is_help=True)
people_app = typer.Typer(help="People: merges and unmerges.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
secrets_app = typer.Typer(
    help="Secrets stored encrypted (webhook, mailbox, survey-source secrets, IMAP passwords).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(workspace_app, name="workspace")
app.add_typer(apikey_app, name="apikey")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(people_app, name="people")
app.add_typer(jobs_app, name="jobs")
app.add_typer(secrets_app, name="secrets")

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


def _db(role: str = "cli") -> Database:
    import sada.db.registry  # noqa: F401 - every table known before any query
    from sada.db.engine import open_database
    from sada.jobs.backend import BackendUnavailable, select_backend

    settings = _settings()
    db = open_database(settings.database_url, application_name=f"sada-{role}")
    try:
        select_backend(db, settings.job_backend)
    except BackendUnavailable as exc:
        _fail(str(exc))
    return db


def _settings() -> Settings:
    """The validated settings, or a clear error and exit code 1."""
    from sada.settings import ConfigurationError, get_settings

    try:
        settings = get_settings()
        settings.check_safe_to_run()
    except ConfigurationError as exc:
        _fail(str(exc))
    return settings


def _fail(message: str) -> NoReturn:
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
    """Apply migrations up to REVISION (default: the latest); safe from several nodes at once."""
    from sada.db.migrate import current_revision, upgrade
    from sada.jobs.backend import prepare_queue

    db = _db()
    upgrade(db, revision)
    prepare_queue(db, create=True)
    console.print(f"database at revision {current_revision(db)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current revision."""
    from sada.db.migrate import current_revision

    print(current_revision(_db()) or "none")


@db_app.command("backup")
def db_backup(
    file: Path = typer.Argument(..., dir_okay=False, help="Where to write the backup (new file)."),
) -> None:
    """Back up the database while it runs (SQLite online backup, or pg_dump)."""
    from sada.core.errors import SadaError
    from sada.db.backup import backup

    settings = _settings()
    try:
        backup(settings.database_url, file)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"backup written to {file} ({file.stat().st_size:,} bytes)")


@db_app.command("restore")
def db_restore(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A file from `db backup`."),
    yes: bool = typer.Option(False, "--yes", help="Confirm: the database's content is replaced."),
) -> None:
    """Replace the database's content with a backup (stop the app and workers first)."""
    from sada.core.errors import SadaError
    from sada.db.backup import restore

    if not yes:
        _fail("restoring replaces every row of the database; add --yes to confirm")
    settings = _settings()
    try:
        restore(settings.database_url, file)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"database restored from {file}")


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


# ---------------------------------------------------------------- secrets


@secrets_app.command("rotate")
def secrets_rotate() -> None:
    """Re-encrypt every stored secret under the current SADA_SECRET_KEY.

    To change the secret key: set the new SADA_SECRET_KEY, list the old one in
    SADA_PREVIOUS_SECRET_KEYS, run this, then drop the old key. Plaintext secrets from before
    encryption are encrypted too."""
    from sada.db.registry import metadata
    from sada.db.secretbox import SecretUnreadable
    from sada.db.secrets import plaintext_left, rotate_secrets

    db = _db()
    try:
        counts = rotate_secrets(db, metadata)
    except SecretUnreadable as exc:
        _fail(str(exc))
    for table, n in counts.items():
        console.print(f"{table}: {n} row(s) re-encrypted")
    left = plaintext_left(db, metadata)
    if left:
        _fail(f"{left} secret(s) are still stored in plaintext")
    print(f"rotated {sum(counts.values())} row(s)")


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


@jobs_app.command("queue")
def jobs_queue() -> None:
    """Due jobs waiting, jobs running and the oldest wait (seconds) per priority."""
    from sada.jobs.service import queue_levels

    for level in queue_levels(_db()):
        print(
            json.dumps(
                {
                    "priority": level.priority,
                    "depth": level.depth,
                    "running": level.running,
                    "oldest_seconds": level.oldest_seconds,
                }
            )
        )


@jobs_app.command("dead")
def jobs_dead(limit: int = typer.Option(200, min=1, help="Show at most this many.")) -> None:
    """List dead jobs (failed every attempt): id, kind, workspace, attempts, last error."""
    from sada.jobs.service import dead_jobs

    for job in dead_jobs(_db(), limit=limit):
        error = (job.last_error or "").splitlines()[-1:] or [""]
        print(
            f"{job.id}\t{job.kind}\t{job.workspace_id or '-'}\t{job.attempts}\t"
            f"{job.run_at.isoformat()}\t{error[0][:200]}"
        )


@jobs_app.command("retry")
def jobs_retry(job_id: int = typer.Argument(..., help="The dead job's id.")) -> None:
    """Queue a dead job again now, with fresh attempts."""
    from sada.core.errors import SadaError
    from sada.jobs.service import retry_dead

    try:
        job = retry_dead(_db(), job_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"job {job.id} ({job.kind}) queued again")


@jobs_app.command("discard")
def jobs_discard(job_id: int = typer.Argument(..., help="The dead job's id.")) -> None:
    """Delete a dead job for good."""
    from sada.core.errors import SadaError
    from sada.jobs.service import discard_dead

    try:
        discard_dead(_db(), job_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"job {job_id} discarded")


@app.command("worker")
def worker(
    poll: float | None = typer.Option(
        None, help="Seconds between polls when idle (default: SADA_JOB_POLL_INTERVAL)."
    ),
    urgent_only: bool = typer.Option(
        False,
        "--urgent-only",
        help="Take interactive and follow-up jobs only (a worker that never waits on analysis).",
    ),
    health_port: int = typer.Option(
        0, help="Serve /healthz, /readyz and /metrics on this port (0: none)."
    ),
    health_host: str = typer.Option("127.0.0.1", help="Interface of the health endpoint."),
    analytics_owner: bool = typer.Option(
        False,
        "--analytics-owner",
        help="Also maintain the journeys' columnar copy and publish its read-only snapshot "
        "every SADA_ANALYTICS_REFRESH_SECONDS (run exactly one such worker).",
    ),
) -> None:
    """Run jobs until SIGTERM or Ctrl-C (use with `SADA_RUN_JOBS_IN_PROCESS=false` on API processes).

    On SIGTERM the worker stops claiming, lets its job finish within
    SADA_JOB_SHUTDOWN_GRACE_SECONDS and otherwise hands it back to the queue.
    """
    import signal
    import threading

    from sada.core.telemetry import configure_logging
    from sada.jobs.health import serve_health
    from sada.jobs.metrics import watch
    from sada.jobs.registry import Priority
    from sada.jobs.runner import InProcessRunner

    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    if settings.otel_endpoint:
        from sada.core import tracing

        try:
            tracing.enable(
                settings.otel_endpoint, service_name=f"{settings.otel_service_name}-worker"
            )
        except tracing.TracingUnavailable as exc:
            _fail(str(exc))
    db = _db("worker")
    watch(db)
    from sada.jobs.backend import uses_procrastinate

    if uses_procrastinate(db):
        _procrastinate_worker(
            db, settings, urgent_only=urgent_only, poll=poll, health=(health_host, health_port)
        )
        return
    runner = InProcessRunner(
        db,
        poll_interval=poll if poll is not None else settings.job_poll_interval,
        lease_seconds=settings.job_lease_seconds,
        max_priority=Priority.NORMAL - 1 if urgent_only else None,
    )
    stopping = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    from sada.core import gctune
    from sada.jobs.registry import load_all_handlers

    load_all_handlers()
    gctune.tune()  # start-up objects out of the collector's way (see sada.core.gctune)
    runner.start()
    if settings.analytics_dir:  # an erasure run by this worker finds the snapshots there
        from sada.journeys.columnar import use_directory

        use_directory(settings.analytics_dir)
    if analytics_owner:
        from sada.journeys.columnar import refresh_loop

        owner = threading.Thread(
            target=refresh_loop,
            args=(db, stopping),
            # The copy's path is found by the loop (under SADA_ANALYTICS_DIR, set above): it
            # asks the database which one it is, which a worker started in an outage cannot.
            kwargs={"every_seconds": settings.analytics_refresh_seconds},
            name="sada-analytics-owner",
            daemon=True,
        )
        owner.start()
    if health_port:
        serve_health(runner, health_host, health_port)
    console.print(
        f"worker running (lease {runner.lease_seconds} s, poll {runner.poll_interval} s); "
        "SIGTERM or Ctrl-C to stop"
    )
    while not stopping.wait(1):
        pass
    console.print("stopping: finishing or handing back the running job")
    runner.stop(grace=settings.job_shutdown_grace_seconds)
    if settings.otel_endpoint:
        from sada.core import tracing

        tracing.disable()  # the last spans out before the process ends
    console.print(f"worker stopped after {runner.jobs_done} job(s)")


def _procrastinate_worker(
    db: Database,
    settings: Settings,
    *,
    urgent_only: bool,
    poll: float | None,
    health: tuple[str, int],
) -> None:
    """`sada worker` on SADA_JOB_BACKEND=procrastinate (see sada.jobs.procrastinate_backend)."""
    import logging

    from sada.core import gctune
    from sada.jobs import procrastinate_backend
    from sada.jobs.registry import load_all_handlers
    from sada.jobs.service import WORKER_ID

    load_all_handlers()
    gctune.tune()
    poll_interval = poll if poll is not None else max(settings.job_poll_interval, 1.0)
    if health[1]:
        from sada.jobs.health import serve_health

        serve_health(procrastinate_backend.WorkerHealth(db, poll_interval), *health)
    console.print(
        f"procrastinate worker running (heartbeat timeout {settings.job_lease_seconds} s); "
        "SIGTERM or Ctrl-C to stop"
    )
    done = procrastinate_backend.run_worker(
        db,
        urgent_only=urgent_only,
        lease_seconds=settings.job_lease_seconds,
        grace=settings.job_shutdown_grace_seconds,
        poll=poll_interval,
        name=WORKER_ID,
    )
    abandoned = procrastinate_backend.abandoned_job()
    console.print(f"worker stopped after {done} job(s)")
    if abandoned is not None:
        # Its thread still runs the handler; procrastinate has queued the job again.
        console.print(f"job {abandoned} did not finish in time: handed back to the queue")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


# ---------------------------------------------------------------- serve and demo


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Server processes (jobs then need `sada worker`)."),
) -> None:
    """Serve the web app and API (an outdated schema: upgraded or refused, see SADA_AUTO_UPGRADE)."""
    import uvicorn

    from sada.core.telemetry import configure_logging
    from sada.db.migrate import SchemaOutOfDate, check_schema

    base_url = use_base_url(host, port)
    settings = _settings()
    db = _db()
    try:
        check_schema(db, auto_upgrade=settings.upgrades_on_start)
    except SchemaOutOfDate as exc:
        _fail(str(exc))
    finally:
        db.dispose()
    configure_logging(settings.log_format, settings.log_level)
    if workers > 1:
        use_metrics_dir()
    console.print(f"Sada {__version__} on {base_url}  (API docs: /api/docs)")
    # Ctrl+C: requests still running get a few seconds, then the server stops anyway.
    uvicorn.run(
        "sada.asgi:app",
        host=host,
        port=port,
        workers=workers,
        factory=False,
        log_config=None,  # sada.asgi configures logging (JSON lines by default)
        access_log=False,  # the app logs each request once, with its request id
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    abandon_running_queries()


SHUTDOWN_GRACE_SECONDS = 3


def use_metrics_dir() -> Path:
    """Several server processes: their metrics go to files that `/metrics` adds up.

    prometheus_client's multiprocess mode reads PROMETHEUS_MULTIPROC_DIR when the server
    processes import it; set here, before uvicorn starts them. An operator's own directory is
    used (emptied first: counts of a previous run would be added); else a new temp folder.
    """
    import tempfile

    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    folder = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="sada-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def use_base_url(host: str, port: int) -> str:
    """The address links in pages and emails use (survey links, invitations, resets).

    SADA_BASE_URL wins when it is set (behind a proxy, a public name); otherwise the address
    this server listens on, so `--port 9000` gives links on port 9000, not 8000. Set in the
    environment before the app reads its settings.
    """
    configured = os.environ.get("SADA_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a name to show
    if ":" in shown:
        shown = f"[{shown}]"
    base_url = f"http://{shown}:{port}"
    os.environ["SADA_BASE_URL"] = base_url
    from sada.settings import get_settings

    get_settings.cache_clear()
    return base_url


def abandon_running_queries() -> None:
    """After the server stopped, a database query still running in a worker thread would keep
    the process alive until it ends (minutes on a slow page): leave without waiting for it.
    The database rolls back whatever that thread had not committed."""
    import threading

    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if others:
        console.print(f"stopped; {len(others)} unfinished request(s) abandoned")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


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

    base_url = use_base_url(host, port)
    db = _db()
    upgrade(db)
    info = seed_demo(
        db,
        people=people,
        interactions=interactions,
        reset=reset,
        seed=seed,
        console=console,
        key_file=demo_key_file(),
    )
    console.print(
        f"\n[bold]Demo workspace[/bold] {info['workspace']}: {info['people']:,} people, {info['interactions']:,} interactions\n"
        f"Sign in at {base_url}/login as [bold]{info['email']}[/bold] / [bold]{info['password']}[/bold]\n"
        f"API key (write): {info['api_key']}"
    )
    if info.get("analysed_days"):
        console.print(
            f"Text analysis: {info['analysed']:,} texts of the last {info['analysed_days']} days "
            "done; older texts are analysed in the background after start."
        )
    if serve_after:
        serve(host=host, port=port, workers=1)


def demo_key_file() -> Path:
    """Where the demo keeps its API key between starts: next to a SQLite database file, else in
    the working folder (both ignored by git; owner-only permissions)."""
    from sada.settings import get_settings

    url = get_settings().database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///") + ".demo-key")
    return Path(".sada-demo-key")


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
