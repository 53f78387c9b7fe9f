"""Listening jobs: re-match after a brand changes, spike checks, feed polling.

Posts from listening's own sources (imports, feeds, the signed webhook, the posts API) are
matched in the transaction that stores them, so no job subscribes to every ingest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from sada.core.ssrf import HostPolicy
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.registry import handler
from sada.jobs.service import enqueue
from sada.listening import feeds, service
from sada.listening.models import ListeningFeed
from sada.settings import get_settings

POLL_JOB = "listening.poll"
POLL_SECONDS = 300


def feed_policy() -> HostPolicy:
    return HostPolicy.from_setting(get_settings().listening_allowed_hosts)


@handler(service.REMATCH_JOB)
def rematch(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        service.rematch_brand(session, int(payload["brand_id"]))


@handler(service.DETECT_JOB)
def detect(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        service.detect_recent(session)


def queue_poll(session: Any, workspace_id: int, at: datetime | None = None) -> None:
    """The next feed poll of a workspace (one per five-minute bucket)."""
    at = at or utcnow()
    bucket = int(at.timestamp() // POLL_SECONDS) + 1
    enqueue(
        session,
        POLL_JOB,
        {},
        workspace_id=workspace_id,
        run_at=datetime.fromtimestamp(bucket * POLL_SECONDS, tz=UTC),
        dedupe_key=f"{POLL_JOB}:{workspace_id}:{bucket}",
    )


@handler(POLL_JOB)
def poll(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Poll the due feeds, then schedule the next poll while any feed is active."""
    assert workspace_id is not None
    feeds.poll(db, workspace_id, feed_policy())
    with db.transaction(workspace_id) as session:
        active = session.execute(
            select(ListeningFeed.id).where(ListeningFeed.active.is_(True)).limit(1)
        ).first()
        if active is not None:
            queue_poll(session, workspace_id)
