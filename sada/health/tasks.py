"""Job handlers of customer health: rescore every person once a day."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.health import service
from sada.jobs.registry import Priority, handler
from sada.jobs.service import enqueue

REFRESH_JOB = "health.refresh"


@handler(REFRESH_JOB, priority=Priority.BULK)
def on_refresh(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Rescore the workspace, then schedule tomorrow's run (one pending run at a time)."""
    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        service.refresh(session)
        next_at = utcnow() + timedelta(days=1)
        enqueue(
            session,
            REFRESH_JOB,
            {},
            workspace_id=workspace_id,
            run_at=next_at,
            dedupe_key=f"health.refresh:{workspace_id}:{next_at.date().isoformat()}",
        )


@handler("health.train", priority=Priority.BULK)
def on_train(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Train the churn model on the workspace's history, then rescore everyone."""
    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        service.train_model(session)
        service.refresh(session)
