"""interactions: daily rollups kept at write time, and the zones they are kept in

Existing workspaces have no zones yet (their dashboards read the log directly until
`sada metrics rebuild` computes their rollups).

Revision ID: 0401_interaction_rollups
Revises: 0400_ingest_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0401_interaction_rollups"
down_revision = "0400_ingest_inbox"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "interaction_rollups",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("voice", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("texts", sa.Integer(), nullable=False),
        sa.Column("analysed", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interaction_rollups_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interaction_rollups")),
        sa.UniqueConstraint(
            "workspace_id",
            "zone",
            "day",
            "channel",
            "language",
            "voice",
            name="uq_interaction_rollups_key",
        ),
    )
    op.create_table(
        "rollup_zones",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_rollup_zones_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_zones")),
        sa.UniqueConstraint("workspace_id", "zone", name=op.f("uq_rollup_zones_workspace_id_zone")),
    )


def downgrade() -> None:
    op.drop_table("rollup_zones")
    op.drop_table("interaction_rollups")
