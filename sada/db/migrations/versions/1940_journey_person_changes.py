"""journeys: which people each change of the journey data counter touched

Migration 1850's triggers raise `journey_data_versions.version` with every write the journey
pages read, so a page kept per process is computed again, in full, after any ingest. The same
triggers now also record, under the version they raise, the people whose rows changed
(`journey_person_changes`): an interaction's person (before and after an update, so a merge
names both people), a person row itself, a text analysis's interaction's person. A page whose
figures are a sum over people (`sada.journeys.incremental`) then recomputes only the people
named since the version it holds, in the same snapshot as the counter it reads.

The log is pruned by the triggers themselves: whenever a workspace's version reaches a
multiple of `PRUNE_EVERY`, rows more than `KEEP_VERSIONS` versions old go (a seek on the
primary key). A reader more than `KEEP_VERSIONS` versions behind computes in full.

PostgreSQL: inserts and deletes once per statement (transition tables), updates per row.
SQLite: per row.

Revision ID: 1940_journey_person_changes
Revises: 1870_rollups_all_dimensions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1940_journey_person_changes"
down_revision = "1920_who_spoke_one_index"
branch_labels = None
depends_on = None

KEEP_VERSIONS = 20_000
PRUNE_EVERY = 500

# table -> the columns whose updates change what the journey pages show (as in 1850).
WATCHED = {
    "interactions": (
        "workspace_id", "person_id", "occurred_at", "channel", "type", "direction",
        "touchpoint_id", "attributes", "rating", "rating_scale", "conversation_id", "text",
    ),
    "people": ("workspace_id", "audience", "segment", "language", "traits", "merged_into_id"),
    "text_analyses": ("workspace_id", "interaction_id", "sentiment"),
}  # fmt: skip

# table -> (how a changed row names its person; the join that needs, if any)
_PERSON = {
    "interactions": ("c.person_id", ""),
    "people": ("c.id", ""),
    "text_analyses": ("i.person_id", "JOIN interactions i ON i.id = c.interaction_id"),
}

_PG_PRUNE = f"""
    DELETE FROM journey_person_changes j USING journey_data_versions v
    WHERE j.workspace_id = v.workspace_id
      AND v.workspace_id IN (SELECT DISTINCT workspace_id FROM changed)
      AND v.version % {PRUNE_EVERY} = 0 AND j.version < v.version - {KEEP_VERSIONS};
"""


def _pg_statement_function(table: str) -> str:
    person, join = _PERSON[table]
    return f"""
CREATE OR REPLACE FUNCTION sada_journey_changes_{table}() RETURNS trigger AS $$
BEGIN
    INSERT INTO journey_data_versions (workspace_id, version)
    SELECT DISTINCT workspace_id, 1 FROM changed ORDER BY 1
    ON CONFLICT (workspace_id) DO UPDATE SET version = journey_data_versions.version + 1;
    INSERT INTO journey_person_changes (workspace_id, version, person_id)
    SELECT DISTINCT c.workspace_id, v.version, {person}
    FROM changed c {join} JOIN journey_data_versions v ON v.workspace_id = c.workspace_id
    WHERE {person} IS NOT NULL
    ON CONFLICT DO NOTHING;
    {_PG_PRUNE}
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


