"""Reading the interaction rollups kept at write time (`sada.interactions.rollups`).

- `totals(session, zone)`: every measure summed over all days (progress counters).
- `distinct_people(session, zone, first, last, ...)`: people who spoke on the local days,
  from the who-spoke bit masks (whole months from the month bits, edge days from day bits).
- `topic_sums`, `topic_examples`: topic and aspect mentions over the local days, and example
  interactions for them.

The overview (`sada.dashboards`) reads through these; the write side keeps the rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions.models import ERA_MONTHS, InteractionRollup
from sada.interactions.rollups import ALL, MEASURES, TOPIC_POLARITIES
from sada.interactions.who_spoke import month_index


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


def _day_mask(first_day: int, last_day: int) -> int:
    """Bits of days first_day..last_day (inclusive) of a month in `who_spoke_days.days`."""
    return ((1 << last_day) - 1) ^ ((1 << (first_day - 1)) - 1)


def _split(first: date, last: date) -> tuple[list[int], list[tuple[date, int]]]:
    """The range first <= day < last as whole months (`month_index`es) and edge parts
    (a month's first day, the mask of its days in the range): at most two edge parts, one at
    each end (or the range's one or two months when it holds no whole month)."""
    months_from = first if first.day == 1 else next_month(first)
    whole: list[int] = []
    cursor = months_from
    while next_month(cursor) <= last:
        whole.append(month_index(cursor))
        cursor = next_month(cursor)
    edges: list[tuple[date, int]] = []
    if whole:
        pieces = [(first, months_from), (cursor, last)]
    else:
        pieces = [(first, min(last, next_month(first)))]
        if pieces[0][1] < last:
            pieces.append((pieces[0][1], last))
    for start, stop in pieces:
        if start < stop:
            end = stop - timedelta(days=1)
            edges.append((start.replace(day=1), _day_mask(start.day, end.day)))
    return whole, edges


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
    channel, in one language), exactly, from the who-spoke bit masks (`SpokeMonths`: a row
    per person and era of 60 months; `SpokeDays`: a row per person and month).

    With whole months in the range, one pass over the month rows of the era(s) (about one
    row per person): a person counts when a whole month's bit is set, or when an edge
    month's bit is set and that month's days hold a day of the range (on the row itself
    when the edge month is the row's latest, else looked up for those people only, by the
    unique key). With no whole month (a range inside one or two
    months), the day rows of those months. Either way the rows read grow with the people,
    not with the days or months they spoke on."""
    if last <= first:
        return 0
    sqlite = dialect_name(session) == "sqlite"
    whole, edges = _split(first, last)
    params: dict[str, Any] = {
        "ws": bound_workspace(session),
        "zone": zone,
        # The rows of exactly this filter (ALL: every channel or language; see SpokeMonths).
        "channel": channel if channel is not None else ALL,
        "language": language if language is not None else ALL,
    }
    dims = "channel = :channel AND language = :language"
    for i, (month, mask) in enumerate(edges):
        params[f"em{i}"] = month.isoformat() if sqlite else month
        params[f"dm{i}"] = mask
    selects: list[str] = []
    if not whole:
        for i in range(len(edges)):
            selects.append(
                "SELECT person_id FROM who_spoke_days WHERE workspace_id = :ws AND zone = :zone "
                f"AND {dims} AND month = :em{i} AND (days & :dm{i}) <> 0"
            )
    else:
        eras: dict[int, list[str]] = {}
        masks: dict[int, int] = {}
        for index in whole:
            era, bit = divmod(index, ERA_MONTHS)
            masks[era] = masks.get(era, 0) | (1 << bit)
        for era, mask in sorted(masks.items()):
            params[f"w{era}"] = mask
            eras.setdefault(era, []).append(f"(m.months & :w{era}) <> 0")
        for i, (month, _mask) in enumerate(edges):
            era, bit = divmod(month_index(month), ERA_MONTHS)
            params[f"g{i}"] = 1 << bit
            params[f"b{i}"] = bit
            eras.setdefault(era, []).append(
                # The edge month is the row's latest (the usual case): its days are on the
                # row. Otherwise a scalar subquery (one probe of the unique key per person
                # left), not EXISTS: PostgreSQL would hash the whole edge month's rows.
                f"((m.months & :g{i}) <> 0 AND CASE WHEN m.latest = :b{i} "
                f"THEN (m.latest_days & :dm{i}) <> 0 "
                "ELSE (coalesce((SELECT d.days FROM who_spoke_days "
                "AS d WHERE d.workspace_id = m.workspace_id AND d.zone = m.zone "
                "AND d.channel = m.channel AND d.language = m.language "
                f"AND d.month = :em{i} AND d.person_id = m.person_id), 0) & :dm{i}) <> 0 END)"
            )
        for era, terms in sorted(eras.items()):
            params[f"e{era}"] = era
            selects.append(
                "SELECT m.person_id FROM who_spoke_months AS m WHERE m.workspace_id = :ws "
                f"AND m.zone = :zone AND {dims} AND m.era = :e{era} "
                f"AND ({' OR '.join(terms)})"
            )
    if len(selects) == 1:
        # One row per person at most: no DISTINCT needed.
        sql = f"SELECT count(*) FROM ({selects[0]}) AS spoke"
    else:
        sql = f"SELECT count(DISTINCT person_id) FROM ({' UNION ALL '.join(selects)}) AS spoke"
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
