"""Journey analytics: per-person reconstruction, funnels and paths.

Funnels and paths run through the query layer (`query.py`) on the DuckDB copy
(`engine="duckdb"`), on the main database (`engine="sql"`), or on whichever is
available (`"auto"`: DuckDB when it can be opened). Results are the same.

A process that runs no jobs (an API node beside `sada worker`s) never writes the DuckDB
copy: it reads the snapshot the owner worker publishes (`EngineChoice.snapshot`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.db.engine import Database
from sada.interactions.models import Interaction, Touchpoint
from sada.journeys import service
from sada.journeys.columnar import DuckEngine, default_path, reader_for, store_for
from sada.journeys.query import (
    Compiled,
    Engine,
    Scope,
    SqlEngine,
    funnel_sql,
    paths_sql,
)
from sada.journeys.schemas import Rule
from sada.journeys.stats import wilson

ENGINES = ("auto", "duckdb", "sql")
# The columnar copy may lag the log by this much before a query syncs it again.
MAX_STALENESS_SECONDS = 10.0


@dataclass
class EngineChoice:
    """How to reach the data: the main DB through `session`, or DuckDB synced from `db`."""

    engine: str = "auto"
    db: Database | None = None
    store_path: Path | str | None = None
    max_staleness_seconds: float = 0.0
    # Read the owner's published snapshot instead of syncing a copy in this process.
    snapshot: bool = False
    snapshot_max_age_seconds: float = 600.0


def choice_for(settings: Any, db: Database, engine: str = "auto") -> EngineChoice:
    """How a request in this process reaches the data, from the settings.

    Jobs in this process (the embedded default): it owns the copy and syncs it when a
    query finds it older than 10 s. Jobs in `sada worker`s: it reads the snapshot that the
    worker started with `--analytics-owner` publishes under SADA_ANALYTICS_DIR.
    """
    snapshot = not settings.run_jobs_in_process
    return EngineChoice(
        engine=engine,
        db=db,
        store_path=default_path(db, settings.analytics_dir),
        max_staleness_seconds=MAX_STALENESS_SECONDS,
        snapshot=snapshot,
        snapshot_max_age_seconds=max(60.0, 10 * settings.analytics_refresh_seconds),
    )


def engine_for(session: Session, choice: EngineChoice | None) -> Engine:
    choice = choice or EngineChoice(engine="sql")
    if choice.engine not in ENGINES:
        raise Invalid(f"engine is one of {', '.join(ENGINES)}")
    if choice.engine == "sql" or choice.db is None:
        if choice.engine == "duckdb":
            raise Invalid("the DuckDB engine needs the database handle")
        return SqlEngine(session)
    if choice.snapshot:
        reader = reader_for(
            choice.db, choice.store_path, max_age_seconds=choice.snapshot_max_age_seconds
        )
        if reader is None:
            if choice.engine == "duckdb":
                raise Invalid("no current columnar snapshot (DuckDB) yet; try engine=sql")
            return SqlEngine(session)
        return reader
    store = store_for(choice.db, choice.store_path)
    if store is None:
        if choice.engine == "duckdb":
            raise Invalid("the columnar copy (DuckDB) is not available in this process")
        return SqlEngine(session)
    store.sync(choice.db, max_age_seconds=choice.max_staleness_seconds)
    return DuckEngine(store)


def _iso(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(int(ts), UTC).isoformat()


def _round(x: Any) -> float | None:
    return None if x is None else round(float(x), 3)


# -- rule matching in Python (same semantics as the SQL) --------------------------
def _attr_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        import orjson

        return orjson.dumps(value).decode()
    return str(value)


def rule_matches(rule: Rule, row: Any, tp_key: str | None) -> bool:
    if rule.channel and row.channel not in rule.channel:
        return False
    if rule.type and row.type not in rule.type:
        return False
    if rule.direction and row.direction != rule.direction:
        return False
    if rule.touchpoint and (tp_key is None or tp_key not in rule.touchpoint):
        return False
    for key, value in (rule.attributes or {}).items():
        if _attr_text((row.attributes or {}).get(key)) != value:
            return False
    return True


def assign(c: Compiled, row: Any, tp_key: str | None) -> int | None:
    for code, (_stage, tp) in enumerate(c.definition.touchpoints()):
        if any(rule_matches(r, row, tp_key) for r in tp.effective_rules()):
            return code
    return None


# -- reconstruction ----------------------------------------------------------------
def person_journey(
    session: Session, map_key: str, person_id: int, *, version: int | None = None
) -> dict[str, Any]:
    """One person's journey: each mapped interaction, and stages reached (first, last, via)."""
    from sada.people.service import access_person

    access_person(session, person_id)
    _row, c = service.compile_map(session, map_key, version)
    keys = {v: k for k, v in c.touchpoint_ids.items()}
    rows = session.execute(
        select(Interaction)
        .where(Interaction.person_id == person_id)
        .order_by(Interaction.occurred_at, Interaction.id)
    ).scalars()
    events: list[dict[str, Any]] = []
    stages: dict[int, dict[str, Any]] = {}
    for row in rows:
        code = assign(c, row, keys.get(row.touchpoint_id) if row.touchpoint_id else None)
        if code is None:
            continue
        stage = c.tp_stage[code]
        when = row.occurred_at.isoformat()
        events.append(
            {
                "interaction_id": row.id,
                "occurred_at": when,
                "channel": row.channel,
                "type": row.type,
                "touchpoint": c.tp_keys[code],
                "stage": c.stage_keys[stage],
                "rating": row.rating,
                "rating_scale": row.rating_scale,
            }
        )
        s = stages.setdefault(stage, {"first_at": when, "touchpoints": [], "interactions": 0})
        s["last_at"] = when
        s["interactions"] += 1
        if c.tp_keys[code] not in s["touchpoints"]:
            s["touchpoints"].append(c.tp_keys[code])
    return {
        "person_id": person_id,
        "map": map_key,
        "stages": [
            {"stage": key, "reached": i in stages, **stages.get(i, {})}
            for i, key in enumerate(c.stage_keys)
        ],
        "events": events,
    }


