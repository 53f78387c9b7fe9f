"""Daily rollups of the interaction log, kept at write time (see `InteractionRollup`).

- `count_ingested(session, rows)`: in the ingest transaction, add the stored rows.
- `count_analyses(session, changes)`: in the analysis transaction, add analyses and move
  re-analysed texts from their old sentiment to the new one.
- `count_topics(session, changes)`: in the analysis transaction, move a text's aspect and
  topic mentions (`topic_items`) into `topic_rollups`.
- `move_people(session, person_ids)`: after a merge or unmerge, recompute the who-spoke rows
  (`who_spoke_months`, `who_spoke_days`: bit masks per person, added by `count_ingested`)
  of the people involved.
- `count_removed(session, removals)`: in a deleting transaction (erasure, retention), lower
  the interaction and topic rollups by the interactions, texts and analyses that go.
- `replace_all(session, zones, facts)`, `replace_people`, `replace_topics`: a rebuild's write side (the read side, which needs
  the text domain's analyses, lives in `sada.dashboards.rollups`).

Reading the rows (totals, distinct people, topic sums and examples) is `sada.interactions.rollup_reads`.

Every write is `INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x` with the keys in
one order, so concurrent writers commute and never deadlock on each other's rows.
A workspace keeps rollups for the zones in `rollup_zones`. A new workspace gets UTC and its
own zone with its first interactions; one that had data before rollups existed gets them
from `sada metrics rebuild` (until then its dashboards read the log).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.orm import Session

from sada.db.dialect import bulk_insert, dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions.models import (
    ERA_MONTHS,
    VOICE_ORIGINS,
    Interaction,
    InteractionRollup,
    RollupZone,
    SpokeDays,
    SpokeMonths,
    TopicRollup,
)

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


def _with_all_languages(deltas: dict[Key, list[int]]) -> dict[Key, list[int]]:
    """The deltas plus the same deltas summed over languages (language `ALL`), so a read
    without a language filter takes one row per day and channel, not one per language."""
    out: dict[Key, list[int]] = {key: list(values) for key, values in deltas.items()}
    for (zone, day, channel, language, voice), values in deltas.items():
        if language == ALL:  # never from a writer; a caller passing expanded deltas again
            continue
        vec = out.setdefault((zone, day, channel, ALL, voice), [0] * len(MEASURES))
        for i, v in enumerate(values):
            vec[i] += v
    return out


def _upsert(session: Session, deltas: dict[Key, list[int]]) -> None:
    if not deltas:
        return
    deltas = _with_all_languages(deltas)
    workspace_id = bound_workspace(session)
    dialect = dialect_name(session)
    columns = ["workspace_id", "zone", "day", "channel", "language", "voice", *MEASURES]
    sets = ", ".join(f"{m} = interaction_rollups.{m} + excluded.{m}" for m in MEASURES)
    conflict = (
        f"ON CONFLICT (workspace_id, zone, day, channel, language, voice) DO UPDATE SET {sets}"
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
    bulk_insert(session, "interaction_rollups", columns, rows, conflict)


def count_ingested(session: Session, rows: list[dict[str, Any]], names: list[str]) -> None:
    """Add stored interaction rows (dicts as ingest writes them) to the zones `names`.

    The batch is aggregated in memory first (one delta per zone, day, channel, language and
    voice; one who-spoke fact per person and day), then written with one statement per table.
    """
    if not rows or not names:
        return
    width = len(MEASURES)
    deltas: dict[Key, list[int]] = {}
    people: set[PersonKey] = set()
    add_person = people.add
    # Each row's parts once, whatever the number of zones.
    facts = [
        (
            row["occurred_at"],
            row["channel"],
            (row.get("language") or "")[:16],
            row.get("origin", "customer") in VOICE_ORIGINS,
            row.get("text") is not None,
            row.get("person_id"),
        )
        for row in rows
    ]
    for name in names:
        tz = zone_info(name)
        days: dict[datetime, date | None] = {}
        for at, channel, language, voice, has_text, person_id in facts:
            day = days.get(at, _UNSEEN)
            if day is _UNSEEN:
                day = days[at] = _local_day(at, tz)
            if day is None:
                continue
            key = (name, day, channel, language, voice)
            vec = deltas.get(key)
            if vec is None:
                vec = deltas[key] = [0] * width
            vec[0] += 1
            if has_text:
                vec[1] += 1
            if voice and person_id is not None:
                add_person((name, day, channel, language, int(person_id)))
    _upsert(session, deltas)
    _add_people(session, people)


_UNSEEN: Any = object()


PersonKey = tuple[str, date, str, str, int]  # zone, day, channel, language, person


ALL = "*"  # channel or language of the rows that count every channel or language


def month_index(day: date) -> int:
    """Months since January of year 0: bit `month_index % ERA_MONTHS` of era
    `month_index // ERA_MONTHS` in `who_spoke_months`."""
    return day.year * 12 + day.month - 1


def spoke_rows(
    keys: Iterable[PersonKey], sqlite: bool
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The who-spoke facts as rows of `who_spoke_months` and `who_spoke_days`: (zone, channel,
    language, era or month, person, bits), each fact under its own channel and language and
    under "*" (both), facts of one row OR-ed into its bits. Sorted in the unique key's order
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
        for dims in ((zone, channel, language), (zone, ALL, ALL)):
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


def _add_people(session: Session, keys: Iterable[PersonKey]) -> None:
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
            day = _local_day(at, zone_info(name))
            if day is not None and pid is not None:
                keys.add((name, day, channel, (language or "")[:16], pid))
    _add_people(session, keys)


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
            day = _local_day(at, tz)
            if day is not None:
                keys.add((name, day, channel, lang, pid))
        if len(keys) >= 50_000:
            _add_people(session, keys)
            keys = set()
    _add_people(session, keys)


TOPIC_POLARITIES = ("positive", "neutral", "negative", "mixed")
TopicKey = tuple[str, date, str, str, str]  # zone, day, channel, language, name


def topic_items(aspects: Any, topics: Any, sentiment: str | None) -> list[tuple[str, str]]:
    """(name, polarity) mentions of one analysis, as the overview's topics panel counts them:
    each aspect with its polarity, each workspace topic as `#name` with the text's sentiment."""
    items: list[tuple[str, str]] = []
    for aspect in aspects or []:
        name = str(aspect.get("aspect", ""))[:200]
        polarity = str(aspect.get("polarity", "neutral"))
        if name and polarity in TOPIC_POLARITIES:
            items.append((name, polarity))
    for topic in topics or []:
        label = sentiment if sentiment in SENTIMENTS else "neutral"
        items.append((("#" + str(topic.get("name", "")))[:200], str(label)))
    return items


