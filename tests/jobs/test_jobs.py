"""Jobs: written with their data, retried with backoff, and crash-safe (kill -9 mid-job)."""

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
from sqlalchemy import func, select, update

from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.jobs.models import Job
from sada.jobs.registry import handler
from sada.jobs.service import claim_next, enqueue, run_job

ROOT = Path(__file__).resolve().parents[2]

FAIL_KIND = f"test.always_fails.{uuid.uuid4().hex[:8]}"


@handler(FAIL_KIND)
def _always_fails(db, workspace_id, payload):  # type: ignore[no-untyped-def]
    raise RuntimeError(f"boom {payload['n']}")


def item(external_id: str) -> dict:  # type: ignore[type-arg]
    return {
        "source": "jobs-test",
        "external_id": external_id,
        "occurred_at": "2026-05-01T10:00:00+03:30",
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "text": "پیام آزمایشی",
        "person": {"email": f"{external_id}@example.com"},
    }


def jobs_of(db, kind: str) -> list[Job]:  # type: ignore[no-untyped-def]
    with db.reader() as session:
        return list(session.execute(select(Job).where(Job.kind == kind)).scalars())


def effect_count(db, workspace_id: int, external_id: str) -> int:  # type: ignore[no-untyped-def]
    with db.reader(workspace_id) as session:
        return session.execute(
            select(func.count())
            .select_from(Interaction)
            .where(Interaction.source == "jobs-test", Interaction.external_id == external_id)
        ).scalar_one()


def test_job_commits_and_rolls_back_with_its_data(db, workspace):  # type: ignore[no-untyped-def]
    kind = f"test.with_data.{uuid.uuid4().hex[:8]}"
    with db.transaction(workspace.id) as session:
        ingest_batch(session, [item("kept")])
        enqueue(session, kind, {"what": "kept"}, workspace_id=workspace.id)
    with pytest.raises(RuntimeError), db.transaction(workspace.id) as session:
        ingest_batch(session, [item("lost")])
        enqueue(session, kind, {"what": "lost"}, workspace_id=workspace.id)
        raise RuntimeError("the request failed after enqueueing")
    assert [j.payload for j in jobs_of(db, kind)] == [{"what": "kept"}]
    assert effect_count(db, workspace.id, "kept") == 1
    assert effect_count(db, workspace.id, "lost") == 0


def test_failing_handler_retries_with_backoff_then_fails(db, workspace):  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as session:
        enqueue(session, FAIL_KIND, {"n": 7}, workspace_id=workspace.id, max_attempts=3)
    delays = []
    for attempt in (1, 2, 3):
        job = claim_next(db, kinds=[FAIL_KIND], lease_seconds=30)
        assert job is not None and job.attempts == attempt
        before = utcnow()
        assert run_job(db, job) is False
        (row,) = jobs_of(db, FAIL_KIND)
        assert row.last_error == "RuntimeError: boom 7"
        assert row.locked_until is None
        if attempt < 3:
            assert row.status == "queued"
            delays.append((row.run_at - before).total_seconds())
            # not due yet: nobody may claim it during the backoff
            assert claim_next(db, kinds=[FAIL_KIND]) is None
            with db.transaction() as session:
                session.execute(
                    update(Job)
                    .where(Job.id == row.id)
                    .values(run_at=utcnow() - timedelta(seconds=1))
                )
        else:
            assert row.status == "failed" and row.attempts == 3
    assert 9 <= delays[0] <= 11 and 19 <= delays[1] <= 21  # 5 s * 2**attempt
    assert claim_next(db, kinds=[FAIL_KIND]) is None


WORKER = """
import os, sys, time
from pathlib import Path
from sada.db.engine import open_database
from sada.interactions.ingest import ingest_batch
from sada.jobs.registry import handler
from sada.jobs.service import claim_next, run_job

KIND, URL, MARK, SLOW = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "slow"

@handler(KIND)
def effect(db, workspace_id, payload):
    # The effect: an idempotent ingest (fixed source + external_id), then slow work.
    with db.transaction(workspace_id) as session:
        ingest_batch(session, [payload["item"]])
    MARK.write_text("effect committed")
    if SLOW:
        time.sleep(60)

db = open_database(URL)
deadline = time.monotonic() + 45
while time.monotonic() < deadline:
    job = claim_next(db, kinds=[KIND], lease_seconds=10)
    if job is not None:
        print("ran", job.id, job.attempts, run_job(db, job), flush=True)
        break
    time.sleep(0.1)
"""


def test_worker_killed_mid_job_reruns_it_once_after_lease(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    kind = f"test.crash_effect.{uuid.uuid4().hex[:8]}"
    external_id = f"crash-{uuid.uuid4().hex[:8]}"
    with db.transaction(workspace.id) as session:
        enqueue(session, kind, {"item": item(external_id)}, workspace_id=workspace.id)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    mark = tmp_path / "mark"
    env = {**os.environ, "SADA_ENVIRONMENT": "test"}

    slow = subprocess.Popen(
        [sys.executable, str(script), kind, db.url, str(mark), "slow"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not mark.exists() and time.monotonic() < deadline and slow.poll() is None:
        time.sleep(0.02)
    assert mark.exists(), slow.stderr.read().decode() if slow.poll() is not None else "no effect"
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait()
    (job,) = jobs_of(db, kind)
    assert job.status == "running" and job.attempts == 1  # the crash lost nothing
    assert effect_count(db, workspace.id, external_id) == 1
    # Within the lease nobody else takes it (on a loaded machine the lease may already be over).
    if job.locked_until is not None and job.locked_until > utcnow() + timedelta(seconds=1):
        assert claim_next(db, kinds=[kind]) is None

    mark.unlink()
    rerun = subprocess.run(
        [sys.executable, str(script), kind, db.url, str(mark), "fast"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.split() == ["ran", str(job.id), "2", "True"]
    (job,) = jobs_of(db, kind)
    assert job.status == "done" and job.attempts == 2 and job.finished_at is not None
    assert effect_count(db, workspace.id, external_id) == 1
