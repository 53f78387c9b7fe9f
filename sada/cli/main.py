"""The `sada` command. Settings are read when a command runs, never at import.

Each command group lives in its own module of `sada.cli` (`db`, `tenants`, `imports`,
`jobs`, `server`, `demo`...) and is mounted here from one list; each domain's own
commands come from `sada/<domain>/cli.py`, as listed in the domain manifest.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from sada import __version__
from sada.cli import db, demo, jobs, people, server, stored_secrets, tenants
from sada.cli.imports import import_app

app = typer.Typer(help="Sada: customer and audience experience management.", no_args_is_help=True)

# Every command and command group of `sada`, in the order `sada --help` lists them (the
# domains' groups follow them, see `_mount_domain_commands`).
COMMANDS: list[tuple[str, typer.Typer | Callable[..., Any]]] = [
    ("worker", jobs.worker),
    ("serve", server.serve),
    ("demo", demo.demo),
    ("db", db.db_app),
    ("workspace", tenants.workspace_app),
    ("apikey", tenants.apikey_app),
    ("user", tenants.user_app),
    ("import", import_app),
    ("people", people.people_app),
    ("jobs", jobs.jobs_app),
    ("secrets", stored_secrets.secrets_app),
]
for _name, _target in COMMANDS:
    if isinstance(_target, typer.Typer):
        app.add_typer(_target, name=_name)
    else:
        app.command(_name)(_target)


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
