"""Rebuilding the interaction rollups from the log (`sada metrics rebuild`, demo seeding).

The write-time maintenance lives with the writers (`sada.interactions.rollups`, called by
ingest and by text analysis); this module rebuilds from every interaction with its
analysis, which needs both domains.

`rebuild` is set-based: the database groups the log itself, one zone at a time, with the
local day computed in SQL (`timezone(zone, occurred_at)` on PostgreSQL; on SQLite, which has
no time-zone database, a registered deterministic function doing the same `zoneinfo`
arithmetic as the writers, so the GROUP BY still runs inside SQLite), into temporary tables,
then `INSERT ... SELECT` writes the rows summed over languages and channels ("*") as the
writers do. Topic mentions come out of the analyses' JSON with the database's JSON functions
(`jsonb_array_elements`, `json_each`). Rows are the same as the write-time maintenance's
and as `rebuild_streaming` (the former implementation: every row read into Python, kept as
the reference and as the fallback when PostgreSQL does not know one of the kept zones);
`tests/dashboards/test_rebuild_sql.py` compares them on both databases, DST zones included.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from sada.dashboards.service import text_model
from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions import rollups, who_spoke
from sada.interactions.models import (
    ERA_MONTHS,
    VOICE_ORIGINS,
    Interaction,
    InteractionRollup,
    TopicRollup,
)
from sada.tenants.models import Membership, User, Workspace


def zones_to_keep(session: Session) -> list[str]:
    """UTC, the workspace's zone, its members' zones and any zone already kept."""
    workspace_id = bound_workspace(session)
    names = {"UTC", *rollups.zones(session)}
    own = session.execute(
        select(Workspace.timezone).where(Workspace.id == workspace_id)
    ).scalar_one_or_none()
    if own:
        names.add(own)
    members = session.execute(
        select(User.timezone)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, User.timezone.is_not(None))
        .distinct()
    ).scalars()
    names.update(name for name in members if name)
    return sorted(names)


def _facts(session: Session) -> Iterator[tuple[datetime, str, str | None, str, bool, str | None]]:
    analysis: Any = text_model()
    columns: list[Any] = [
        Interaction.occurred_at,
        Interaction.channel,
        Interaction.language,
        Interaction.origin,
        Interaction.text.is_not(None),
    ]
    if analysis is not None:
        query = select(*columns, analysis.interaction_id, analysis.sentiment).outerjoin(
            analysis, analysis.interaction_id == Interaction.id
        )
    else:
        query = select(*columns)
    for row in session.execute(query.execution_options(yield_per=20_000)):
        sentiment = None
        if analysis is not None and row[5] is not None:
            sentiment = row[6] or ""
        yield row[0], row[1], row[2], row[3], bool(row[4]), sentiment


def _people(session: Session) -> Iterator[tuple[datetime, str, str | None, int]]:
    query = select(
        Interaction.occurred_at, Interaction.channel, Interaction.language, Interaction.person_id
    ).where(Interaction.person_id.is_not(None), Interaction.origin.in_(VOICE_ORIGINS))
    for at, channel, language, pid in session.execute(query.execution_options(yield_per=20_000)):
        if pid is not None:
            yield at, channel, language, pid


def _topics(
    session: Session, analysis: Any
) -> Iterator[tuple[int, datetime, str, str | None, list[tuple[str, str]]]]:
    query = (
        select(
            Interaction.id,
            Interaction.occurred_at,
            Interaction.channel,
            Interaction.language,
            analysis.aspects,
            analysis.topics,
            analysis.sentiment,
        )
        .join(analysis, analysis.interaction_id == Interaction.id)
        .where(Interaction.origin.in_(VOICE_ORIGINS))
    )
    for iid, at, channel, language, aspects, topics, sentiment in session.execute(
        query.execution_options(yield_per=5_000)
    ):
        yield iid, at, channel, language, rollups.topic_items(aspects, topics, sentiment)


def rebuild_streaming(session: Session) -> int:
    """The former rebuild: every interaction read into Python, local days computed there
    (~160 s per million interactions); the reference of `rebuild` and its fallback.
    Recomputes the interaction, who-spoke and topic rollups in the caller's transaction;
    returns the number of interaction rollup rows."""
    count = rollups.replace_all(session, zones_to_keep(session), _facts(session))
    names = rollups.zones(session)
    who_spoke.replace_people(session, names, _people(session))
    analysis: Any = text_model()
    if analysis is not None:
        rollups.replace_topics(session, names, _topics(session, analysis))
    return count


Progress = Callable[[str], None]
_SENTIMENTS = ("positive", "neutral", "negative")


def _sql_zone(name: str) -> str:
    """The zone the database computes `name`'s local days in: `name`, or UTC for a name
    `zoneinfo` does not know (as `rollups.zone_info` reads it)."""
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return "UTC"
    return name


def _database_zones(session: Session, names: list[str]) -> list[tuple[str, str]] | None:
    """(kept zone, zone to compute in) pairs, or None when PostgreSQL does not know one of
    them (then the rebuild streams, computing local days in Python)."""
    pairs = [(name, _sql_zone(name)) for name in names]
    if dialect_name(session) == "postgresql":
        wanted = sorted({tz for _, tz in pairs})
        known = set(
            session.execute(
                text("SELECT name FROM pg_timezone_names WHERE name = ANY(:names)"),
                {"names": wanted},
            ).scalars()
        )
        if not set(wanted) <= known:
            return None
    return pairs


def _sqlite_local_day(stored: str | None, zone: str) -> str | None:
    """The local day (ISO) in `zone` of a datetime as SQLite stores it (naive UTC): the
    writers' `local_day`, so the days are theirs, DST and all."""
    if stored is None:
        return None
    at = datetime.fromisoformat(stored)
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    day = rollups.local_day(at, rollups.zone_info(zone))
    return None if day is None else day.isoformat()


