"""Rollup maintenance: incremental on every response change, or rebuilt from raw.

Service functions (all take a Session bound to a workspace):

- `facts_of(response) -> Facts | None`: what a response contributes (None unless completed).
- `record_change(session, before, after)`: subtract `before`'s contribution, add `after`'s,
  in the caller's transaction (create: before=None; delete: after=None).
- `record_many(session, facts_list)`: add many new completed responses in one upsert pass.
- `record_removed(session, facts_list)`: take many deleted responses out (erasure, retention).
- `rebuild(session, survey_id=None) -> int`: delete and recompute rollups from raw responses.
- `recompute(session) -> dict`, `stored(session) -> dict`: both views as {key: sums}, for checks.

The day of a response is its completion time in the workspace's time zone, so a
late-arriving response lands on the day it was given, whenever it is stored.
Changing a workspace's time zone needs `sada metrics rebuild`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sada.db.dialect import chunks, dialect_name
from sada.db.scoping import bound_workspace
from sada.metrics.models import MetricRollup
from sada.metrics.stats import classify

DIMENSIONS = ("all", "segment", "audience", "channel", "touchpoint", "language", "agent")
METRICS = ("nps", "enps", "csat", "ces")
Key = tuple[int, str, str, str, date]  # survey_id, metric, dim, value, day
Vec = list[float]

_TZ_KEY = "sada.metrics.tz"


@dataclass(frozen=True)
class Facts:
    survey_id: int
    completed_at: datetime
    scores: dict[str, Any] = field(default_factory=dict)  # metric -> [score, scale max]
    segment: str | None = None
    audience: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    language: str | None = None
    agent: str | None = None


def facts_of(response: Any) -> Facts | None:
    """The contribution of a response row (or any object with the same attributes)."""
    if response is None or response.status != "completed" or response.completed_at is None:
        return None
    if not response.scores:
        return None
    return Facts(
        survey_id=response.survey_id,
        completed_at=response.completed_at,
        scores=dict(response.scores),
        segment=response.segment,
        audience=response.audience,
        channel=response.channel,
        touchpoint=response.touchpoint,
        language=response.language,
        agent=response.agent,
    )


def workspace_tz(session: Session) -> ZoneInfo:
    tz = session.info.get(_TZ_KEY)
    if tz is None:
        from sada.tenants.service import get_workspace

        name = get_workspace(session, bound_workspace(session)).timezone or "UTC"
        try:
            tz = ZoneInfo(name)
        except (KeyError, ValueError):
            tz = ZoneInfo("UTC")
        session.info[_TZ_KEY] = tz
    return tz


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def add_into(acc: dict[Key, Vec], facts: Facts, tz: ZoneInfo, sign: int = 1) -> None:
    day = local_day(facts.completed_at, tz)
    values = {
        "all": "",
        "segment": facts.segment or "",
        "audience": facts.audience or "",
        "channel": facts.channel or "",
        "touchpoint": facts.touchpoint or "",
        "language": facts.language or "",
        "agent": facts.agent or "",
    }
    for metric, pair in facts.scores.items():
        if metric not in METRICS or pair is None:
            continue
        score, scale_max = float(pair[0]), float(pair[1])
        hi, mid, lo = classify(metric, score, scale_max)
        vec = (1, hi, mid, lo, score, score * score)
        for dim in DIMENSIONS:
            key = (facts.survey_id, metric, dim, values[dim][:320], day)
            cur = acc.get(key)
            if cur is None:
                acc[key] = [sign * x for x in vec]
            else:
                for i, x in enumerate(vec):
                    cur[i] += sign * x


_COLS = ("n", "hi", "mid", "lo", "total", "total_sq")


def _apply(session: Session, acc: dict[Key, Vec]) -> None:
    workspace_id = bound_workspace(session)
    rows = []
    negative = False
    for (survey_id, metric, dim, value, day), vec in acc.items():
        if all(x == 0 for x in vec):
            continue
        negative = negative or vec[0] < 0
        rows.append(
            {
                "workspace_id": workspace_id,
                "survey_id": survey_id,
                "metric": metric,
                "dim": dim,
                "value": value,
                "day": day,
                "n": int(vec[0]),
                "hi": int(vec[1]),
                "mid": int(vec[2]),
                "lo": int(vec[3]),
                "total": float(vec[4]),
                "total_sq": float(vec[5]),
            }
        )
    if not rows:
        return
    table = cast(Table, MetricRollup.__table__)
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["workspace_id", "survey_id", "metric", "dim", "value", "day"],
        set_={c: table.c[c] + statement.excluded[c] for c in _COLS},
    )
    for part in chunks(rows, 500):
        session.execute(statement, part)
    if negative:
        surveys = {r["survey_id"] for r in rows}
        days: list[date] = sorted({cast(date, r["day"]) for r in rows})
        for part in chunks(days, 300):
            session.execute(
                delete(MetricRollup)
                .where(
                    MetricRollup.survey_id.in_(surveys),
                    MetricRollup.day.in_(part),
                    MetricRollup.n <= 0,
                )
                .execution_options(synchronize_session=False)
            )


def record_change(session: Session, before: Facts | None, after: Facts | None) -> None:
    """Move the rollups from `before` to `after` in the caller's transaction."""
    if before == after:
        return
    tz = workspace_tz(session)
    acc: dict[Key, Vec] = {}
    if before is not None:
        add_into(acc, before, tz, -1)
    if after is not None:
        add_into(acc, after, tz, 1)
    _apply(session, acc)


