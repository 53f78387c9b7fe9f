"""Workspaces (tenants), users and their roles, API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Scope(StrEnum):
    """What an API key may do. Every API route declares the one scope it needs.

    `ingest` is the public key kind (Segment, browser SDKs): it may only send events and
    identify people; nothing it can call returns stored data. The others are server keys.
    `read`, `write` and `admin` are the original bundles, kept for existing keys (see
    `LEGACY_SCOPES`).
    """

    INGEST = "ingest"
    READ_PEOPLE = "read:people"
    READ_ANALYTICS = "read:analytics"
    WRITE_DATA = "write:data"
    MANAGE_RULES = "manage:rules"
    MANAGE_WEBHOOKS = "manage:webhooks"
    REPLY = "reply"
    ADMIN = "admin"
    READ = "read"
    WRITE = "write"


# What each original bundle grants. A `write` key keeps ingest and data changes but no longer
# manages rules or webhooks or sends mail (reply, survey invitations) unless given those scopes.
LEGACY_SCOPES: dict[Scope, frozenset[Scope]] = {
    Scope.READ: frozenset({Scope.READ_PEOPLE, Scope.READ_ANALYTICS}),
    Scope.WRITE: frozenset(
        {Scope.INGEST, Scope.READ_PEOPLE, Scope.READ_ANALYTICS, Scope.WRITE_DATA}
    ),
    Scope.ADMIN: frozenset(Scope),
}


def granted_scopes(scopes: tuple[str, ...] | list[str]) -> frozenset[Scope]:
    """The fine-grained scopes a key's stored scope list grants."""
    out: set[Scope] = set()
    for name in scopes:
        try:
            scope = Scope(name)
        except ValueError:
            continue
        out |= LEGACY_SCOPES.get(scope, frozenset({scope}))
    return frozenset(out)


class Workspace(Base, Timestamped):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    default_language: Mapped[str] = mapped_column(String(16), nullable=False, default="en")
    languages: Mapped[list[str]] = mapped_column(
        JSONType, nullable=False, default=lambda: ["en", "ar", "fa", "zh"]
    )
    calendar: Mapped[str] = mapped_column(String(16), nullable=False, default="gregorian")
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class User(Base, Timestamped):
    """A person who signs in. Users are global; their roles are per workspace."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="en")
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    calendar: Mapped[str] = mapped_column(String(16), nullable=False, default="gregorian")
    digits: Mapped[str] = mapped_column(String(16), nullable=False, default="latin")
    is_active: Mapped[bool] = mapped_column(nullable=False, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Membership(Base, WorkspaceOwned, Timestamped):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)


class ApiKey(Base, WorkspaceOwned, Timestamped):
    """Only a SHA-256 of the secret part is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    prefix: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    # Browser origins (scheme://host[:port]) an ingest key may be used from; None: any.
    allowed_origins: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEvent(Base, WorkspaceOwned):
    """Who did what administrative action, when and from where."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_ws_at", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    actor_api_key_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True
    )
    actor_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    target_type: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    target_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