class _Sql:
    """The dialect's spellings for the set-based rebuild."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pg = dialect_name(session) == "postgresql"
        self.ws = bound_workspace(session)
        if self.pg:
            self.temp = "pg_temp."
            # The local day; days a Python datetime cannot hold (year 1 or 9999 shifted out
            # of range) are left out as the writers leave them out.
            self.day_in = "CAST(timezone({}, i.occurred_at) AS date)"
            self.day_ok = "day BETWEEN DATE '0001-01-01' AND DATE '9999-12-31'"
            self.month = "CAST(date_trunc('month', CAST(day AS timestamp)) AS date)"
            self.types = {"text": "text", "day": "date", "bool": "boolean", "int": "bigint"}
            self.types["stamp"] = "timestamptz"
            self.order = 'COLLATE "C"'
        else:
            self.temp = "temp."
            self.day_in = "sada_local_day(i.occurred_at, {})"
            self.day_ok = "day IS NOT NULL"
            self.month = "substr(day, 1, 8) || '01'"
            self.types = {"text": "", "day": "", "bool": "", "int": "", "stamp": ""}
            self.order = ""
            dbapi: Any = session.connection().connection.dbapi_connection
            dbapi.create_function("sada_local_day", 2, _sqlite_local_day, deterministic=True)
        self.day = self.day_in.format("CAST(:tz AS text)")  # in the zone :tz
        self.voice = "i.origin IN ({})".format(", ".join(f"'{o}'" for o in VOICE_ORIGINS))
        self.language = "substr(coalesce(i.language, ''), 1, 16)"

    def zones(self, pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
        """FROM item `z` of the (zone, tz) pairs, and its parameters."""
        rows = " UNION ALL ".join(
            f"SELECT CAST(:z{i} AS text) AS zone, CAST(:t{i} AS text) AS tz"
            for i in range(len(pairs))
        )
        params = {f"z{i}": name for i, (name, _) in enumerate(pairs)}
        params |= {f"t{i}": tz for i, (_, tz) in enumerate(pairs)}
        return f"({rows}) AS z", params

    def run(self, sql: str, **params: Any) -> Any:
        return self.session.execute(text(sql), {"ws": self.ws, **params})

    def create(self, name: str, columns: dict[str, str]) -> str:
        """A fresh temporary table; returns its qualified name."""
        table = f"{self.temp}{name}"
        self.run(f"DROP TABLE IF EXISTS {table}")
        spec = ", ".join(f"{c} {self.types[t]}".strip() for c, t in columns.items())
        self.run(f"CREATE TEMPORARY TABLE {name} ({spec})")
        return table

    def lock(self, table: str) -> None:
        """Writers wait: those that already counted committed before the log is read,
        later ones count after the rebuild commits."""
        if self.pg:
            self.run(f"LOCK TABLE {table} IN EXCLUSIVE MODE")


def _rebuild_counts(
    q: _Sql, pairs: list[tuple[str, str]], analysis: str | None, say: Progress
) -> int:
    """`interaction_rollups`: one GROUP BY per zone into a temporary table, then the rows
    and their all-languages sums ("*") in one INSERT; returns the rows before the sums
    (as `replace_all`)."""
    q.lock("interaction_rollups")
    q.session.execute(delete(InteractionRollup).where(InteractionRollup.workspace_id == q.ws))
    rollups.add_zones(q.session, [name for name, _ in pairs])
    n = "int"
    base = q.create(
        "sada_rebuild_counts",
        {"zone": "text", "day": "day", "channel": "text", "language": "text", "voice": "bool"}
        | {m: n for m in rollups.MEASURES},
    )
    if analysis:
        join = (
            f"LEFT JOIN {analysis} AS a ON a.workspace_id = i.workspace_id "
            "AND a.interaction_id = i.id"
        )
        analysed = "CASE WHEN a.interaction_id IS NULL THEN 0 ELSE 1 END"
        labels = [f"CASE WHEN a.sentiment = '{s}' THEN 1 ELSE 0 END" for s in _SENTIMENTS]
    else:
        join, analysed, labels = "", "0", ["0", "0", "0"]
    measures = ", ".join(rollups.MEASURES)
    t0 = time.monotonic()
    zones, params = q.zones(pairs)
    # One pass over the log (joined once), each row counted in every zone.
    q.run(
        f"INSERT INTO {base} (zone, day, channel, language, voice, {measures}) "
        "SELECT zone, day, channel, language, voice, count(*), sum(has_text), "
        "sum(analysed), sum(positive), sum(neutral), sum(negative) FROM ("
        f"SELECT z.zone AS zone, {q.day_in.format('z.tz')} AS day, i.channel AS channel, "
        f"{q.language} AS language, "
        f"{q.voice} AS voice, CASE WHEN i.text IS NULL THEN 0 ELSE 1 END AS has_text, "
        f"{analysed} AS analysed, {labels[0]} AS positive, {labels[1]} AS neutral, "
        f"{labels[2]} AS negative FROM interactions AS i {join} CROSS JOIN {zones} "
        "WHERE i.workspace_id = :ws) AS f GROUP BY zone, day, channel, language, voice",
        **params,
    )
    say(f"interaction rollups: the log grouped in {time.monotonic() - t0:.1f} s")
    sums = ", ".join(f"sum({m})" for m in rollups.MEASURES)
    q.run(
        "INSERT INTO interaction_rollups "
        f"(workspace_id, zone, day, channel, language, voice, {measures}) "
        f"SELECT :ws, zone, day, channel, language, voice, {sums} FROM ("
        f"SELECT zone, day, channel, language, voice, {measures} FROM {base} "
        f"UNION ALL SELECT zone, day, channel, '{rollups.ALL}', voice, {measures} FROM {base} "
        f"WHERE language <> '{rollups.ALL}') AS r WHERE {q.day_ok} "
        "GROUP BY zone, day, channel, language, voice"
    )
    count = int(q.run(f"SELECT count(*) FROM {base} WHERE {q.day_ok}").scalar_one())
    q.run(f"DROP TABLE {base}")
    return count


def _rebuild_people(q: _Sql, pairs: list[tuple[str, str]], say: Progress) -> None:
    """`who_spoke_days` and `who_spoke_months`: per zone, the distinct (day, channel, language,
    person) facts of the voice interactions with a person; their days OR-ed into one mask
    per person and month (under the four dimension sets: own channel and language, either
    one with "*", "*" for both; as `who_spoke.spoke_rows` spells them), then the months of
    those rows into one mask per person and era of `ERA_MONTHS` months, with the era's latest
    month and its days."""
    q.lock("who_spoke_months")
    q.lock("who_spoke_days")
    who_spoke.delete_people(q.session, None)
    every = f"'{rollups.ALL}'"
    c = q.order
    era = ERA_MONTHS
    if q.pg:
        day_bits = "bit_or(1 << (CAST(EXTRACT(DAY FROM day) AS integer) - 1))"
        index = (
            "(CAST(EXTRACT(YEAR FROM month) AS integer) * 12 "
            "+ CAST(EXTRACT(MONTH FROM month) AS integer) - 1)"
        )
        month_bits = f"bit_or(CAST(1 AS bigint) << ({index} % {era}))"
        latest = f"max({index}) % {era}, (array_agg(days ORDER BY month DESC))[1]"
    else:
        # Distinct powers of two add up to their OR (SQLite has no bit_or aggregate).
        day_bits = "sum(DISTINCT 1 << (CAST(substr(day, 9, 2) AS integer) - 1))"
        index = (
            "(CAST(substr(month, 1, 4) AS integer) * 12 + CAST(substr(month, 6, 2) AS integer) - 1)"
        )
        month_bits = f"sum(DISTINCT 1 << ({index} % {era}))"
        # One max() aggregate: SQLite takes the bare `days` from the row holding it.
        latest = f"max({index}) % {era}, days"
    for name, tz in pairs:
        t0 = time.monotonic()
        facts = q.create(
            "sada_rebuild_voice",
            {"day": "day", "channel": "text", "language": "text", "person_id": "int"},
        )
        q.run(
            f"INSERT INTO {facts} (day, channel, language, person_id) "
            "SELECT DISTINCT day, channel, language, person_id FROM ("
            f"SELECT {q.day} AS day, i.channel AS channel, {q.language} AS language, "
            "i.person_id AS person_id FROM interactions AS i WHERE i.workspace_id = :ws "
            f"AND i.person_id IS NOT NULL AND {q.voice}) AS f WHERE {q.day_ok}",
            tz=tz,
        )
        # Each fact under the four dimension sets; GROUP BY merges any that coincide.
        variants = " UNION ALL ".join(
            f"SELECT {ch} AS channel, {lang} AS language, {q.month} AS month, day, person_id "
            f"FROM {facts}"
            for ch, lang in (
                ("channel", "language"),
                ("channel", every),
                (every, "language"),
                (every, every),
            )
        )
        q.run(
            "INSERT INTO who_spoke_days "
            "(workspace_id, zone, channel, language, month, person_id, days) "
            f"SELECT :ws, CAST(:zone AS text), channel, language, month, person_id, {day_bits} "
            f"FROM ({variants}) AS r GROUP BY channel, language, month, person_id "
            f"ORDER BY channel {c}, language {c}, month, person_id",
            zone=name,
        )
        q.run(
            "INSERT INTO who_spoke_months "
            "(workspace_id, zone, channel, language, era, person_id, months, latest, "
            "latest_days) "
            f"SELECT :ws, zone, channel, language, {index} / {era}, person_id, {month_bits}, "
            f"{latest} "
            "FROM who_spoke_days WHERE workspace_id = :ws AND zone = CAST(:zone AS text) "
            f"GROUP BY zone, channel, language, {index} / {era}, person_id "
            f"ORDER BY channel {c}, language {c}, {index} / {era}, person_id",
            zone=name,
        )
        q.run(f"DROP TABLE {facts}")
        say(f"who-spoke rows: {name} in {time.monotonic() - t0:.1f} s")


def _mentions_sql(q: _Sql, analysis: str) -> list[str]:
    """SELECTs of one row per topic mention of an analysed voice interaction, as
    `rollups.topic_items` lists them: (iid, occurred_at, channel, language, name, polarity);
    one for the aspects, one for the workspace topics."""
    polarities = ", ".join(f"'{p}'" for p in rollups.TOPIC_POLARITIES)
    sentiments = ", ".join(f"'{s}'" for s in _SENTIMENTS)
    label = f"CASE WHEN a.sentiment IN ({sentiments}) THEN a.sentiment ELSE 'neutral' END"

    def field(element: str, key: str, missing: str) -> str:
        """str(element.get(key, missing)) for a string or a number; JSON null reads None."""
        if q.pg:
            kind, value = f"jsonb_typeof({element} -> '{key}')", f"{element} ->> '{key}'"
        else:
            kind = f"json_type({element}, '$.{key}')"
            value = f"CAST(json_extract({element}, '$.{key}') AS text)"
        return (
            f"CASE WHEN {kind} IS NULL THEN '{missing}' WHEN {kind} = 'null' THEN 'None' "
            f"ELSE {value} END"
        )

    def elements(column: str) -> tuple[str, str]:
        """FROM item of the elements of the analysis's JSON array `column` (none when it
        is not an array), and the expression of one element."""
        if q.pg:
            return (
                f"jsonb_array_elements(CASE WHEN jsonb_typeof(a.{column}) = 'array' "
                f"THEN a.{column} ELSE CAST('[]' AS jsonb) END) AS x_{column}(e)"
            ), "e"
        return (
            f"json_each(CASE WHEN json_type(a.{column}) = 'array' THEN a.{column} "
            f"ELSE '[]' END) AS x_{column}"
        ), f"x_{column}.value"

    def query(column: str, name: str, polarity: str) -> str:
        return (
            f"SELECT i.id AS iid, i.occurred_at AS occurred_at, i.channel AS channel, "
            f"{q.language} AS language, {name} AS name, {polarity} AS polarity "
            f"FROM interactions AS i JOIN {analysis} AS a ON a.workspace_id = i.workspace_id "
            f"AND a.interaction_id = i.id CROSS JOIN {elements(column)[0]} "
            f"WHERE i.workspace_id = :ws AND {q.voice}"
        )

    aspect = elements("aspects")[1]
    topic = elements("topics")[1]
    aspects = query(
        "aspects",
        f"substr({field(aspect, 'aspect', '')}, 1, 200)",
        field(aspect, "polarity", "neutral"),
    )
    return [
        "SELECT iid, occurred_at, channel, language, name, polarity "
        f"FROM ({aspects}) AS g WHERE name <> '' AND polarity IN ({polarities})",
        query("topics", f"substr('#' || {field(topic, 'name', '')}, 1, 200)", label),
    ]


def _rebuild_topics(q: _Sql, pairs: list[tuple[str, str]], analysis: str, say: Progress) -> None:
    """`topic_rollups`: the mentions out of the analyses' JSON once, grouped per zone, then
    the rows and their sums over channels and languages ("*") with the latest examples."""
    q.lock("topic_rollups")
    q.session.execute(delete(TopicRollup).where(TopicRollup.workspace_id == q.ws))
    t0 = time.monotonic()
    mentions = q.create(
        "sada_rebuild_mentions",
        {"iid": "int", "occurred_at": "stamp", "channel": "text", "language": "text"}
        | {"name": "text", "polarity": "text"},
    )
    for part in _mentions_sql(q, analysis):
        q.run(
            f"INSERT INTO {mentions} (iid, occurred_at, channel, language, name, polarity) {part}"
        )
    say(f"topic mentions read in {time.monotonic() - t0:.1f} s")
    names = ["positive", "neutral", "negative", "mixed", "example_positive", "example_negative"]
    base = q.create(
        "sada_rebuild_topics",
        {"zone": "text", "day": "day", "channel": "text", "language": "text", "name": "text"}
        | {m: "int" for m in names},
    )
    counts = ", ".join(
        f"sum(CASE WHEN polarity = '{p}' THEN 1 ELSE 0 END)" for p in rollups.TOPIC_POLARITIES
    )
    examples = ", ".join(
        f"max(CASE WHEN polarity = '{p}' THEN iid END)" for p in ("positive", "negative")
    )
    columns = ", ".join(names)
    for name, tz in pairs:
        t0 = time.monotonic()
        q.run(
            f"INSERT INTO {base} (zone, day, channel, language, name, {columns}) "
            f"SELECT CAST(:zone AS text), day, channel, language, name, {counts}, {examples} "
            f"FROM (SELECT {q.day} AS day, i.channel AS channel, i.language AS language, "
            f"i.name AS name, i.polarity AS polarity, i.iid AS iid FROM {mentions} AS i) AS f "
            "GROUP BY day, channel, language, name",
            zone=name,
            tz=tz,
        )
        say(f"topic rollups: {name} grouped in {time.monotonic() - t0:.1f} s")
    every = f"'{rollups.ALL}'"
    summed = f"channel <> {every} AND language <> {every}"  # else already a summed row
    sums = ", ".join(f"sum({m})" for m in rollups.TOPIC_POLARITIES)
    parts = [f"SELECT zone, day, channel, language, name, {columns} FROM {base}"] + [
        f"SELECT zone, day, {ch}, {lang}, name, {columns} FROM {base} WHERE {summed}"
        for ch, lang in (("channel", every), (every, "language"), (every, every))
    ]
    q.run(
        f"INSERT INTO topic_rollups (workspace_id, zone, day, channel, language, name, {columns}) "
        f"SELECT :ws, zone, day, channel, language, name, {sums}, max(example_positive), "
        f"max(example_negative) FROM ({' UNION ALL '.join(parts)}) AS r WHERE {q.day_ok} "
        "GROUP BY zone, day, channel, language, name"
    )
    q.run(f"DROP TABLE {base}")
    q.run(f"DROP TABLE {mentions}")


PARTS = ("counts", "people", "topics")


def rebuild(
    session: Session, progress: Progress | None = None, parts: Collection[str] = PARTS
) -> int:
    """Recompute the workspace's interaction, who-spoke and topic rollups in the caller's
    transaction, set-based (see the module's docstring); returns the number of interaction
    rollup rows before the all-languages sums (0 without "counts"). `progress` gets a line
    per step; `parts` (of `PARTS`) lets a benchmark split a long rebuild in two
    transactions (the who-spoke rows need no analyses)."""
    say: Progress = progress or (lambda _line: None)
    pairs = _database_zones(session, zones_to_keep(session))
    if pairs is None:
        say("a kept zone is unknown to the database: rebuilding row by row")
        return rebuild_streaming(session)
    q = _Sql(session)
    pg_memory = None
    if q.pg:  # the sorts and groupings of millions of rows: memory for this transaction only
        pg_memory = q.run("SELECT current_setting('work_mem')").scalar_one()
        q.run("SELECT set_config('work_mem', '256MB', true)")
    analysis_model: Any = text_model()
    analysis = analysis_model.__tablename__ if analysis_model is not None else None
    count = 0
    if "counts" in parts:
        t0 = time.monotonic()
        count = _rebuild_counts(q, pairs, analysis, say)
        say(f"interaction rollups: {count:,} rows in {time.monotonic() - t0:.1f} s")
    else:
        rollups.add_zones(session, [name for name, _ in pairs])
    if "people" in parts:
        t0 = time.monotonic()
        _rebuild_people(q, pairs, say)
        say(f"who-spoke rows in {time.monotonic() - t0:.1f} s")
    if analysis is not None and "topics" in parts:
        t0 = time.monotonic()
        _rebuild_topics(q, pairs, analysis, say)
        say(f"topic rollups in {time.monotonic() - t0:.1f} s")
    if pg_memory is not None:
        q.run("SELECT set_config('work_mem', :memory, true)", memory=pg_memory)
    return count
