"""Tables of text understanding: analyses, workspace topics and brands, embedding cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime, utcnow


class TextAnalysis(Base, WorkspaceOwned):
    """The analysis of one interaction's text; derived, rebuilt by `sada text reanalyze`."""

    __tablename__ = "text_analyses"
    __table_args__ = (
        UniqueConstraint("workspace_id", "interaction_id"),
        Index("ix_text_analyses_ws_sentiment", "workspace_id", "sentiment"),
        Index("ix_text_analyses_ws_analyzed_at", "workspace_id", "analyzed_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    )
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    script: Mapped[str] = mapped_column(String(8), nullable=False)
    language_confidence: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    sentiment: Mapped[str] = mapped_column(String(16), nullable=False)
    sentiment_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    uncertain: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    sentences: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    aspects: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    topics: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    mentions: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    pii: Mapped[list[Any]] = mapped_column(JSONType, nullable=False, default=list)
    redacted_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    model_version: Mapped[str] = mapped_column(String(200), nullable=False)
    analyzed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TextTopic(Base, WorkspaceOwned, Timestamped):
    """A workspace-defined topic, brand or competitor.

    `kind` is "topic", "brand" or "competitor". Topics match by keyword rules
    and, when embeddings are available, by similarity to their examples in any
    language; brands and competitors match by their name and aliases (`keywords`).
    """

    __tablename__ = "text_topics"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="topic")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    examples: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class TextEmbedding(Base, WorkspaceOwned):
    """Embedding cache keyed by the SHA-256 of the text and the model name."""

    __tablename__ = "text_embeddings"
    __table_args__ = (UniqueConstraint("workspace_id", "model", "text_hash"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(100), nullable=False)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # float16, little endian
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TextCorrection(Base, WorkspaceOwned):
    """An analyst's correction of a label (the text's sentiment, or one aspect's polarity).

    Kept apart from the analysis (which is derived and rebuilt): corrections survive
    re-analysis, show in the API beside the model's label, and are exported as labelled
    data for evaluation and retraining (`sada text corrections`).
    """

    __tablename__ = "text_corrections"
    __table_args__ = (UniqueConstraint("workspace_id", "interaction_id", "target"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    )
    target: Mapped[str] = mapped_column(String(120), nullable=False)  # sentiment | aspect:<name>
    label: Mapped[str] = mapped_column(String(16), nullable=False)
    model_label: Mapped[str | None] = mapped_column(String(16), nullable=True)
    corrected_by: Mapped[str] = mapped_column(String(200), nullable=False)
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TextTheme(Base, WorkspaceOwned):
    """A discovered theme, kept so that an analyst's rename and merges survive re-runs.

    Each discovery run matches its clusters to the kept themes by centroid
    similarity: a match updates size, examples and members but keeps
    `custom_label` and `merged_into_id`; a cluster without a match becomes a new
    theme. A theme merged into another shows under that one.
    """

    __tablename__ = "text_themes"
    __table_args__ = (Index("ix_text_themes_ws_merged_into", "workspace_id", "merged_into_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    custom_label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="und")
    phrases: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    negative_share: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    examples: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    interaction_ids: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    centroid: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # float16
    merged_into_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("text_themes.id", ondelete="SET NULL"), nullable=True
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
