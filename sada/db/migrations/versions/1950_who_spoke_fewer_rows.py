"""interactions: who-spoke rows by channel and language and by neither, not by one of them

Ingest wrote each voice fact's who-spoke rows (`person_day_rollups`) for four dimension sets
(its channel and language, its channel and "*", "*" and its language, "*" and "*"), two spans
each, per kept zone: 8 rows per interaction and zone, the largest part of the applier's
writes. The channel-only and language-only rows go: a count of one channel now reads that
channel's rows of each of its languages (one language's: each channel's rows of that
language; `sada.interactions.rollups.distinct_people`), still one seek per value of the unique
key, and a count of distinct people is the same whichever way the rows are cut. This
migration deletes those rows (readers never ask for them any more, so it may run late;
the downgrade recomputes them from the rows kept).

Revision ID: 1950_who_spoke_fewer_rows
Revises: 1940_journey_person_changes
"""

from __future__ import annotations

from alembic import op

revision = "1950_who_spoke_fewer_rows"
down_revision = "1940_journey_person_changes"
branch_labels = None
depends_on = None

COLUMNS = "workspace_id, zone, channel, language, span, day, person_id"
# The rows no reader asks for any more: "*" in exactly one of channel and language.
DELETE_ONE_DIMENSION_ROWS = (
    "DELETE FROM person_day_rollups WHERE (channel = '*') <> (language = '*')"
)


def upgrade() -> None:
    op.execute(DELETE_ONE_DIMENSION_ROWS)


def downgrade() -> None:
    for channel, language in (("channel", "'*'"), ("'*'", "language")):
        op.execute(
            f"INSERT INTO person_day_rollups ({COLUMNS}) "
            f"SELECT DISTINCT workspace_id, zone, {channel}, {language}, span, day, person_id "
            "FROM person_day_rollups WHERE channel <> '*' AND language <> '*'"
        )
