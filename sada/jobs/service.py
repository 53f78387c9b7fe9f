"""Enqueue and claim jobs. Enqueue writes a row in the caller's transaction."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from sada.db.dialect import insert_ignoring_conflicts
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.models import Job
from sada.jobs.registry import get_handler

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    workspace_id: int | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 5,
    dedupe_key: str | None = None,
) -> None:
    """Record a job in the caller's transaction: it exists iff the data it concerns does."""
    now = utcnow()
    statement = (
        insert_ignoring_conflicts(session, Job.__table__, ["dedupe_key"])
        if dedupe_key
        else insert(Job)
    )
    session.execute(
        statement.values(
            dedupe_key=dedupe_key,
            workspace_id=workspace_id,
            kind=kind,
            payload=payload,
            status="queued",
            run_at=run_at or now,
            attempts=0,
            max_attempts=max_attempts,
            created_at=now,
        )
    )


def claim_next(
    db: Database, *, lease_seconds: int = 300, kinds: list[str] | None = None
) -> Job | None:
    """Take one due job (queued, or running with an expired lease after a crash)."""
    now = utcnow()
    due = and_(
        Job.run_at <= now,
        or_(Job.status == "queued", and_(Job.status == "running", Job.locked_until < now)),
    )
    with db.transaction() as session:
        query = select(Job).where(due).order_by(Job.run_at, Job.id).limit(1)
        if kinds:
            query = query.where(Job.kind.in_(kinds))
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        job = session.execute(query).scalar_one_or_none()
        if job is None:
            return None
        job.status = "running"
        job.attempts += 1
        job.locked_until = now + timedelta(seconds=lease_seconds)
        job.locked_by = WORKER_ID
        session.flush()
        session.expunge(job)
        return job


def run_job(db: Database, job: Job) -> bool:
    """Run one claimed job; return True when it succeeded."""
    handler = get_handler(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        handler(db, job.workspace_id, dict(job.payload))
    except Exception as exc:  # noqa: BLE001 - a failing job must not kill the runner
        log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
        with db.transaction() as session:
            final = job.attempts >= job.max_attempts or isinstance(exc, LookupError)
            backoff = timedelta(seconds=min(3600, 2**job.attempts * 5))
            session.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(
                    status="failed" if final else "queued",
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
    from sqlalchemy import func

    with db.reader() as session:
        rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    return {status: int(n) for status, n in rows}
