"""People (one profile per person), their identities, reversible merges and segments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    HANDLE = "handle"  # namespace = social network
    EXTERNAL_ID = "external_id"  # namespace = source system
    ANONYMOUS_ID = "anonymous_id"  # namespace = source (e.g. segment)


# Other common names for the built-in audiences.
AUDIENCE_ALIASES = {
    "follower": "fan",
    "fans": "fan",
    "dealer": "partner",
    "distributor": "partner",
    "donor": "investor",
    "influencer": "media",
    "customers": "customer",
    "employees": "employee",
}

BUILTIN_AUDIENCES = (
    "customer",
    "prospect",
    "employee",
    "fan",
    "partner",
    "supplier",
    "investor",
    "media",
)


class Person(Base, WorkspaceOwned, Timestamped):
    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_ws_name_search", "workspace_id", "name_search"),
        Index("ix_people_ws_audience", "workspace_id", "audience"),
        Index("ix_people_ws_updated", "workspace_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Folded form of the name (case, Arabic/Persian letter variants, digits) for search.
    name_search: Mapped[str | None] = mapped_column(String(300), nullable=True)
    audience: Mapped[str] = mapped_column(String(50), nullable=False, default="customer")
    traits: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # Frequently filtered traits kept as real columns (grouping inside JSON is slow).
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    segment: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Set when this profile was merged into another; such a profile is hidden.
    merged_into_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )


class Identity(Base, WorkspaceOwned, Timestamped):
    """An identifier that resolves to exactly one person in a workspace."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "namespace", "value"),
        Index("ix_identities_person", "person_id"),
        Index("ix_identities_ws_value_search", "workspace_id", "value_search"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    namespace: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    value: Mapped[str] = mapped_column(String(320), nullable=False)
    value_search: Mapped[str] = mapped_column(String(320), nullable=False)


class AudienceType(Base, WorkspaceOwned, Timestamped):
    """A workspace-defined audience beyond the built-in ones."""

    __tablename__ = "audience_types"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(50), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class PersonMerge(Base, WorkspaceOwned, Timestamped):
    """A merge of `merged_id` into `survivor_id`, with what moved, so it can be undone."""

    __tablename__ = "person_merges"
    __table_args__ = (Index("ix_person_merges_ws_merged", "workspace_id", "merged_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    survivor_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    merged_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    moved_identity_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    moved_interaction_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    merged_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SuppressedIdentity(Base, WorkspaceOwned, Timestamped):
    """An identity of an erased person: events carrying it create nobody again.

    Only a keyed digest is kept (`sada.core.privacy.identity_digest`), never the identity.
    """

    __tablename__ = "suppressed_identities"
    __table_args__ = (UniqueConstraint("workspace_id", "digest"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    # The random id of the erasure that added it (the audit record carries the same id).
    erasure_id: Mapped[str] = mapped_column(String(40), nullable=False, default="")


CONSENT_CHANNELS = ("email", "sms", "whatsapp")
CONSENT_PURPOSES = ("surveys", "marketing", "notifications")


class Consent(Base, WorkspaceOwned):
    """A person's latest consent decision for one channel and purpose, with where it came from."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("workspace_id", "person_id", "channel", "purpose"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    granted: Mapped[bool] = mapped_column(nullable=False)
    source: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Segment(Base, WorkspaceOwned, Timestamped):
    """A named group of people defined by conditions (see `sada.people.segments`).

    `names` holds the name per UI language ({"en": ..., "fa": ...}; English, then any, is the
    fallback). Members are kept in `segment_members` by jobs; the refresh fields say how far
    the latest full refresh got, for the progress shown on the segment's page.
    """

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    names: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    member_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # idle | queued | running | done
    refresh_state: Mapped[str] = mapped_column(String(16), nullable=False, default="idle")
    refresh_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refresh_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SegmentMember(Base, WorkspaceOwned):
    """One person in one segment, since when (kept by `sada.people.membership`)."""

    __tablename__ = "segment_members"
    __table_args__ = (
        UniqueConstraint("segment_id", "person_id"),
        Index("ix_segment_members_ws_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    segment_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("segments.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
