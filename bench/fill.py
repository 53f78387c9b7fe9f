"""Grow a benchmark workspace set-based: synthetic people, interactions and analyses.

`fill(db, workspace_id, n, people=k)` writes, in a few statements per million rows:

- `k` more people (`INSERT ... SELECT` over a series), audiences and languages spread;
- `n` interactions for all of the workspace's people (the existing ones and the new ones),
  spread like `bench/pages.py`'s row-by-row preload: uniform over the last 365 days (to the
  minute), 7 channels, 4 languages, 80% with text, the outside party's voice (`customer`),
  marked `backfill` as history;
- an analysis for each new interaction with text (35% negative, 20% neutral, 45% positive,
  one aspect of six, like `bench/pages.py`'s synthetic analyses);

then rebuilds the dashboard rollups with the product's own rebuild
(`sada.dashboards.rollups.rebuild`, what `sada metrics rebuild` runs), so the rollups a
benchmark reads are the product's, not hand-made. `rebuild=False` leaves that to the caller.

Every choice is a hash of the row number (a multiplicative hash modulo a prime), not a
random draw, so the same call writes the same rows on SQLite and PostgreSQL; the series is
`generate_series` on PostgreSQL and a recursive CTE on SQLite, written in chunks of
`CHUNK` rows, one transaction each. `tests/dashboards/test_fill.py` checks that an overview
on a SQL-filled workspace equals the overview of the same rows ingested the normal way.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

CHUNK = 1_000_000
CHANNELS = ("email", "chat", "phone", "sms", "whatsapp", "web", "app")
LANGUAGES = ("en", "fa", "zh", "ar")
TEXTS = ("the courier was late again", "سفارشم دیر رسید", "快递太慢了", "great service")
ASPECTS = ("delivery", "product_quality", "staff", "app_website", "billing", "price")
AUDIENCES = ("customer", "customer", "customer", "employee")
SOURCE = "preload-sql"
MODEL_VERSION = "bench-synthetic"
MINUTES = 365 * 24 * 60
PRIME = 2_147_483_647  # 2^31 - 1


def _h(expr: str, salt: int) -> str:
    """SQL of a hash of the integer `expr` in [0, PRIME): the same on both databases
    (products stay below 2^63; `expr` below ~10^13)."""
    affine = f"((CAST({expr} AS BIGINT) * {48271 + 7919 * salt} + {salt * 104729 + 1}) % {PRIME})"
    return f"(({affine} * {affine}) % {PRIME})"  # squared: not linear in the row number


def _pick(values: tuple[str, ...], expr: str, salt: int) -> str:
    """SQL choosing one of `values` by a hash of `expr`."""
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"(CASE {_h(expr, salt)} % {len(values)} {whens} END)"


def _series(dialect: str, start: int, stop: int) -> str:
    """FROM clause of the integers start <= i < stop as column `i`."""
    if dialect == "postgresql":
        return f"generate_series({start}, {stop - 1}) AS s(i)"
    return (
        f"(WITH RECURSIVE s(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM s "
        f"WHERE i < {stop - 1}) SELECT i FROM s) AS s"
    )


def _stamp(dialect: str) -> str:
    """SQL of `:now` minus `minutes` (a column), as the database stores UTC datetimes."""
    if dialect == "postgresql":
        return "(CAST(:now AS timestamptz) - make_interval(mins => CAST(minutes AS integer)))"
    return "strftime('%Y-%m-%d %H:%M:%S.000000', :now, '-' || minutes || ' minutes')"


def _now_param(dialect: str, now: datetime) -> Any:
    return now if dialect == "postgresql" else now.astimezone(UTC).replace(tzinfo=None).isoformat()


def add_people(db: Any, workspace_id: int, k: int, *, tag: str = "fill") -> int:
    """`k` synthetic people (no identities: they only speak through `add_interactions`)."""
    if k <= 0:
        return 0
    dialect = db.dialect
    now = datetime.now(UTC)
    traits = "CAST('{}' AS jsonb)" if dialect == "postgresql" else "'{}'"
    with db.transaction(workspace_id) as session:
        session.execute(
            text(
                "INSERT INTO people (workspace_id, name, name_search, audience, traits, language, "
                "segment, created_at, updated_at) "
                f"SELECT :ws, '{tag} ' || i, '{tag} ' || i, {_pick(AUDIENCES, 'i', 11)}, "
                f"{traits}, {_pick(LANGUAGES, 'i', 12)}, NULL, :now, :now "
                f"FROM {_series(dialect, 0, k)}"
            ),
            {"ws": workspace_id, "now": _now_param(dialect, now)},
        )
    return k


def add_interactions(
    db: Any,
    workspace_id: int,
    n: int,
    *,
    now: datetime | None = None,
    run: str = "0",
    progress: Any = None,
) -> int:
    """`n` interactions spread over the workspace's people and the last 365 days."""
    if n <= 0:
        return 0
    dialect = db.dialect
    now = now or datetime.now(UTC)
    pool = "bench_fill_people"
    with db.transaction(workspace_id) as session:
        session.execute(text(f"DROP TABLE IF EXISTS {pool}"))
        session.execute(
            text(f"CREATE TABLE {pool} (k INTEGER PRIMARY KEY, person_id BIGINT NOT NULL)")
        )
        session.execute(
            text(
                f"INSERT INTO {pool} (k, person_id) SELECT row_number() OVER (ORDER BY id) - 1, id "
                "FROM people WHERE workspace_id = :ws AND merged_into_id IS NULL"
            ),
            {"ws": workspace_id},
        )
        size = int(session.execute(text(f"SELECT count(*) FROM {pool}")).scalar_one())
    if size == 0:
        raise ValueError("the workspace has no people to fill for")
    attributes = "CAST('{}' AS jsonb)" if dialect == "postgresql" else "'{}'"
    true = "true" if dialect == "postgresql" else "1"
    texts = " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(TEXTS))
    done = 0
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        sql = (
            "INSERT INTO interactions (workspace_id, person_id, occurred_at, received_at, "
            "channel, direction, type, text, language, attributes, source, external_id, "
            "origin, backfill) "
            f"SELECT :ws, p.person_id, {_stamp(dialect)}, :now, channel, 'inbound', 'message', "
            f"CASE WHEN {_h('i', 4)} % 5 = 0 THEN NULL "
            f"ELSE (CASE {_h('i', 5)} % {len(TEXTS)} {texts} END) END, "
            f"language, {attributes}, '{SOURCE}', 'fill-{run}-' || i, 'customer', {true} "
            "FROM (SELECT i, "
            f"{_h('i', 1)} % {MINUTES} AS minutes, {_h('i', 2)} % {size} AS k, "
            f"{_pick(CHANNELS, 'i', 3)} AS channel, {_pick(LANGUAGES, 'i', 6)} AS language "
            f"FROM {_series(dialect, start, stop)}) AS f "
            f"JOIN {pool} AS p ON p.k = f.k"
        )
        t0 = time.monotonic()
        with db.transaction(workspace_id) as session:
            session.execute(text(sql), {"ws": workspace_id, "now": _now_param(dialect, now)})
        done = stop
        if progress:
            progress(f"interactions {done:,}/{n:,} ({time.monotonic() - t0:.1f} s)")
    with db.transaction(workspace_id) as session:
        session.execute(text(f"DROP TABLE {pool}"))
    return done


