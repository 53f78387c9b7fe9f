"""Computed journey-page figures kept per process, keyed on what they were computed from.

The journey map pages (experience per touchpoint, funnel, paths, verbatims) read every
event of the period: a second or more per request on the 20,000-people demo. Their inputs
are the workspace's interactions, people and text analyses, the map's definition and the
touchpoint registry, and the question asked (period, grouping). A result is reused only
while all of these are unchanged:

- the data: `journey_data_versions.version`, a per-workspace counter that database
  triggers raise in the same transaction as every insert, delete or relevant update of
  those three tables (migration 1850), whoever writes them. The counter is read before the
  figures are computed, so a result is never older than the version it is stored under;
  a reader that still sees that version sees no newer commit (an uncommitted write holds
  the counter row, so commits that land out of id order still each raise it);
- the definition: the map's id, current version, definition, audience and touchpoint ids;
- the engine: the map figures are read from the main database, per person, and brought up
  to date after a write by reading only the people it changed (`sada.journeys.incremental`),
  so a new version costs work in proportion to the new data, not the whole history;
- the question: every argument of the call.

Results are copied in and out (callers may annotate them). Entries are per process and
bounded (least recently used go first).
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.journeys import analytics, experience, service
from sada.journeys.analytics import EngineChoice, session_ws

T = TypeVar("T")

MAX_ENTRIES = 512

_entries: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def data_version(session: Session) -> int:
    """The workspace's change counter (0 before its first counted write)."""
    found = session.execute(
        text("SELECT version FROM journey_data_versions WHERE workspace_id = :ws"),
        {"ws": session_ws(session)},
    ).scalar_one_or_none()
    return int(found or 0)


def map_token(session: Session, map_key: str, version: int | None = None) -> tuple[Any, ...]:
    """What a map's figures depend on besides the data: definition, audience, touchpoints."""
    row, c = service.compile_map(session, map_key, version)
    definition = orjson.dumps(c.definition.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return (
        row.id,
        version or row.current_version,
        service.map_audience_key(session, row),
        hashlib.sha256(definition).hexdigest(),
        tuple(sorted(c.touchpoint_ids.items())),
    )


def cached(session: Session, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """`compute()`'s result for this workspace, data version and `key` (which must name
    everything else the result depends on), computed at most once while they hold."""
    full = (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        session_ws(session),
        data_version(session),
        *key,
    )
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            _stats["hits"] += 1
            return copy.deepcopy(_entries[full])
        _stats["misses"] += 1
    value = compute()
    with _lock:
        _entries[full] = copy.deepcopy(value)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


FUNNEL_WINDOW_SECONDS = 30 * 86400


def map_figures(
    session: Session,
    map_key: str,
    *,
    since: int,
    until: int,
    group_by: str | None = None,
    previous: tuple[int, int] | None = None,
    choice: EngineChoice | None = None,
) -> dict[str, Any]:
    """What the journey map page shows, each part computed once per data version: the
    experience per touchpoint (grouped by `group_by`; without grouping when it is not a
    valid one, `group_by` None in the answer), the previous period's (`previous`), the
    funnel through the stages (30-day window) and the paths.

    Each part is computed from rows kept per person (`sada.journeys.incremental`): after a
    write only the people it changed are read again, on the main database (`choice`, kept for
    callers, is not used: a delta must come from the same state as the rows it joins)."""
    del choice
    token = ("map", map_token(session, map_key), "incremental")

    def exp_of(start: int, end: int, grouped: str | None) -> dict[str, Any]:
        return cached(
            session,
            (*token, "experience", start, end, grouped),
            lambda: experience.experience(
                session, map_key, since=start, until=end, group_by=grouped, incremental=True
            ),
        )

    try:
        exp = exp_of(since, until, group_by)
    except Invalid:
        group_by = None
        exp = exp_of(since, until, None)
    before = None if previous is None else exp_of(previous[0], previous[1], None)
    window = FUNNEL_WINDOW_SECONDS
    fun = cached(
        session,
        (*token, "funnel", since, until, window),
        lambda: analytics.funnel(
            session,
            map_key,
            steps=None,
            since=since,
            until=until,
            window_seconds=window,
            incremental=True,
        ),
    )
    pth = cached(
        session,
        (*token, "paths", since, until),
        lambda: analytics.paths(session, map_key, since=since, until=until, incremental=True),
    )
    return {
        "experience": exp,
        "group_by": group_by,
        "before": before,
        "funnel": fun,
        "paths": pth,
    }


def verbatims(
    session: Session,
    map_key: str,
    touchpoint: str,
    *,
    since: int,
    until: int,
    group_by: str | None = None,
    group: str | None = None,
    limit: int = 50,
    raw_pii: bool = True,
) -> list[dict[str, Any]]:
    """`experience.verbatims`, computed once per data version from rows kept per person
    (`sada.journeys.incremental`)."""
    return cached(
        session,
        (
            "verbatims",
            map_token(session, map_key),
            touchpoint,
            since,
            until,
            group_by,
            group,
            limit,
            raw_pii,
        ),
        lambda: experience.verbatims(
            session,
            map_key,
            touchpoint,
            since=since,
            until=until,
            group_by=group_by,
            group=group,
            limit=limit,
            raw_pii=raw_pii,
            incremental=True,
        ),
    )


def stats() -> dict[str, int]:
    with _lock:
        return {**_stats, "entries": len(_entries)}


def clear() -> None:
    with _lock:
        _entries.clear()
