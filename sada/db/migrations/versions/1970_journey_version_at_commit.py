"""journeys: raise the change counter at commit, not at the first write (PostgreSQL)

Migration 1940's triggers raised `journey_data_versions.version` (one row per workspace)
inside the statement that wrote interactions, people or analyses, so a transaction held
that row's lock from its first watched write until it ended. Two transactions of a
workspace that also lock other rows in different orders then deadlocked: transaction A
wrote an interaction (holding the counter) and went on to update a person that
transaction B had updated, while B's trigger waited for the counter. Measured with 20
concurrent `people:identify` calls of one person: a deadlock in about one run of six,
ending in a 503 after five retries. It also serialised every write transaction of a
workspace for its whole length.

Now the triggers only note, per transaction, the workspaces and people they touched
(`journey_pending_tx`, `journey_pending`: keyed by the transaction id, so no two
transactions share a row), and a deferred constraint trigger on the first row of
`journey_pending_tx` raises the counter and moves the people to `journey_person_changes`
when the transaction commits. The counter's lock is then the last lock a transaction
takes and is held only for its commit: no cycle can pass through it. A counter and its
people still commit with the rows they describe, in one snapshot, so
`sada.journeys.incremental` reads them as before; a transaction raises a workspace's
counter once instead of once per statement.

SQLite has one writer at a time and keeps migration 1940's triggers; the two tables exist
there empty.

Revision ID: 1970_journey_version_at_commit
Revises: 1960_subscriber_lookups
"""

from __future__ import annotations

from importlib import import_module

import sqlalchemy as sa
from alembic import op

revision = "1970_journey_version_at_commit"
down_revision = "1960_subscriber_lookups"
branch_labels = None
depends_on = None

# The tables, watched columns and person lookups are 1940's: its triggers call the functions
# this migration redefines, so they must be the same.
_M1940 = import_module("sada.db.migrations.versions.1940_journey_person_changes")
KEEP_VERSIONS: int = _M1940.KEEP_VERSIONS
PRUNE_EVERY: int = _M1940.PRUNE_EVERY
WATCHED: dict[str, tuple[str, ...]] = _M1940.WATCHED
_PERSON: dict[str, tuple[str, str]] = _M1940._PERSON


def _statement_function(table: str) -> str:
    person, join = _PERSON[table]
    return f"""
CREATE OR REPLACE FUNCTION sada_journey_changes_{table}() RETURNS trigger AS $$
DECLARE
    tx BIGINT := txid_current();
BEGIN
    INSERT INTO journey_pending_tx (txid, workspace_id)
    SELECT DISTINCT tx, workspace_id FROM changed ORDER BY 2
    ON CONFLICT DO NOTHING;
    INSERT INTO journey_pending (txid, workspace_id, person_id)
    SELECT DISTINCT tx, c.workspace_id, {person}
    FROM changed c {join}
    WHERE {person} IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


_ROW_FUNCTION = """
CREATE OR REPLACE FUNCTION sada_journey_changes_row() RETURNS trigger AS $$
DECLARE
    tx BIGINT := txid_current();
    ws BIGINT := COALESCE(NEW.workspace_id, OLD.workspace_id);
    before_id BIGINT;
    after_id BIGINT;
BEGIN
    INSERT INTO journey_pending_tx (txid, workspace_id) VALUES (tx, ws)
    ON CONFLICT DO NOTHING;
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
    INSERT INTO journey_pending (txid, workspace_id, person_id)
    SELECT tx, ws, x FROM (VALUES (before_id), (after_id)) AS t(x) WHERE x IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

_COMMIT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION sada_journey_commit() RETURNS trigger AS $$
DECLARE
    v BIGINT;
BEGIN
    INSERT INTO journey_data_versions (workspace_id, version) VALUES (NEW.workspace_id, 1)
    ON CONFLICT (workspace_id) DO UPDATE SET version = journey_data_versions.version + 1
    RETURNING version INTO v;
    INSERT INTO journey_person_changes (workspace_id, version, person_id)
    SELECT workspace_id, v, person_id FROM journey_pending
    WHERE txid = NEW.txid AND workspace_id = NEW.workspace_id
    ON CONFLICT DO NOTHING;
    DELETE FROM journey_pending WHERE txid = NEW.txid AND workspace_id = NEW.workspace_id;
    DELETE FROM journey_pending_tx WHERE txid = NEW.txid AND workspace_id = NEW.workspace_id;
    IF v % {PRUNE_EVERY} = 0 THEN
        DELETE FROM journey_person_changes
        WHERE workspace_id = NEW.workspace_id AND version < v - {KEEP_VERSIONS};
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "journey_pending_tx",
        sa.Column("txid", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workspace_id", _id(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("txid", "workspace_id", name=op.f("pk_journey_pending_tx")),
    )
    op.create_table(
        "journey_pending",
        sa.Column("txid", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workspace_id", _id(), autoincrement=False, nullable=False),
        sa.Column("person_id", _id(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "txid", "workspace_id", "person_id", name=op.f("pk_journey_pending")
        ),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # The trigger functions keep their names, so 1940's triggers now call these bodies.
    for table in WATCHED:
        op.execute(_statement_function(table))
    op.execute(_ROW_FUNCTION)
    op.execute(_COMMIT_FUNCTION)
    op.execute(
        "CREATE CONSTRAINT TRIGGER sada_journey_commit AFTER INSERT ON journey_pending_tx "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sada_journey_commit()"
    )


def downgrade() -> None:
    """Back to migration 1940's function bodies (the counter raised at each write)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sada_journey_commit ON journey_pending_tx")
        op.execute("DROP FUNCTION IF EXISTS sada_journey_commit()")
        for table in WATCHED:
            op.execute(_M1940._pg_statement_function(table))
        op.execute(_M1940._PG_ROW_FUNCTION)
    op.drop_table("journey_pending")
    op.drop_table("journey_pending_tx")