def add_analyses(db: Any, workspace_id: int, *, progress: Any = None) -> int:
    """An analysis for each filled interaction with text that has none."""
    dialect = db.dialect
    now = datetime.now(UTC)
    label = "(CASE WHEN r < 35 THEN 'negative' WHEN r < 55 THEN 'neutral' ELSE 'positive' END)"
    score = "(CASE WHEN r < 35 THEN -0.7 WHEN r < 55 THEN 0.0 ELSE 0.7 END)"
    aspect = _pick(ASPECTS, "id", 8)
    if dialect == "postgresql":
        obj, arr, cast, false = "jsonb_build_object", "jsonb_build_array", "::jsonb", "false"
        first = "left(txt, 200)"
    else:
        obj, arr, cast, false = "json_object", "json_array", "", "0"
        first = "substr(txt, 1, 200)"
    sentences = (
        f"{arr}({obj}('text', {first}, 'start', 0, 'end', length({first}), "
        f"'sentiment', {obj}('label', label), "
        f"'aspects', {arr}({obj}('aspect', aspect, 'polarity', label, 'text', {first}))))"
    )
    aspects = f"{arr}({obj}('aspect', aspect, 'polarity', label, 'counts', {obj}(label, 1)))"
    total = 0
    with db.reader(workspace_id) as session:
        bounds = session.execute(
            text(
                "SELECT min(id), max(id) FROM interactions WHERE workspace_id = :ws "
                "AND source = :source"
            ),
            {"ws": workspace_id, "source": SOURCE},
        ).one()
    if bounds[0] is None:
        return 0
    low, high = int(bounds[0]), int(bounds[1])
    for start in range(low, high + 1, CHUNK):
        stop = start + CHUNK
        sql = (
            "INSERT INTO text_analyses (workspace_id, interaction_id, language, script, "
            "language_confidence, sentiment, sentiment_score, uncertain, scores, sentences, "
            "aspects, topics, mentions, pii, redacted_text, text_hash, model_version, "
            "analyzed_at) "
            f"SELECT :ws, id, coalesce(lang, 'en'), 'Latn', 0.9, label, score, {false}, "
            f"'{{}}'{cast}, {sentences}, {aspects}, '[]'{cast}, '[]'{cast}, '[]'{cast}, NULL, "
            f"'{'0' * 64}', '{MODEL_VERSION}', :now "
            f"FROM (SELECT id, txt, lang, r, {label} AS label, {score} AS score, "
            f"{aspect} AS aspect FROM (SELECT i.id, i.text AS txt, i.language AS lang, "
            f"{_h('i.id', 7)} % 100 AS r FROM interactions AS i "
            "WHERE i.workspace_id = :ws AND i.source = :source AND i.text IS NOT NULL "
            "AND i.id >= :start AND i.id < :stop AND NOT EXISTS (SELECT 1 FROM text_analyses AS a "
            "WHERE a.workspace_id = :ws AND a.interaction_id = i.id)) AS x) AS y"
        )
        t0 = time.monotonic()
        with db.transaction(workspace_id) as session:
            result = session.execute(
                text(sql),
                {
                    "ws": workspace_id,
                    "source": SOURCE,
                    "start": start,
                    "stop": stop,
                    "now": _now_param(dialect, now),
                },
            )
            total += int(result.rowcount or 0)  # type: ignore[attr-defined]
        if progress:
            progress(f"analyses {total:,} ({time.monotonic() - t0:.1f} s)")
    return total


