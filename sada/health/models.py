"""Tables of customer health: the workspace's churn definition, trained models, stored scores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime, utcnow

DEFAULT_REPORTING = "USD"


class HealthSettings(Base, WorkspaceOwned):
    """How this workspace defines churn.

    `contract`: a cancellation (interaction types in `churn_types`) ends the relationship;
    `behavioural`: no activity for `inactivity_days`. `horizon_days` is how far ahead risk looks.
    """

    __tablename__ = "health_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    churn_kind: Mapped[str] = mapped_column(String(16), nullable=False, default="contract")
    churn_types: Mapped[list[str]] = mapped_column(
        JSONType, nullable=False, default=lambda: ["cancel", "churn"]
    )
    inactivity_days: Mapped[int] = mapped_column(Integer, nullable=False, default=90)
    horizon_days: Mapped[int] = mapped_column(Integer, nullable=False, default=90)
    # Every money figure of health is in this currency (see `money.py`).
    reporting_currency: Mapped[str] = mapped_column(
        String(3), nullable=False, default=DEFAULT_REPORTING, server_default=DEFAULT_REPORTING
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class HealthModel(Base, WorkspaceOwned):
    """One training run: weights, holdout figures and the model card, or why it was not used."""

    __tablename__ = "health_models"
    __table_args__ = (Index("ix_health_models_ws_trained", "workspace_id", "trained_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # active | too_few | weak
    card: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class HealthScore(Base, WorkspaceOwned):
    """The latest score of one person (rebuilt by the `health.refresh` job)."""

    __tablename__ = "health_scores"
    __table_args__ = (
        UniqueConstraint("workspace_id", "person_id"),
        Index("ix_health_scores_ws_risk", "workspace_id", "risk"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=False
    )
    score: Mapped[float] = mapped_column(Float, nullable=False)
    risk: Mapped[float] = mapped_column(Float, nullable=False)
    band: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    model: Mapped[str] = mapped_column(String(16), nullable=False)
    factors: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CurrencyRate(Base, WorkspaceOwned):
    """One rate the admin loaded: 1 `currency` = `rate` reporting currency from `valid_from`
    (until the next rate of the same currency)."""

    __tablename__ = "health_currency_rates"
    __table_args__ = (UniqueConstraint("workspace_id", "currency", "valid_from"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    currency: Mapped[str] = mapped_column(String(8), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    rate: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class HealthReport(Base, WorkspaceOwned):
    """What the refresh job worked out for the whole workspace, kept for the pages: `actions`
    (the evidence behind next-best-action suggestions) and `revenue_at_risk`."""

    __tablename__ = "health_reports"
    __table_args__ = (UniqueConstraint("workspace_id", "kind"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
