"""listening: indexes for top authors (by reach, by author)

Revision ID: 0901_listening_indexes
Revises: 0900_listening
"""

from __future__ import annotations

from alembic import op

revision = "0901_listening_indexes"
down_revision = "0900_listening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listening_mentions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_listening_mentions_workspace_reach", ["workspace_id", "reach"], unique=False
        )
        batch_op.create_index(
            "ix_listening_mentions_workspace_author", ["workspace_id", "author"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("listening_mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_listening_mentions_workspace_author")
        batch_op.drop_index("ix_listening_mentions_workspace_reach")
