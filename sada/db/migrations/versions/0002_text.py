"""text understanding: analyses, workspace topics and brands, embedding cache

Revision ID: 0002_text
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "0002_text"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "text_embeddings",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        _workspace_fk("text_embeddings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_embeddings")),
        sa.UniqueConstraint(
            "workspace_id",
            "model",
            "text_hash",
            name=op.f("uq_text_embeddings_workspace_id_model_text_hash"),
        ),
    )
    op.create_table(
        "text_topics",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("examples", _json(), nullable=False),
        sa.Column("keywords", _json(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        _workspace_fk("text_topics"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_topics")),
        sa.UniqueConstraint(
            "workspace_id", "kind", "name", name=op.f("uq_text_topics_workspace_id_kind_name")
        ),
    )
    op.create_table(
        "text_analyses",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("interaction_id", _id(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("script", sa.String(length=8), nullable=False),
        sa.Column("language_confidence", sa.Float(), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("scores", _json(), nullable=False),
        sa.Column("sentences", _json(), nullable=False),
        sa.Column("aspects", _json(), nullable=False),
        sa.Column("topics", _json(), nullable=False),
        sa.Column("mentions", _json(), nullable=False),
        sa.Column("pii", _json(), nullable=False),
        sa.Column("redacted_text", sa.Text(), nullable=True),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=200), nullable=False),
        sa.Column("analyzed_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_text_analyses_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        _workspace_fk("text_analyses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_analyses")),
        sa.UniqueConstraint(
            "workspace_id",
            "interaction_id",
            name=op.f("uq_text_analyses_workspace_id_interaction_id"),
        ),
    )
    with op.batch_alter_table("text_analyses") as batch:
        batch.create_index(
            "ix_text_analyses_ws_analyzed_at", ["workspace_id", "analyzed_at"], unique=False
        )
        batch.create_index(
            "ix_text_analyses_ws_sentiment", ["workspace_id", "sentiment"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("text_analyses") as batch:
        batch.drop_index("ix_text_analyses_ws_sentiment")
        batch.drop_index("ix_text_analyses_ws_analyzed_at")
    op.drop_table("text_analyses")
    op.drop_table("text_topics")
    op.drop_table("text_embeddings")
