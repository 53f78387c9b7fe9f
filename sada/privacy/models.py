"""Privacy requests (exports and erasures) and retention policies.

Consent records live with people (`sada.people.models.Consent`): surveys and notifications,
which sit below this domain, read them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime


class RequestKind(StrEnum):
    EXPORT = "export"
    ERASE = "erase"


class PrivacyRequest(Base, WorkspaceOwned, Timestamped):
    """One export or erasure. An erasure keeps no personal data: its random `request_id`,
    the counts of what was removed, and who asked. An export remembers the file it wrote
    so that erasing the person later deletes it too."""

    __tablename__ = "privacy_requests"
    __table_args__ = (
        UniqueConstraint("workspace_id", "request_id"),
        Index("ix_privacy_requests_ws_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # Set for exports until the person is erased; never set for erasures.
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    actor_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class RetentionKind(StrEnum):
    INTERACTION_TEXTS = "interaction_texts"
    SURVEY_RESPONSES = "survey_responses"
    JOB_PAYLOADS = "job_payloads"
    WEBHOOK_LOGS = "webhook_logs"
    CHAT_TRANSCRIPTS = "chat_transcripts"


class RetentionAction(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"


class RetentionPolicy(Base, WorkspaceOwned, Timestamped):
    """Delete or anonymise one kind of data of a workspace once it is `days` old."""

    __tablename__ = "retention_policies"
    __table_args__ = (UniqueConstraint("workspace_id", "kind"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False, default="delete")
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_counts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
