"""Daily counts per workspace, kept in memory and brought up to date incrementally.

The overview's volume, channel and sentiment panels read this cube instead of
scanning the interaction log on every page view. The cube holds, per local day,
channel and language: interactions, texts, and analysed texts by sentiment. It
is built once per workspace and time zone with one GROUP BY, then each request
adds only the rows whose id is above the cube's watermark (an index lookup on
the primary key). A full rebuild every REBUILD_SECONDS picks up re-analysed
texts and deletions. Each process keeps its own cube.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions.models import Interaction

REBUILD_SECONDS = 900.0
MAX_PEOPLE_ENTRIES = 2_000_000
Key = tuple[str, str, str]  # (local day "YYYY-MM-DD", channel, language or "")


def _people_index() -> dict[str, set[int]]:
    return defaultdict(set)


@dataclass
class Cube:
    built_at: float
    interaction_mark: int = 0
    analysis_mark: int = 0
    volume: dict[Key, int] = field(default_factory=lambda: defaultdict(int))
    texts: dict[Key, int] = field(default_factory=lambda: defaultdict(int))
    sentiment: dict[tuple[str, str, str, str], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    # Distinct people per local day (None once the workspace is too large to keep them).
    people: dict[str, set[int]] | None = field(default_factory=_people_index)
    lock: threading.Lock = field(default_factory=threading.Lock)


_cubes: dict[tuple[int, str], Cube] = {}
_registry_lock = threading.Lock()


def _day_expr(session: Session, tz: tzinfo) -> Any:
    if dialect_name(session) == "postgresql":
        name = getattr(tz, "key", "UTC")
        return func.to_char(func.timezone(name, Interaction.occurred_at), "YYYY-MM-DD")
    offset = datetime.now(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return func.strftime("%Y-%m-%d", Interaction.occurred_at, f"{minutes:+d} minutes")


def _text_model() -> Any | None:
    from sada.dashboards.service import text_model

    return text_model()


def _newer_than(column: Any, mark: int, owner: Any, workspace_id: int) -> Any:
    """`column > mark` in this workspace, written so the primary key drives the scan.

    (`workspace_id + 0` keeps SQLite from choosing the workspace/date index and
    scanning the whole workspace for a handful of new rows.)
    """
    return (column > mark) & (owner.workspace_id + literal_column("0") == workspace_id)


_ALL = {"all_workspaces": True}


def _add_interactions(session: Session, cube: Cube, tz: tzinfo) -> None:
    workspace_id = bound_workspace(session)
    day = _day_expr(session, tz).label("day")
    top = cube.interaction_mark
    newer = _newer_than(Interaction.id, cube.interaction_mark, Interaction, workspace_id)
    lang = func.coalesce(Interaction.language, literal_column("''")).label("lang")
    rows = session.execute(
        select(
            day,
            Interaction.channel,
            lang,
            func.count(),
            func.count(Interaction.text),
            func.max(Interaction.id),
        )
        .where(newer)
        .group_by(day, Interaction.channel, lang)
        .execution_options(**_ALL)
    ).all()
    if cube.people is not None and rows:
        pairs = session.execute(
            select(day, Interaction.person_id)
            .where(newer, Interaction.person_id.is_not(None))
            .distinct()
            .execution_options(**_ALL)
        ).all()
        for d, pid in pairs:
            if d is not None:
                cube.people[d].add(int(pid))
        if sum(len(v) for v in cube.people.values()) > MAX_PEOPLE_ENTRIES:
            cube.people = None
    for d, channel, language, n, texts, max_id in rows:
        top = max(top, int(max_id))
        if d is None:  # a date SQLite cannot shift into this time zone (year 1, 9999)
            continue
        key = (d, channel, language)
        cube.volume[key] += int(n)
        cube.texts[key] += int(texts)
    cube.interaction_mark = top


def _add_analyses(session: Session, cube: Cube, tz: tzinfo) -> None:
    analysis = _text_model()
    if analysis is None:
        return
    workspace_id = bound_workspace(session)
    day = _day_expr(session, tz).label("day")
    top = cube.analysis_mark
    lang = func.coalesce(Interaction.language, literal_column("''")).label("lang")
    rows = session.execute(
        select(
            day, Interaction.channel, lang, analysis.sentiment, func.count(), func.max(analysis.id)
        )
        .join(analysis, analysis.interaction_id == Interaction.id)
        .where(_newer_than(analysis.id, cube.analysis_mark, analysis, workspace_id))
        .group_by(day, Interaction.channel, lang, analysis.sentiment)
        .execution_options(**_ALL)
    ).all()
    for d, channel, language, label, n, max_id in rows:
        top = max(top, int(max_id))
        if d is not None:
            cube.sentiment[(d, channel, language, label)] += int(n)
    cube.analysis_mark = top


def cube_for(session: Session, tz: tzinfo) -> Cube:
    """The workspace's cube in this time zone, up to date with the log."""
    workspace_id = bound_workspace(session)
    key = (workspace_id, getattr(tz, "key", str(tz)))
    now = time.monotonic()
    with _registry_lock:
        cube = _cubes.get(key)
        if cube is None or now - cube.built_at > REBUILD_SECONDS:
            if len(_cubes) > 200:
                _cubes.clear()
            cube = Cube(built_at=now)
            _cubes[key] = cube
    with cube.lock:
        _add_interactions(session, cube, tz)
        _add_analyses(session, cube, tz)
    return cube


def forget(workspace_id: int | None = None) -> None:
    with _registry_lock:
        for key in [k for k in _cubes if workspace_id is None or k[0] == workspace_id]:
            del _cubes[key]


def day_range(start: datetime, end: datetime, tz: tzinfo) -> tuple[str, str]:
    """[first, last) local days of a period, as the cube's day strings."""
    first = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    if last == first:
        last = first + timedelta(days=1)
    return first.isoformat(), last.isoformat()


def in_range(day: str, bounds: tuple[str, str]) -> bool:
    return bounds[0] <= day < bounds[1]


def parse_day(day: str) -> date:
    return date.fromisoformat(day)
