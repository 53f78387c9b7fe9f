"""The embedded default's two job lanes: urgent work never waits behind a long job.

`create_app` runs jobs in process in two lanes (`sada.jobs.runner.LanedRunner`). Until
2026-11-30 it ran one runner thread: an ingest apply (INTERACTIVE) waited for a 30-60 s text
analysis to end, and at 20 events/s on SQLite batches piled up (bench/RESULTS.md). These tests
run the real app, the real ingest endpoint and the real applier beside a slow job of a kind
registered here, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from sada.app import create_app
from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.jobs.models import Job, JobCursor
from sada.jobs.registry import Priority, handler
from sada.jobs.runner import EMBEDDED_LANES, InProcessRunner, LanedRunner
from sada.jobs.service import advance_cursor, claim_next, enqueue, run_job
from sada.settings import Settings
from sada.tenants.models import Workspace

TAG = uuid.uuid4().hex[:8]
SLOW_KIND = f"test.lanes.slow.{TAG}"  # stands for a long text analysis
BUSY_KIND = f"test.lanes.busy.{TAG}"  # a long job that writes all along
URGENT_KIND = f"test.lanes.urgent.{TAG}"  # a short urgent job that writes
URL = "/api/v1/interactions:batch"

RELEASE = threading.Event()
STARTED = threading.Event()
RUNS: Counter[str] = Counter()  # urgent job payload id -> times it ran


@handler(SLOW_KIND, priority=Priority.ANALYSIS)
def _slow(db: Database, workspace_id: int | None, payload: dict) -> None:
    """Holds its lane until the test releases it (60 s at most), reading like an analysis."""
    STARTED.set()
    deadline = time.monotonic() + 60
    while not RELEASE.wait(0.05) and time.monotonic() < deadline:
        with db.reader(workspace_id) as session:
            session.execute(text("SELECT 1"))


@handler(BUSY_KIND, priority=Priority.BULK)
def _busy(db: Database, workspace_id: int | None, payload: dict) -> None:
    """A bulk job that writes in many short transactions for `seconds`."""
    STARTED.set()
    end = time.monotonic() + float(payload["seconds"])
    while time.monotonic() < end:
        with db.transaction() as session:
            advance_cursor(session, f"lanes-{TAG}-{payload['n']}", _now())
        time.sleep(0.005)


@handler(URGENT_KIND, priority=Priority.INTERACTIVE)
def _urgent(db: Database, workspace_id: int | None, payload: dict) -> None:
    with db.transaction() as session:
        advance_cursor(session, f"lanes-{TAG}-u{payload['n']}", _now())
    RUNS[str(payload["n"])] += 1


def _now():  # type: ignore[no-untyped-def]
    from sada.db.types import utcnow

    return utcnow()


def _item(i: int) -> dict:
    return {
        "source": f"lanes-{TAG}",
        "external_id": f"e{i}",
        "occurred_at": "2026-05-01T10:00:00Z",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": "The courier was late again",
        "person": {"email": f"lanes{i}@example.com"},
    }


def _stored(db: Database, workspace: Workspace) -> int:
    with db.reader(workspace.id) as session:
        return int(session.execute(select(func.count()).select_from(Interaction)).scalar_one())


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@contextmanager
def _released() -> Iterator[None]:
    RELEASE.clear()
    STARTED.clear()
    try:
        yield
    finally:
        RELEASE.set()  # the slow job ends, so the lanes stop within their grace


def test_ingest_is_applied_while_a_long_job_holds_a_lane(  # type: ignore[no-untyped-def]
    db, workspace, settings: Settings, make_key
):
    """Fails on the single runner thread: the apply waited for the slow job (up to 60 s)."""
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'write')}"}
    with db.transaction(workspace.id) as session:
        enqueue(session, SLOW_KIND, {}, workspace_id=workspace.id)
    app = create_app(settings, db=db, migrate=False, run_jobs=True)
    runner = app.state.services.runner
    RELEASE.clear()
    STARTED.clear()
    with TestClient(app) as client:
        try:
            assert STARTED.wait(30), "the slow job never started"
            lanes = client.get("/readyz").json()["job_lanes"]
            assert lanes == {"urgent": "idle", "all": SLOW_KIND}, lanes
            began = time.monotonic()
            answer = client.post(URL, json={"items": [_item(i) for i in range(5)]}, headers=headers)
            assert answer.status_code == 202, answer.text
            applied = _wait(lambda: _stored(db, workspace) == 5, 5)
            waited = time.monotonic() - began
            assert applied, f"ingest not applied in 5 s while the slow job ran ({waited:.1f} s)"
            assert not RELEASE.is_set() and runner.status()["all"] == SLOW_KIND
            with db.reader() as session:
                lockers = set(
                    session.execute(
                        select(Job.locked_by).where(
                            Job.workspace_id == workspace.id, Job.kind == "interactions.apply"
                        )
                    ).scalars()
                )
            assert lockers and all(str(who).endswith("/urgent") for who in lockers), lockers
        finally:
            # No lane claims the analysis the apply enqueued; then the slow job may end.
            for lane in runner.lanes.values():
                lane.request_stop()
            RELEASE.set()
    # The lifespan stopped both lanes.
    assert runner.status() == {"urgent": "stopped", "all": "stopped"}


def test_two_lanes_share_the_write_lock_without_errors(db, workspace):  # type: ignore[no-untyped-def]
    """SQLite has one writer: a bulk job writing all along (one lane) and 60 urgent writing
    jobs (the other, and the first lane between its jobs) must queue for the lock, not fail
    with "database is locked"; and no job runs twice (each claim is one transaction)."""
    RUNS.clear()
    with db.transaction(workspace.id) as session:
        enqueue(session, BUSY_KIND, {"seconds": 3, "n": 0}, workspace_id=workspace.id)
    runner = LanedRunner(db, poll_interval=0.02, lease_seconds=30, worker_id=f"lanes-{TAG}")
    with _released():
        runner.start()
        try:
            assert STARTED.wait(30), "the bulk job never started"
            for n in range(60):
                with db.transaction(workspace.id) as session:
                    enqueue(session, URGENT_KIND, {"n": n}, workspace_id=workspace.id)
                runner.wake()
                time.sleep(0.01)

            def finished() -> bool:
                with db.reader() as session:
                    return not session.execute(
                        select(func.count()).where(
                            Job.kind.in_((BUSY_KIND, URGENT_KIND)), Job.status != "done"
                        )
                    ).scalar_one()

            assert _wait(finished, 60), "the jobs did not finish"
        finally:
            runner.stop(grace=10)
    with db.reader() as session:
        rows = session.execute(
            select(Job.kind, Job.attempts, Job.last_error, Job.locked_by).where(
                Job.kind.in_((BUSY_KIND, URGENT_KIND))
            )
        ).all()
        cursors = session.execute(
            select(func.count()).where(JobCursor.key.like(f"lanes-{TAG}-u%"))
        ).scalar_one()
    assert len(rows) == 61 and cursors == 60
    assert [r for r in rows if r.attempts != 1 or r.last_error] == []
    assert sorted(RUNS.values()) == [1] * 60  # each ran once
    lanes = Counter(str(r.locked_by).rsplit("/", 1)[1] for r in rows if r.kind == URGENT_KIND)
    assert lanes["urgent"] > 0  # the urgent lane ran them while the bulk job held "all"


def test_stopping_hands_back_what_runs_past_one_shared_grace(db, workspace):  # type: ignore[no-untyped-def]
    """Both lanes stop claiming at once and share one grace: a job still running after it is
    handed back (queued, the attempt not counted), and the stop takes one grace, not two."""
    assert [lane.name for lane in EMBEDDED_LANES] == ["urgent", "all"]
    with db.transaction(workspace.id) as session:
        enqueue(session, SLOW_KIND, {}, workspace_id=workspace.id)
    runner = LanedRunner(db, poll_interval=0.02, lease_seconds=30, worker_id=f"stop-{TAG}")
    with _released():
        runner.start()
        assert STARTED.wait(30), "the slow job never started"
        assert runner.status() == {"urgent": "idle", "all": SLOW_KIND}
        began = time.monotonic()
        runner.stop(grace=1.0)
        took = time.monotonic() - began
        with db.reader() as session:
            job = session.execute(
                select(Job).where(Job.kind == SLOW_KIND, Job.workspace_id == workspace.id)
            ).scalar_one()
        assert (job.status, job.attempts, job.locked_by) == ("queued", 0, None)
        assert runner.status() == {"urgent": "stopped", "all": "stopped"}
    assert 0.9 < took < 3.0, took


def test_a_job_that_ended_during_the_renewal_lost_no_lease(db, workspace, caplog):  # type: ignore[no-untyped-def]
    """The lease beat reads the running job, then renews it; with two lanes the renewal may
    wait for SQLite's write lock while the job ends. That is no lost lease (the soak logged
    three false "lease lost" warnings in 10 minutes); a job taken over while it runs is."""
    with db.transaction(workspace.id) as session:
        enqueue(session, URGENT_KIND, {"n": "renew"}, workspace_id=workspace.id)
    runner = InProcessRunner(db, lease_seconds=3, worker_id=f"renew-{TAG}")
    job = claim_next(db, worker_id=runner.worker_id, kinds=[URGENT_KIND])
    assert job is not None
    assert run_job(db, job, worker_id=runner.worker_id)  # ended: done, lease given up
    with caplog.at_level(logging.WARNING, logger="sada.jobs.runner"):
        runner.renew(job)
    assert "lease lost" not in caplog.text

    with db.transaction(workspace.id) as session:
        enqueue(session, SLOW_KIND, {}, workspace_id=workspace.id)
    runner = InProcessRunner(db, poll_interval=0.02, lease_seconds=3, worker_id=f"renew-{TAG}")
    with _released(), caplog.at_level(logging.WARNING, logger="sada.jobs.runner"):
        runner.start()
        try:
            assert STARTED.wait(30), "the slow job never started"
            with db.transaction() as session:  # another worker takes it over
                session.execute(
                    update(Job)
                    .where(Job.kind == SLOW_KIND, Job.workspace_id == workspace.id)
                    .values(locked_by="someone-else")
                )
            assert _wait(lambda: "lease lost" in caplog.text, 10), caplog.text
        finally:
            runner.request_stop()
            RELEASE.set()
            runner.join(10)