def _with_all_dimensions(
    deltas: dict[TopicKey, list[int]], examples: dict[TopicKey, list[int | None]]
) -> tuple[dict[TopicKey, list[int]], dict[TopicKey, list[int | None]]]:
    """The mentions plus the same summed over languages, channels and both (`ALL`), so the
    topics panel reads one row per day and name whatever the filters; each summed row's
    examples are the latest of its parts."""
    out: dict[TopicKey, list[int]] = {}
    out_examples: dict[TopicKey, list[int | None]] = {}
    for (zone, day, channel, language, name), values in deltas.items():
        for ch, lang in _variants(channel, language):
            vec = out.setdefault((zone, day, ch, lang, name), [0] * len(TOPIC_POLARITIES))
            for i, v in enumerate(values):
                vec[i] += v
    for (zone, day, channel, language, name), pair in examples.items():
        for ch, lang in _variants(channel, language):
            got = out_examples.setdefault((zone, day, ch, lang, name), [None, None])
            for slot in (0, 1):
                if pair[slot] is not None:
                    got[slot] = max(got[slot] or 0, pair[slot] or 0)
    return out, out_examples


def _variants(channel: str, language: str) -> list[tuple[str, str]]:
    if channel == ALL or language == ALL:  # already a summed row
        return [(channel, language)]
    return [(channel, language), (channel, ALL), (ALL, language), (ALL, ALL)]


