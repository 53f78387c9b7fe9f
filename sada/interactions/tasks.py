"""Job handlers of the interaction log: the inbox applier."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sada.db.engine import Database
from sada.interactions.inbox import APPLY_JOB, apply_pending
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
