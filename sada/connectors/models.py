"""Tables the connectors own: accounts (companies) that tools such as Segment `group` report.

An account is first-class: its own traits, and the people who belong to it
(`AccountMember`). A person merge moves memberships (see `sada.connectors.accounts`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime


class Account(Base, WorkspaceOwned, Timestamped):
    """A company or account as an outside tool knows it (Segment groupId)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "source", "external_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    external_id: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    traits: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AccountMember(Base, WorkspaceOwned, Timestamped):
    """A person belongs to an account."""

    __tablename__ = "account_members"
    __table_args__ = (
        UniqueConstraint("account_id", "person_id"),
        Index("ix_account_members_ws_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
