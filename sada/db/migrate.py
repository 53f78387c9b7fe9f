"""Run Alembic migrations programmatically (no alembic.ini needed).

`upgrade` is a deployment step, safe to run from N nodes at once: on PostgreSQL it holds a
session-level advisory lock while it migrates, so the second node waits, then finds every
head applied and does nothing. `check_schema` is what `sada serve` and the app do at start:
an outdated schema is upgraded when auto-upgrade is on (the embedded SQLite default) and
refused with a clear message otherwise.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from sada.db.engine import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_lock key of migrations: "sada" in ASCII, then "mig" (any constant works).
ADVISORY_LOCK_KEY = 0x73616461_6D6967


class SchemaOutOfDate(RuntimeError):
    """The database's schema is older (or newer) than this version of Sada expects."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "heads") -> None:
    config = alembic_config(db.url)
    # Migrations run outside BEGIN IMMEDIATE hooks: plain connection, one transaction.
    with db.engine.connect() as connection:
        locked = not db.is_sqlite
        if locked:
            # Session-level: held across the migration's commit, released below.
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
        finally:
            if locked:
                connection.rollback()
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()


def current_revision(db: Database) -> str | None:
    """The applied revisions, comma-separated (each domain has its own branch)."""
    with db.engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revisions(db: Database) -> list[str]:
    return sorted(ScriptDirectory.from_config(alembic_config(db.url)).get_heads())


@lru_cache(maxsize=1)
def _graph() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Every revision this Sada ships, and what each one needs applied (itself included)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = frozenset(rev.revision for rev in script.walk_revisions())
    needs = {
        rev: frozenset(r.revision for r in script.iterate_revisions(rev, "base")) for rev in known
    }
    return known, needs


def pending_revisions(db: Database) -> list[str]:
    """Revisions this Sada has that the database has not applied (empty when current)."""
    known, needs = _graph()
    with db.engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    unknown = applied - known
    if unknown:
        raise SchemaOutOfDate(
            f"the database has revisions this version of Sada does not know "
            f"({', '.join(sorted(unknown))}): it was migrated by a newer Sada; "
            "upgrade Sada on this node"
        )
    done: set[str] = set()
    for rev in applied:
        done.update(needs[rev])
    return sorted(known - done)


def check_schema(db: Database, *, auto_upgrade: bool) -> None:
    """Make sure the schema is current before serving: upgrade (when allowed) or refuse."""
    pending = pending_revisions(db)
    if not pending:
        return
    if auto_upgrade:
        log.info("upgrading the database schema (%d migration(s))", len(pending))
        upgrade(db)
        return
    raise SchemaOutOfDate(
        f"the database schema is out of date ({len(pending)} migration(s) not applied: "
        f"{', '.join(pending[:5])}{', …' if len(pending) > 5 else ''}); run `sada db upgrade` "
        "once as a deployment step (or set SADA_AUTO_UPGRADE=true)"
    )
