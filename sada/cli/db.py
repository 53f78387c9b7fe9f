"""`sada db ...`: migrations, backup and restore."""

from __future__ import annotations

from pathlib import Path

import typer

from sada.cli.common import _db, _fail, _settings, console

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


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