def _upsert_topics(
    session: Session, deltas: dict[TopicKey, list[int]], examples: dict[TopicKey, list[int | None]]
) -> None:
    deltas, examples = _with_all_dimensions(deltas, examples)
    keys = sorted(k for k in set(deltas) | set(examples) if any(deltas.get(k, ())) or k in examples)
    if not keys:
        return
    workspace_id = bound_workspace(session)
    dialect = dialect_name(session)
    marker = "?" if dialect == "sqlite" else "%s"
    measures = [*TOPIC_POLARITIES, "example_positive", "example_negative"]
    columns = ["workspace_id", "zone", "day", "channel", "language", "name", *measures]
    sets = ", ".join(
        [f"{m} = topic_rollups.{m} + excluded.{m}" for m in TOPIC_POLARITIES]
        + [
            f"{m} = coalesce(excluded.{m}, topic_rollups.{m})"
            for m in ("example_positive", "example_negative")
        ]
    )
    sql = (
        f"INSERT INTO topic_rollups ({', '.join(columns)}) "
        f"VALUES ({', '.join(marker for _ in columns)}) "
        f"ON CONFLICT (workspace_id, zone, day, channel, language, name) DO UPDATE SET {sets}"
    )
    rows = []
    for key in keys:  # one lock order for every writer
        zone, day, channel, language, name = key
        rows.append(
            (
                workspace_id,
                zone,
                day.isoformat() if dialect == "sqlite" else day,
                channel,
                language,
                name,
                *deltas.get(key, [0, 0, 0, 0]),
                *examples.get(key, [None, None]),
            )
        )
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _add_topic_mentions(
    deltas: dict[TopicKey, list[int]],
    examples: dict[TopicKey, list[int | None]],
    key: tuple[str, date, str, str],
    iid: int,
    items: list[tuple[str, str]],
    sign: int,
) -> None:
    for name, polarity in items:
        full = (*key, name)
        deltas[full][TOPIC_POLARITIES.index(polarity)] += sign
        if sign > 0 and polarity in ("positive", "negative"):
            pair = examples.setdefault(full, [None, None])
            slot = 0 if polarity == "positive" else 1
            pair[slot] = max(pair[slot] or 0, iid)


def count_topics(
    session: Session,
    changes: list[tuple[int, list[tuple[str, str]] | None, list[tuple[str, str]]]],
) -> None:
    """Analyses stored: (interaction id, previous `topic_items` or None if new, new items)."""
    changes = [c for c in changes if c[1] != c[2]]
    names = zones(session)
    if not changes or not names:
        return
    facts = _voice_facts(session, sorted({c[0] for c in changes}))
    deltas: dict[TopicKey, list[int]] = defaultdict(lambda: [0] * len(TOPIC_POLARITIES))
    examples: dict[TopicKey, list[int | None]] = {}
    for name in names:
        tz = zone_info(name)
        for iid, old, new in changes:
            if iid not in facts:
                continue
            at, channel, language = facts[iid]
            day = _local_day(at, tz)
            if day is None:
                continue
            key = (name, day, channel, language)
            _add_topic_mentions(deltas, examples, key, iid, old or [], -1)
            _add_topic_mentions(deltas, examples, key, iid, new, 1)
    _upsert_topics(session, deltas, examples)


