"""The queue under load: priorities, tick windows, dead letters, leases, shutdown, outages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from sada.automation import engine
from sada.db.types import utcnow
from sada.events import publish
from sada.jobs.models import Job
from sada.jobs.registry import Priority, handler, priority_name, priority_of
from sada.jobs.runner import InProcessRunner
from sada.jobs.service import (
    claim_next,
    enqueue,
    queue_levels,
    read_cursor,
    run_job,
)
from tests.pgproxy import proxied
from tests.processes import start_logged, stop, wait_output

ROOT = Path(__file__).resolve().parents[2]
TAG = uuid.uuid4().hex[:8]
BULK_KIND = f"test.bulk.{TAG}"
FOLLOW_KIND = f"test.follow.{TAG}"
FAIL_KIND = f"test.dead.{TAG}"
SLOW_KIND = f"test.slow.{TAG}"
SLOW_SEEN: list[object] = []
OUTAGE_SECONDS = 30


@handler(BULK_KIND, priority=Priority.BULK)
def _bulk(db, workspace_id, payload):  # type: ignore[no-untyped-def]
    return None


@handler(FOLLOW_KIND, priority=Priority.FOLLOW_UP)
def _follow(db, workspace_id, payload):  # type: ignore[no-untyped-def]
    return None


@handler(FAIL_KIND)
def _fails(db, workspace_id, payload):  # type: ignore[no-untyped-def]
    raise RuntimeError("cannot do it")


@handler(SLOW_KIND)
def _slow(db, workspace_id, payload):  # type: ignore[no-untyped-def]
    with db.reader() as session:
        SLOW_SEEN.append(
            session.execute(select(Job.locked_until).where(Job.kind == SLOW_KIND)).scalar_one()
        )
    time.sleep(float(payload["seconds"]))
    with db.reader() as session:
        SLOW_SEEN.append(
            session.execute(select(Job.locked_until).where(Job.kind == SLOW_KIND)).scalar_one()
        )


def _rows(db, kind: str) -> list[Job]:  # type: ignore[no-untyped-def]
    with db.reader() as session:
        return list(session.execute(select(Job).where(Job.kind == kind).order_by(Job.id)).scalars())


def test_priority_is_declared_per_kind_and_overridable(db, workspace):  # type: ignore[no-untyped-def]
    assert priority_of(BULK_KIND) == Priority.BULK
    assert priority_of("text.analyze") == Priority.ANALYSIS
    assert priority_of("automation.ingested") == Priority.FOLLOW_UP
    assert priority_of("never.registered") == Priority.NORMAL
    assert priority_name(12) == "follow_up" and priority_name(99) == "bulk"
    past = utcnow() - timedelta(minutes=5)
    with db.transaction(workspace.id) as session:
        # 30 older bulk jobs, then one follow-up and one bulk job raised to interactive.
        for n in range(30):
            enqueue(session, BULK_KIND, {"n": n}, workspace_id=workspace.id, run_at=past)
        enqueue(session, FOLLOW_KIND, {"n": "f"}, workspace_id=workspace.id)
        enqueue(
            session,
            BULK_KIND,
            {"n": "urgent"},
            workspace_id=workspace.id,
            priority=Priority.INTERACTIVE,
        )
    kinds = [BULK_KIND, FOLLOW_KIND]
    order = []
    for _ in range(4):
        job = claim_next(db, kinds=kinds)
        assert job is not None
        order.append(job.payload["n"])
        run_job(db, job)
    assert order == ["urgent", "f", 0, 1]  # priority first, then the oldest run_at
    # An urgent-only worker leaves bulk work alone.
    assert claim_next(db, kinds=kinds, max_priority=Priority.NORMAL - 1) is None
    levels = {level.priority: level for level in queue_levels(db)}
    assert list(levels) == ["interactive", "follow_up", "normal", "analysis", "bulk"]
    assert levels["bulk"].depth >= 28 and levels["bulk"].oldest_seconds >= 290


def test_history_events_queue_at_bulk_priority(db, workspace):  # type: ignore[no-untyped-def]
    marker = uuid.uuid4().int % 10**9
    with db.transaction(workspace.id) as session:
        publish(session, "interaction.ingested", {"interaction_ids": [marker]}, live=True)
        publish(session, "interaction.ingested", {"interaction_ids": [marker + 1]}, live=False)
    with db.reader() as session:
        rows = session.execute(
            select(Job.payload, Job.priority).where(
                Job.kind == "text.analyze", Job.workspace_id == workspace.id
            )
        ).all()
    by_id = {payload["interaction_ids"][0]: priority for payload, priority in rows}
    assert by_id == {marker: Priority.ANALYSIS, marker + 1: Priority.BULK}


def test_a_history_only_subscriber_gets_no_job_for_live_events(db, workspace):  # type: ignore[no-untyped-def]
    """Rules on history (`automation.history_rules`) have nothing to do for live events: no
    job is queued for them (the 2026-11-30 soak: a no-op bulk job per live event)."""
    from sada.automation.models import Rule

    marker = uuid.uuid4().int % 10**9
    with db.transaction(workspace.id) as session:
        # Rules that opted in to history (without one, history records no such job either).
        session.add(
            Rule(
                name="history too",
                triggers=["interaction.ingested", "sentiment.computed"],
                include_history=True,
                conditions=[],
                actions=[{"type": "tag", "tags": ["x"]}],
            )
        )
    with db.transaction(workspace.id) as session:
        for trigger in ("interaction.ingested", "text.analyzed"):
            publish(session, trigger, {"interaction_ids": [marker]}, live=True)
            publish(session, trigger, {"interaction_ids": [marker + 1]}, live=False)
    with db.reader() as session:
        rows = session.execute(
            select(Job.kind, Job.payload).where(Job.workspace_id == workspace.id)
        ).all()
    history_rules = sorted(
        (p["event"], p["interaction_ids"][0])
        for kind, p in rows
        if kind == "automation.history_rules"
    )
    assert history_rules == [("interaction.ingested", marker + 1), ("text.analyzed", marker + 1)]
    # Live subscribers still get theirs.
    assert ("text.analyze", [marker]) in [(k, p["interaction_ids"]) for k, p in rows]
    with pytest.raises(ValueError, match="neither"):
        handler("test.nothing", on=("interaction.ingested",), live=False)(lambda *_: None)


def test_tick_windows_continue_from_the_cursor_and_never_overlap(db, workspace):  # type: ignore[no-untyped-def]
    t0 = utcnow().replace(microsecond=0)
    first = engine.tick(db, workspace.id, t0 - timedelta(minutes=1), now=t0)
    assert first == (t0 - timedelta(minutes=1), t0)
    # A duplicate tick right behind it finds its window covered and does nothing.
    assert engine.tick(db, workspace.id, t0, now=t0 + timedelta(seconds=5)) is None
    # A tick that waited 15 minutes in a late queue continues from where the last stopped,
    # whatever `since` its payload carried.
    late = t0 + timedelta(minutes=15)
    assert engine.tick(db, workspace.id, t0 + timedelta(minutes=14), now=late) == (t0, late)
    with db.reader(workspace.id) as session:
        assert read_cursor(session, engine.tick_cursor_key(workspace.id)) == late
    # However often ingest asks, one tick at most is pending per workspace.
    for _ in range(5):
        with db.transaction(workspace.id) as session:
            engine.ensure_tick(session, utcnow() + timedelta(minutes=_))
    with db.reader() as session:
        pending = session.execute(
            select(Job.id).where(
                Job.kind == engine.TICK_JOB,
                Job.workspace_id == workspace.id,
                Job.status == "queued",
            )
        ).all()
    assert len(pending) == 1


def _sada(db, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "SADA_DATABASE_URL": db.url, "SADA_ENVIRONMENT": "test"}
    return subprocess.run(
        [sys.executable, "-m", "sada.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_dead_letters_list_retry_discard_from_the_cli(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        for n in range(2):
            enqueue(session, FAIL_KIND, {"n": n}, workspace_id=workspace.id, max_attempts=1)
    for _ in range(2):
        job = claim_next(db, kinds=[FAIL_KIND])
        assert job is not None
        assert run_job(db, job) is False
    first, second = _rows(db, FAIL_KIND)
    assert first.status == second.status == "failed"

    listed = _sada(db, "jobs", "dead")
    assert listed.returncode == 0, listed.stderr
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    ours = {int(cols[0]): cols for cols in lines if cols[1] == FAIL_KIND}
    assert set(ours) == {first.id, second.id}
    assert ours[first.id][5] == "RuntimeError: cannot do it"

    assert _sada(db, "jobs", "retry", str(first.id)).returncode == 0
    discarded = _sada(db, "jobs", "discard", str(second.id))
    assert discarded.returncode == 0, discarded.stderr
    (row,) = _rows(db, FAIL_KIND)
    assert row.id == first.id and row.status == "queued" and row.attempts == 0
    assert row.run_at <= utcnow()
    again = _sada(db, "jobs", "retry", str(first.id))
    assert again.returncode == 1 and "not a dead letter" in again.stderr
    gone = _sada(db, "jobs", "discard", "999999999")
    assert gone.returncode == 1 and "not found" in gone.stderr
    with db.transaction() as session:  # leave nothing due for other tests' workers
        session.execute(update(Job).where(Job.kind == FAIL_KIND).values(status="done"))


def test_runner_renews_the_lease_of_a_long_job(db, workspace):  # type: ignore[no-untyped-def]
    SLOW_SEEN.clear()
    with db.transaction(workspace.id) as session:
        enqueue(
            session,
            SLOW_KIND,
            {"seconds": 2.5},
            workspace_id=workspace.id,
            priority=Priority.INTERACTIVE - 100,
        )
    runner = InProcessRunner(db, poll_interval=0.05, lease_seconds=3, worker_id=f"t-{TAG}")
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _rows(db, SLOW_KIND)[0].status != "done":
            time.sleep(0.1)
    finally:
        runner.stop(grace=10)
    (row,) = _rows(db, SLOW_KIND)
    assert row.status == "done" and row.attempts == 1  # nobody took it over mid-run
    started, ending = SLOW_SEEN
    assert ending > started  # renewed while it ran (every lease / 3 = 1 s)


def test_an_urgent_only_runner_leaves_analysis_and_bulk_alone(db, workspace):  # type: ignore[no-untyped-def]
    """`sada worker --urgent-only` (max_priority) must not claim a long analysis or bulk job:
    the table runner ignored it until 2026-11-30 (only `claim_next` was tested)."""
    marker = uuid.uuid4().hex
    with db.transaction(workspace.id) as session:
        enqueue(session, BULK_KIND, {"n": marker}, workspace_id=workspace.id)
        enqueue(session, FOLLOW_KIND, {"n": marker}, workspace_id=workspace.id)
    runner = InProcessRunner(
        db, poll_interval=0.05, worker_id=f"u-{TAG}", max_priority=Priority.NORMAL - 1
    )

    def mine(kind: str) -> Job:
        (row,) = [r for r in _rows(db, kind) if r.payload.get("n") == marker]
        return row

    runner.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and mine(FOLLOW_KIND).status != "done":
            time.sleep(0.1)
        time.sleep(1.0)  # time enough to claim the bulk job too, were it allowed to
    finally:
        runner.stop(grace=10)
    assert mine(FOLLOW_KIND).status == "done"
    assert mine(BULK_KIND).status == "queued"


WORKER = """
import sys, time
from pathlib import Path
from sada.jobs.registry import Priority, handler

