"""Tables of saved views and scheduled reports.

- `saved_views`: an analytic page path and its query string (period, comparison, filters), a
  name (and optional names per language), owned by one user and shared with nobody, a team or
  the whole workspace.
- `report_schedules`: when a saved view is mailed (daily, weekly on a weekday, monthly on a
  day), at which local time, in the workspace's zone or each recipient's, to whom.
- `report_deliveries`: one row per schedule, period and recipient: what makes a retried job
  send nothing twice, and what the page shows as the last run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime, utcnow

SHARES = ("private", "team", "workspace")
FREQUENCIES = ("daily", "weekly", "monthly")
ZONE_MODES = ("workspace", "recipient")
DELIVERY_STATUSES = ("sending", "sent", "failed")


class SavedView(Base, WorkspaceOwned, Timestamped):
    """A page and its query string, under a name; only its owner or an admin changes it."""

    __tablename__ = "saved_views"
    __table_args__ = (Index("ix_saved_views_workspace_owner", "workspace_id", "owner_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # Optional names per UI language ({"fa": "...", "zh": "..."}), shown instead of `name`.
    names: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    query: Mapped[str] = mapped_column(String(2000), nullable=False, default="")
    share: Mapped[str] = mapped_column(String(16), nullable=False, default="private")
    team_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ReportSchedule(Base, WorkspaceOwned, Timestamped):
    """When and to whom a saved view is mailed.

    `recipients` is a list of `{"user_id": n}` (members: their own language and zone) and
    `{"email": "...", "language": "fa"}` (addresses outside the workspace). `zones` keeps the
    next run per time zone (one zone unless `zone_mode` is "recipient").
    """

    __tablename__ = "report_schedules"
    __table_args__ = (Index("ix_report_schedules_workspace_view", "workspace_id", "view_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    view_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("saved_views.id", ondelete="CASCADE"), nullable=False
    )
    owner_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    frequency: Mapped[str] = mapped_column(String(16), nullable=False, default="weekly")
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)  # Monday 0 ... Sunday 6
    day_of_month: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1 ... 28
    at_time: Mapped[str] = mapped_column(String(5), nullable=False, default="08:00")
    zone_mode: Mapped[str] = mapped_column(String(16), nullable=False, default="workspace")
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    next_runs: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ReportDelivery(Base, WorkspaceOwned):
    """One mail of one period of a schedule to one recipient (sent at most once)."""

    __tablename__ = "report_deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "schedule_id", "period_key", "recipient"),
        Index("ix_report_deliveries_workspace_schedule_at", "workspace_id", "schedule_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    schedule_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("report_schedules.id", ondelete="CASCADE"), nullable=False
    )
    period_key: Mapped[str] = mapped_column(String(100), nullable=False)
    recipient: Mapped[str] = mapped_column(String(320), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="en")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="sending")
    attachments: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
