"""Background jobs of text understanding."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sada.db.engine import Database
from sada.events import publish
from sada.jobs.registry import Priority, handler

log = logging.getLogger(__name__)

MAX_IDS_PER_JOB = 10_000


@handler("text.analyze", on=("interaction.ingested",), history=True, priority=Priority.ANALYSIS)
def analyze_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Analyse interactions {"interaction_ids": [...]}; idempotent (upserts analyses).

    A payload without a workspace or with malformed ids is a permanent error:
    it raises ValueError and the runner records it after its retries.
    """
    if workspace_id is None:
        raise ValueError("text.analyze needs a workspace")
    raw = payload.get("interaction_ids") or []
    if not isinstance(raw, list):
        raise ValueError("interaction_ids must be a list")
    ids = []
    for value in raw[:MAX_IDS_PER_JOB]:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            log.warning("text.analyze: skipping bad interaction id %r", value)
    if not ids:
        return
    from sada.text.service import analyze_interactions

    live = bool(payload.get("live", True))
    # History may have been analysed in bulk already (demo seeding): not twice.
    if analyze_interactions(db, workspace_id, ids, skip_current=not live):
        # Rules on sentiment follow this event (live only; history feeds the read models).
        with db.transaction(workspace_id) as session:
            publish(
                session,
                "text.analyzed",
                {"interaction_ids": ids},
                live=live,
            )


@handler("text.themes", priority=Priority.BULK)
def themes_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Discover the workspace's themes since {"since": ISO datetime} and keep them."""
    if workspace_id is None:
        raise ValueError("text.themes needs a workspace")
    # Imported here, like the analysis above: the handler registry imports this module in
    # every worker, and theme discovery pulls in numpy, scipy and the text models.
    from sada.text.theme_store import run_discovery

    since = payload.get("since")
    run_discovery(db, workspace_id, since=datetime.fromisoformat(since) if since else None)
