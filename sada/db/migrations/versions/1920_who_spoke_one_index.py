"""interactions: the who-spoke rows' unique key led by their dimensions (one index, not two)

`person_day_rollups` kept two indexes over the same seven columns: the unique key, led by
(span, day), that `ON CONFLICT DO NOTHING` needs, and `ix_person_day_rollups_dims`, led by
(channel, language), that the distinct-people counts read (migration 1840). Ingest writes up
to 16 who-spoke rows per interaction (two spans x four dimension sets x the zones kept), each
into both. The unique key now has the dims index's column order, so one index serves the
conflict check and the reads (the same ranges in the same order), and the dims index goes:
one index write less per who-spoke row.

Revision ID: 1920_who_spoke_one_index
Revises: 1870_rollups_all_dimensions
"""

from __future__ import annotations

from alembic import op

revision = "1920_who_spoke_one_index"
down_revision = "1870_rollups_all_dimensions"
branch_labels = None
depends_on = None

TABLE = "person_day_rollups"
KEY = "uq_person_day_rollups_key"
OLD = ["workspace_id", "zone", "span", "day", "channel", "language", "person_id"]
NEW = ["workspace_id", "zone", "channel", "language", "span", "day", "person_id"]


def _swap(drop_index: bool, columns: list[str]) -> None:
    if drop_index:
        op.drop_index("ix_person_day_rollups_dims", table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":  # a table constraint: the table is rebuilt
        with op.batch_alter_table(TABLE) as batch:
            batch.drop_constraint(KEY, type_="unique")
            batch.create_unique_constraint(KEY, columns)
    else:
        op.drop_constraint(KEY, TABLE, type_="unique")
        op.create_unique_constraint(KEY, TABLE, columns)


def upgrade() -> None:
    _swap(True, NEW)


def downgrade() -> None:
    _swap(False, OLD)
    op.create_index("ix_person_day_rollups_dims", TABLE, NEW)
