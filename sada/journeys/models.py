"""Tables of journeys: audiences, versioned journey maps and digital task definitions.

A journey map's content (stages, touchpoints, mapping rules) is stored as one JSON
document per version: versions are immutable snapshots, so an analysis can always
say which definition it used, and editing a map never rewrites history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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
from sada.db.types import BigIntId, JSONType, UTCDateTime, utcnow


class Audience(Base, WorkspaceOwned, Timestamped):
    """An audience the workspace serves; people belong to it through `Person.audience == key`."""

    __tablename__ = "journey_audiences"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(50), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    rank: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    owner_user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # nps | enps | csat | ces | custom (custom uses `measure_scale`, e.g. "scale10").
    measure: Mapped[str | None] = mapped_column(String(16), nullable=True)
    measure_scale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class JourneyMap(Base, WorkspaceOwned, Timestamped):
    __tablename__ = "journey_maps"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_journey_maps_ws_audience", "workspace_id", "audience_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    audience_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("journey_audiences.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    template: Mapped[str | None] = mapped_column(String(50), nullable=True)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class JourneyMapVersion(Base, WorkspaceOwned, Timestamped):
    """One immutable version of a map's definition (see schemas.JourneyDefinition)."""

    __tablename__ = "journey_map_versions"
    __table_args__ = (UniqueConstraint("workspace_id", "map_id", "version"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    map_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("journey_maps.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class JourneyTask(Base, WorkspaceOwned, Timestamped):
    """A digital task: starts with an event matching `start`, succeeds with one matching `end`."""

    __tablename__ = "journey_tasks"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # Mapping rules (schemas.Rule as dicts): start, success end, optional error events.
    start_rule: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    end_rule: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    error_rule: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    timeout_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)


class JourneyDataVersion(Base):
    """A per-workspace counter of changes to what the journey pages read.

    Database triggers (migration 1850) raise it in the same transaction as every insert,
    delete or relevant update of interactions, people and text analyses, whoever writes them
    (ingest, analysis, merges, erasure, bulk loads), so a commit that changes the figures
    also changes the counter. `sada.journeys.pagecache` keys computed page data on it. No
    foreign key: the triggers still write while a workspace's rows are cascade-deleted.
    """

    __tablename__ = "journey_data_versions"

    workspace_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class JourneyPersonChange(Base):
    """The people a change of `journey_data_versions` touched, under the version it raised.

    Written by the same triggers (migration 1940): an interaction's person (before and after
    an update, so a merge names both), a person row, a text analysis's interaction's person.
    `sada.journeys.incremental` recomputes only these people's share of a page. Pruned by the
    triggers to the last 20,000 versions of each workspace."""

    __tablename__ = "journey_person_changes"

    workspace_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)


class JourneyPendingTx(Base):
    """A transaction that changed what the journey pages read, until it commits (PostgreSQL).

    The triggers (migration 1970) note here each workspace a transaction writes to, and a
    deferred constraint trigger on this table raises `journey_data_versions` once per
    workspace at commit and deletes the row: the counter's lock is taken last and held only
    for the commit, so two writers never deadlock on it. Empty outside transactions; unused
    on SQLite (one writer at a time: its triggers raise the counter directly)."""

    __tablename__ = "journey_pending_tx"

    txid: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    workspace_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)


class JourneyPending(Base):
    """The people a not-yet-committed transaction's journey changes touched (PostgreSQL).

    Moved to `journey_person_changes` under the new counter value at commit (migration 1970)."""

    __tablename__ = "journey_pending"

    txid: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    workspace_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
