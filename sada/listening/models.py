"""Tables of social listening: brands, mentions, daily rollups, feeds and detected spikes.

Days are the workspace's local days (`ListeningState.zone`, its time zone when the rollups
were built; a change of time zone rebuilds them). A post is an ordinary interaction (channel = the network); what listening adds is which brands
it mentions (`listening_mentions`, one row per post and brand, with the sentiment of the clause
about that brand), a daily rollup per brand, language and aspect that the overview reads
(`listening_days`), the RSS/Atom feeds it polls, and the spikes it has announced.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, EncryptedText, JSONType, UTCDateTime, utcnow

BRAND_KINDS = ("own", "competitor")
ALL_ASPECTS = ""  # the rollup row of a brand, day and language over every aspect


class ListeningBrand(Base, WorkspaceOwned, Timestamped):
    """A brand of the workspace (`own`) or a competitor, with aliases in every script and
    exclusions (phrases in which an alias is a common word, not the brand)."""

    __tablename__ = "listening_brands"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="own")
    aliases: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    exclude: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ListeningMention(Base, WorkspaceOwned):
    """One brand in one post: the clause about it, its sentiment and aspects, the post's reach."""

    __tablename__ = "listening_mentions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "interaction_id", "brand_id"),
        Index("ix_listening_mentions_workspace_brand_at", "workspace_id", "brand_id", "at"),
        Index("ix_listening_mentions_workspace_at", "workspace_id", "at"),
        Index("ix_listening_mentions_workspace_reach", "workspace_id", "reach"),
        Index("ix_listening_mentions_workspace_author", "workspace_id", "author"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    )
    brand_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("listening_brands.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    author: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    network: Mapped[str] = mapped_column(String(40), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    sentiment: Mapped[str] = mapped_column(String(16), nullable=False, default="neutral")
    aspects: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    clause: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reach: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    engagement: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    needs_answer: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    backfill: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ListeningDay(Base, WorkspaceOwned):
    """Counts of one brand on one day in one language, for one aspect or all (`aspect` = "")."""

    __tablename__ = "listening_days"
    __table_args__ = (UniqueConstraint("workspace_id", "brand_id", "day", "language", "aspect"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    brand_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("listening_brands.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    aspect: Mapped[str] = mapped_column(String(40), nullable=False, default=ALL_ASPECTS)
    mentions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    positive: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    negative: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reach: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class ListeningFeed(Base, WorkspaceOwned, Timestamped):
    """An RSS or Atom feed polled on a schedule with conditional requests."""

    __tablename__ = "listening_feeds"
    __table_args__ = (UniqueConstraint("workspace_id", "url"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    network: Mapped[str] = mapped_column(String(40), nullable=False, default="web")
    interval_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ListeningSpike(Base, WorkspaceOwned):
    """A spike announced once (`listening.spike`): a brand's volume or negative share on a day."""

    __tablename__ = "listening_spikes"
    __table_args__ = (UniqueConstraint("workspace_id", "brand_id", "day", "metric"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    brand_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("listening_brands.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    metric: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    expected: Mapped[float] = mapped_column(Float, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ListeningHook(Base, WorkspaceOwned, Timestamped):
    """A generic signed webhook that receives posts (Standard Webhooks signatures)."""

    __tablename__ = "listening_hooks"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    network: Mapped[str] = mapped_column(String(40), nullable=False, default="other")
    secret: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ListeningState(Base, WorkspaceOwned):
    """The time zone whose local days the workspace's rollups (`listening_days`,
    `listening_terms`) are kept in: the workspace's zone, rebuilt when that changes."""

    __tablename__ = "listening_state"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    zone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ListeningTerm(Base, WorkspaceOwned):
    """Posts of one local day and language that contain a term (folded key; `label` is the
    first spelling seen, as written). The term "" counts every post of the day and language."""

    __tablename__ = "listening_terms"
    # Language before day: a period's terms of one language are one range of the index.
    __table_args__ = (
        UniqueConstraint("workspace_id", "language", "day", "term"),
        # Covering the period sums (no table lookups): rising terms read only this index.
        Index("ix_listening_terms_cover", "workspace_id", "language", "day", "term", "posts"),
        # Covering one term's days: the previous period's counts and the labels of the rising
        # terms are index seeks per term, not another pass over the period's rows.
        Index("ix_listening_terms_term", "workspace_id", "language", "term", "day", "posts"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    term: Mapped[str] = mapped_column(String(100), nullable=False)
    label: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    posts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ListeningAccount(Base, WorkspaceOwned, Timestamped):
    """The workspace's credentials on a network (`x`: a bearer or user-context token;
    `telegram`: a bot token), encrypted at rest, and the API's address (the public one unless
    the admin points it elsewhere, e.g. a proxy the SSRF allow-list admits)."""

    __tablename__ = "listening_accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "network"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(40), nullable=False)
    token: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    api_base: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ListeningXSearch(Base, WorkspaceOwned, Timestamped):
    """A live X source: recent search for `query`, polled on a schedule from `since_id` on;
    after a 429 it waits until the reset the API announced (`resume_at`)."""

    __tablename__ = "listening_x_searches"
    __table_args__ = (UniqueConstraint("workspace_id", "query"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    query: Mapped[str] = mapped_column(String(1024), nullable=False)
    interval_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=15)
    since_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    resume_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
