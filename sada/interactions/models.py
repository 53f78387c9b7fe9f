"""The interaction log (append-only) and the touchpoint registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime

# Who produced an interaction: the outside party (customer, employee, fan...), an agent,
# Sada itself (rules, automation), or a historical import.
ORIGINS = ("customer", "agent", "system", "import")
# The voice of the customer: what text analysis, sentiment shares, pain points, drivers
# and every metric count by default (imported history is the outside party's voice too).
VOICE_ORIGINS = ("customer", "import")


class Touchpoint(Base, WorkspaceOwned, Timestamped):
    __tablename__ = "touchpoints"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    channel: Mapped[str | None] = mapped_column(String(50), nullable=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Interaction(Base, WorkspaceOwned):
    """One thing a person did or was told, on one channel, at one time.

    Rows are never edited except for `person_id` when people are merged or
    unmerged (recorded in person_merges). Derived data lives elsewhere.

    `origin` says who produced it (see `ORIGINS`); `backfill` marks history (imports, or
    older than the live window when it arrived): it feeds analytics, fires no live action.
    """

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "external_id"),
        Index("ix_interactions_ws_person_at", "workspace_id", "person_id", "occurred_at"),
        Index("ix_interactions_ws_at", "workspace_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    anonymous_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    channel: Mapped[str] = mapped_column(String(50), nullable=False)
    touchpoint_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("touchpoints.id", ondelete="SET NULL"), nullable=True
    )
    direction: Mapped[str] = mapped_column(String(10), nullable=False)
    type: Mapped[str] = mapped_column(String(50), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rating: Mapped[float | None] = mapped_column(Float, nullable=True)
    rating_scale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    agent_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    external_id: Mapped[str] = mapped_column(String(200), nullable=False)
    origin: Mapped[str] = mapped_column(
        String(16), nullable=False, default="customer", server_default=sql_text("'customer'")
    )
    backfill: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )


class IngestBatch(Base, WorkspaceOwned, Timestamped):
    """The ingest inbox: one accepted batch, stored durably before it is applied.

    The accept path validates, writes this row (with the job that applies it) in one
    short transaction and answers 202. The applier stores the interactions and marks
    the row `applied` in the same transaction, so a crash at any point applies each
    batch exactly once. `payload` is the accepted items as JSON text (written once,
    read once: no need for JSONB); `results` holds the per-item outcome once applied.
    """

    __tablename__ = "ingest_batches"
    __table_args__ = (Index("ix_ingest_batches_ws_status_id", "workspace_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="api")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    item_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    results: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class InteractionRollup(Base, WorkspaceOwned):
    """Counts per local day in one time zone, channel, language and voice, kept at write time.

    Ingest adds `n`/`texts` in the transaction that stores the interactions; text analysis
    adds `analysed` and the sentiment counts in the transaction that stores the analyses
    (subtracting a re-analysed text's previous label). Increments commute, so the counts
    are right whatever order concurrent transactions commit in. `voice` separates the
    outside party's voice (`VOICE_ORIGINS`, what the overview counts) from the rest.
    Only the zones listed in `rollup_zones` are kept; `sada metrics rebuild` recomputes all.
    Every row is also counted in the row of its day and channel whose language is "*" (all
    languages), so a read without a language filter takes one row per day and channel.
    """

    __tablename__ = "interaction_rollups"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id",
            "zone",
            "day",
            "channel",
            "language",
            "voice",
            name="uq_interaction_rollups_key",
        ),
        # Reads ask for one language (or "*") and the voice over a day range.
        Index(
            "ix_interaction_rollups_dims",
            "workspace_id",
            "zone",
            "language",
            "voice",
            "day",
            "channel",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    zone: Mapped[str] = mapped_column(String(64), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    channel: Mapped[str] = mapped_column(String(50), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    voice: Mapped[bool] = mapped_column(Boolean, nullable=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    texts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    analysed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    positive: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    neutral: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    negative: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# Months per row of `SpokeMonths` (one bit each; 60 keeps the mask a positive 64-bit integer).
ERA_MONTHS = 60


class SpokeMonths(Base, WorkspaceOwned):
    """Who spoke, per person: the local months of an era (60 months) as one bit mask.

    One row per (zone, channel, language, era, person) for the outside party's voice; bit
    `k` of `months` is month `era * 60 + k` counted from January of year 0 (`month_index`).
    Each fact is kept under four dimension sets (its channel and language; its channel and
    "*"; "*" and its language; "*" and "*", "*" standing for all), so a count with or
    without a channel or language filter reads one row per person.
    With `SpokeDays` (the days of each month), the overview counts the distinct people of
    any range of local days from about one row per person (`rollup_reads.distinct_people`),
    however many days and months they spoke on. Kept by ingest with
    `ON CONFLICT DO UPDATE SET months = months | excluded.months` (bits only ever added, so
    concurrent and out-of-order commits give the same rows); merges recompute a person's
    rows; `sada metrics rebuild` recomputes all. (Up to 1980: `person_day_rollups`, one row
    per person and day and per person and month.)
    """

    __tablename__ = "who_spoke_months"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id",
            "zone",
            "channel",
            "language",
            "era",
            "person_id",
            name="uq_who_spoke_months_key",
        ),
        Index("ix_who_spoke_months_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    zone: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(50), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    era: Mapped[int] = mapped_column(Integer, nullable=False)
    person_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    months: Mapped[int] = mapped_column(BigIntId, nullable=False)
    # The row's latest month (its highest bit in `months`) and that month's days (bit
    # `d - 1` for day `d`, as in `SpokeDays`): a range's edge month is most often a
    # person's latest one, and then the count reads its days here instead of probing
    # `who_spoke_days` (`rollup_reads.distinct_people`).
    latest: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    latest_days: Mapped[int] = mapped_column(Integer, nullable=False)


class SpokeDays(Base, WorkspaceOwned):
    """Who spoke, per person: the local days of one month as one bit mask (bit `d - 1` for
    day `d`). One row per (zone, channel, language, month, person), `month` the month's
    first day; read only for the days at the edges of a range (see `SpokeMonths`)."""

    __tablename__ = "who_spoke_days"
    __table_args__ = (
        # Led by the dimensions: ranges inside one or two months read a month's rows, and
        # the count's probes of one person's edge month seek the whole key.
        UniqueConstraint(
            "workspace_id",
            "zone",
            "channel",
            "language",
            "month",
            "person_id",
            name="uq_who_spoke_days_key",
        ),
        Index("ix_who_spoke_days_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    zone: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(50), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    month: Mapped[date] = mapped_column(Date, nullable=False)
    person_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)


class TopicRollup(Base, WorkspaceOwned):
    """Aspect and topic mentions per local day, zone, channel and language, by polarity.

    Kept by text analysis in the transaction that stores the analyses (a re-analysed text's
    previous mentions are subtracted), with increments that commute; `name` is an aspect or
    `#topic`. The example columns hold a recent interaction with that polarity (a hint for
    the overview's quotes, not a figure). `sada metrics rebuild` recomputes. Every mention
    is also counted with channel "*", language "*" and both (all channels / languages), so
    the topics panel reads one row per day and name whatever its filters.
    """

    __tablename__ = "topic_rollups"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id",
            "zone",
            "day",
            "channel",
            "language",
            "name",
            name="uq_topic_rollups_key",
        ),
        # Reads ask for one channel and one language (or "*") over a day range.
        Index(
            "ix_topic_rollups_dims",
            "workspace_id",
            "zone",
            "channel",
            "language",
            "day",
            "name",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    zone: Mapped[str] = mapped_column(String(64), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    channel: Mapped[str] = mapped_column(String(50), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    positive: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    neutral: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    negative: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mixed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    example_positive: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    example_negative: Mapped[int | None] = mapped_column(BigIntId, nullable=True)


class RollupZone(Base, WorkspaceOwned):
    """A time zone whose daily rollups a workspace keeps (complete since it was added)."""

    __tablename__ = "rollup_zones"
    __table_args__ = (UniqueConstraint("workspace_id", "zone"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    zone: Mapped[str] = mapped_column(String(64), nullable=False)
