"""cases: the agent workspace (snooze, @mentions, case title templates, contact channel)

Revision ID: 0700_agent_workspace
Revises: 0013_rule_history
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "0700_agent_workspace"
down_revision = "0013_rule_history"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "note_mentions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("note_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=True),
        sa.Column("case_id", _ID, nullable=True),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_note_mentions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_note_mentions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["internal_notes.id"],
            name=op.f("fk_note_mentions_note_id_internal_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_note_mentions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_note_mentions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_mentions")),
        sa.UniqueConstraint(
            "workspace_id",
            "note_id",
            "user_id",
            name=op.f("uq_note_mentions_workspace_id_note_id_user_id"),
        ),
    )
    op.create_index("ix_note_mentions_user", "note_mentions", ["workspace_id", "user_id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("snoozed_until", sada.db.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("title_key", sa.String(length=60), nullable=True))
        batch.add_column(
            sa.Column(
                "title_params",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("contact_channel", sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("contact_channel")
        batch.drop_column("title_params")
        batch.drop_column("title_key")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("snoozed_until")
    op.drop_index("ix_note_mentions_user", table_name="note_mentions")
    op.drop_table("note_mentions")
