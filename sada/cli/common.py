"""What every `sada` command uses: the error console, the database, the settings, a
clear error exit, a workspace id from its name (the domains' commands use them too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sada.db.engine import Database
    from sada.settings import Settings

console = Console(stderr=True)


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
