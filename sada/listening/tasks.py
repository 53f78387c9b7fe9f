"""Listening jobs: re-match after a brand changes, spike checks, feed polling, rebuilding
the rollups in a new time zone.

Posts from listening's own sources (imports, feeds, the signed webhook, the posts API) are
matched in the transaction that stores them, so no job subscribes to every ingest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from sada.core.ssrf import HostPolicy
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.registry import Priority, handler
from sada.jobs.service import enqueue
from sada.listening import days, feeds, replies, service, xsearch
from sada.listening.models import ListeningFeed
from sada.settings import get_settings

__all__ = ["replies", "xsearch"]  # their job handlers register on import

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
        service.queue_rezone(session)
        service.detect_recent(session)


@handler(days.REZONE_JOB, priority=Priority.BULK)
def rezone(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """The workspace's time zone changed: rebuild the daily rollups in the new one."""
    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        service.rezone(session)


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