KIND, STARTED, DONE = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])


@handler(KIND, priority=Priority.INTERACTIVE - 100)
def work(db, workspace_id, payload):
    from sqlalchemy import text
    STARTED.write_text("started")
    end = time.monotonic() + float(payload["seconds"])
    while time.monotonic() < end:
        with db.transaction() as session:
            session.execute(text("SELECT 1"))
        time.sleep(0.05)
    with DONE.open("a") as out:
        out.write(f"{payload['n']}\\n")


from sada.cli.main import app

sys.argv = ["sada", "worker"]
app()
"""


def _start_worker(  # type: ignore[no-untyped-def]
    db, tmp_path: Path, kind: str, *, url: str | None = None, **env: str
) -> subprocess.Popen[bytes]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    full_env = {
        **os.environ,
        "SADA_DATABASE_URL": url or db.url,
        "SADA_ENVIRONMENT": "test",
        "SADA_JOB_POLL_INTERVAL": "0.1",
        **env,
    }
    _start_worker.started += 1  # type: ignore[attr-defined]
    return start_logged(
        [sys.executable, str(script), kind, str(tmp_path / "started"), str(tmp_path / "done")],
        tmp_path / f"worker-{_start_worker.started}.log",  # type: ignore[attr-defined]
        cwd=ROOT,
        env=full_env,
    )


_start_worker.started = 0  # type: ignore[attr-defined]


def _wait_for(predicate, timeout: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_hands_back_a_long_job_and_it_reruns_promptly(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    kind = f"test.sigterm.{uuid.uuid4().hex[:8]}"
    with db.transaction(workspace.id) as session:
        enqueue(session, kind, {"seconds": 120, "n": 1}, workspace_id=workspace.id)
    worker = _start_worker(db, tmp_path, kind, SADA_JOB_SHUTDOWN_GRACE_SECONDS="1")
    try:
        assert _wait_for((tmp_path / "started").exists, timeout=180), (
            "the worker never started the job"  # startup under a loaded CI machine is slow
        )
        (row,) = _rows(db, kind)
        assert row.status == "running" and row.attempts == 1
        sent = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        output = wait_output(worker, 30)
        assert worker.returncode == 0, output
        assert time.monotonic() - sent < 10
    finally:
        if worker.poll() is None:
            worker.kill()
    (row,) = _rows(db, kind)
    # Back in the queue at once, the interrupted attempt not counted, no lease left.
    assert row.status == "queued" and row.attempts == 0 and row.locked_by is None
    assert row.run_at <= utcnow()
    assert "handed back" in output

    # Another worker picks it up straight away (no 5-minute lease to wait out).
    with db.transaction() as session:
        session.execute(update(Job).where(Job.id == row.id).values(payload={"seconds": 0, "n": 1}))
    (tmp_path / "started").unlink()
    rerun = _start_worker(db, tmp_path, kind)
    try:
        assert _wait_for(lambda: _rows(db, kind)[0].status == "done", timeout=60)
    finally:
        rerun.send_signal(signal.SIGTERM)
        rerun.wait(timeout=30)
    assert (tmp_path / "done").read_text() == "1\n"


def test_sigterm_lets_a_short_job_finish(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    kind = f"test.sigterm_finish.{uuid.uuid4().hex[:8]}"
    with db.transaction(workspace.id) as session:
        enqueue(session, kind, {"seconds": 1.5, "n": 7}, workspace_id=workspace.id)
    worker = _start_worker(db, tmp_path, kind, SADA_JOB_SHUTDOWN_GRACE_SECONDS="30")
    try:
        assert _wait_for((tmp_path / "started").exists, timeout=180)
        worker.send_signal(signal.SIGTERM)
        output = wait_output(worker, 60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    (row,) = _rows(db, kind)
    assert row.status == "done" and row.attempts == 1
    assert (tmp_path / "done").read_text() == "7\n"


@pytest.mark.timeout(600)  # a loaded machine: start (up to 180 s) + 30 s outage + drain
def test_worker_survives_a_database_outage_and_drains_the_queue(pg_db, make_workspace, tmp_path):  # type: ignore[no-untyped-def]
    """A 30 s outage (through a loopback proxy): the worker lives on and drains the queue."""
    db = pg_db
    ws = make_workspace(db)
    kind = f"test.outage.{uuid.uuid4().hex[:8]}"
    total = 40
    with db.transaction(ws.id) as session:
        for n in range(total):
            enqueue(session, kind, {"seconds": 0.2, "n": n}, workspace_id=ws.id)
    with proxied(db.url) as proxy:
        worker = _start_worker(
            db, tmp_path, kind, url=proxy.url(db.url), SADA_JOB_SHUTDOWN_GRACE_SECONDS="5"
        )
        try:
            assert _wait_for((tmp_path / "started").exists, timeout=180), "never started"
            assert _wait_for(lambda: sum(r.status == "done" for r in _rows(db, kind)) >= 3)
            # Every connection of the worker is cut mid-job, and none can be made for 30 s.
            cut = proxy.outage(OUTAGE_SECONDS)
            ended = time.monotonic()
            assert cut >= 1 and proxy.refused >= 1, (cut, proxy.refused)
            assert worker.poll() is None, "the worker died with the database"

            def drained() -> bool:
                try:
                    return all(r.status == "done" for r in _rows(db, kind))
                except Exception:  # noqa: BLE001 - our own pool reconnects too
                    return False

            assert _wait_for(drained, timeout=120), [r.status for r in _rows(db, kind)]
            drained_after = time.monotonic() - ended
            assert worker.poll() is None, "the worker stopped after the outage"
        finally:
            output = stop(worker, 30)
    print(f"drained {drained_after:.1f} s after the outage")  # shown with -rP
    done = (tmp_path / "done").read_text().split()
    assert sorted(set(map(int, done))) == list(range(total))  # each ran (at least once)
    assert all(r.attempts <= 2 for r in _rows(db, kind))
    assert "handing it back" in output or "failed (retrying)" in output, output
    assert drained_after < 90, drained_after
