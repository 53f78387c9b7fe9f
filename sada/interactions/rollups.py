"""Daily rollups of the interaction log, kept at write time (see `InteractionRollup`).

- `count_ingested(session, rows)`: in the ingest transaction, add the stored rows.
- `count_analyses(session, changes)`: in the analysis transaction, add analyses and move
  re-analysed texts from their old sentiment to the new one.
- `replace_all(session, zones, facts)`: a rebuild's write side (the read side, which needs
  the text domain's analyses, lives in `sada.dashboards.rollups`).

Every write is `INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x` with the keys in
one order, so concurrent writers commute and never deadlock on each other's rows.
A workspace keeps rollups for the zones in `rollup_zones`. A new workspace gets UTC and its
own zone with its first interactions; one that had data before rollups existed gets them
from `sada metrics rebuild` (until then its dashboards read the log).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select, text
from sqlalchemy.orm import Session

from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions.models import VOICE_ORIGINS, Interaction, InteractionRollup, RollupZone

MEASURES = ("n", "texts", "analysed", "positive", "neutral", "negative")
SENTIMENTS = ("positive", "neutral", "negative")
Key = tuple[str, date, str, str, bool]  # zone, day, channel, language, voice

_ZONES_KEY = "sada.interactions.rollup_zones"


def zone_info(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC


def zones(session: Session) -> list[str]:
    """The zones this workspace keeps rollups in (cached for the transaction)."""
    cached = session.info.get(_ZONES_KEY)
    if cached is None:
        cached = sorted(session.execute(select(RollupZone.zone)).scalars())
        session.info[_ZONES_KEY] = cached
    return list(cached)


def add_zones(session: Session, names: Iterable[str]) -> None:
    from sada.db.dialect import insert_ignoring_conflicts

    workspace_id = bound_workspace(session)
    statement = insert_ignoring_conflicts(session, RollupZone.__table__, ["workspace_id", "zone"])
    for name in sorted(set(names)):
        session.execute(statement.values(workspace_id=workspace_id, zone=name))
    session.info.pop(_ZONES_KEY, None)


def _default_zones(session: Session) -> list[str]:
    from sada.tenants.models import Workspace

    own = session.execute(
        select(Workspace.timezone).where(Workspace.id == bound_workspace(session))
    ).scalar_one_or_none()
    return sorted({"UTC", own or "UTC"})


def kept_zones(session: Session) -> list[str]:
    """Zones to count a new row in; registers the defaults for a workspace's first rows.

    Called before the rows are inserted. The order of the two reads matters: a workspace
    with rows but no zones predates rollups (left to `sada metrics rebuild`); one whose
    first rows commit concurrently shows either no rows (we register too, idempotent) or
    its zones.
    """
    has_rows = session.execute(select(exists().where(Interaction.id.is_not(None)))).scalar()
    found = zones(session)
    if found or has_rows:
        return found
    add_zones(session, _default_zones(session))
    return zones(session)


def _local_day(at: datetime, tz: tzinfo) -> date | None:
    """The local day, or None for an instant the zone cannot hold (year 1 or 9999):
    such rows are left out of the rollups, as the overview always left them out."""
    try:
        return at.astimezone(tz).date()
    except (OverflowError, ValueError):
        return None


def _upsert(session: Session, deltas: dict[Key, list[int]]) -> None:
    if not deltas:
        return
    workspace_id = bound_workspace(session)
    dialect = dialect_name(session)
    marker = "?" if dialect == "sqlite" else "%s"
    columns = ["workspace_id", "zone", "day", "channel", "language", "voice", *MEASURES]
    sets = ", ".join(f"{m} = interaction_rollups.{m} + excluded.{m}" for m in MEASURES)
    sql = (
        f"INSERT INTO interaction_rollups ({', '.join(columns)}) "
        f"VALUES ({', '.join(marker for _ in columns)}) "
        "ON CONFLICT (workspace_id, zone, day, channel, language, voice) "
        f"DO UPDATE SET {sets}"
    )
    rows = []
    for key in sorted(deltas):  # one lock order for every writer
        zone, day, channel, language, voice = key
        values = deltas[key]
        if not any(values):
            continue
        rows.append(
            (
                workspace_id,
                zone,
                day.isoformat() if dialect == "sqlite" else day,
                channel,
                language,
                int(voice) if dialect == "sqlite" else voice,
                *values,
            )
        )
    if not rows:
        return
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _key_parts(row: Any) -> tuple[datetime, str, str, bool]:
    return (
        row["occurred_at"],
        row["channel"],
        (row.get("language") or "")[:16],
        row.get("origin", "customer") in VOICE_ORIGINS,
    )


def count_ingested(session: Session, rows: list[dict[str, Any]], names: list[str]) -> None:
    """Add stored interaction rows (dicts as ingest writes them) to the zones `names`."""
    if not rows or not names:
        return
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for name in names:
        tz = zone_info(name)
        days: dict[datetime, date | None] = {}
        for row in rows:
            at, channel, language, voice = _key_parts(row)
            if at not in days:
                days[at] = _local_day(at, tz)
            day = days[at]
            if day is None:
                continue
            vec = deltas[(name, day, channel, language, voice)]
            vec[0] += 1
            if row.get("text") is not None:
                vec[1] += 1
    _upsert(session, deltas)


def count_analyses(session: Session, changes: list[tuple[int, str | None, str]]) -> None:
    """Analyses stored: (interaction id, previous label or None if new, label)."""
    changes = [c for c in changes if c[1] != c[2]]
    names = zones(session)
    if not changes or not names:
        return
    ids = sorted({c[0] for c in changes})
    facts: dict[int, tuple[datetime, str, str, bool]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for iid, at, channel, language, origin in session.execute(
            select(
                Interaction.id,
                Interaction.occurred_at,
                Interaction.channel,
                Interaction.language,
                Interaction.origin,
            ).where(Interaction.id.in_(part))
        ).all():
            facts[iid] = (at, channel, (language or "")[:16], origin in VOICE_ORIGINS)
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for name in names:
        tz = zone_info(name)
        for iid, old, new in changes:
            if iid not in facts:
                continue
            at, channel, language, voice = facts[iid]
            day = _local_day(at, tz)
            if day is None:
                continue
            vec = deltas[(name, day, channel, language, voice)]
            if old is None:
                vec[2] += 1
            elif old in SENTIMENTS:
                vec[MEASURES.index(old)] -= 1
            if new in SENTIMENTS:
                vec[MEASURES.index(new)] += 1
    _upsert(session, deltas)


def replace_all(
    session: Session,
    names: list[str],
    facts: Iterable[tuple[datetime, str, str | None, str, bool, str | None]],
) -> int:
    """Recompute the workspace's rollups from (occurred_at, channel, language, origin,
    has_text, sentiment or None if not analysed) of every interaction; returns row count.

    On PostgreSQL the rollup table is locked against writers first: ingests that already
    counted commit before the facts are read, later ones count after the rebuild commits.
    """
    if dialect_name(session) == "postgresql":
        session.execute(text("LOCK TABLE interaction_rollups IN EXCLUSIVE MODE"))
    session.execute(
        delete(InteractionRollup).where(InteractionRollup.workspace_id == bound_workspace(session))
    )
    add_zones(session, names)
    names = zones(session)
    tzs = [(name, zone_info(name)) for name in names]
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for at, channel, language, origin, has_text, sentiment in facts:
        voice = origin in VOICE_ORIGINS
        lang = (language or "")[:16]
        for name, tz in tzs:
            day = _local_day(at, tz)
            if day is None:
                continue
            vec = deltas[(name, day, channel, lang, voice)]
            vec[0] += 1
            if has_text:
                vec[1] += 1
            if sentiment is not None:
                vec[2] += 1
                if sentiment in SENTIMENTS:
                    vec[MEASURES.index(sentiment)] += 1
    _upsert(session, deltas)
    return len(deltas)


def read(
    session: Session,
    zone: str,
    first: date,
    last: date,
    *,
    channel: str | None = None,
    language: str | None = None,
) -> list[tuple[str, str, list[int]]]:
    """(day "YYYY-MM-DD", channel, [n, texts, analysed, positive, neutral, negative]) of the
    outside party's voice for local days first <= day < last in `zone`, summed over languages
    (or of one `language`), optionally of one `channel`.

    Aggregated in the database and memoized for the session (one request), so the
    overview's panels share one read of at most days x channels rows.
    """
    memo_key = ("sada.interactions.rollups.read", zone, first, last, channel, language)
    cached = session.info.get(memo_key)
    if cached is not None:
        return list(cached)
    sums = ", ".join(f"sum({m})" for m in MEASURES)
    where = "workspace_id = :ws AND zone = :zone AND day >= :first AND day < :last AND voice"
    params: dict[str, Any] = {
        "ws": bound_workspace(session),
        "zone": zone,
        "first": first,
        "last": last,
    }
    if dialect_name(session) == "sqlite":
        params["first"], params["last"] = first.isoformat(), last.isoformat()
    if channel is not None:
        where += " AND channel = :channel"
        params["channel"] = channel
    if language is not None:
        where += " AND language = :language"
        params["language"] = language
    rows = [
        (str(day), str(ch), [int(v or 0) for v in values])
        for day, ch, *values in session.execute(
            text(
                f"SELECT day, channel, {sums} FROM interaction_rollups WHERE {where} "
                "GROUP BY day, channel"
            ),
            params,
        ).all()
    ]
    session.info[memo_key] = rows
    return list(rows)


def totals(session: Session, zone: str) -> list[int]:
    """Sums of every measure over all days, voice or not (progress counters)."""
    from sqlalchemy import func

    r = InteractionRollup
    row = session.execute(
        select(*[func.coalesce(func.sum(getattr(r, m)), 0) for m in MEASURES]).where(r.zone == zone)
    ).one()
    return [int(v) for v in row]
