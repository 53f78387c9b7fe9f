"""interactions: who-spoke rollups indexed by their dimensions first

The overview's distinct-people count asks for one channel and one language (or `*`) over
day ranges; the unique key leads with (span, day), so such a count walked every channel and
language variant of the range. This index leads with (channel, language): each range reads
only the rows asked for (a 12-month count on 3.6M synthetic rows: 139 → 24 ms CPU on SQLite).

Revision ID: 1840_who_spoke_dims_index
Revises: 0450_overview_rollups
"""

from __future__ import annotations

from alembic import op

revision = "1840_who_spoke_dims_index"
down_revision = "0450_overview_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_person_day_rollups_dims",
        "person_day_rollups",
        ["workspace_id", "zone", "channel", "language", "span", "day", "person_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_person_day_rollups_dims", table_name="person_day_rollups")
