"""`sada db backup FILE` / `sada db restore FILE`: a round trip on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from sada.db.engine import open_database
from sada.db.migrate import upgrade
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.settings import Settings
from sada.tenants.service import do_create_workspace

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("SADA_TEST_DATABASE_URL", "").strip()


def _sada(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SADA_DATABASE_URL": url, "SADA_ENVIRONMENT": "test"}
    return subprocess.run(
        [sys.executable, "-m", "sada.cli.main", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _items(prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "source": "backup-test",
            "external_id": f"{prefix}-{i}",
            "occurred_at": "2026-11-01T10:00:00+00:00",
            "channel": "email",
            "type": "message",
            "direction": "inbound",
            "text": f"پیام {i} 你好",
            "person": {"email": f"b{i}@example.com"},
        }
        for i in range(n)
    ]


def _count(url: str, workspace_id: int) -> int:
    db = open_database(url)
    try:
        with db.reader(workspace_id) as session:
            return int(session.execute(select(func.count()).select_from(Interaction)).scalar_one())
    finally:
        db.dispose()


def _round_trip(url: str, tmp_path: Path) -> None:
    db = open_database(url)
    upgrade(db)
    with db.transaction() as session:
        ws = do_create_workspace(session, f"backup-{uuid.uuid4().hex[:6]}").id
    with db.transaction(ws) as session:
        ingest_batch(session, _items("kept", 25))
    db.dispose()
    file = tmp_path / "sada.backup"
    made = _sada(url, "backup", str(file))
    assert made.returncode == 0, made.stderr
    assert file.stat().st_size > 0
    again = _sada(url, "backup", str(file))
    assert again.returncode == 1 and "exists" in again.stderr

    db = open_database(url)
    with db.transaction(ws) as session:  # changes after the backup are undone by the restore
        ingest_batch(session, _items("after", 5))
    db.dispose()
    assert _count(url, ws) == 30

    refused = _sada(url, "restore", str(file))
    assert refused.returncode == 1 and "--yes" in refused.stderr
    restored = _sada(url, "restore", str(file), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert _count(url, ws) == 25
    current = _sada(url, "current")
    assert current.returncode == 0 and "0202_job_request_id" in current.stdout


def test_sqlite_backup_and_restore_round_trip(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'live.db'}", tmp_path)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    bad = _sada(f"sqlite:///{tmp_path / 'live.db'}", "restore", str(junk), "--yes")
    assert bad.returncode == 1 and "not a SQLite backup" in " ".join(bad.stderr.split())


def test_postgres_backup_and_restore_round_trip(tmp_path: Path) -> None:
    import pytest

    if not PG_URL:
        pytest.skip("PostgreSQL leg: set SADA_TEST_DATABASE_URL")
    import psycopg

    base = make_url(Settings(database_url=PG_URL).database_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sada_backup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _round_trip(base.set(database=name).render_as_string(hide_password=False), tmp_path)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
