"""interactions: per-day distinct people and topic rollups for the overview

Existing workspaces get them from `sada metrics rebuild` (until then the overview reads
the log for distinct people and topics).

Revision ID: 0450_overview_rollups
Revises: 0401_interaction_rollups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0450_overview_rollups"
down_revision = "0401_interaction_rollups"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "person_day_rollups",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("span", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("person_id", _id(), nullable=False),
        _fk("person_day_rollups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_day_rollups")),
        sa.UniqueConstraint(
            "workspace_id",
            "zone",
            "span",
            "day",
            "channel",
            "language",
            "person_id",
            name="uq_person_day_rollups_key",
        ),
    )
    op.create_index(
        "ix_person_day_rollups_person", "person_day_rollups", ["workspace_id", "person_id"]
    )
    op.create_table(
        "topic_rollups",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("mixed", sa.Integer(), nullable=False),
        sa.Column("example_positive", _id(), nullable=True),
        sa.Column("example_negative", _id(), nullable=True),
        _fk("topic_rollups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_rollups")),
        sa.UniqueConstraint(
            "workspace_id",
            "zone",
            "day",
            "channel",
            "language",
            "name",
            name="uq_topic_rollups_key",
        ),
    )


def downgrade() -> None:
    op.drop_table("topic_rollups")
    op.drop_index("ix_person_day_rollups_person", table_name="person_day_rollups")
    op.drop_table("person_day_rollups")
