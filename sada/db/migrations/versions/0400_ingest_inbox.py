"""interactions: the ingest inbox (accepted batches waiting for the applier)

Revision ID: 0400_ingest_inbox
Revises: 0010_origin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "0400_ingest_inbox"
down_revision = "0010_origin"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("actor", _json(), nullable=False),
        sa.Column("results", _json(), nullable=True),
        sa.Column("applied_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_ingest_batches_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batches")),
    )
    op.create_index(
        "ix_ingest_batches_ws_status_id",
        "ingest_batches",
        ["workspace_id", "status", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_ingest_batches_ws_status_id", table_name="ingest_batches")
    op.drop_table("ingest_batches")
