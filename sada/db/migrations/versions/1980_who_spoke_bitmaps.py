"""interactions: who spoke as bit masks per person (months of an era, days of a month)

`person_day_rollups` kept one row per person and local day and per person and month (per
zone, by channel and language and by neither): 57 million rows for 10 million interactions,
and a year's distinct-people count read one index entry per person and month (1.2 million
at 10M, 1.2 s). They become two tables of bit masks (`sada.interactions.models.SpokeMonths`,
`SpokeDays`): one row per person and era of 60 months, one per person and month, so that a
count reads about one row per person; they are kept under the channel-only and
language-only dimension sets again (dropped by 1950 to save rows), so a filtered count reads
one row per person too. The rows are carried over (month rows -> month bits, day rows -> day
bits, the one-dimension sets from the rows by channel and language) in SQL; the old table
goes. The downgrade expands the bits of the old table's two dimension sets again.

Revision ID: 1980_who_spoke_bitmaps
Revises: 1970_journey_version_at_commit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1980_who_spoke_bitmaps"
down_revision = "1970_journey_version_at_commit"
branch_labels = None
depends_on = None

ERA_MONTHS = 60  # as sada.interactions.models.ERA_MONTHS when written


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def _create(table: str, span: str, span_type: sa.types.TypeEngine, bits: str) -> None:
    """Unique key led by the dimensions (a range's rows; the probes of one person's row),
    and an index by person (merges, erasure)."""
    op.create_table(
        table,
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column(span, span_type, nullable=False),
        sa.Column("person_id", _id(), nullable=False),
        sa.Column(bits, _id() if bits == "months" else sa.Integer(), nullable=False),
        _fk(table),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint(
            "workspace_id",
            "zone",
            "channel",
            "language",
            span,
            "person_id",
            name=f"uq_{table}_key",
        ),
    )
    op.create_index(f"ix_{table}_person", table, ["workspace_id", "person_id"])


def upgrade() -> None:
    _create("who_spoke_months", "era", sa.Integer(), "months")
    _create("who_spoke_days", "month", sa.Date(), "days")
    keys = "workspace_id, zone, channel, language"
    if op.get_bind().dialect.name == "sqlite":
        month = "substr(day, 1, 8) || '01'"
        day_bit = "1 << (CAST(substr(day, 9, 2) AS integer) - 1)"
        index = "(CAST(substr(day, 1, 4) AS integer) * 12 + CAST(substr(day, 6, 2) AS integer) - 1)"
        month_bit = f"1 << ({index} % {ERA_MONTHS})"
        # Distinct powers of two add up to their OR (SQLite has no bit_or aggregate).
        day_or, month_or = f"sum(DISTINCT {day_bit})", f"sum(DISTINCT {month_bit})"
    else:
        month = "CAST(date_trunc('month', day) AS date)"
        day_or = "bit_or(1 << (CAST(EXTRACT(DAY FROM day) AS integer) - 1))"
        index = (
            "(CAST(EXTRACT(YEAR FROM day) AS integer) * 12 "
            "+ CAST(EXTRACT(MONTH FROM day) AS integer) - 1)"
        )
        month_or = f"bit_or(CAST(1 AS bigint) << ({index} % {ERA_MONTHS}))"
    # The old rows by channel and language and by neither, plus the one-dimension sets
    # (channel and "*", "*" and language) that the masks keep too.
    own = "channel <> '*' AND language <> '*'"
    rows = (
        "SELECT workspace_id, zone, channel, language, span, day, person_id "
        "FROM person_day_rollups UNION ALL "
        "SELECT workspace_id, zone, channel, '*', span, day, person_id "
        f"FROM person_day_rollups WHERE {own} UNION ALL "
        "SELECT workspace_id, zone, '*', language, span, day, person_id "
        f"FROM person_day_rollups WHERE {own}"
    )
    op.execute(
        f"INSERT INTO who_spoke_days ({keys}, month, person_id, days) "
        f"SELECT {keys}, {month}, person_id, {day_or} FROM ({rows}) AS r "
        f"WHERE span = 'd' GROUP BY {keys}, {month}, person_id"
    )
    op.execute(
        f"INSERT INTO who_spoke_months ({keys}, era, person_id, months) "
        f"SELECT {keys}, {index} / {ERA_MONTHS}, person_id, {month_or} FROM ({rows}) AS r "
        f"WHERE span = 'm' GROUP BY {keys}, {index} / {ERA_MONTHS}, person_id"
    )
    op.drop_index("ix_person_day_rollups_person", table_name="person_day_rollups")
    op.drop_table("person_day_rollups")


def downgrade() -> None:
    op.create_table(
        "person_day_rollups",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("span", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("person_id", _id(), nullable=False),
        _fk("person_day_rollups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_day_rollups")),
        sa.UniqueConstraint(
            "workspace_id",
            "zone",
            "channel",
            "language",
            "span",
            "day",
            "person_id",
            name="uq_person_day_rollups_key",
        ),
    )
    op.create_index(
        "ix_person_day_rollups_person", "person_day_rollups", ["workspace_id", "person_id"]
    )
    keys = "workspace_id, zone, channel, language"
    kept = "(channel = '*') = (language = '*')"  # the old table's two dimension sets
    if op.get_bind().dialect.name == "sqlite":
        bits = "WITH RECURSIVE b(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM b WHERE k < 59)"
        day = "date(month, '+' || k || ' days')"
        first = f"printf('%04d-%02d-01', (era * {ERA_MONTHS} + k) / 12, (era * {ERA_MONTHS} + k) % 12 + 1)"
        op.execute(
            f"INSERT INTO person_day_rollups ({keys}, span, day, person_id) {bits} "
            f"SELECT {keys}, 'd', {day}, person_id FROM who_spoke_days JOIN b "
            f"ON k < 31 AND (days >> k) & 1 = 1 WHERE {kept}"
        )
        op.execute(
            f"INSERT INTO person_day_rollups ({keys}, span, day, person_id) {bits} "
            f"SELECT {keys}, 'm', {first}, person_id FROM who_spoke_months JOIN b "
            f"ON (months >> k) & 1 = 1 WHERE {kept}"
        )
    else:
        op.execute(
            f"INSERT INTO person_day_rollups ({keys}, span, day, person_id) "
            f"SELECT {keys}, 'd', month + k, person_id FROM who_spoke_days "
            f"JOIN generate_series(0, 30) AS k ON (days >> k) & 1 = 1 WHERE {kept}"
        )
        op.execute(
            f"INSERT INTO person_day_rollups ({keys}, span, day, person_id) "
            f"SELECT {keys}, 'm', make_date((era * {ERA_MONTHS} + k) / 12, "
            f"(era * {ERA_MONTHS} + k) % 12 + 1, 1), person_id FROM who_spoke_months "
            f"JOIN generate_series(0, 59) AS k ON (months >> k) & 1 = 1 WHERE {kept}"
        )
    op.drop_table("who_spoke_days")
    op.drop_table("who_spoke_months")
