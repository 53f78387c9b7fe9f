"""Reading the interaction rollups kept at write time (`sada.interactions.rollups`).

- `totals(session, zone)`: every measure summed over all days (progress counters).
- `distinct_people(session, zone, first, last, ...)`: people who spoke on the local days,
  from the who-spoke rows (whole months from month rows, edge days from day rows).
- `topic_sums`, `topic_examples`: topic and aspect mentions over the local days, and example
  interactions for them.

The overview (`sada.dashboards`) reads through these; the write side keeps the rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions.models import InteractionRollup
from sada.interactions.rollups import ALL, MEASURES, TOPIC_POLARITIES


def totals(session: Session, zone: str) -> list[int]:
    """Sums of every measure over all days, voice or not (progress counters)."""
    from sqlalchemy import func

    r = InteractionRollup
    row = session.execute(
        select(*[func.coalesce(func.sum(getattr(r, m)), 0) for m in MEASURES]).where(
            r.zone == zone, r.language == ALL
        )
    ).one()
    return [int(v) for v in row]


def _range_where(
    session: Session,
    zone: str,
    first: date,
    last: date,
    channel: str | None,
    language: str | None,
) -> tuple[str, dict[str, Any]]:
    where = "workspace_id = :ws AND zone = :zone AND day >= :first AND day < :last"
    params: dict[str, Any] = {
        "ws": bound_workspace(session),
        "zone": zone,
        "first": first,
        "last": last,
    }
    if dialect_name(session) == "sqlite":
        params["first"], params["last"] = first.isoformat(), last.isoformat()
    # One channel's or language's rows, or those summed over it (`ALL`).
    where += " AND channel = :channel AND language = :language"
    params["channel"] = channel if channel is not None else ALL
    params["language"] = language if language is not None else ALL
    return where, params


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _among(column: str, prefix: str, values: list[str]) -> str:
    if len(values) == 1:
        return f"{column} = :{prefix}0"
    return f"{column} IN ({', '.join(f':{prefix}{i}' for i in range(len(values)))})"


def _values(session: Session, zone: str, column: str, channel: str | None = None) -> list[str]:
    """The channels (or, with `channel`, that channel's languages) of the zone's who-spoke
    rows, "*" left out: a skip scan of the unique key (one seek per value) in one recursive
    statement (one round trip, not one per value), memoized for the session (one request)."""
    assert column in ("channel", "language")
    memo_key = ("sada.interactions.rollup_reads.values", zone, column, channel)
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
    values = [str(x) for (x,) in session.execute(text(sql), params) if x != ALL]
    session.info[memo_key] = values
    return list(values)


def _dimensions(
    session: Session, zone: str, channel: str | None, language: str | None
) -> tuple[list[str], list[str]]:
    """The (channels, languages) whose who-spoke rows hold the count: unfiltered, the "*"
    rows; with both filters, that channel and language's rows; with one, that channel's rows
    of each of its languages (or each channel's rows of that language)."""
    if channel is None and language is None:
        return [ALL], [ALL]
    if channel is None:
        return _values(session, zone, "channel"), [str(language)]
    if language is None:
        return [channel], _values(session, zone, "language", channel)
    return [channel], [language]


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
    channel, in one language), from the who-spoke rows (one per person and day, "d", and per
    person and month, "m"), exactly.

    The count is the distinct people over the whole months inside the range (month rows)
    and the days at its edges (day rows). The day rows are the expensive part (up to ~60
    days x the people who speak each day), and they can only add a person who also has a
    month row for an edge's month: so the month rows from the first edge's month to the
    last's are read first, and when every person of the edge months is already in the whole
    months, that is the answer. Otherwise (or with no whole month inside), the edge days are
    read too. Regular speakers make the first case the usual one."""
    if last <= first:
        return 0
    channels, languages = _dimensions(session, zone, channel, language)
    if not channels or not languages:
        return 0
    months_from = first if first.day == 1 else next_month(first)
    months_to = months_from
    while next_month(months_to) <= last:
        months_to = next_month(months_to)
    params: dict[str, Any] = {"ws": bound_workspace(session), "zone": zone}
    params.update({f"c{i}": c for i, c in enumerate(channels)})
    params.update({f"l{i}": v for i, v in enumerate(languages)})
    sqlite = dialect_name(session) == "sqlite"
    dims = (
        "SELECT person_id FROM person_day_rollups WHERE workspace_id = :ws AND zone = :zone "
        f"AND {_among('channel', 'c', channels)} AND {_among('language', 'l', languages)} AND "
    )
    if months_from < months_to:
        # Per person of the edge months' and whole months' rows: in a whole month (w = 1) or
        # only in an edge month (the only people the edge days could add).
        high = next_month(months_to) if months_to < last else months_to
        bounds = {"m0": months_from, "m1": months_to, "lo": first.replace(day=1), "hi": high}
        counted, maybe = session.execute(
            text(
                "SELECT coalesce(sum(w), 0), coalesce(sum(1 - w), 0) FROM (SELECT person_id, "
                "max(CASE WHEN day >= :m0 AND day < :m1 THEN 1 ELSE 0 END) AS w "
                "FROM person_day_rollups WHERE workspace_id = :ws AND zone = :zone "
                f"AND {_among('channel', 'c', channels)} AND {_among('language', 'l', languages)} "
                "AND span = 'm' AND day >= :lo AND day < :hi GROUP BY person_id) AS spoke"
            ),
            params | {k: v.isoformat() if sqlite else v for k, v in bounds.items()},
        ).one()
        if not maybe:
            return int(counted)
    bounds = {"first": first, "last": last, "m0": months_from, "m1": months_to}
    if months_from > last:  # no month boundary inside the range: days only
        bounds["m0"] = bounds["m1"] = last
    # Three index ranges as UNION ALL: written as one OR, SQLite walked every row of the
    # channel and language (all days and months: 191 ms vs 23 ms for a year at 1M).
    sql = (
        f"SELECT count(DISTINCT person_id) FROM ({dims}span = 'd' AND day >= :first AND day < :m0 "
        f"UNION ALL {dims}span = 'm' AND day >= :m0 AND day < :m1 "
        f"UNION ALL {dims}span = 'd' AND day >= :m1 AND day < :last) AS spoke"
    )
    params.update({k: v.isoformat() if sqlite else v for k, v in bounds.items()})
    return int(session.execute(text(sql), params).scalar_one())


def topic_sums(
    session: Session,
    zone: str,
    first: date,
    last: date,
    *,
    channel: str | None = None,
    language: str | None = None,
) -> dict[str, list[int]]:
    """name -> [positive, neutral, negative, mixed] mentions over the local days."""
    where, params = _range_where(session, zone, first, last, channel, language)
    sums = ", ".join(f"sum({m})" for m in TOPIC_POLARITIES)
    return {
        str(name): [int(v or 0) for v in values]
        for name, *values in session.execute(
            text(f"SELECT name, {sums} FROM topic_rollups WHERE {where} GROUP BY name"), params
        ).all()
    }


def topic_examples(
    session: Session,
    zone: str,
    first: date,
    last: date,
    names: list[str],
    *,
    channel: str | None = None,
    language: str | None = None,
    per: int = 2,
    scan: int = 500,
) -> dict[tuple[str, str], list[int]]:
    """(name, "positive"|"negative") -> up to `per` example interaction ids, latest days first
    (from the latest `scan` rows of those names: a bounded read whatever the range)."""
    if not names:
        return {}
    where, params = _range_where(session, zone, first, last, channel, language)
    marks = ", ".join(f":n{i}" for i in range(len(names)))
    params.update({f"n{i}": name for i, name in enumerate(names)})
    params["scan"] = scan
    out: dict[tuple[str, str], list[int]] = {}
    for name, pos, neg in session.execute(
        text(
            "SELECT name, example_positive, example_negative FROM topic_rollups "
            f"WHERE {where} AND name IN ({marks}) "
            "AND (example_positive IS NOT NULL OR example_negative IS NOT NULL) "
            "ORDER BY day DESC LIMIT :scan"
        ),
        params,
    ).all():
        for polarity, iid in (("positive", pos), ("negative", neg)):
            ids = out.setdefault((str(name), polarity), [])
            if iid is not None and len(ids) < per and int(iid) not in ids:
                ids.append(int(iid))
    return out
