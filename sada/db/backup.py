"""Backups and restores: SQLite through its online backup API, PostgreSQL through pg_dump.

- SQLite: `backup` copies the live database page by page (writers may keep writing; the
  copy is consistent); `restore` writes a backup back into the database file through the
  same API, under the database's locks.
- PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner`
  (the client tools must be installed, of the server's major version or newer). The password
  travels in PGPASSWORD, never on a command line that `ps` shows.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from sada.core.errors import Invalid


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database:
        raise Invalid("the SQLite URL names no file")
    return database


def _pg_target(url: str) -> tuple[str, dict[str, str]]:
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Invalid(f"{name} is not installed (the PostgreSQL client tools are needed)")
    return path


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at `url` to `target`."""
    if target.exists():
        raise Invalid(f"{target} exists; choose a new file")
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(str(target))
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
        return
    plain, env = _pg_target(url)
    result = subprocess.run(  # noqa: S603 - a fixed tool; arguments from the operator
        [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", plain],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise Invalid(f"pg_dump failed: {result.stderr.strip()[-1000:]}")


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the backup in `source`."""
    if not source.is_file():
        raise Invalid(f"{source} is not a file")
    if url.startswith("sqlite"):
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise Invalid(f"{source} is not a sound SQLite database")
            dest = sqlite3.connect(_sqlite_path(url), timeout=30)
            try:
                src.backup(dest)
            finally:
                dest.close()
        except sqlite3.DatabaseError as exc:
            raise Invalid(f"{source} is not a SQLite backup: {exc}") from None
        finally:
            src.close()
        return
    plain, env = _pg_target(url)
    result = subprocess.run(  # noqa: S603 - a fixed tool; arguments from the operator
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={plain}",
            str(source.resolve()),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise Invalid(f"pg_restore failed: {result.stderr.strip()[-1000:]}")
