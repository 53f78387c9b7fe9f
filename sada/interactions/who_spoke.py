"""Who spoke: the people whose voice (customer or imported) the log holds, as bit masks.

`who_spoke_months` keeps, per zone, channel and language (and "*" for all, alone or with
the other), one row per person and era of 60 months with a bit per month; `who_spoke_days` one row per person and
month with a bit per day (`SpokeMonths`, `SpokeDays`). The overview counts distinct people
over any range of local days from them (`rollup_reads.distinct_people`).

- `add_people(session, keys)`: OR the facts (zone, local day, channel, language, person)
  into the masks, in the writer's transaction (ingest, via `rollups.count_ingested`).
- `spoke_rows(keys, sqlite)`: the rows those facts make, spelled in Python (the writers'
  SQL and the rebuild's must give the same).
- `move_people(session, person_ids)`: recompute some people's rows (merges, unmerges).
- `delete_people`, `replace_people`: a rebuild's write side (the set-based rebuild in
  `sada.dashboards.rollups` does the same in SQL).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions.models import (
    ERA_MONTHS,
    VOICE_ORIGINS,
    Interaction,
    SpokeDays,
    SpokeMonths,
)
from sada.interactions.rollup_zones import ALL, local_day, zone_info, zones

PersonKey = tuple[str, date, str, str, int]  # zone, day, channel, language, person


def month_index(day: date) -> int:
    """Months since January of year 0: bit `month_index % ERA_MONTHS` of era
    `month_index // ERA_MONTHS` in `who_spoke_months`."""
    return day.year * 12 + day.month - 1


def spoke_rows(
    keys: Iterable[PersonKey], sqlite: bool
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The who-spoke facts as rows of `who_spoke_months` and `who_spoke_days`: (zone, channel,
    language, era or month, person, bits), each fact under the four dimension sets a count
    may ask for (its channel and language, its channel and "*", "*" and its language, "*"
    and "*"), facts of one row OR-ed into its bits. Sorted in the unique key's order
    (one lock order for every writer); the month as ISO text on SQLite."""
    months: dict[tuple[Any, ...], int] = {}
    days: dict[tuple[Any, ...], int] = {}
    formatted: dict[date, tuple[Any, int, int, int]] = {}
    for zone, day, channel, language, person in keys:
        parts = formatted.get(day)
        if parts is None:
            first = day.replace(day=1)
            era, bit = divmod(month_index(day), ERA_MONTHS)
            parts = (first.isoformat() if sqlite else first, era, 1 << bit, 1 << (day.day - 1))
            formatted[day] = parts
        first_day, era, month_bit, day_bit = parts
        for dims in (
            (zone, channel, language),
            (zone, channel, ALL),
            (zone, ALL, language),
            (zone, ALL, ALL),
        ):
            month_key = (*dims, era, person)
            months[month_key] = months.get(month_key, 0) | month_bit
            day_key = (*dims, first_day, person)
            days[day_key] = days.get(day_key, 0) | day_bit
    return (
        sorted((*key, bits) for key, bits in months.items()),
        sorted((*key, bits) for key, bits in days.items()),
    )


# Who-spoke rows per statement at most (bounded parameters and statement memory).
PERSON_ROWS_PER_STATEMENT = 20_000
# Per table: (span column, its PostgreSQL type, bits column, its PostgreSQL type, the
# unique key after workspace_id).
_SPOKE_TABLES = {
    "who_spoke_months": (
        "era",
        "integer",
        "months",
        "bigint",
        ("zone", "channel", "language", "span", "person_id"),
    ),
    "who_spoke_days": (
        "month",
        "date",
        "days",
        "integer",
        ("zone", "channel", "language", "span", "person_id"),
    ),
}


def add_people(session: Session, keys: Iterable[PersonKey]) -> None:
    """Add who-spoke facts: their bits OR-ed into the rows there (rows made when missing).

    Set-based: the rows travel as one JSON parameter and one
    `INSERT ... SELECT ... ON CONFLICT DO UPDATE SET bits = bits | excluded.bits` per table
    writes them, skipping rows whose bits are all set already (the usual case: a person who
    spoke this month before) without writing or, on PostgreSQL, locking them; in the unique
    key's order on PostgreSQL (one lock order for every writer; SQLite has one writer)."""
    sqlite = dialect_name(session) == "sqlite"
    months, days = spoke_rows(keys, sqlite)
    workspace_id = bound_workspace(session)
    for table, rows in (("who_spoke_months", months), ("who_spoke_days", days)):
        for start in range(0, len(rows), PERSON_ROWS_PER_STATEMENT):
            part = rows[start : start + PERSON_ROWS_PER_STATEMENT]
            _upsert_spoke(session, workspace_id, table, part, sqlite)