_PG_ROW_FUNCTION = f"""
CREATE OR REPLACE FUNCTION sada_journey_changes_row() RETURNS trigger AS $$
DECLARE
    ws BIGINT := COALESCE(NEW.workspace_id, OLD.workspace_id);
    v BIGINT;
    before_id BIGINT;
    after_id BIGINT;
BEGIN
    INSERT INTO journey_data_versions (workspace_id, version) VALUES (ws, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = journey_data_versions.version + 1
    RETURNING version INTO v;
    IF TG_TABLE_NAME = 'interactions' THEN
        before_id := OLD.person_id;
        after_id := NEW.person_id;
    ELSIF TG_TABLE_NAME = 'people' THEN
        before_id := OLD.id;
        after_id := NEW.id;
    ELSE
        SELECT person_id INTO before_id FROM interactions WHERE id = OLD.interaction_id;
        SELECT person_id INTO after_id FROM interactions WHERE id = NEW.interaction_id;
    END IF;
    INSERT INTO journey_person_changes (workspace_id, version, person_id)
    SELECT ws, v, x FROM (VALUES (before_id), (after_id)) AS t(x) WHERE x IS NOT NULL
    ON CONFLICT DO NOTHING;
    IF v % {PRUNE_EVERY} = 0 THEN
        DELETE FROM journey_person_changes
        WHERE workspace_id = ws AND version < v - {KEEP_VERSIONS};
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def _sqlite_body(table: str, refs: tuple[str, ...]) -> str:
    """Raise the counter, record the row's person(s) under the new version, prune."""
    ws = f"{refs[-1]}.workspace_id"
    out = [
        f"INSERT OR IGNORE INTO journey_data_versions (workspace_id, version) VALUES ({ws}, 0);",
        f"UPDATE journey_data_versions SET version = version + 1 WHERE workspace_id = {ws};",
    ]
    for ref in refs:
        if table == "interactions":
            person = f"{ref}.person_id"
        elif table == "people":
            person = f"{ref}.id"
        else:
            person = f"(SELECT person_id FROM interactions WHERE id = {ref}.interaction_id)"
        out.append(
            "INSERT OR IGNORE INTO journey_person_changes (workspace_id, version, person_id) "
            f"SELECT {ws}, version, {person} FROM journey_data_versions "
            f"WHERE workspace_id = {ws} AND {person} IS NOT NULL;"
        )
    out.append(
        f"DELETE FROM journey_person_changes WHERE workspace_id = {ws} AND version < "
        f"(SELECT version - {KEEP_VERSIONS} FROM journey_data_versions "
        f"WHERE workspace_id = {ws} AND version % {PRUNE_EVERY} = 0);"
    )
    return " ".join(out)


def _drop_triggers(postgresql: bool) -> None:
    for table in WATCHED:
        for event in ("insert", "delete", "update"):
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER IF EXISTS sada_journey_{table}_{event}{on}")


def upgrade() -> None:
    op.create_table(
        "journey_person_changes",
        sa.Column(
            "workspace_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "person_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "version", "person_id", name=op.f("pk_journey_person_changes")
        ),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgresql)
    if postgresql:
        for table in WATCHED:
            op.execute(_pg_statement_function(table))
        op.execute(_PG_ROW_FUNCTION)
        for table, columns in WATCHED.items():
            for event, ref in (("INSERT", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER sada_journey_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {ref} TABLE AS changed FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION sada_journey_changes_{table}()"
                )
            op.execute(
                f"CREATE TRIGGER sada_journey_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION sada_journey_changes_row()"
            )
    else:
        for table, columns in WATCHED.items():
            for event, ref in (("INSERT", "NEW"), ("DELETE", "OLD")):
                op.execute(
                    f"CREATE TRIGGER sada_journey_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"FOR EACH ROW BEGIN {_sqlite_body(table, (ref,))} END"
                )
            op.execute(
                f"CREATE TRIGGER sada_journey_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW BEGIN {_sqlite_body(table, ('OLD', 'NEW'))} END"
            )


def downgrade() -> None:
    """Back to migration 1850's triggers (the counter alone)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgresql)
    if postgresql:
        for table in WATCHED:
            op.execute(f"DROP FUNCTION IF EXISTS sada_journey_changes_{table}()")
        op.execute("DROP FUNCTION IF EXISTS sada_journey_changes_row()")
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
    op.drop_table("journey_person_changes")


def _sqlite_bump(ref: str) -> str:
    return (
        f"INSERT OR IGNORE INTO journey_data_versions (workspace_id, version) "
        f"VALUES ({ref}.workspace_id, 0); "
        f"UPDATE journey_data_versions SET version = version + 1 "
        f"WHERE workspace_id = {ref}.workspace_id;"
    )