def rebuild_rollups(db: Any, workspace_id: int, *, progress: Any = None) -> int:
    """The product's rebuild (`sada metrics rebuild`): every rollup recomputed from the log
    (set-based, in the database)."""
    from sada.dashboards.rollups import rebuild

    with db.transaction(workspace_id) as session:
        return rebuild(session, progress=progress)


def fill(
    db: Any,
    workspace_id: int,
    n: int,
    *,
    people: int = 0,
    now: datetime | None = None,
    rebuild: bool = True,
    progress: Any = None,
) -> dict[str, float]:
    """People, interactions and analyses set-based, then the product's rollup rebuild;
    returns the seconds each step took."""
    times: dict[str, float] = {}
    t0 = time.monotonic()
    add_people(db, workspace_id, people, tag=f"fill{time.time_ns() % 10**6}")
    times["people"] = time.monotonic() - t0
    t0 = time.monotonic()
    add_interactions(db, workspace_id, n, now=now, run=f"{time.time_ns():x}", progress=progress)
    times["interactions"] = time.monotonic() - t0
    t0 = time.monotonic()
    add_analyses(db, workspace_id, progress=progress)
    times["analyses"] = time.monotonic() - t0
    if rebuild:
        t0 = time.monotonic()
        rebuild_rollups(db, workspace_id, progress=progress)
        times["rebuild"] = time.monotonic() - t0
    return times