def _upsert_spoke(
    session: Session, workspace_id: int, table: str, rows: list[tuple[Any, ...]], sqlite: bool
) -> None:
    import orjson

    span, span_type, bits, bits_type, order = _SPOKE_TABLES[table]
    columns = f"workspace_id, zone, channel, language, {span}, person_id, {bits}"
    key = ", ".join(["workspace_id", *(span if c == "span" else c for c in order)])
    # The unique key's order (one lock order for every writer), text in byte order.
    ordered = ", ".join(
        f'r.{c} COLLATE "C"' if c in ("zone", "channel", "language") else f"r.{c}" for c in order
    )
    payload = {"ws": workspace_id, "rows": orjson.dumps(rows).decode()}
    if sqlite:
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT :ws, f.value ->> 0, f.value ->> 1, "
            "f.value ->> 2, f.value ->> 3, f.value ->> 4, f.value ->> 5 "
            # WHERE: SQLite reads ON CONFLICT after a bare SELECT ... FROM as a join constraint.
            "FROM json_each(:rows) AS f WHERE true "
            f"ON CONFLICT ({key}) DO UPDATE SET {bits} = {bits} | excluded.{bits} "
            f"WHERE ({bits} | excluded.{bits}) <> {bits}"
        )
        session.execute(text(sql), payload)
        return
    sql = (
        f"INSERT INTO {table} AS t ({columns}) "
        f"SELECT :ws, r.zone, r.channel, r.language, r.span, r.person_id, r.bits FROM ("
        "SELECT f.value ->> 0 AS zone, f.value ->> 1 AS channel, f.value ->> 2 AS language, "
        f"CAST(f.value ->> 3 AS {span_type}) AS span, CAST(f.value ->> 4 AS bigint) AS person_id, "
        f"CAST(f.value ->> 5 AS {bits_type}) AS bits "
        "FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS f(value)) AS r "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS o WHERE o.workspace_id = :ws "
        "AND o.zone = r.zone AND o.channel = r.channel AND o.language = r.language "
        f"AND o.{span} = r.span AND o.person_id = r.person_id AND (o.{bits} | r.bits) = o.{bits}) "
        f"ORDER BY {ordered} "
        f"ON CONFLICT ({key}) DO UPDATE SET {bits} = t.{bits} | excluded.{bits} "
        f"WHERE (t.{bits} | excluded.{bits}) <> t.{bits}"
    )
    session.execute(text(sql), payload)


def delete_people(session: Session, person_ids: list[int] | None) -> None:
    """Delete the who-spoke rows of these people (None: the whole workspace's)."""
    for model in (SpokeMonths, SpokeDays):
        where = [model.workspace_id == bound_workspace(session)]
        if person_ids is not None:
            where.append(model.person_id.in_(person_ids))
        session.execute(delete(model).where(*where))


def move_people(session: Session, person_ids: Iterable[int]) -> None:
    """Recompute the who-spoke rows of these people from their interactions (merges)."""
    ids = sorted(set(person_ids))
    names = zones(session)
    if not ids or not names:
        return
    delete_people(session, ids)
    keys: set[PersonKey] = set()
    for pid, at, channel, language in session.execute(
        select(
            Interaction.person_id,
            Interaction.occurred_at,
            Interaction.channel,
            Interaction.language,
        ).where(Interaction.person_id.in_(ids), Interaction.origin.in_(VOICE_ORIGINS))
    ):
        for name in names:
            day = local_day(at, zone_info(name))
            if day is not None and pid is not None:
                keys.add((name, day, channel, (language or "")[:16], pid))
    add_people(session, keys)


def replace_people(
    session: Session,
    names: list[str],
    facts: Iterable[tuple[datetime, str, str | None, int]],
) -> None:
    """Recompute the who-spoke rows from (occurred_at, channel, language, person id) of every
    voice interaction with a person, in chunks (memory bounded by the chunk)."""
    if dialect_name(session) == "postgresql":
        session.execute(text("LOCK TABLE who_spoke_months, who_spoke_days IN EXCLUSIVE MODE"))
    delete_people(session, None)
    tzs = [(name, zone_info(name)) for name in names]
    keys: set[PersonKey] = set()
    for at, channel, language, pid in facts:
        lang = (language or "")[:16]
        for name, tz in tzs:
            day = local_day(at, tz)
            if day is not None:
                keys.add((name, day, channel, lang, pid))
        if len(keys) >= 50_000:
            add_people(session, keys)
            keys = set()
    add_people(session, keys)
