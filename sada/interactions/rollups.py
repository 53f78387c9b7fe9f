"""Daily rollups of the interaction log, kept at write time (see `InteractionRollup`).

- `count_ingested(session, rows)`: in the ingest transaction, add the stored rows.
- `count_analyses(session, changes)`: in the analysis transaction, add analyses and move
  re-analysed texts from their old sentiment to the new one.
- `count_topics(session, changes)`: in the analysis transaction, move a text's aspect and
  topic mentions (`topic_items`) into `topic_rollups`.
- Who spoke (the people behind the counts, as bit masks per person): added by
  `count_ingested`, kept by `sada.interactions.who_spoke`.
- `count_removed(session, removals)`: in a deleting transaction (erasure, retention), lower
  the interaction and topic rollups by the interactions, texts and analyses that go.
- `replace_all(session, zones, facts)`, `replace_topics`: a rebuild's write side (the read
  side, which needs the text domain's analyses, lives in `sada.dashboards.rollups`).

Reading the rows (totals, distinct people, topic sums and examples) is `sada.interactions.rollup_reads`.

Every write is `INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x` with the keys in
one order, so concurrent writers commute and never deadlock on each other's rows.
A workspace keeps rollups for the zones in `rollup_zones` (`sada.interactions.rollup_zones`,
whose names this module offers too). A new workspace gets UTC and its own zone with its
first interactions; one that had data before rollups existed gets them from
`sada metrics rebuild` (until then its dashboards read the log).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from sada.db.dialect import bulk_insert, dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions import who_spoke
from sada.interactions.models import VOICE_ORIGINS, Interaction, InteractionRollup, TopicRollup
from sada.interactions.rollup_zones import ALL as ALL
from sada.interactions.rollup_zones import add_zones as add_zones
from sada.interactions.rollup_zones import kept_zones as kept_zones
from sada.interactions.rollup_zones import local_day
from sada.interactions.rollup_zones import zone_info as zone_info
from sada.interactions.rollup_zones import zones as zones

MEASURES = ("n", "texts", "analysed", "positive", "neutral", "negative")
SENTIMENTS = ("positive", "neutral", "negative")
Key = tuple[str, date, str, str, bool]  # zone, day, channel, language, voice


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
    people: set[who_spoke.PersonKey] = set()
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
                day = days[at] = local_day(at, tz)
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
    # The day counters are the rows every concurrent writer shares: written last, so their
    # row locks are held for the shortest time before the commit.
    who_spoke.add_people(session, people)
    _upsert(session, deltas)


_UNSEEN: Any = object()


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
            day = local_day(at, tz)
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
            day = local_day(at, tz)
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
            day = local_day(at, tz)
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
            day = local_day(at, tz)
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
            day = local_day(r.occurred_at, tz)
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
