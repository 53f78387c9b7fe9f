"""segments: segment definitions and their members

Revision ID: 1400_segments
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "1400_segments"
down_revision = "0001_foundation"
branch_labels = ("segments",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("names", _JSON, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("definition", _JSON, nullable=False),
        sa.Column("updated_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("refresh_state", sa.String(length=16), nullable=False),
        sa.Column("refresh_done", sa.Integer(), nullable=False),
        sa.Column("refresh_total", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_segments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_segments_workspace_id_key")),
    )
    op.create_table(
        "segment_members",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("segment_id", _ID, nullable=False),
        sa.Column("person_id", _ID, nullable=False),
        sa.Column("since", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_segment_members_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segments.id"],
            name=op.f("fk_segment_members_segment_id_segments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_segment_members_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_members")),
        sa.UniqueConstraint(
            "segment_id", "person_id", name=op.f("uq_segment_members_segment_id_person_id")
        ),
    )
    op.create_index(
        "ix_segment_members_ws_person", "segment_members", ["workspace_id", "person_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_segment_members_ws_person", table_name="segment_members")
    op.drop_table("segment_members")
    op.drop_table("segments")
