"""interactions: each who-spoke month row keeps its latest month's days

`distinct_people` counts a range's people from one month row per person; a person whose
only months in the range are its edge months (the first and last, partly inside it) was
looked up in `who_spoke_days`, one probe of the unique key each. At 10M interactions a
channel-filtered 90-day overview made 6,534 such probes (33 ms of its 48-61 ms count).
The edge month is nearly always the person's latest month (the start edge for people who
have not spoken since, the end edge, the current month, for everyone), so the month row
now keeps `latest` (its highest month bit) and `latest_days` (that month's day bits), and
the count tests those instead of probing. The columns are filled from `who_spoke_days`
here (the latest day row of each person and era); writers keep them from now on.

Revision ID: 1990_who_spoke_latest
Revises: 1980_who_spoke_bitmaps
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1990_who_spoke_latest"
down_revision = "1980_who_spoke_bitmaps"
branch_labels = None
depends_on = None

ERA_MONTHS = 60  # as sada.interactions.models.ERA_MONTHS when written


def upgrade() -> None:
    op.add_column(
        "who_spoke_months",
        sa.Column("latest", sa.SmallInteger(), nullable=False, server_default="0"),
    )
    op.add_column(
        "who_spoke_months",
        sa.Column("latest_days", sa.Integer(), nullable=False, server_default="0"),
    )
    keys = ("workspace_id", "zone", "channel", "language", "era", "person_id")
    same = " AND ".join(f"who_spoke_months.{k} = x.{k}" for k in keys)
    if op.get_bind().dialect.name == "sqlite":
        index = (
            "(CAST(substr(month, 1, 4) AS integer) * 12 + CAST(substr(month, 6, 2) AS integer) - 1)"
        )
        # One max() aggregate: SQLite takes the bare `days` from the row holding it.
        latest = (
            f"SELECT workspace_id, zone, channel, language, {index} / {ERA_MONTHS} AS era, "
            f"person_id, max({index}) % {ERA_MONTHS} AS latest, days FROM who_spoke_days "
            f"GROUP BY workspace_id, zone, channel, language, {index} / {ERA_MONTHS}, person_id"
        )
    else:
        index = (
            "(CAST(EXTRACT(YEAR FROM month) AS integer) * 12 "
            "+ CAST(EXTRACT(MONTH FROM month) AS integer) - 1)"
        )
        latest = (
            "SELECT DISTINCT ON (workspace_id, zone, channel, language, era, person_id) "
            "workspace_id, zone, channel, language, era, person_id, latest, days FROM ("
            f"SELECT workspace_id, zone, channel, language, {index} / {ERA_MONTHS} AS era, "
            f"person_id, {index} % {ERA_MONTHS} AS latest, days, month FROM who_spoke_days) "
            "AS d ORDER BY workspace_id, zone, channel, language, era, person_id, month DESC"
        )
    op.execute(
        "UPDATE who_spoke_months SET latest = x.latest, latest_days = x.days "
        f"FROM ({latest}) AS x WHERE {same}"
    )
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("who_spoke_months", "latest", server_default=None)
        op.alter_column("who_spoke_months", "latest_days", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("who_spoke_months") as batch:
        batch.drop_column("latest_days")
        batch.drop_column("latest")
