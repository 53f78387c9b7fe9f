"""Durable job rows, written in the same transaction as the data they concern."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped
from sada.db.types import BigIntId, JSONType, UTCDateTime


class Job(Base, Timestamped):
    """Not WorkspaceOwned on purpose: the runner claims jobs across workspaces.

    Handlers receive the workspace id and open a session bound to it.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "priority", "run_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # queued -> running -> done; or back to queued for a retry; "failed" is a dead letter.
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    # Lower runs first (sada.jobs.registry.Priority); declared per kind, overridable per job.
    priority: Mapped[int] = mapped_column(
        Integer, nullable=False, default=20, server_default=text("20")
    )
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # When the latest attempt was claimed: its wait is started_at - run_at.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The id of the HTTP request (or job) that enqueued this job, carried into its logs.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Optional idempotency key: enqueueing the same key twice makes one job.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)


class JobCursor(Base):
    """Where a periodic job stopped ("automation.tick:12" -> the end of its last window).

    The next run continues from here, so a late queue never runs overlapping windows.
    """

    __tablename__ = "job_cursors"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )
    position: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
