"""Migrations 1980 and 1990 carry the who-spoke rows over: a workspace's `person_day_rollups` (a row
per person and day, per person and month) become exactly the bit masks that ingest writes
for the same facts (`who_spoke.spoke_rows`), and the downgrade gives the same rows back; on
SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from sada.db.engine import Database, open_database
from sada.db.migrate import alembic_config, upgrade
from sada.interactions import rollups, who_spoke

PG_URL = os.environ.get("SADA_TEST_DATABASE_URL", "").strip()
BEFORE = "1970_journey_version_at_commit"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database of either kind (PostgreSQL: a new database, dropped after)."""
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path / 'mig.db'}")
        yield db
        db.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL leg: set SADA_TEST_DATABASE_URL")
    import psycopg
    from sqlalchemy.engine import make_url

    from sada.settings import Settings

    base = make_url(Settings(database_url=PG_URL).database_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"sada_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = open_database(base.set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _facts(rng: random.Random) -> set[who_spoke.PersonKey]:
    """Voice facts over three years (two eras of month bits: January 2025 starts one)."""
    start = date(2024, 6, 1)
    return {
        (
            rng.choice(["UTC", "Asia/Tehran"]),
            start + timedelta(days=rng.randrange(900)),
            rng.choice(["chat", "sms"]),
            rng.choice(["en", "fa", ""]),
            rng.randrange(1, 40),
        )
        for _ in range(3000)
    }


def _old_rows(facts: set[who_spoke.PersonKey]) -> set[tuple]:
    """The rows `person_day_rollups` held for the facts (day and month, own and "*")."""
    rows = set()
    for zone, day, channel, language, person in facts:
        for ch, lang in ((channel, language), (rollups.ALL, rollups.ALL)):
            rows.add((zone, ch, lang, "d", day.isoformat(), person))
            rows.add((zone, ch, lang, "m", day.replace(day=1).isoformat(), person))
    return rows


def _read(db: Database, sql: str) -> set[tuple]:
    with db.engine.connect() as connection:
        return {
            tuple(v.isoformat() if isinstance(v, date) else v for v in row)
            for row in connection.execute(text(sql))
        }


def _downgrade(db: Database) -> None:
    config = alembic_config(db.url)
    with db.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)
        connection.commit()


def test_person_day_rows_become_the_masks_ingest_writes_and_come_back(fresh: Database) -> None:
    db = fresh
    upgrade(db)  # every branch at its head, then this one step back
    _downgrade(db)
    facts = _facts(random.Random(11))
    old = _old_rows(facts)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (id, name, display_name, timezone, default_language, "
                "languages, calendar, settings, created_at) VALUES (1, 'w', 'w', "
                "'UTC', 'en', '[]', 'gregorian', '{}', :now)"
            ),
            {"now": datetime.now(UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO person_day_rollups "
                "(workspace_id, zone, channel, language, span, day, person_id) "
                "VALUES (1, :z, :c, :l, :s, :d, :p)"
            ),
            [
                {"z": z, "c": c, "l": lang, "s": s, "d": date.fromisoformat(d), "p": p}
                for z, c, lang, s, d, p in sorted(old)
            ],
        )
    upgrade(db)
    months, days = who_spoke.spoke_rows(facts, sqlite=True)
    assert _read(
        db,
        (
            "SELECT zone, channel, language, era, person_id, months, latest, latest_days "
            "FROM who_spoke_months"
        ),
    ) == set(months)
    assert _read(
        db, "SELECT zone, channel, language, month, person_id, days FROM who_spoke_days"
    ) == set(days)
    assert any(era != months[0][3] for *_k, era, _p, _b in months)  # two eras seen
    _downgrade(db)
    assert (
        _read(db, "SELECT zone, channel, language, span, day, person_id FROM person_day_rollups")
        == old
    )
