"""CLI surface, settings rules, and migrations that match the models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sada.cli.main import app as cli_app
from sada.db.registry import metadata, owned_by_sada
from sada.settings import ConfigurationError, Settings


def _walk(command: click.Command, prefix: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    yield prefix, command
    if hasattr(command, "list_commands"):
        ctx = (
            type(command).context_class(command)
            if hasattr(type(command), "context_class")
            else click.Context(command)
        )
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), (*prefix, name))


def test_every_command_has_help_text() -> None:
    root = typer.main.get_command(cli_app)
    commands = list(_walk(root))
    assert len(commands) > 15
    for path, command in commands:
        assert command.help or command.short_help, f"`sada {' '.join(path)}` has no help text"
        for param in command.params:
            if getattr(param, "param_type_name", "") == "option" and param.name not in (
                "help",
                "install_completion",
                "show_completion",
            ):
                assert param.help, (
                    f"option {param.name} of `sada {' '.join(path)}` has no help text"
                )


def _sada(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {
        **os.environ,
        "SADA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "sada.cli.main", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_cli_workspace_and_key_flow(tmp_path: Path) -> None:
    assert _sada(tmp_path, "--version").stdout.strip().startswith("sada ")
    assert _sada(tmp_path, "db", "upgrade").returncode == 0
    created = _sada(tmp_path, "workspace", "create", "Acme Co")
    assert created.returncode == 0 and "workspace_id=" in created.stdout
    dup = _sada(tmp_path, "workspace", "create", "Acme Co")
    assert dup.returncode == 1 and "already exists" in dup.stderr
    key = _sada(tmp_path, "apikey", "create", "--workspace", "Acme Co", "--scope", "write")
    assert key.returncode == 0
    last = key.stdout.strip().splitlines()[-1]
    assert last.startswith("sada_") and len(last) > 40
    listed = _sada(tmp_path, "apikey", "list", "--workspace", "Acme Co")
    assert (
        "write" in listed.stdout and last.split("_", 2)[2] not in listed.stdout
    )  # the secret is never shown again
    missing = _sada(tmp_path, "apikey", "create", "--workspace", "Nope", "--scope", "write")
    assert missing.returncode == 1 and "no workspace named" in missing.stderr


def test_production_refuses_default_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        Settings(environment="production").check_safe_to_run()
    Settings(
        environment="production", secret_key="x" * 40, database_url="postgresql://u@db/sada"
    ).check_safe_to_run(environ={})
    result = _sada(tmp_path, "db", "upgrade", env={"SADA_ENVIRONMENT": "production"})
    assert result.returncode != 0 and "SADA_SECRET_KEY" in (result.stderr + result.stdout)


def test_settings_are_read_at_creation_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SADA_DATABASE_URL", "postgres://u@127.0.0.1/x")
    assert Settings().database_url == "postgresql+psycopg://u@127.0.0.1/x"
    monkeypatch.setenv("SADA_DATABASE_URL", "sqlite:///./other.db")
    assert Settings().database_url == "sqlite:///./other.db"


def test_migrations_match_models(db) -> None:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "include_name": owned_by_sada}
        )
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_sqlite_pragmas(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with sqlite_db.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_every_setting_is_documented() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    missing = [
        f"SADA_{name.upper()}"
        for name in Settings.model_fields
        if f"SADA_{name.upper()}" not in docs
    ]
    assert missing == [], f"document these settings in docs/configuration.md: {missing}"
