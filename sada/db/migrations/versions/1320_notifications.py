"""notifications: member notifications (a message key and params, read in each reader's language)

Revision ID: 1320_notifications
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "1320_notifications"
down_revision = "0001_foundation"
branch_labels = ("notifications",)
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "member_notifications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=64), nullable=False),
        sa.Column("params", _JSON, nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("read_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_member_notifications_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_notifications")),
    )
    op.create_index(
        "ix_member_notifications_unread",
        "member_notifications",
        ["workspace_id", "user_id", "read_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_member_notifications_unread", table_name="member_notifications")
    op.drop_table("member_notifications")
