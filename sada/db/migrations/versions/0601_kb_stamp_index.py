"""selfservice: an index that answers the search index's freshness stamp without reading rows

Revision ID: 0601_kb_stamp_index
Revises: 0600_selfservice
"""

from __future__ import annotations

from alembic import op

revision = "0601_kb_stamp_index"
down_revision = "0600_selfservice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_versions") as batch:
        batch.create_index(
            "ix_kb_versions_ws_stamp",
            ["workspace_id", "published_at", "changed_at", "embedding_model"],
            unique=False,
        )
    op.execute(
        "UPDATE kb_versions SET embedding_model = NULL WHERE embedding IS NULL"
        " AND embedding_model IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("kb_versions") as batch:
        batch.drop_index("ix_kb_versions_ws_stamp")
