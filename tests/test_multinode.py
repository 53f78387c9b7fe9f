"""Two API nodes and two workers on one PostgreSQL (+ Redis), run as real processes.

Concurrent ingest through both nodes with overlapping identities; one worker is killed with
SIGKILL in the middle of a job; then every database connection of the workers is cut; then,
with more ingest accepted and a job running, the database goes away for OUTAGE_SECONDS for the
workers (they reach PostgreSQL through a loopback proxy, tests/pgproxy.py, that cuts and
refuses connections; the API nodes connect directly). After that: every item is applied
exactly once, the queue drains, the killed worker's job runs again within 60 s, both nodes
share one rate limit and show the same overview, and no request got a 5xx. PostgreSQL only
(SQLite is one file on one machine: nothing multi-node to test).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.pgproxy import Proxy

PG_URL = os.environ.get("SADA_TEST_DATABASE_URL", "").strip()

ROOT = Path(__file__).resolve().parents[1]
REDIS = "redis://127.0.0.1:6379/0"
PASSWORD = "correct horse battery"
LEASE_SECONDS = 6
SLOW_KIND = "test.multinode.slow"
IDENTITIES = 30  # people shared by every ingest thread
THREADS = 4
BATCHES = 4  # per thread
ITEMS = 25  # per batch
BURST = 100  # per API key, for both nodes together
OUTAGE_SECONDS = 30  # issue 15: the queue drains after a 30 s database outage
AFTER_BATCHES = 2  # per node, accepted just before the outage
WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(
        not PG_URL,
        reason="multi-node test runs on PostgreSQL only: set SADA_TEST_DATABASE_URL=postgresql://...",
    ),
    pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 for shared limits"),
    pytest.mark.timeout(600),
]

WORKER = """
import faulthandler, os, signal, sys, time
from pathlib import Path

faulthandler.register(signal.SIGUSR1)  # the test dumps a stuck worker's threads
from sada.jobs.registry import Priority, handler

OUT = Path(sys.argv[1])


@handler("test.multinode.slow", priority=Priority.INTERACTIVE - 100)
def slow(db, workspace_id, payload):
    from sqlalchemy import text
    (OUT / f"started-{payload['n']}-{os.getpid()}").write_text("")
    end = time.monotonic() + float(payload["seconds"])
    while time.monotonic() < end:
        with db.transaction() as session:
            session.execute(text("SELECT 1"))
        time.sleep(0.1)
    with (OUT / "done").open("a") as out:
        out.write(f"{payload['n']} {os.getpid()}\\n")


from sada.cli.main import app

