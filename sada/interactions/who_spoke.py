"""Who spoke: the people whose voice (customer or imported) the log holds, as bit masks.

`who_spoke_months` keeps, per zone, channel and language (and "*" for all, alone or with
the other), one row per person and era of 60 months with a bit per month, and the days of
the row's latest month; `who_spoke_days` one row per person and month with a bit per day
(`SpokeMonths`, `SpokeDays`). The overview counts distinct people over any range of local
days from them (`rollup_reads.distinct_people`).

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
from functools import cache
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
    """The who-spoke facts as rows of `who_spoke_months` (zone, channel, language, era,
    person, months, latest, latest_days) and `who_spoke_days` (zone, channel, language,
    month, person, days), each fact under the four dimension sets a count may ask for (its
    channel and language, its channel and "*", "*" and its language, "*" and "*"), facts of
    one row OR-ed into its bits; `latest` is the highest month bit of the row and
    `latest_days` that month's day bits. Sorted in the unique key's order (one lock order
    for every writer); the month as ISO text on SQLite."""
    months: dict[tuple[Any, ...], list[int]] = {}
    days: dict[tuple[Any, ...], int] = {}
    formatted: dict[date, tuple[Any, int, int, int, int]] = {}
    for zone, day, channel, language, person in keys:
        parts = formatted.get(day)
        if parts is None:
            first = day.replace(day=1)
            era, bit = divmod(month_index(day), ERA_MONTHS)
            first_day = first.isoformat() if sqlite else first
            parts = (first_day, era, bit, 1 << bit, 1 << (day.day - 1))
            formatted[day] = parts
        first_day, era, bit, month_bit, day_bit = parts
        for dims in (
            (zone, channel, language),
            (zone, channel, ALL),
            (zone, ALL, language),
            (zone, ALL, ALL),
        ):
            month_key = (*dims, era, person)
            row = months.get(month_key)
            if row is None:
                months[month_key] = [month_bit, bit, day_bit]
            else:
                row[0] |= month_bit
                if bit > row[1]:
                    row[1], row[2] = bit, day_bit
                elif bit == row[1]:
                    row[2] |= day_bit
            day_key = (*dims, first_day, person)
            days[day_key] = days.get(day_key, 0) | day_bit
    return (
        sorted((*key, *bits) for key, bits in months.items()),
        sorted((*key, bits) for key, bits in days.items()),
    )


# The columns of `spoke_rows`' month rows and day rows, in their order (reads that compare).
MONTH_ROW = (
    SpokeMonths.zone,
    SpokeMonths.channel,
    SpokeMonths.language,
    SpokeMonths.era,
    SpokeMonths.person_id,
    SpokeMonths.months,
    SpokeMonths.latest,
    SpokeMonths.latest_days,
)
DAY_ROW = (
    SpokeDays.zone,
    SpokeDays.channel,
    SpokeDays.language,
    SpokeDays.month,
    SpokeDays.person_id,
    SpokeDays.days,
)

# Who-spoke rows per statement at most (bounded parameters and statement memory).
PERSON_ROWS_PER_STATEMENT = 20_000
# The unique key after workspace_id (`span`: era or month), in both tables.
_KEY = ("zone", "channel", "language", "span", "person_id")


def add_people(session: Session, keys: Iterable[PersonKey]) -> None:
    """Add who-spoke facts: their bits OR-ed into the rows there (rows made when missing).

    Set-based: the rows travel as one JSON parameter and one
    `INSERT ... SELECT ... ON CONFLICT DO UPDATE SET bits = bits | excluded.bits` per table
    writes them (the month rows' latest month and its days moved on or OR-ed as well),
    skipping rows that would not change (the usual case: a person who spoke this day
    before) without writing or, on PostgreSQL, locking them; in the unique key's order on
    PostgreSQL (one lock order for every writer; SQLite has one writer)."""
    sqlite = dialect_name(session) == "sqlite"
    months, days = spoke_rows(keys, sqlite)
    workspace_id = bound_workspace(session)
    for upsert, rows in ((_upsert_months, months), (_upsert_days, days)):
        for start in range(0, len(rows), PERSON_ROWS_PER_STATEMENT):
            part = rows[start : start + PERSON_ROWS_PER_STATEMENT]
            session.execute(text(upsert(sqlite)), _payload(workspace_id, part))


def _payload(workspace_id: int, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    import orjson

    return {"ws": workspace_id, "rows": orjson.dumps(rows).decode()}


@cache
def _upsert_days(sqlite: bool) -> str:
    """The day rows' upsert: days OR-ed in."""
    return _upsert(
        sqlite,
        "who_spoke_days",
        ("month", "date"),
        [("days", "integer")],
        "days = t.days | excluded.days",
        "(t.days | excluded.days) <> t.days",
        "(o.days | r.days) = o.days",
    )


@cache
def _upsert_months(sqlite: bool) -> str:
    """The month rows' upsert: months OR-ed in; the latest month moves on to a later one
    (its days replace the row's) or, the same month, gets its days OR-ed in."""
    greatest = "max" if sqlite else "greatest"
    return _upsert(
        sqlite,
        "who_spoke_months",
        ("era", "integer"),
        [("months", "bigint"), ("latest", "smallint"), ("latest_days", "integer")],
        "months = t.months | excluded.months, "
        f"latest = {greatest}(t.latest, excluded.latest), "
        "latest_days = CASE WHEN excluded.latest > t.latest THEN excluded.latest_days "
        "WHEN excluded.latest = t.latest THEN t.latest_days | excluded.latest_days "
        "ELSE t.latest_days END",
        # A later latest month sets a new month bit too.
        "(t.months | excluded.months) <> t.months OR (excluded.latest = t.latest "
        "AND (t.latest_days | excluded.latest_days) <> t.latest_days)",
        "(o.months | r.months) = o.months AND (r.latest < o.latest "
        "OR (o.latest_days | r.latest_days) = o.latest_days)",
    )


def _upsert(
    sqlite: bool,
    table: str,
    span: tuple[str, str],
    values: list[tuple[str, str]],
    update: str,
    changed: str,
    unchanged: str,
) -> str:
    """`INSERT ... SELECT` of the JSON rows (key, then `values`) into `table`, `ON CONFLICT`
    updating with `update` where `changed` (the stored row `t`, the new one `excluded`); on
    PostgreSQL rows already holding their bits (`unchanged`: stored `o`, new `r`) are left
    out first, so they are neither written nor locked. Built once per table and dialect
    (the callers cache it)."""
    span_name, span_type = span
    names = [span_name if c == "span" else c for c in _KEY] + [v for v, _t in values]
    columns = ", ".join(["workspace_id", *names])
    key = ", ".join(["workspace_id", *names[: len(_KEY)]])
    if sqlite:
        # SQLite names the stored row by the table: alias it as t through the SET's scope.
        picks = ", ".join(f"f.value ->> {i}" for i in range(len(names)))
        return (
            f"INSERT INTO {table} AS t ({columns}) SELECT :ws, {picks} "
            # WHERE: SQLite reads ON CONFLICT after a bare SELECT ... FROM as a join constraint.
            "FROM json_each(:rows) AS f WHERE true "
            f"ON CONFLICT ({key}) DO UPDATE SET {update} WHERE {changed}"
        )
    types = ["text", "text", "text", span_type, "bigint", *(t for _v, t in values)]
    picks = ", ".join(
        f"f.value ->> {i} AS {n}" if t == "text" else f"CAST(f.value ->> {i} AS {t}) AS {n}"
        for i, (n, t) in enumerate(zip([*_KEY, *(v for v, _t in values)], types, strict=True))
    )
    # The unique key's order (one lock order for every writer), text in byte order.
    ordered = ", ".join(
        f'r.{c} COLLATE "C"' if c in ("zone", "channel", "language") else f"r.{c}" for c in _KEY
    )
    same_key = " AND ".join(f"o.{span_name if c == 'span' else c} = r.{c}" for c in _KEY)
    selected = ", ".join(f"r.{c}" for c in [*_KEY, *(v for v, _t in values)])
    return (
        f"INSERT INTO {table} AS t ({columns}) SELECT :ws, {selected} FROM ("
        f"SELECT {picks} FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS f(value)) AS r "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS o WHERE o.workspace_id = :ws "
        f"AND {same_key} AND {unchanged}) "
        f"ORDER BY {ordered} "
        f"ON CONFLICT ({key}) DO UPDATE SET {update} WHERE {changed}"
    )


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