# -- funnels -------------------------------------------------------------------------
def _steps_block(labels: list[str], counts: list[int], quants: list[Any]) -> list[dict[str, Any]]:
    out = []
    first = counts[0] if counts else 0
    for i, (label, n) in enumerate(zip(labels, counts, strict=True)):
        prev = counts[i - 1] if i else n
        ci = wilson(n, prev) if i and prev else None
        out.append(
            {
                "step": label,
                "people": int(n),
                "conversion_from_start": (n / first) if first else None,
                "conversion_from_previous": (n / prev) if (i and prev) else (1.0 if n else None),
                "conversion_ci": list(ci) if ci else None,
                "drop_off": int(prev - n) if i else 0,
                "drop_off_rate": ((prev - n) / prev) if (i and prev) else None,
                "median_seconds": _round(quants[2 * (i - 1)]) if i else None,
                "p90_seconds": _round(quants[2 * (i - 1) + 1]) if i else None,
            }
        )
    return out


def _period_label(per: Any, period: str | None) -> str:
    if period in ("day", "week") and per not in (None, ""):
        return datetime.fromtimestamp(int(per), UTC).date().isoformat()
    return "" if per is None else str(per)


def funnel(
    session: Session,
    map_key: str,
    *,
    steps: list[str] | None,
    since: int,
    until: int,
    window_seconds: int,
    group_by: str | None = None,
    period: str | None = None,
    segment: str | None = None,
    language: str | None = None,
    version: int | None = None,
    choice: EngineChoice | None = None,
    incremental: bool = False,
) -> dict[str, Any]:
    """Conversion, drop-off and time between steps; overall and per (group, period).

    `incremental`: each person's step times are kept in the process and only the people
    changed by later writes are read again (`sada.journeys.incremental`, main database;
    `choice` is not used); the answer is the same."""
    row, c = service.compile_map(session, map_key, version)
    steps = steps or c.stage_keys
    if not 2 <= len(steps) <= 12:
        raise Invalid("a funnel has 2 to 12 steps")
    codes = [c.step_codes(s) for s in steps]
    seen: set[int] = set()
    for s in codes:
        if seen & set(s):
            raise Invalid("funnel steps must not share touchpoints")
        seen |= set(s)
    if window_seconds <= 0:
        raise Invalid("the conversion window must be positive")
    engine = SqlEngine(session) if incremental else engine_for(session, choice)
    audience = service.map_audience_key(session, row)
    k = len(steps)

    def run(group: str | None, per: str | None) -> list[tuple[Any, ...]]:
        scope = Scope(session_ws(session), audience, since, until, segment, language, group)
        if not incremental:
            return engine.fetch(funnel_sql(c, engine.dialect, scope, codes, window_seconds, per))
        from sada.journeys import incremental as inc

        def fetch(people: Sequence[int] | None) -> list[tuple[Any, ...]]:
            only = replace(scope, people=None if people is None else tuple(people))
            return engine.fetch(
                funnel_sql(c, engine.dialect, only, codes, window_seconds, per, per_person=True)
            )

        from sada.journeys.aggregates import Funnel

        sql = funnel_sql(c, engine.dialect, scope, codes, window_seconds, per, per_person=True)
        rows: list[tuple[Any, ...]] = inc.kept(
            session, ("funnel", k, sql), fetch, lambda _rows: Funnel(k)
        )
        return rows

    overall = run(None, None)
    counts = list(overall[0][2 : 2 + k]) if overall else [0] * k
    quants = list(overall[0][2 + k :]) if overall else [None] * (2 * (k - 1))
    out: dict[str, Any] = {
        "map": map_key,
        "version": version or row.current_version,
        "engine": engine.dialect.name,
        "window_seconds": window_seconds,
        "since": _iso(since),
        "until": _iso(until),
        "steps": _steps_block(steps, counts, quants),
        "groups": [],
    }
    if group_by or period:
        for r in run(group_by, period):
            out["groups"].append(
                {
                    "group": r[0],
                    "period": _period_label(r[1], period),
                    "steps": _steps_block(steps, list(r[2 : 2 + k]), list(r[2 + k :])),
                }
            )
    return out