def _voice_facts(session: Session, ids: list[int]) -> dict[int, tuple[datetime, str, str]]:
    facts: dict[int, tuple[datetime, str, str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for iid, at, channel, language in session.execute(
            select(
                Interaction.id, Interaction.occurred_at, Interaction.channel, Interaction.language
            ).where(Interaction.id.in_(part), Interaction.origin.in_(VOICE_ORIGINS))
        ).all():
            facts[iid] = (at, channel, (language or "")[:16])
    return facts


def replace_topics(
    session: Session,
    names: list[str],
    facts: Iterable[tuple[int, datetime, str, str | None, list[tuple[str, str]]]],
) -> None:
    """Recompute the topic rollups from (id, occurred_at, channel, language, topic_items) of
    every analysed voice interaction."""
    if dialect_name(session) == "postgresql":
        session.execute(text("LOCK TABLE topic_rollups IN EXCLUSIVE MODE"))
    session.execute(delete(TopicRollup).where(TopicRollup.workspace_id == bound_workspace(session)))
    tzs = [(name, zone_info(name)) for name in names]
    deltas: dict[TopicKey, list[int]] = defaultdict(lambda: [0] * len(TOPIC_POLARITIES))
    examples: dict[TopicKey, list[int | None]] = {}
    for iid, at, channel, language, items in facts:
        if not items:
            continue
        lang = (language or "")[:16]
        for name, tz in tzs:
            day = _local_day(at, tz)
            if day is not None:
                _add_topic_mentions(deltas, examples, (name, day, channel, lang), iid, items, 1)
    _upsert_topics(session, deltas, examples)


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


@dataclass(frozen=True)
class Removal:
    """What a deletion takes out of the rollups for one interaction: the row itself (`row`),
    its text (`text`), its analysis (`analysed`, with that analysis's `sentiment` and
    `topic_items`)."""

    id: int
    occurred_at: datetime
    channel: str
    language: str | None
    origin: str
    row: bool = True
    text: bool = False
    analysed: bool = False
    sentiment: str | None = None
    topics: tuple[tuple[str, str], ...] = ()


def count_removed(session: Session, removals: Iterable[Removal]) -> None:
    """Lower the interaction and topic rollups by what is being deleted, in the caller's
    transaction (erasure, retention). Aggregated by rollup key first, so one upsert per key
    with negative deltas; rows left empty are deleted, and topic examples that point at a
    removed interaction are cleared. The who-spoke rows go with the person (`person_id`)."""
    removals = list(removals)
    names = zones(session)
    if not removals or not names:
        return
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    topic_deltas: dict[TopicKey, list[int]] = defaultdict(lambda: [0] * len(TOPIC_POLARITIES))
    days: set[date] = set()
    for name in names:
        tz = zone_info(name)
        for r in removals:
            day = _local_day(r.occurred_at, tz)
            if day is None:
                continue
            language = (r.language or "")[:16]
            voice = r.origin in VOICE_ORIGINS
            vec = deltas[(name, day, r.channel, language, voice)]
            vec[0] -= int(r.row)
            vec[1] -= int(r.text)
            if r.analysed:
                vec[2] -= 1
                if r.sentiment in SENTIMENTS:
                    vec[MEASURES.index(r.sentiment)] -= 1
                if voice and r.topics:
                    key = (name, day, r.channel, language)
                    _add_topic_mentions(topic_deltas, {}, key, r.id, list(r.topics), -1)
            days.add(day)
    _upsert(session, deltas)
    _upsert_topics(session, topic_deltas, {})
    ws = bound_workspace(session)
    ordered = sorted(days)
    sqlite = dialect_name(session) == "sqlite"
    for start in range(0, len(ordered), 300):
        part = [d.isoformat() if sqlite else d for d in ordered[start : start + 300]]
        marks = ", ".join(f":d{i}" for i in range(len(part)))
        params: dict[str, Any] = {"ws": ws, **{f"d{i}": d for i, d in enumerate(part)}}
        session.execute(
            text(
                "DELETE FROM interaction_rollups WHERE workspace_id = :ws "
                f"AND day IN ({marks}) AND n <= 0"
            ),
            params,
        )
        empty = " AND ".join(f"{m} <= 0" for m in TOPIC_POLARITIES)
        session.execute(
            text(
                f"DELETE FROM topic_rollups WHERE workspace_id = :ws AND day IN ({marks}) AND {empty}"
            ),
            params,
        )
    ids = sorted({r.id for r in removals if r.analysed or r.row})
    for start in range(0, len(ids), 400):
        part_ids = ids[start : start + 400]
        for column in ("example_positive", "example_negative"):
            session.execute(
                update(TopicRollup)
                .where(TopicRollup.workspace_id == ws, getattr(TopicRollup, column).in_(part_ids))
                .values({column: None})
                .execution_options(synchronize_session=False)
            )
