"""Tables of the web app: sign-in sessions, invitations and password resets.

Only SHA-256 hashes of the random tokens are stored, like API keys: a copy of
the database does not let anyone sign in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, UTCDateTime


class WebSession(Base, Timestamped):
    """A signed-in browser. Deleting the row signs it out everywhere at once."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    # The workspace the user is looking at; users may belong to several.
    workspace_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str] = mapped_column(String(300), nullable=False, default="")


class Invitation(Base, WorkspaceOwned, Timestamped):
    """An email invited to join a workspace with a role, until it expires or is used."""

    __tablename__ = "web_invitations"
    __table_args__ = (Index("ix_web_invitations_ws_email", "workspace_id", "email"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PasswordReset(Base, Timestamped):
    """A one-time link sent by email; users are global, so this row is too."""

    __tablename__ = "web_password_resets"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
