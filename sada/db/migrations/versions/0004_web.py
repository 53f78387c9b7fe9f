"""web sign-in sessions, invitations, password resets

Revision ID: 0004_web
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sada.db.types

revision = "0004_web"
down_revision = "0001_foundation"
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_invitations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column(
            "invited_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("expires_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_web_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_web_invitations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_invitations_token_hash")),
    )
    with op.batch_alter_table("web_invitations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_web_invitations_ws_email", ["workspace_id", "email"], unique=False
        )

    op.create_table(
        "web_password_resets",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expires_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_password_resets_token_hash")),
    )
    with op.batch_alter_table("web_password_resets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_password_resets_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("last_seen_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_web_sessions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_user", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sessions_user")

    op.drop_table("web_sessions")
    with op.batch_alter_table("web_password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_password_resets_user_id"))

    op.drop_table("web_password_resets")
    with op.batch_alter_table("web_invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_web_invitations_ws_email")

    op.drop_table("web_invitations")
