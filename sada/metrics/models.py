"""Rollups: per survey, metric, local day and one dimension value, the sums metrics need.

`hi`/`mid`/`lo` are the classified counts (NPS promoters/passives/detractors,
CSAT top-2/middle/bottom, CES easy/neutral/difficult); `total` and `total_sq`
give means and variances. A response adds one row per dimension
(`all`, segment, audience, channel, touchpoint, language, agent); the day is the
response's completion date in the workspace's time zone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, WorkspaceOwned
from sada.db.types import BigIntId


class MetricRollup(Base, WorkspaceOwned):
    __tablename__ = "metric_rollups"
    __table_args__ = (
        UniqueConstraint("workspace_id", "survey_id", "metric", "dim", "value", "day"),
        Index("ix_metric_rollups_ws_metric_dim_day", "workspace_id", "metric", "dim", "day"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False
    )
    metric: Mapped[str] = mapped_column(String(8), nullable=False)
    dim: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[str] = mapped_column(String(320), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    hi: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    mid: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lo: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    total_sq: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
