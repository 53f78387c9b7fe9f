"""Enqueue, claim, run, renew and hand back jobs; dead letters and queue figures.

Enqueue writes a row in the caller's transaction. Workers claim the most urgent due job
(lowest priority number, then earliest `run_at`) under a lease they renew while the job
runs; a job whose worker died is claimed again when its lease runs out. A job that
failed `max_attempts` times is a dead letter (status "failed") until an admin retries
or discards it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from sada.core import tracing
from sada.core.errors import Invalid, NotFound
from sada.core.telemetry import JOB_DURATION, JOB_FAILURES, job_id, request_id
from sada.db.dialect import insert_ignoring_conflicts
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.backend import uses_procrastinate
from sada.jobs.models import Job, JobCursor
from sada.jobs.registry import Priority, get_handler, priority_name, priority_of

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
DEAD = "failed"
DEFERRED = "deferred"  # held by procrastinate (SADA_JOB_BACKEND=procrastinate), not claimable
# Statuses of a job that has not run yet, whatever the backend.
PENDING = ("queued", DEFERRED)


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    workspace_id: int | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 5,
    dedupe_key: str | None = None,
    priority: int | None = None,
) -> None:
    """Record a job in the caller's transaction: it exists iff the data it concerns does.

    `priority` overrides the one the kind declared (`@handler(..., priority=...)`).
    """
    now = utcnow()
    statement = (
        insert_ignoring_conflicts(session, Job.__table__, ["dedupe_key"])
        if dedupe_key
        else insert(Job)
    )
    level = priority_of(kind) if priority is None else int(priority)
    on_procrastinate = uses_procrastinate(session)
    insert_row = statement.values(
        dedupe_key=dedupe_key,
        workspace_id=workspace_id,
        kind=kind,
        payload=payload,
        status=DEFERRED if on_procrastinate else "queued",
        priority=level,
        run_at=run_at or now,
        attempts=0,
        max_attempts=max_attempts,
        created_at=now,
        request_id=request_id.get(),
    )
    if not on_procrastinate:
        session.execute(insert_row)
        return
    # procrastinate: its job is deferred on this connection, in this transaction.
    new_id = session.execute(insert_row.returning(Job.id)).scalar_one_or_none()
    if new_id is not None:  # None: the dedupe key exists, its job was deferred then
        from sada.jobs import procrastinate_backend

        procrastinate_backend.defer(
            session, new_id, priority=level, max_attempts=max_attempts, run_at=run_at
        )


def claim_next(
    db: Database,
    *,
    lease_seconds: int = 300,
    kinds: list[str] | None = None,
    worker_id: str = WORKER_ID,
    max_priority: int | None = None,
) -> Job | None:
    """Take the most urgent due job (queued, or running with an expired lease after a crash).

    `max_priority` keeps a worker to urgent work (e.g. FOLLOW_UP: never a long analysis job).
    """
    now = utcnow()
    due = and_(
        Job.run_at <= now,
        or_(Job.status == "queued", and_(Job.status == "running", Job.locked_until < now)),
    )
    with db.transaction() as session:
        query = select(Job).where(due).order_by(Job.priority, Job.run_at, Job.id).limit(1)
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        if max_priority is not None:
            query = query.where(Job.priority <= max_priority)
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        job = session.execute(query).scalar_one_or_none()
        if job is None:
            return None
        job.status = "running"
        job.attempts += 1
        job.locked_until = now + timedelta(seconds=lease_seconds)
        job.locked_by = worker_id
        job.started_at = now
        session.flush()
        session.expunge(job)
        return job


def renew_lease(
    db: Database, job: Job, *, lease_seconds: int = 300, worker_id: str = WORKER_ID
) -> bool:
    """Extend the lease of a job this worker still holds; False when it lost it."""
    with db.transaction() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == "running", Job.locked_by == worker_id)
            .values(locked_until=utcnow() + timedelta(seconds=lease_seconds))
        )
    return bool(getattr(result, "rowcount", 0))


def hand_back(
    db: Database, job: Job, *, delay_seconds: float = 0, worker_id: str = WORKER_ID
) -> bool:
    """Give a claimed job back to the queue unfinished, without counting the attempt.

    Used on shutdown and when the database went away under the job: another worker
    (or this one, later) runs it again; handlers are idempotent.
    """
    with db.transaction() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == "running", Job.locked_by == worker_id)
            .values(
                status="queued",
                attempts=func.max(Job.attempts - 1, 0)
                if db.is_sqlite
                else func.greatest(Job.attempts - 1, 0),
                run_at=utcnow() + timedelta(seconds=delay_seconds),
                locked_until=None,
                locked_by=None,
            )
        )
    return bool(getattr(result, "rowcount", 0))


def _connection_lost(db: Database, exc: BaseException) -> bool:
    """The database went away (terminated connection, server down), not the job's fault."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    # On PostgreSQL, OperationalError is about the server (connection refused, shutdown);
    # on SQLite it is mostly "database is locked", which counts as an attempt.
    return not db.is_sqlite and isinstance(exc, (OperationalError, InterfaceError))


