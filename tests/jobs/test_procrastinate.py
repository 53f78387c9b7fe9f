"""Jobs on procrastinate (SADA_JOB_BACKEND=procrastinate): PostgreSQL only.

Workers are real `sada worker` processes on the procrastinate backend; jobs are enqueued
through `sada.jobs.service.enqueue` in the caller's transaction, as the domains do.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text, update

from sada.db.engine import Database, open_database
from sada.jobs.backend import select_backend, uses_procrastinate
from sada.jobs.metrics import QueueCollector
from sada.jobs.models import Job
from sada.jobs.registry import Priority, priority_name
from sada.jobs.service import dead_jobs, enqueue, queue_levels, retry_dead
from tests.pgproxy import proxied
from tests.processes import start_logged, wait_output
from tests.processes import stop as _stop

pytest.importorskip("procrastinate")

ROOT = Path(__file__).resolve().parents[2]
URGENT = Priority.INTERACTIVE - 100  # what the worker script's handlers declare
OUTAGE_SECONDS = 30

WORKER = """
import sys, time
from pathlib import Path
from sada.jobs.registry import Priority, handler

KIND, FAIL_KIND, DIR = sys.argv[1], sys.argv[2], Path(sys.argv[3])


@handler(KIND, priority=Priority.INTERACTIVE - 100)
def work(db, workspace_id, payload):
    from sqlalchemy import text
    (DIR / "started").write_text("started")
    end = time.monotonic() + float(payload["seconds"])
    while time.monotonic() < end:
        with db.transaction() as session:
            session.execute(text("SELECT 1"))
        time.sleep(0.05)
    with (DIR / "done").open("a") as out:
        out.write(f"{payload['n']}\\n")


@handler(FAIL_KIND, priority=Priority.INTERACTIVE - 100)
def fails_until_fixed(db, workspace_id, payload):
    with (DIR / "fail-attempts").open("a") as out:
        out.write("x\\n")
    if not (DIR / "fixed").exists():
        raise RuntimeError("cannot do it yet")
    (DIR / "fixed-ran").write_text("ok")


from sada.cli.main import app

