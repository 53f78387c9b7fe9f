"""text: analysts' corrections of sentiment and aspect labels

Revision ID: 0012_text_corrections
Revises: 0002_text
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sada.db.types

revision = "0012_text_corrections"
down_revision = "0002_text"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "text_corrections",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("interaction_id", _id(), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("model_label", sa.String(length=16), nullable=True),
        sa.Column("corrected_by", sa.String(length=200), nullable=False),
        sa.Column("corrected_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_text_corrections_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_text_corrections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_corrections")),
        sa.UniqueConstraint(
            "workspace_id",
            "interaction_id",
            "target",
            name=op.f("uq_text_corrections_workspace_id_interaction_id_target"),
        ),
    )


def downgrade() -> None:
    op.drop_table("text_corrections")