sys.argv = ["sada", "worker", "--health-port", sys.argv[2], *sys.argv[3:]]
app()
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _admin_url() -> str:
    from sada.settings import Settings

    url = make_url(Settings(database_url=PG_URL).database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def own_database() -> Iterator[str]:
    """A fresh database for this test alone: the workers must see no other test's jobs."""
    import psycopg

    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.settings import Settings

    name = f"sada_multinode_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = (
        make_url(Settings(database_url=PG_URL).database_url)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    db = open_database(url)
    upgrade(db)
    db.dispose()
    yield url
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(_plain(url), autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())


def _wait(predicate: Any, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _item(n: int, thread: int) -> dict[str, Any]:
    return {
        "source": "shop",
        "external_id": f"t{thread}-{n}",
        "occurred_at": WHEN.isoformat(),
        "channel": ["email", "chat", "phone"][n % 3],
        "type": "message",
        "direction": "inbound",
        "text": ["Delivery was late again", "Great support, thank you", "The app crashes"][n % 3],
        "person": {"email": f"shared-{(n * 7 + thread) % IDENTITIES}@example.com"},
    }


JOURNEY = {
    "stages": [
        {"key": "wrote", "touchpoints": [{"key": "mail", "rules": [{"channel": ["email"]}]}]},
        {"key": "chatted", "touchpoints": [{"key": "chat", "rules": [{"channel": ["chat"]}]}]},
        {"key": "called", "touchpoints": [{"key": "call", "rules": [{"channel": ["phone"]}]}]},
    ]
}


def _overview(html: str) -> str:
    """The page without what differs per session (form tokens, script nonces)."""
    html = re.sub(r'name="csrf" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def test_two_api_nodes_and_two_workers_survive_a_killed_worker_and_cut_connections(
    own_database: str, tmp_path: Path
) -> None:
    from sada.db.engine import open_database
    from sada.jobs.registry import Priority
    from sada.jobs.service import enqueue
    from sada.journeys import service as journeys
    from sada.journeys.schemas import AudienceIn, JourneyDefinition, JourneyMapIn
    from sada.tenants.service import (
        do_add_member,
        do_create_api_key,
        do_create_user,
        do_create_workspace,
    )

    url = own_database
    db = open_database(url)
    target = make_url(url)
    # The workers' way to the database (the API nodes and the test connect directly).
    proxy = Proxy((target.host or "127.0.0.1", int(target.port or 5432))).start()
    with db.transaction() as session:
        ws = do_create_workspace(session, "multinode")
    with db.transaction(ws.id) as session:
        _row, ingest_key = do_create_api_key(session, name="ingest", scopes=["read", "write"])
        _row, probe_key = do_create_api_key(session, name="probe", scopes=["read"])
        # Journey reads poll for a while: their own key, so they do not spend ingest's budget.
        _row, journeys_key = do_create_api_key(session, name="journeys", scopes=["read"])
        do_add_member(session, do_create_user(session, "owner@example.com", PASSWORD), "owner")

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SADA_")},
        "SADA_DATABASE_URL": url,
        "SADA_ENVIRONMENT": "test",
        "SADA_REDIS_URL": REDIS,
        "SADA_REDIS_PREFIX": f"sada-test-{uuid.uuid4().hex[:8]}",
        # One budget of BURST requests per key over a window far longer than the test.
        "SADA_API_RATE_PER_SECOND": "0.5",
        "SADA_API_RATE_BURST": str(BURST),
        "SADA_RUN_JOBS_IN_PROCESS": "false",
        "SADA_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "SADA_JOB_POLL_INTERVAL": "0.2",
        "SADA_JOB_SHUTDOWN_GRACE_SECONDS": "5",
        "SADA_LOG_LEVEL": "WARNING",
        "SADA_ANALYTICS_DIR": str(tmp_path / "analytics"),
        "SADA_ANALYTICS_REFRESH_SECONDS": "2",
    }
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    api_ports = [_port(), _port()]
    health_ports = [_port(), _port()]
    logs: list[Path] = []

    def start(args: list[str], name: str, **extra: str) -> subprocess.Popen[bytes]:
        log = tmp_path / f"{name}.log"
        logs.append(log)
        return subprocess.Popen(
            args, cwd=ROOT, env={**env, **extra}, stdout=log.open("w"), stderr=subprocess.STDOUT
        )

    nodes = [
        start([sys.executable, "-m", "sada.cli.main", "serve", "--port", str(p)], f"api{n}")
        for n, p in enumerate(api_ports)
    ]
    # The second worker also owns the journeys' columnar copy and publishes its snapshots.
    workers = [
        start(
            [sys.executable, str(script), str(tmp_path), str(p), *(["--analytics-owner"] * n)],
            f"worker{n}",
            SADA_LOG_LEVEL="INFO",
            SADA_DATABASE_URL=proxy.url(url),
        )
        for n, p in enumerate(health_ports)
    ]
    processes = nodes + workers

    def tails() -> str:
        """What the processes and the database were doing, for a failure's message."""
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGUSR1)
        time.sleep(1)
        state = _query(
            url,
            "SELECT id, kind, status, attempts, locked_by, locked_until, now() FROM jobs "
            "WHERE status <> 'done' AND run_at <= now() ORDER BY id LIMIT 20",
        )
        sessions = _query(
            url,
            "SELECT application_name, state, wait_event, left(query, 80) FROM pg_stat_activity "
            "WHERE datname = current_database()",
        )
        answers = []
        for port in api_ports:
            try:
                answers.append(httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).text)
            except httpx.TransportError as exc:
                answers.append(repr(exc))
        return "\n".join(
            [f"jobs: {state}", f"sessions: {sessions}", f"readyz: {answers}"]
            + [f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs]
        )

    codes: list[int] = []
    codes_lock = threading.Lock()
    began = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - began, 1)
        print(f"multinode: {name} at {phases[name]} s")  # shown with -rP

    try:
        # A loaded machine (2 shared cores) takes minutes to start four processes.
        for port in api_ports:
            assert _wait(lambda p=port: _ready(f"http://127.0.0.1:{p}/readyz"), 240), tails()
        for port in health_ports:
            assert _wait(lambda p=port: _ready(f"http://127.0.0.1:{p}/readyz"), 150), tails()

        phase("all ready")
        # Two slow jobs, the most urgent in the queue: each worker takes one.
        with db.transaction(ws.id) as session:
            for n in range(2):
                enqueue(
                    session,
                    SLOW_KIND,
                    {"n": n, "seconds": 4},
                    workspace_id=ws.id,
                    priority=Priority.INTERACTIVE - 100,
                )

        clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=60) for p in api_ports]
        ingest_headers = {"Authorization": f"Bearer {ingest_key}"}

        def ingest(thread: int) -> None:
            for b in range(BATCHES):
                items = [_item(b * ITEMS + i, thread) for i in range(ITEMS)]
                wait = "?wait=true" if (thread + b) % 2 else ""
                response = clients[(thread + b) % 2].post(
                    f"/api/v1/interactions:batch{wait}",
                    json={"items": items},
                    headers=ingest_headers,
                )
                with codes_lock:
                    codes.append(response.status_code)

        threads = [threading.Thread(target=ingest, args=(t,)) for t in range(THREADS)]
        for thread in threads:
            thread.start()

        # Kill one worker in the middle of its slow job.
        def started_by() -> dict[int, int]:
            found = {}
            for path in tmp_path.glob("started-*"):
                _, n, pid = path.name.split("-")
                found[int(pid)] = int(n)
            return found

        assert _wait(lambda: len(started_by()) == 2, 60), tails()
        victim = workers[0]
        victim_job = started_by()[victim.pid]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = time.monotonic()
        phase("worker killed")
        # Its supervisor starts a replacement, as systemd or an orchestrator would.
        workers.append(
            start(
                [sys.executable, str(script), str(tmp_path), str(_port())],
                "worker2",
                SADA_LOG_LEVEL="INFO",
                SADA_DATABASE_URL=proxy.url(url),
            )
        )
        processes.append(workers[-1])

        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads)

        phase("ingest done")
        # Cut every connection the workers hold, a few times over 2 s.
        name = make_url(url).database
        cut = 0
        for _ in range(4):
            cut += _query(
                url,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = 'sada-worker'",
                name,
            )[0][0]
            time.sleep(0.5)
        assert cut >= 1

        # The killed worker's job runs again (after its lease) on the surviving worker.
        def victim_job_done() -> bool:
            done = (tmp_path / "done").read_text() if (tmp_path / "done").exists() else ""
            return any(line.split()[0] == str(victim_job) for line in done.splitlines())

        assert _wait(victim_job_done, 60), tails()
        assert time.monotonic() - killed_at < 60
        reran = [line.split() for line in (tmp_path / "done").read_text().splitlines()]
        phase("killed worker's job re-run")
        # Run again by another worker (a job is run at least once; ingest exactly once).
        assert str(victim.pid) not in {pid for n, pid in reran if n == str(victim_job)}

        # More ingest accepted through both nodes and a job running, then the database goes
        # away for OUTAGE_SECONDS: every open connection cut, every new one refused.
        for b in range(AFTER_BATCHES * 2):
            items = [_item(b * ITEMS + i, THREADS) for i in range(ITEMS)]
            response = clients[b % 2].post(
                "/api/v1/interactions:batch", json={"items": items}, headers=ingest_headers
            )
            codes.append(response.status_code)
        with db.transaction(ws.id) as session:
            enqueue(
                session,
                SLOW_KIND,
                {"n": 2, "seconds": 3},
                workspace_id=ws.id,
                priority=Priority.INTERACTIVE - 100,
            )
        assert _wait(lambda: any(p.name.startswith("started-2-") for p in tmp_path.iterdir()), 60)
        proxy.down()
        outage_began = time.monotonic()
        phase("database down")
        assert proxy.cut >= 1
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_began)))
        proxy.up()
        phase("database back")
        assert proxy.refused >= 1
        assert all(w.poll() is None for w in workers[1:]), "a worker died with the database"

        # The queue drains: no due job left, no dead letter, every batch applied.
        def drained() -> bool:
            left = _query(
                url,
                "SELECT count(*) FROM jobs WHERE (status IN ('queued', 'running') "
                "AND run_at <= now()) OR status = 'failed'",
            )[0][0]
            pending = _query(url, "SELECT count(*) FROM ingest_batches WHERE status = 'pending'")[
                0
            ][0]
            return left == 0 and pending == 0

        assert _wait(drained, 180, step=0.5), (
            _query(url, "SELECT kind, status, count(*) FROM jobs GROUP BY 1, 2"),
            tails(),
        )
        phase("queue drained")
        print(
            f"multinode: drained {time.monotonic() - outage_began - OUTAGE_SECONDS:.1f} s after the outage"
        )
        assert workers[1].poll() is None, "the surviving worker died with its connections"
        assert workers[2].poll() is None, "the replacement died with its connections"

        # The job cut by the outage ran to the end (handed back, then run again).
        finished = [line.split()[0] for line in (tmp_path / "done").read_text().splitlines()]
        assert "2" in finished, finished
        # Exactly once: every item stored once, one person per identity.
        total = THREADS * BATCHES * ITEMS + AFTER_BATCHES * 2 * ITEMS
        stored = _query(
            url,
            "SELECT count(*), count(DISTINCT external_id), count(DISTINCT person_id) "
            "FROM interactions WHERE workspace_id = %s",
            ws.id,
        )[0]
        assert stored == (total, total, IDENTITIES)
        people = _query(
            url,
            "SELECT count(*) FROM people WHERE workspace_id = %s AND merged_into_id IS NULL",
            ws.id,
        )[0][0]
        assert people == IDENTITIES
        analysed = _query(
            url,
            "SELECT count(*), count(DISTINCT interaction_id) FROM text_analyses a "
            "JOIN interactions i ON i.id = a.interaction_id WHERE i.workspace_id = %s",
            ws.id,
        )[0]
        assert analysed == (total, total)  # every text analysed, once

        # One rate limit for both nodes: the probe key gets BURST answers in all, not 2 x.
        probe = {"Authorization": f"Bearer {probe_key}"}
        probe_codes = [
            clients[n % 2].get("/api/v1/touchpoints", headers=probe).status_code
            for n in range(BURST * 3 // 2)
        ]
        counted = Counter(probe_codes)
        assert BURST <= counted[200] <= BURST + 2, counted
        assert set(probe_codes[-10:]) == {429}

        # The same overview on both nodes.
        pages = []
        for port in api_ports:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as web:
                form = web.get("/login").text
                csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
                signed = web.post(
                    "/login",
                    data={"email": "owner@example.com", "password": PASSWORD, "csrf": csrf},
                )
                assert signed.status_code == 303, signed.text[:300]
                first, last = WHEN.date() - timedelta(days=1), datetime.now(UTC).date()
                page = web.get(f"/overview?from={first}&to={last}")
                codes.append(page.status_code)
                pages.append(_overview(page.text))
        assert pages[0] == pages[1]
        assert f"{total:,}" in pages[0] or str(total) in pages[0]

        # Journey analytics: both nodes read the owner's DuckDB snapshot, no lock error.
        with db.transaction(ws.id) as session:
            journeys.do_create_audience(session, AudienceIn(key="customer", measure="nps"))
            journeys.do_create_map(
                session,
                JourneyMapIn(
                    audience="customer",
                    key="cj",
                    definition=JourneyDefinition.model_validate(JOURNEY),
                ),
            )
        window = {
            "since": (WHEN - timedelta(days=1)).isoformat(),
            "until": datetime.now(UTC).isoformat(),
        }

        def funnel(client: httpx.Client, engine: str) -> dict[str, Any]:
            answer = client.get(
                "/api/v1/journeys/maps/cj/funnel",
                params={**window, "engine": engine},
                headers={"Authorization": f"Bearer {journeys_key}"},
            )
            codes.append(answer.status_code)
            assert answer.status_code == 200, answer.text[:300]
            return dict(answer.json())

        expected = funnel(clients[0], "sql")["steps"]
        assert expected[0]["people"] == IDENTITIES

        def from_snapshots() -> bool:
            answers = [funnel(client, "auto") for client in clients]
            return all(a["engine"] == "duckdb" and a["steps"] == expected for a in answers)

        assert _wait(from_snapshots, 60, step=2), tails()  # ≤ 62 requests: within BURST
        phase("journeys from snapshots")

        assert not [c for c in codes if c >= 500], Counter(codes)
        assert set(codes) <= {200, 202}, Counter(codes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        proxy.close()
        db.dispose()
