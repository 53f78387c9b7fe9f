"""Job kinds, their handlers, and which domain events each handler follows.

A handler is `fn(db: Database, workspace_id: int | None, payload: dict) -> None`.
It must be idempotent: after a crash the same job may run again, and running it
twice must have the effect of running it once (upsert results, check before act).

`@handler(kind, on=("case.*",), history=False)` subscribes the handler to events of
the catalogue (`sada.events.catalogue`); `sada.events.publish` records one job per
subscriber. `history=True` also delivers events about history (`live: false`);
`live=False` (with `history=True`) delivers only those: a handler with nothing to do for
live events gets no job for them (each job costs a claim and two writes).

`priority=Priority.FOLLOW_UP` declares how urgent the kind's jobs are: the queue hands
out lower numbers first (then the earliest `run_at`), so a detractor's follow-up never
waits behind a backfill. `enqueue(..., priority=...)` overrides it for one job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sada.db.engine import Database

Handler = Callable[["Database", "int | None", dict[str, Any]], None]


class Priority(IntEnum):
    """Queue order: lower runs first. Gaps leave room for levels in between."""

    INTERACTIVE = 0  # someone is waiting for it: replies, ingest appliers
    FOLLOW_UP = 10  # acting on feedback: rules, cases, survey sends, notifications, SLA ticks
    NORMAL = 20  # the default: webhooks and other plumbing
    ANALYSIS = 30  # text analysis, embeddings, read models of live data
    BULK = 40  # backfill (events about history), rebuilds, theme discovery


def priority_name(value: int) -> str:
    """The level a number falls in ("follow_up" for 10..19), for pages and metrics."""
    level = Priority.INTERACTIVE
    for candidate in Priority:
        if value >= candidate:
            level = candidate
    return level.name.lower()


@dataclass(frozen=True)
class Subscription:
    pattern: str  # an event name, "<domain>.*" or "*"
    kind: str  # the job kind to enqueue
    history: bool  # also for events about history (live: false)
    live: bool = True  # False: events about history only


_HANDLERS: dict[str, Handler] = {}
_PRIORITIES: dict[str, int] = {}
_SUBSCRIPTIONS: list[Subscription] = []


def handler(
    kind: str,
    *,
    on: tuple[str, ...] = (),
    history: bool = False,
    live: bool = True,
    priority: int = Priority.NORMAL,
) -> Callable[[Handler], Handler]:
    """Register a job handler; `on` lists the events (or patterns) that enqueue it."""
    if not live and not history:
        raise ValueError(f"job kind {kind!r} subscribes to neither live events nor history")

    def register(fn: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not fn:
            raise ValueError(f"job kind {kind!r} registered twice")
        _HANDLERS[kind] = fn
        _PRIORITIES[kind] = int(priority)
        for pattern in on:
            entry = Subscription(pattern, kind, history, live)
            if entry not in _SUBSCRIPTIONS:
                _SUBSCRIPTIONS.append(entry)
        return fn

    return register


def subscriptions(event: str) -> list[Subscription]:
    """The subscriptions that `event` enqueues a job for (one per job kind)."""
    load_all_handlers()
    found: dict[str, Subscription] = {}
    for entry in _SUBSCRIPTIONS:
        if fnmatchcase(event, entry.pattern) and entry.kind not in found:
            found[entry.kind] = entry
    return list(found.values())


def get_handler(kind: str) -> Handler | None:
    load_all_handlers()
    return _HANDLERS.get(kind)


def priority_of(kind: str) -> int:
    """The priority declared for `kind` (NORMAL for kinds nobody registered)."""
    if kind not in _PRIORITIES:
        load_all_handlers()
    return _PRIORITIES.get(kind, int(Priority.NORMAL))


def known_kinds() -> list[str]:
    load_all_handlers()
    return sorted(_HANDLERS)


_LOADED = False


def load_all_handlers() -> None:
    global _LOADED
    if _LOADED:
        return
    import importlib

    from sada.domains import task_modules

    for name in task_modules():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    _LOADED = True