def session_ws(session: Session) -> int:
    from sada.db.scoping import bound_workspace

    return bound_workspace(session)


# -- paths ---------------------------------------------------------------------------
def paths(
    session: Session,
    map_key: str,
    *,
    since: int,
    until: int,
    depth: int = 5,
    top: int = 20,
    goal: str | None = None,
    segment: str | None = None,
    language: str | None = None,
    version: int | None = None,
    choice: EngineChoice | None = None,
    incremental: bool = False,
) -> dict[str, Any]:
    """Top paths through touchpoints, Sankey links by position, and abandonment points.

    Abandonment: the last touchpoint of people who never reached `goal` (a stage
    or touchpoint; default the map's last stage) in the period.

    `incremental`: each person's path is kept in the process and only the people changed
    by later writes are read again (`sada.journeys.incremental`, main database; `choice` is
    not used); the answer is the same.
    """
    if not 2 <= depth <= 10:
        raise Invalid("depth is 2 to 10")
    row, c = service.compile_map(session, map_key, version)
    goal = goal or c.stage_keys[-1]
    goal_codes = c.step_codes(goal)
    engine = SqlEngine(session) if incremental else engine_for(session, choice)
    scope = Scope(
        session_ws(session), service.map_audience_key(session, row), since, until, segment, language
    )
    if incremental:
        from sada.journeys import incremental as inc

        def fetch(people: Sequence[int] | None) -> list[tuple[Any, ...]]:
            only = replace(scope, people=None if people is None else tuple(people))
            return engine.fetch(
                paths_sql(
                    c,
                    engine.dialect,
                    only,
                    depth=depth,
                    goal_codes=goal_codes,
                    top=top,
                    per_person=True,
                )
            )

        sql = paths_sql(
            c, engine.dialect, scope, depth=depth, goal_codes=goal_codes, top=top, per_person=True
        )
        from sada.journeys.aggregates import Paths

        rows = inc.kept(session, ("paths", depth, top, sql), fetch, lambda _rows: Paths(depth, top))
    else:
        rows = engine.fetch(
            paths_sql(c, engine.dialect, scope, depth=depth, goal_codes=goal_codes, top=top)
        )
    key = c.tp_keys
    people = next((int(r[4]) for r in rows if r[0] == "people"), 0)
    links: list[dict[str, Any]] = []
    ends: list[dict[str, Any]] = []
    abandon: list[dict[str, Any]] = []
    top_paths: list[dict[str, Any]] = []
    nodes: dict[str, dict[str, Any]] = {}

    def node(pos: int, code: int) -> str:
        ident = f"{pos}:{key[code]}"
        nodes.setdefault(
            ident,
            {
                "id": ident,
                "step": pos,
                "touchpoint": key[code],
                "stage": c.stage_keys[c.tp_stage[code]],
            },
        )
        return ident

    for kind, pos, tp, nxt, n, reached, longer, *ps in rows:
        if kind == "path":
            top_paths.append(
                {
                    "path": [key[int(x)] for x in ps if x is not None],
                    "people": int(n),
                    "reached_goal": int(reached or 0),
                    "continues": int(longer or 0),
                }
            )
        elif kind == "link":
            links.append(
                {
                    "source": node(int(pos), int(tp)),
                    "target": node(int(pos) + 1, int(nxt)),
                    "value": int(n),
                }
            )
        elif kind == "end":
            ends.append({"step": int(pos), "touchpoint": key[int(tp)], "people": int(n)})
            node(int(pos), int(tp))
        elif kind == "abandon":
            abandon.append(
                {
                    "touchpoint": key[int(tp)],
                    "stage": c.stage_keys[c.tp_stage[int(tp)]],
                    "people": int(n),
                }
            )
    # UNION ALL keeps no order: restore the top paths' (count, path) order here.
    top_paths.sort(
        key=lambda p: (
            -p["people"],
            [key.index(x) for x in p["path"]] + [-1] * (depth - len(p["path"])),
        )
    )
    not_reached = sum(a["people"] for a in abandon)
    for a in abandon:
        a["share"] = a["people"] / not_reached if not_reached else None
    links.sort(key=lambda x: (x["source"], -x["value"], x["target"]))
    ends.sort(key=lambda x: (x["step"], -x["people"], x["touchpoint"]))
    abandon.sort(key=lambda x: (-x["people"], x["touchpoint"]))
    return {
        "map": map_key,
        "engine": engine.dialect.name,
        "since": _iso(since),
        "until": _iso(until),
        "depth": depth,
        "goal": goal,
        "people": people,
        "reached_goal": people - not_reached,
        "top_paths": top_paths,
        "sankey": {
            "nodes": sorted(nodes.values(), key=lambda n: (n["step"], n["touchpoint"])),
            "links": links,
        },
        "ends": ends,
        "abandonment": abandon,
    }


def touchpoint_keys(session: Session) -> list[str]:
    return list(session.execute(select(Touchpoint.key).order_by(Touchpoint.key)).scalars())
