"""Shared fixtures.

Database tests run on SQLite and, when SADA_TEST_DATABASE_URL points at
PostgreSQL, on PostgreSQL too (each run gets its own fresh database there).
Isolation between tests comes from giving each test its own workspace.

Fixtures:
- `db`: a migrated `Database`, parametrized over the backends ("sqlite", "postgresql").
- `sqlite_db` / `pg_db`: one backend only (pg_db skips without PostgreSQL).
- `workspace`: a fresh `Workspace` row in `db` (unique name).
- `make_workspace(db)`: factory for more workspaces.
- `make_key(db, workspace_id, *scopes)`: returns a full API key string.
- `app` / `client`: the FastAPI app over `db` (jobs not run in-process) and a TestClient.
- `api_headers`: {"Authorization": "Bearer <key for `workspace`>"}: the read and write bundles
  plus manage:rules, manage:webhooks and reply (everything but admin).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from sada.db.engine import Database, open_database
from sada.db.migrate import upgrade
from sada.settings import Settings
from sada.tenants.models import Workspace

PG_URL = os.environ.get("SADA_TEST_DATABASE_URL", "").strip()
PG_SKIP_REASON = "PostgreSQL leg skipped: set SADA_TEST_DATABASE_URL=postgresql://... to run it"


def pytest_report_header(config: pytest.Config) -> str:
    return f"sada databases: sqlite{' + postgresql (' + PG_URL + ')' if PG_URL else ' only; ' + PG_SKIP_REASON}"


def _pg_admin_url() -> str:
    url = make_url(Settings(database_url=PG_URL).database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


_OPEN_DATABASES: list[Database] = []  # the session's databases opened so far


@pytest.fixture(autouse=True)
def _no_jobs_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test's jobs that never ran end with it.

    The session shares one database per engine. Jobs a test queued and did not run would
    otherwise be run by the next test that calls `run_pending`, so a test's time and outcome
    depended on the tests before it (one WhatsApp test spent 150 s running others' jobs).
    Tests that share module-scoped fixtures (the browser modules' servers and data) keep
    theirs until their module is done.
    """
    yield
    fixture_defs = request.node._fixtureinfo.name2fixturedefs.values()  # type: ignore[attr-defined]
    if any(d.scope in ("module", "class", "package") for defs in fixture_defs for d in defs):
        return
    from sada.jobs.models import Job

    for database in _OPEN_DATABASES:
        with database.transaction() as session:
            session.execute(delete(Job).where(Job.status.in_(("queued", "running"))))


@pytest.fixture(scope="session")
def _sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("sqlite") / "sada-test.db"
    db = open_database(f"sqlite:///{path}")
    upgrade(db)
    _OPEN_DATABASES.append(db)
    yield db
    _OPEN_DATABASES.remove(db)
    db.dispose()


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[Database]:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    import psycopg

    name = f"sada_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(Settings(database_url=PG_URL).database_url).set(database=name)
    db = open_database(url.render_as_string(hide_password=False))
    upgrade(db)
    _OPEN_DATABASES.append(db)
    yield db
    _OPEN_DATABASES.remove(db)
    db.dispose()
    with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Database:
    name = "_sqlite_database" if request.param == "sqlite" else "_pg_database"
    return request.getfixturevalue(name)


@pytest.fixture
def sqlite_db(_sqlite_database: Database) -> Database:
    return _sqlite_database


@pytest.fixture
def pg_db(_pg_database: Database) -> Database:
    return _pg_database


@pytest.fixture
def make_workspace() -> Callable[[Database], Workspace]:
    def factory(database: Database, name: str | None = None) -> Workspace:
        from sada.tenants.service import do_create_workspace

        with database.transaction() as session:
            return do_create_workspace(session, name or f"ws-{uuid.uuid4().hex[:10]}")

    return factory


@pytest.fixture
def workspace(db: Database, make_workspace: Callable[[Database], Workspace]) -> Workspace:
    return make_workspace(db)


@pytest.fixture
def make_key() -> Callable[..., str]:
    def factory(database: Database, workspace_id: int, *scopes: str) -> str:
        from sada.tenants.service import do_create_api_key

        with database.transaction(workspace_id) as session:
            _row, full = do_create_api_key(
                session, name="test", scopes=list(scopes or ("read", "write"))
            )
        return full

    return factory


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url="sqlite:///unused.db",
        api_rate_per_second=10_000,
        api_rate_burst=10_000,
    )


@pytest.fixture
def app(db: Database, settings: Settings):  # type: ignore[no-untyped-def]
    from sada.app import create_app

    return create_app(settings, db=db, migrate=False, run_jobs=False)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_headers(db: Database, workspace: Workspace, make_key: Callable[..., str]) -> dict[str, str]:
    scopes = ("read", "write", "manage:rules", "manage:webhooks", "reply")
    return {"Authorization": f"Bearer {make_key(db, workspace.id, *scopes)}"}


@pytest.fixture
def live_server(db: Database, settings: Settings):  # type: ignore[no-untyped-def]
    """The app served by a real uvicorn on 127.0.0.1 (random port), for real HTTP clients."""
    import socket
    import threading
    import time

    import uvicorn

    from sada.app import create_app

    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
