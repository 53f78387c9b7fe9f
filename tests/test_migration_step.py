"""Migrations as a deployment step: safe from several nodes at once; old schemas refused."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from sada.db.engine import open_database
from sada.db.migrate import (
    SchemaOutOfDate,
    check_schema,
    current_revision,
    head_revisions,
    pending_revisions,
    upgrade,
)
from sada.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("SADA_TEST_DATABASE_URL", "").strip()


def _sada(url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sada.cli.main", *args],
        cwd=ROOT,
        env={**os.environ, "SADA_DATABASE_URL": url, "SADA_ENVIRONMENT": "test", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL leg: set SADA_TEST_DATABASE_URL")
def test_two_nodes_upgrade_an_empty_postgres_database_at_once() -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(Settings(database_url=PG_URL).database_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sada_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        nodes = [_sada(url, "db", "upgrade") for _ in range(3)]
        results = [(node.wait(timeout=300), *node.communicate()) for node in nodes]
        for code, _out, err in results:
            assert code == 0, err[-2000:]
        db = open_database(url)
        try:
            assert pending_revisions(db) == []
            assert (current_revision(db) or "").split(",") == head_revisions(db)
        finally:
            db.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_serve_refuses_an_old_schema_unless_auto_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = open_database(url)
    upgrade(db, "0001_foundation")  # the first release's schema
    pending = pending_revisions(db)
    assert "0200_job_priority" in pending and "0001_foundation" not in pending
    with pytest.raises(SchemaOutOfDate, match="sada db upgrade"):
        check_schema(db, auto_upgrade=False)

    served = _sada(url, "serve", "--port", "1", SADA_AUTO_UPGRADE="false")
    code = served.wait(timeout=120)
    _out, err = served.communicate()
    err = " ".join(err.split())  # the console wraps long lines
    assert code == 1 and "schema is out of date" in err and "sada db upgrade" in err
    assert pending_revisions(db) == pending  # nothing was migrated behind our back

    assert Settings(database_url=url).upgrades_on_start  # embedded default: upgrade
    assert not Settings(database_url="postgresql://x@127.0.0.1/y").upgrades_on_start
    check_schema(db, auto_upgrade=True)
    assert pending_revisions(db) == []
    check_schema(db, auto_upgrade=False)  # current: nothing to refuse
    db.dispose()


def test_app_start_upgrades_sqlite_by_default(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sada.app import create_app

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app(Settings(environment="test", database_url=url), run_jobs=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
    db = open_database(url)
    assert pending_revisions(db) == []
    db.dispose()
