"""The `member_notifications` table: what a member of a workspace is told about.

The text is not stored: `message` is a key (`mention`, `assignment`, ...) and `params` its
values; the pages render it through the catalogs in the reader's language. (The older
`notifications` table of the automation domain keeps the English rule alerts it always had.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime

KINDS = ("mention", "assignment", "alert", "sla_warning", "sla_breach", "report")


class MemberNotification(Base, WorkspaceOwned, Timestamped):
    """One notification for one member (a user of the workspace)."""

    __tablename__ = "member_notifications"
    __table_args__ = (
        # The bell's unread count and the list (unread first, newest first).
        Index("ix_member_notifications_unread", "workspace_id", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(String(64), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
