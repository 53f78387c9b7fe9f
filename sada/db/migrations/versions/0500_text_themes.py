"""text: discovered themes kept across runs (analysts' renames and merges)

Revision ID: 0500_text_themes
Revises: 0012_text_corrections
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "0500_text_themes"
down_revision = "0012_text_corrections"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "text_themes",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("custom_label", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("phrases", _json(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("negative_share", sa.Float(), nullable=False),
        sa.Column("examples", _json(), nullable=False),
        sa.Column("interaction_ids", _json(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=False),
        sa.Column("merged_into_id", _id(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("discovered_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["text_themes.id"],
            name=op.f("fk_text_themes_merged_into_id_text_themes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_text_themes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_themes")),
    )
    op.create_index(
        "ix_text_themes_ws_merged_into",
        "text_themes",
        ["workspace_id", "merged_into_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_text_themes_ws_merged_into", table_name="text_themes")
    op.drop_table("text_themes")