def record_many(session: Session, facts_list: Iterable[Facts]) -> None:
    tz = workspace_tz(session)
    acc: dict[Key, Vec] = {}
    for facts in facts_list:
        add_into(acc, facts, tz, 1)
    _apply(session, acc)


def record_removed(session: Session, facts_list: Iterable[Facts]) -> None:
    """Take many deleted responses out in one upsert pass (erasure, retention); rows whose
    count falls to zero are deleted."""
    tz = workspace_tz(session)
    acc: dict[Key, Vec] = {}
    for facts in facts_list:
        add_into(acc, facts, tz, -1)
    _apply(session, acc)


def facts_of_row(row: Any) -> Facts | None:
    """`facts_of` for a mapping (a Core row of `survey_responses`)."""
    from types import SimpleNamespace

    return facts_of(SimpleNamespace(**dict(row)))


def _raw_facts(session: Session, survey_id: int | None = None) -> Iterable[Facts]:
    from sada.feedback.models import Response

    query = select(
        Response.survey_id,
        Response.completed_at,
        Response.scores,
        Response.segment,
        Response.audience,
        Response.channel,
        Response.touchpoint,
        Response.language,
        Response.agent,
    ).where(Response.status == "completed", Response.completed_at.is_not(None))
    if survey_id is not None:
        query = query.where(Response.survey_id == survey_id)
    for row in session.execute(query.execution_options(yield_per=5000)):
        if row.scores:
            yield Facts(
                survey_id=row.survey_id,
                completed_at=row.completed_at,
                scores=row.scores,
                segment=row.segment,
                audience=row.audience,
                channel=row.channel,
                touchpoint=row.touchpoint,
                language=row.language,
                agent=row.agent,
            )


def recompute(session: Session, survey_id: int | None = None) -> dict[Key, tuple[float, ...]]:
    """Rollups as they should be, straight from raw responses."""
    tz = workspace_tz(session)
    acc: dict[Key, Vec] = {}
    for facts in _raw_facts(session, survey_id):
        add_into(acc, facts, tz, 1)
    return {k: tuple(v) for k, v in acc.items() if v[0] != 0}


def stored(session: Session, survey_id: int | None = None) -> dict[Key, tuple[float, ...]]:
    query = select(MetricRollup)
    if survey_id is not None:
        query = query.where(MetricRollup.survey_id == survey_id)
    return {
        (r.survey_id, r.metric, r.dim, r.value, r.day): (
            r.n,
            r.hi,
            r.mid,
            r.lo,
            r.total,
            r.total_sq,
        )
        for r in session.execute(query).scalars()
    }


def rebuild(session: Session, survey_id: int | None = None) -> int:
    """Replace the workspace's rollups (or one survey's) with a recomputation; returns rows."""
    query = delete(MetricRollup).execution_options(synchronize_session=False)
    if survey_id is not None:
        query = query.where(MetricRollup.survey_id == survey_id)
    session.execute(query)
    session.info.pop(_TZ_KEY, None)
    fresh = recompute(session, survey_id)
    _apply(session, {k: list(v) for k, v in fresh.items()})
    return len(fresh)
