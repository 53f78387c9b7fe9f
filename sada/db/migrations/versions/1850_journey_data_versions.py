"""journeys: a per-workspace change counter kept by triggers, for the journey pages' cache

The journey map pages compute their figures from the period's events (a second or more on
the 20,000-people demo). They are now cached per process, keyed on this counter: every
insert, delete or relevant update of interactions, people and text analyses raises it in
the writing transaction itself (database triggers, so no write path can forget it, bulk
loads and cascades included). A reader that sees the counter unchanged sees the same rows.

PostgreSQL: inserts and deletes bump once per statement (transition tables), updates of
the columns the pages read once per row. SQLite: once per row.

Revision ID: 1850_journey_data_versions
Revises: 1840_who_spoke_dims_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1850_journey_data_versions"
down_revision = "1840_who_spoke_dims_index"
branch_labels = None
depends_on = ("0002_text",)  # text_analyses

# table -> the columns whose updates change what the journey pages show.
WATCHED = {
    "interactions": (
        "workspace_id", "person_id", "occurred_at", "channel", "type", "direction",
        "touchpoint_id", "attributes", "rating", "rating_scale", "conversation_id", "text",
    ),
    "people": ("workspace_id", "audience", "segment", "language", "traits", "merged_into_id"),
    "text_analyses": ("workspace_id", "interaction_id", "sentiment"),
}  # fmt: skip

_PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION sada_journey_bump_statement() RETURNS trigger AS $$
BEGIN
    INSERT INTO journey_data_versions (workspace_id, version)
    SELECT DISTINCT workspace_id, 1 FROM changed ORDER BY 1
    ON CONFLICT (workspace_id) DO UPDATE SET version = journey_data_versions.version + 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sada_journey_bump_row() RETURNS trigger AS $$
BEGIN
    INSERT INTO journey_data_versions (workspace_id, version)
    VALUES (COALESCE(NEW.workspace_id, OLD.workspace_id), 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = journey_data_versions.version + 1;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def _sqlite_bump(ref: str) -> str:
    return (
        f"INSERT OR IGNORE INTO journey_data_versions (workspace_id, version) "
        f"VALUES ({ref}.workspace_id, 0); "
        f"UPDATE journey_data_versions SET version = version + 1 "
        f"WHERE workspace_id = {ref}.workspace_id;"
    )


def upgrade() -> None:
    op.create_table(
        "journey_data_versions",
        sa.Column(
            "workspace_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_journey_data_versions")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_PG_FUNCTIONS)
        for table, columns in WATCHED.items():
            for event, ref in (("INSERT", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER sada_journey_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {ref} TABLE AS changed FOR EACH STATEMENT "
                    "EXECUTE FUNCTION sada_journey_bump_statement()"
                )
            op.execute(
                f"CREATE TRIGGER sada_journey_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION sada_journey_bump_row()"
            )
    else:
        for table, columns in WATCHED.items():
            for event, ref in (("INSERT", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER sada_journey_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"FOR EACH ROW BEGIN {_sqlite_bump(ref)} END"
                )
            op.execute(
                f"CREATE TRIGGER sada_journey_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW BEGIN {_sqlite_bump('NEW')} END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for table in WATCHED:
        for event in ("insert", "delete", "update"):
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER IF EXISTS sada_journey_{table}_{event}{on}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS sada_journey_bump_statement()")
        op.execute("DROP FUNCTION IF EXISTS sada_journey_bump_row()")
    op.drop_table("journey_data_versions")
