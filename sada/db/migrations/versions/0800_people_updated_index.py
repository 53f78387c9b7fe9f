"""people: an index for the people list sorted by last update (keyset pages)

Revision ID: 0800_people_updated_index
Revises: 0001_foundation
"""

from __future__ import annotations

from alembic import op

revision = "0800_people_updated_index"
down_revision = "0001_foundation"
branch_labels = ("firsthour",)
depends_on = None


def upgrade() -> None:
    op.create_index("ix_people_ws_updated", "people", ["workspace_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_people_ws_updated", table_name="people")
