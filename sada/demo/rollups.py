"""The demo's dashboard rollups, built once after seeding, equal to `sada metrics rebuild`.

The demo writes its history in bulk, past the write-time rollups, so it builds them once at
the end. The interaction and topic rollups come from the same rebuild functions as
`sada metrics rebuild`. The who-spoke rows (`person_day_rollups`: each voice fact as day and
month rows, by channel and language and by neither) are the bulk of it (about 2.8 million rows
for the full demo when channel-only and language-only rows were kept too, before 1950). The rebuild makes them in Python, 50,000 facts at a time, and sends
every chunk's rows, month rows again and again, through `INSERT ... ON CONFLICT`. On SQLite
the demo instead has the database make them in one `INSERT ... SELECT DISTINCT` from a
temporary table of the distinct facts (the local day from a registered function, the same
`zone_info`/`_local_day` arithmetic as the rebuild). PostgreSQL keeps the rebuild's path.
`tests/demo/test_seed.py` checks that every rollup row equals a rebuild's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sada.dashboards import rollups as dashboard_rollups
from sada.dashboards.service import text_model
from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions import rollups
from sada.interactions.models import VOICE_ORIGINS, PersonDayRollup


def build(session: Session) -> int:
    """Replace the workspace's interaction, who-spoke and topic rollups (as
    `sada.dashboards.rollups.rebuild`); returns the number of interaction rollup rows."""
    if dialect_name(session) != "sqlite":
        return dashboard_rollups.rebuild(session)
    count = rollups.replace_all(
        session, dashboard_rollups.zones_to_keep(session), dashboard_rollups._facts(session)
    )
    names = rollups.zones(session)
    session.execute(
        delete(PersonDayRollup).where(PersonDayRollup.workspace_id == bound_workspace(session))
    )
    _sqlite_people(session, names)
    analysis: Any = text_model()
    if analysis is not None:
        rollups.replace_topics(session, names, dashboard_rollups._topics(session, analysis))
    return count


def _local_day(stored: str, zone: str) -> str | None:
    """The local day (ISO) in `zone` of a datetime as SQLite stores it (naive UTC)."""
    at = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    day = rollups._local_day(at, rollups.zone_info(zone))
    return None if day is None else day.isoformat()


def _sqlite_people(session: Session, names: list[str]) -> None:
    if not names:
        return
    workspace_id = bound_workspace(session)
    dbapi: Any = session.connection().connection.dbapi_connection
    dbapi.create_function("sada_demo_local_day", 2, _local_day, deterministic=True)
    zones = " UNION ALL ".join("SELECT ? AS zone" for _ in names)
    voice = ", ".join("?" for _ in VOICE_ORIGINS)
    cursor = dbapi.cursor()
    try:
        cursor.execute("DROP TABLE IF EXISTS temp.demo_voice")
        cursor.execute(
            "CREATE TEMP TABLE demo_voice AS "
            "SELECT DISTINCT z.zone AS zone, sada_demo_local_day(i.occurred_at, z.zone) AS day, "
            "i.channel AS channel, substr(coalesce(i.language, ''), 1, 16) AS language, "
            "i.person_id AS person_id "
            f"FROM interactions i CROSS JOIN ({zones}) z "
            f"WHERE i.workspace_id = ? AND i.person_id IS NOT NULL AND i.origin IN ({voice})",
            [*names, workspace_id, *VOICE_ORIGINS],
        )
        parts = []
        every = f"'{rollups.ALL}'"
        for span, day in (("d", "day"), ("m", "substr(day, 1, 8) || '01'")):
            for channel, language in (("channel", "language"), (every, every)):
                parts.append(
                    f"SELECT zone, '{span}' AS span, {day} AS day, {channel} AS channel, "
                    f"{language} AS language, person_id FROM demo_voice WHERE day IS NOT NULL"
                )
        cursor.execute(
            "INSERT INTO person_day_rollups "
            "(workspace_id, zone, span, day, channel, language, person_id) "
            "SELECT ?, zone, span, day, channel, language, person_id "
            f"FROM ({' UNION '.join(parts)}) ORDER BY 1, 2, 5, 6, 3, 4, 7",  # the key's order
            [workspace_id],
        )
        cursor.execute("DROP TABLE temp.demo_voice")
    finally:
        cursor.close()
