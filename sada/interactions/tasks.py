"""Job handlers of the interaction log: the inbox applier and its pruner."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sada.db.engine import Database
from sada.interactions.inbox import (
    APPLY_JOB,
    PRUNE_JOB,
    apply_pending,
    ensure_prune_job,
    prune_applied,
)
from sada.interactions.service import IngestLimits
from sada.jobs.registry import Priority, handler
from sada.settings import get_settings


def limits_from_settings() -> IngestLimits:
    settings = get_settings()
    return IngestLimits(
        max_items=settings.max_batch_items,
        max_text_bytes=settings.max_text_bytes,
        live_window=timedelta(days=settings.live_window_days),
    )


@handler(APPLY_JOB, priority=Priority.INTERACTIVE)
def apply_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Apply the workspace's pending inbox batches ({"batch_id": ...} is one of them).

    Idempotent: a batch is applied and marked in one transaction, so a re-run (after a
    crash or a lease expiry) finds nothing left to do for it.
    """
    if workspace_id is None:
        return
    apply_pending(db, workspace_id, limits_from_settings())


@handler(PRUNE_JOB, priority=Priority.BULK)
def prune_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Empty the workspace's applied batches past `ingest_batch_retention_days`, in bounded
    transactions; re-enqueued for the next day while applied batches remain (idempotent)."""
    if workspace_id is None:
        return
    from sqlalchemy import select

    from sada.interactions.models import IngestBatch

    _done, more = prune_applied(
        db, workspace_id, keep_days=get_settings().ingest_batch_retention_days
    )
    with db.transaction(workspace_id) as session:
        if more:  # a backlog: the next step soon, not tomorrow
            from sada.db.types import utcnow
            from sada.jobs.service import enqueue

            minute = int(utcnow().timestamp() // 60)
            key = f"inbox-prune:{workspace_id}:next:{minute}"
            enqueue(session, PRUNE_JOB, {}, workspace_id=workspace_id, dedupe_key=key)
        elif session.execute(
            select(IngestBatch.id).where(IngestBatch.status == "applied").limit(1)
        ).first():
            ensure_prune_job(session)
