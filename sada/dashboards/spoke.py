"""How many people spoke over a range of local days, from the who-spoke rollup rows.

The who-spoke rows (`person_day_rollups`, written at ingest) hold one row per person and
local day ("d") and per person and month ("m"), per zone, channel and language. A range's
exact count is the distinct people over the whole months inside it (month rows) and the
days at its edges (day rows): `sada.interactions.rollup_reads.distinct_people`. The day rows are
the expensive part: up to ~60 days x the people who speak each day (17-25 ms of a 90-day
overview at 1M interactions, for 40k index entries).

This module answers the same count, exactly, and skips the edge days when they cannot
change it: a person who spoke on an edge day also has a month row for that edge's month.
So the people of the edge months who are not already counted in the whole months are the
only ones the edge days could add; when there are none, the answer is the whole months'
count, read from month rows only (a few thousand entries). When there are some, the edge
days are read as before (one extra month read). Regular speakers (employees, subscribers,
active customers) make the first case the usual one; a workspace of one-off speakers pays
one month read more than before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions import rollup_reads, rollups
from sada.interactions.rollup_reads import next_month


def _month(day: date) -> date:
    return day.replace(day=1)


def _dimensions(
    session: Session, zone: str, channel: str | None, language: str | None
) -> tuple[list[str], list[str]]:
    """The (channels, languages) whose rows hold the count (as `rollup_reads.distinct_people`)."""
    if channel is None and language is None:
        return [rollups.ALL], [rollups.ALL]
    if channel is None:
        return _values(session, zone, "channel"), [str(language)]
    if language is None:
        return [channel], _values(session, zone, "language", channel)
    return [channel], [language]


def _values(session: Session, zone: str, column: str, channel: str | None = None) -> list[str]:
    """The channels (or, with `channel`, that channel's languages) of the zone's who-spoke
    rows, "*" left out: a skip scan of the unique key (one seek per value) in one
    recursive statement (one round trip, not one per value), memoized for the session."""
    assert column in ("channel", "language")
    memo_key = ("sada.dashboards.spoke.values", zone, column, channel)
    cached = session.info.get(memo_key)
    if cached is not None:
        return list(cached)
    where = "workspace_id = :ws AND zone = :zone"
    params: dict[str, Any] = {"ws": bound_workspace(session), "zone": zone}
    if channel is not None:
        where += " AND channel = :channel"
        params["channel"] = channel
    first = f"SELECT {column} FROM person_day_rollups WHERE {where} ORDER BY {column} LIMIT 1"
    after = (
        f"SELECT {column} FROM person_day_rollups WHERE {where} AND {column} > v.x "
        f"ORDER BY {column} LIMIT 1"
    )
    sql = (
        f"WITH RECURSIVE v(x) AS (SELECT ({first}) UNION ALL "
        f"SELECT ({after}) FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL"
    )
    values = [str(x) for (x,) in session.execute(text(sql), params) if x != rollups.ALL]
    session.info[memo_key] = values
    return list(values)


def distinct_people(
    session: Session,
    zone: str,
    first: date,
    last: date,
    *,
    channel: str | None = None,
    language: str | None = None,
) -> int:
    """People who spoke on local days first <= day < last in `zone` (optionally on one
    channel, in one language): exactly `rollup_reads.distinct_people`, cheaper when the edge
    days add no one (see the module's docstring)."""
    if last <= first:
        return 0
    channels, languages = _dimensions(session, zone, channel, language)
    if not channels or not languages:
        return 0
    months_from = first if first.day == 1 else next_month(first)
    months_to = months_from
    while next_month(months_to) <= last:
        months_to = next_month(months_to)
    if months_from >= months_to:  # no whole month inside: the day rows are the answer
        return rollup_reads.distinct_people(
            session, zone, first, last, channel=channel, language=language
        )
    # The month rows from the first edge's month to the last edge's (or the whole months):
    # per person, whether a whole month holds them; one index range per dimension pair.
    low = _month(first)
    high = next_month(months_to) if months_to < last else months_to
    sqlite = dialect_name(session) == "sqlite"
    params: dict[str, Any] = {"ws": bound_workspace(session), "zone": zone}
    params.update({f"c{i}": c for i, c in enumerate(channels)})
    params.update({f"l{i}": v for i, v in enumerate(languages)})
    bounds = {"m0": months_from, "m1": months_to, "lo": low, "hi": high}
    params.update({k: v.isoformat() if sqlite else v for k, v in bounds.items()})

    def among(column: str, prefix: str, values: list[str]) -> str:
        if len(values) == 1:
            return f"{column} = :{prefix}0"
        return f"{column} IN ({', '.join(f':{prefix}{i}' for i in range(len(values)))})"

    # counted: people of the whole months; maybe: people of the edge months only, the
    # only ones the edge days could add.
    sql = (
        "SELECT coalesce(sum(w), 0), coalesce(sum(1 - w), 0) FROM (SELECT person_id, "
        "max(CASE WHEN day >= :m0 AND day < :m1 THEN 1 ELSE 0 END) AS w "
        "FROM person_day_rollups WHERE workspace_id = :ws AND zone = :zone "
        f"AND {among('channel', 'c', channels)} AND {among('language', 'l', languages)} "
        "AND span = 'm' AND day >= :lo AND day < :hi GROUP BY person_id) AS spoke"
    )
    counted, maybe = session.execute(text(sql), params).one()
    if not maybe:
        return int(counted)
    return rollup_reads.distinct_people(
        session, zone, first, last, channel=channel, language=language
    )