def run_job(db: Database, job: Job, *, worker_id: str = WORKER_ID) -> bool:
    """Run one claimed job; return True when it succeeded.

    A job whose database connection broke under it is handed back (the attempt does not
    count); other errors are retried with backoff, then kept as a dead letter. Logs written
    while it runs carry its id and the id of the request that enqueued it.
    """
    handler = get_handler(job.kind)
    tokens = (request_id.set(job.request_id), job_id.set(job.id))
    started = time.perf_counter()
    outcome = "done"
    try:
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with tracing.job_span(job.kind, job.id, job.request_id):
                handler(db, job.workspace_id, dict(job.payload))
        except Exception as exc:  # noqa: BLE001 - a failing job must not kill the runner
            if _connection_lost(db, exc):
                outcome = "handed_back"
                log.warning(
                    "job %s (%s): database connection lost; handing it back", job.id, job.kind
                )
                hand_back(db, job, delay_seconds=1, worker_id=worker_id)
                return False
            JOB_FAILURES.labels(kind=job.kind).inc()
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
            final = job.attempts >= job.max_attempts or isinstance(exc, LookupError)
            outcome = "dead" if final else "retry"
            with db.transaction() as session:
                backoff = timedelta(seconds=min(3600, 2**job.attempts * 5))
                session.execute(
                    update(Job)
                    .where(Job.id == job.id)
                    .values(
                        status=DEAD if final else "queued",
                        run_at=utcnow() + backoff,
                        locked_until=None,
                        locked_by=None,
                        last_error=error,
                    )
                )
            return False
        with db.transaction() as session:
            session.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(status="done", finished_at=utcnow(), locked_until=None, last_error=None)
            )
        return True
    finally:
        JOB_DURATION.labels(kind=job.kind, outcome=outcome).observe(time.perf_counter() - started)
        request_id.reset(tokens[0])
        job_id.reset(tokens[1])


def run_pending(db: Database, *, limit: int | None = None, kinds: list[str] | None = None) -> int:
    """Run due jobs until none is left (or `limit`); returns how many ran."""
    count = 0
    while limit is None or count < limit:
        job = claim_next(db, kinds=kinds)
        if job is None:
            break
        run_job(db, job)
        count += 1
    return count


def counts_by_status(db: Database) -> dict[str, int]:
    with db.reader() as session:
        rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    return {status: int(n) for status, n in rows}


# ---------------------------------------------------------------- queue figures


@dataclass(frozen=True)
class QueueLevel:
    """Due work waiting at one priority level."""

    priority: str
    depth: int  # due jobs not yet taken (queued, or running with an expired lease)
    running: int
    oldest_seconds: float  # how long the oldest due job has been waiting


