"""Privacy jobs: retention policies applied once a day per workspace."""

from __future__ import annotations

from typing import Any

from sada.db.engine import Database
from sada.jobs.registry import handler
from sada.privacy import retention


@handler(retention.RETENTION_JOB)
def on_retention(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Apply the workspace's retention policies; schedules tomorrow's run (idempotent)."""
    if workspace_id is None:
        return
    retention.run(db, workspace_id)