sys.argv = ["sada", "worker", *sys.argv[4:]]
app()
"""


@pytest.fixture
def pq_db(pg_db: Database) -> Iterator[Database]:
    """The test database, opened again with its jobs on procrastinate."""
    from sada.jobs.procrastinate_backend import ensure_schema

    db = open_database(pg_db.url, application_name="sada-test-pq")
    assert select_backend(db, "procrastinate") == "procrastinate"
    ensure_schema(db)
    yield db
    db.dispose()


def test_sqlite_always_keeps_the_table_queue(sqlite_db):  # type: ignore[no-untyped-def]
    db = open_database(sqlite_db.url)
    try:
        assert select_backend(db, "procrastinate") == "table"
        assert not uses_procrastinate(db)
    finally:
        db.dispose()


def _start_worker(  # type: ignore[no-untyped-def]
    db: Database,
    tmp_path: Path,
    kind: str,
    fail_kind: str,
    *args: str,
    url: str | None = None,
    **env: str,
):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    full_env = {
        **os.environ,
        "SADA_DATABASE_URL": url or db.url,
        "SADA_ENVIRONMENT": "test",
        "SADA_JOB_BACKEND": "procrastinate",
        "SADA_JOB_POLL_INTERVAL": "0.2",
        **env,
    }
    _start_worker.started += 1  # type: ignore[attr-defined]
    log = tmp_path / f"worker-{_start_worker.started}.log"  # type: ignore[attr-defined]
    return start_logged(
        [sys.executable, str(script), kind, fail_kind, str(tmp_path), *args],
        log,
        cwd=ROOT,
        env=full_env,
    )


_start_worker.started = 0  # type: ignore[attr-defined]


def _wait_for(predicate, timeout: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _rows(db: Database, kind: str) -> list[Job]:
    with db.reader() as session:
        return list(session.execute(select(Job).where(Job.kind == kind).order_by(Job.id)).scalars())


def _pq_jobs(db: Database, sada_id: int) -> list[tuple[str, str, int, int]]:
    """(status, queue, priority, attempts) of the procrastinate jobs of a Sada job."""
    with db.reader() as session:
        rows = session.execute(
            text(
                "SELECT status, queue_name, priority, attempts FROM procrastinate_jobs "
                "WHERE (args->>'job_id')::bigint = :id ORDER BY id"
            ),
            {"id": sada_id},
        ).all()
    return [(str(s), str(q), int(p), int(a)) for s, q, p, a in rows]


def test_transactional_enqueue_runs_once_and_dead_letters_retry(pq_db, make_workspace, tmp_path):  # type: ignore[no-untyped-def]
    ws = make_workspace(pq_db)
    kind, fail_kind = f"test.pq.{uuid.uuid4().hex[:8]}", f"test.pqfail.{uuid.uuid4().hex[:8]}"

    # Rolled back: neither the row nor a procrastinate job exists.
    with pytest.raises(RuntimeError), pq_db.transaction(ws.id) as session:
        enqueue(session, kind, {"seconds": 0, "n": 99}, workspace_id=ws.id, priority=URGENT)
        raise RuntimeError("the domain write failed")
    assert _rows(pq_db, kind) == []
    with pq_db.reader() as session:
        orphans = session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs pj LEFT JOIN jobs j "
                "ON j.id = (pj.args->>'job_id')::bigint WHERE j.id IS NULL"
            )
        ).scalar_one()
    assert orphans == 0

    # Committed: one row (deferred) and one procrastinate job on the priority's queue.
    with pq_db.transaction(ws.id) as session:
        enqueue(session, kind, {"seconds": 0, "n": 1}, workspace_id=ws.id, priority=URGENT)
        for n in (2, 3):
            enqueue(
                session,
                kind,
                {"seconds": 0, "n": n},
                workspace_id=ws.id,
                dedupe_key=f"d{kind}",
                priority=URGENT,
            )
        enqueue(session, fail_kind, {}, workspace_id=ws.id, max_attempts=2, priority=URGENT)
    rows = _rows(pq_db, kind)
    assert [r.status for r in rows] == ["deferred", "deferred"]  # the dedupe key made one
    assert _pq_jobs(pq_db, rows[0].id) == [("todo", "interactive", 100, 0)]
    waiting = {level.priority: level for level in queue_levels(pq_db, workspace_id=ws.id)}
    assert waiting["interactive"].depth == 3 and waiting["bulk"].depth == 0
    assert waiting["interactive"].oldest_seconds >= 0 and waiting["interactive"].running == 0
    # The same figures in /metrics (the collector reads every workspace's jobs).
    collector = QueueCollector()
    collector.db = pq_db
    families = {family.name: family for family in collector.collect()}
    depth = {s.labels["priority"]: s.value for s in families["sada_queue_depth"].samples}
    assert depth["interactive"] >= 3

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker = _start_worker(pq_db, tmp_path, kind, fail_kind, "--health-port", str(port))
    try:
        assert _wait_for(
            lambda: [r.status for r in _rows(pq_db, kind)] == ["done", "done"], timeout=180
        ), _stop(worker)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["jobs_done"] >= 2, health.text
        # The failing job: attempt 1, a 5 s exponential backoff, attempt 2, then dead.
        (failing,) = _rows(pq_db, fail_kind)
        assert _wait_for(lambda: _rows(pq_db, fail_kind)[0].status == "failed", timeout=60)
        (failing,) = _rows(pq_db, fail_kind)
        assert failing.attempts == 2 and "cannot do it yet" in (failing.last_error or "")
        assert _pq_jobs(pq_db, failing.id) == [("failed", "interactive", 100, 2)]
        assert failing.id in [job.id for job in dead_jobs(pq_db, workspace_id=ws.id)]
        assert (tmp_path / "fail-attempts").read_text().count("x") == 2

        # An admin fixes the cause and retries the dead letter: a fresh procrastinate job.
        (tmp_path / "fixed").write_text("")
        retry_dead(pq_db, failing.id, workspace_id=ws.id)
        assert _wait_for(lambda: _rows(pq_db, fail_kind)[0].status == "done", timeout=60)
        assert [s for s, *_ in _pq_jobs(pq_db, failing.id)] == ["failed", "succeeded"]
    finally:
        output = _stop(worker)
    assert worker.returncode == 0, output
    assert sorted((tmp_path / "done").read_text().split()) == ["1", "2"]  # each once, 99 never
    assert all(r.attempts == 1 for r in _rows(pq_db, kind))
    assert all(level.depth == 0 for level in queue_levels(pq_db, workspace_id=ws.id))


def test_a_killed_workers_job_runs_again_on_another_worker(pq_db, make_workspace, tmp_path):  # type: ignore[no-untyped-def]
    ws = make_workspace(pq_db)
    kind = f"test.pqkill.{uuid.uuid4().hex[:8]}"
    with pq_db.transaction(ws.id) as session:
        enqueue(session, kind, {"seconds": 300, "n": 5}, workspace_id=ws.id, priority=URGENT)
    (row,) = _rows(pq_db, kind)
    lease = {"SADA_JOB_LEASE_SECONDS": "3"}  # heartbeat every second; silent 3 s = stalled
    first = _start_worker(pq_db, tmp_path, kind, "none", **lease)
    try:
        assert _wait_for((tmp_path / "started").exists, timeout=180), _stop(first)
        assert _pq_jobs(pq_db, row.id)[0][0] == "doing"
        first.kill()  # SIGKILL: no goodbye, no hand-back
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    with pq_db.transaction() as session:  # the rerun is quick
        session.execute(update(Job).where(Job.id == row.id).values(payload={"seconds": 0, "n": 5}))
    killed_at = time.monotonic()
    second = _start_worker(pq_db, tmp_path, kind, "none", **lease)
    try:
        assert _wait_for(lambda: _rows(pq_db, kind)[0].status == "done", timeout=180), _stop(second)
        rerun_after = time.monotonic() - killed_at
    finally:
        output = _stop(second)
    assert "stopped beating" in output, output
    assert (tmp_path / "done").read_text() == "5\n"
    assert _rows(pq_db, kind)[0].attempts == 2
    assert rerun_after < 180


def test_sigterm_hands_back_a_long_job_and_lets_a_short_one_finish(pq_db, make_workspace, tmp_path):  # type: ignore[no-untyped-def]
    ws = make_workspace(pq_db)
    kind = f"test.pqterm.{uuid.uuid4().hex[:8]}"
    with pq_db.transaction(ws.id) as session:
        enqueue(session, kind, {"seconds": 300, "n": 1}, workspace_id=ws.id, priority=URGENT)
    (row,) = _rows(pq_db, kind)
    worker = _start_worker(pq_db, tmp_path, kind, "none", SADA_JOB_SHUTDOWN_GRACE_SECONDS="1")
    try:
        assert _wait_for((tmp_path / "started").exists, timeout=180), _stop(worker)
        sent = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        output = wait_output(worker, 90)
        # Far below the job's 300 s, whatever the load: the worker handed it back after its
        # 1 s grace instead of running it out (15 s flaked once on a loaded 2-core machine).
        assert time.monotonic() - sent < 90
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "handed back" in output, output
    assert _pq_jobs(pq_db, row.id)[0][0] == "todo"  # back in procrastinate's queue
    assert _rows(pq_db, kind)[0].status == "deferred"
    assert not (tmp_path / "done").exists()

    # A short job under a long grace: it finishes, then the worker exits.
    with pq_db.transaction() as session:
        session.execute(
            update(Job).where(Job.id == row.id).values(payload={"seconds": 1.5, "n": 7})
        )
    (tmp_path / "started").unlink()
    worker = _start_worker(pq_db, tmp_path, kind, "none", SADA_JOB_SHUTDOWN_GRACE_SECONDS="30")
    try:
        assert _wait_for((tmp_path / "started").exists, timeout=180), _stop(worker)
        worker.send_signal(signal.SIGTERM)
        output = wait_output(worker, 60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert _rows(pq_db, kind)[0].status == "done"
    assert (tmp_path / "done").read_text() == "7\n"
    assert _pq_jobs(pq_db, row.id)[0][0] == "succeeded"


@pytest.mark.timeout(600)  # a loaded machine: start (up to 180 s) + 30 s outage + drain
def test_the_worker_reconnects_after_a_database_outage(pq_db, make_workspace, tmp_path):  # type: ignore[no-untyped-def]
    """A 30 s outage (through a loopback proxy): the worker lives on and drains the queue."""
    ws = make_workspace(pq_db)
    kind = f"test.pqoutage.{uuid.uuid4().hex[:8]}"
    total = 30
    with pq_db.transaction(ws.id) as session:
        for n in range(total):
            enqueue(session, kind, {"seconds": 0.2, "n": n}, workspace_id=ws.id, priority=URGENT)
    with proxied(pq_db.url) as proxy:
        worker = _start_worker(
            pq_db, tmp_path, kind, "none", url=proxy.url(pq_db.url), SADA_JOB_LEASE_SECONDS="3"
        )
        try:
            assert _wait_for((tmp_path / "started").exists, timeout=180), _stop(worker)
            assert _wait_for(lambda: sum(r.status == "done" for r in _rows(pq_db, kind)) >= 3)
            # Every connection of the worker is cut, and none can be made for 30 s
            # (procrastinate's pool, its LISTEN connection, the handlers' pool).
            cut = proxy.outage(OUTAGE_SECONDS)
            ended = time.monotonic()
            assert cut >= 2 and proxy.refused >= 1, (cut, proxy.refused)
            assert worker.poll() is None, "the worker died with the database"

            if not _wait_for(lambda: _all_done(pq_db, kind), timeout=120):
                _stop(worker)
                stuck = [
                    (r.id, r.status, r.attempts, _pq_jobs(pq_db, r.id))
                    for r in _rows(pq_db, kind)
                    if r.status != "done"
                ]
                raise AssertionError(f"not drained: {stuck}; worker log in {tmp_path}")
            drained_after = time.monotonic() - ended
            assert worker.poll() is None, "the worker stopped after the outage"
        finally:
            output = _stop(worker)
    print(f"drained {drained_after:.1f} s after the outage")  # shown with -rP
    assert worker.returncode == 0, output
    assert "reconnecting" in output, output
    done = (tmp_path / "done").read_text().split()
    assert sorted(set(map(int, done))) == list(range(total))  # each ran (at least once)
    assert drained_after < 90, drained_after


def _all_done(db: Database, kind: str) -> bool:
    try:
        return all(r.status == "done" for r in _rows(db, kind))
    except Exception:  # noqa: BLE001 - our own pool reconnects too
        return False


def test_domain_writes_defer_their_jobs_and_api_nodes_run_none(pq_db, make_workspace, settings):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from sada.app import create_app
    from sada.db.types import utcnow
    from sada.interactions.ingest import ingest_batch
    from sada.jobs.runner import NoRunner

    ws = make_workspace(pq_db)
    external_id = f"pq-{uuid.uuid4().hex[:8]}"
    with pq_db.transaction(ws.id) as session:  # the domain's own write path
        ingest_batch(
            session,
            [
                {
                    "source": "pq-test",
                    "external_id": external_id,
                    "occurred_at": utcnow().isoformat(),
                    "channel": "chat",
                    "type": "message",
                    "direction": "inbound",
                    "text": "the delivery was late again",
                    "person": {"email": f"{external_id}@example.com"},
                }
            ],
        )
    with pq_db.reader() as session:
        jobs = list(session.execute(select(Job).where(Job.workspace_id == ws.id)).scalars())
    assert jobs and {job.status for job in jobs} == {"deferred"}
    for job in jobs:
        ((status, queue, priority, _),) = _pq_jobs(pq_db, job.id)
        assert status == "todo" and priority == -job.priority
        assert queue == priority_name(job.priority)

    app = create_app(
        settings.model_copy(update={"job_backend": "procrastinate"}), db=pq_db, migrate=False
    )
    assert isinstance(app.state.services.runner, NoRunner)  # workers run the jobs
    with TestClient(app) as client:
        ready = client.get("/readyz")
    assert ready.json()["checks"]["queue"] == "ok", ready.text