def queue_levels(db: Database, *, workspace_id: int | None = None) -> list[QueueLevel]:
    """Depth, jobs running and age of the oldest due job per priority level.

    All jobs by default (operators, metrics); one workspace's with `workspace_id` (its admins).
    """
    if uses_procrastinate(db):
        from sada.jobs import procrastinate_backend

        figures = procrastinate_backend.queue_figures(db, workspace_id=workspace_id)
        return [
            QueueLevel(
                level.name.lower(),
                figures.get(level.name.lower(), (0, 0, 0.0))[0],
                figures.get(level.name.lower(), (0, 0, 0.0))[1],
                round(figures.get(level.name.lower(), (0, 0, 0.0))[2], 1),
            )
            for level in Priority
        ]
    now = utcnow()
    mine = [Job.workspace_id == workspace_id] if workspace_id is not None else []
    with db.reader() as session:
        waiting = session.execute(
            select(Job.priority, func.count(), func.min(Job.run_at))
            .where(
                *mine,
                Job.run_at <= now,
                or_(
                    Job.status == "queued",
                    and_(Job.status == "running", Job.locked_until < now),
                ),
            )
            .group_by(Job.priority)
        ).all()
        running = session.execute(
            select(Job.priority, func.count())
            .where(*mine, Job.status == "running", Job.locked_until >= now)
            .group_by(Job.priority)
        ).all()
    levels: dict[str, dict[str, Any]] = {}
    for number, count, oldest in waiting:
        entry = levels.setdefault(priority_name(number), {"depth": 0, "running": 0, "oldest": 0.0})
        entry["depth"] += int(count)
        if oldest is not None:
            age = max(0.0, (now - oldest).total_seconds())
            entry["oldest"] = max(entry["oldest"], age)
    for number, count in running:
        entry = levels.setdefault(priority_name(number), {"depth": 0, "running": 0, "oldest": 0.0})
        entry["running"] += int(count)
    return [
        QueueLevel(
            level.name.lower(),
            levels.get(level.name.lower(), {}).get("depth", 0),
            levels.get(level.name.lower(), {}).get("running", 0),
            round(levels.get(level.name.lower(), {}).get("oldest", 0.0), 1),
        )
        for level in Priority
    ]


# ---------------------------------------------------------------- dead letters


def dead_jobs(db: Database, *, limit: int = 200, workspace_id: int | None = None) -> list[Job]:
    """Jobs that failed every attempt, newest first (of one workspace with `workspace_id`)."""
    mine = [Job.workspace_id == workspace_id] if workspace_id is not None else []
    with db.reader() as session:
        return list(
            session.execute(
                select(Job)
                .where(Job.status == DEAD, *mine)
                .order_by(Job.run_at.desc(), Job.id.desc())
                .limit(limit)
            ).scalars()
        )


def _dead(session: Session, job_id: int, workspace_id: int | None) -> Job:
    job = session.get(Job, job_id)
    if job is None or (workspace_id is not None and job.workspace_id != workspace_id):
        raise NotFound(f"job {job_id} not found")
    if job.status != DEAD:
        raise Invalid(f"job {job_id} is {job.status}, not a dead letter")
    return job


def retry_dead(db: Database, job_id: int, *, workspace_id: int | None = None) -> Job:
    """Queue a dead job again now, with a fresh set of attempts."""
    with db.transaction() as session:
        job = _dead(session, job_id, workspace_id)
        on_procrastinate = uses_procrastinate(db)
        job.status = DEFERRED if on_procrastinate else "queued"
        job.attempts = 0
        job.run_at = utcnow()
        job.locked_until = None
        job.locked_by = None
        session.flush()
        if on_procrastinate:  # a fresh procrastinate job, in this transaction
            from sada.jobs import procrastinate_backend

            procrastinate_backend.defer(
                session, job.id, priority=job.priority, max_attempts=job.max_attempts
            )
        session.expunge(job)
        return job


def discard_dead(db: Database, job_id: int, *, workspace_id: int | None = None) -> Job:
    """Delete a dead job for good (its error is logged, not kept); returns what it was."""
    with db.transaction() as session:
        job = _dead(session, job_id, workspace_id)
        session.expunge(job)
        log.info("discarding dead job %s (%s): %s", job.id, job.kind, job.last_error)
        session.execute(delete(Job).where(Job.id == job.id))
    return job


# ---------------------------------------------------------------- cursors


def read_cursor(session: Session, key: str) -> datetime | None:
    """Where the periodic job `key` stopped last time (None before its first run)."""
    row = session.get(JobCursor, key)
    return row.position if row is not None else None


def advance_cursor(
    session: Session, key: str, position: datetime, *, workspace_id: int | None = None
) -> None:
    """Record that the periodic job `key` covered everything up to `position`."""
    row = session.get(JobCursor, key)
    if row is None:
        session.add(
            JobCursor(key=key, workspace_id=workspace_id, position=position, updated_at=utcnow())
        )
    elif position > row.position:
        row.position = position
        row.updated_at = utcnow()
