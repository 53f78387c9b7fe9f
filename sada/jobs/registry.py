"""Job kinds, their handlers, and which domain events each handler follows.

A handler is `fn(db: Database, workspace_id: int | None, payload: dict) -> None`.
It must be idempotent: after a crash the same job may run again, and running it
twice must have the effect of running it once (upsert results, check before act).

`@handler(kind, on=("case.*",), history=False)` subscribes the handler to events of
the catalogue (`sada.events.catalogue`); `sada.events.publish` records one job per
subscriber. `history=True` also delivers events about history (`live: false`);
`live=False` (with `history=True`) delivers only those: a handler with nothing to do for
live events gets no job for them (each job costs a claim and two writes).

`wanted=fn` declares when the handler has something to do: `fn(session, event, live)` runs in
the publishing transaction (the session is bound to the event's workspace) and returns False
when a job would find nothing to do (no webhook endpoint listens, no segment exists, no
survey trigger or rule follows the event); then no job is recorded. It must be a cheap,
indexed query of what the job itself reads, and it reads the database every time: no
process-local cache, so a webhook or segment created through any node counts from its commit
on. What the job reads at run time must be a subset of what the predicate looked for, so a
False answer never loses work; something created while the event's transaction is open may
miss that event (as if it were created just after it).

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
    from sqlalchemy.orm import Session

    from sada.db.engine import Database

Handler = Callable[["Database", "int | None", dict[str, Any]], None]
# wanted(session bound to the event's workspace, event name, live) -> whether to record a job
Wanted = Callable[["Session", str, bool], bool]


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
    wanted: Wanted | None = None  # None: a job for every event it follows

    def wants(self, session: Session, event: str, live: bool) -> bool:
        """Whether `event` gives this subscriber a job (in the publishing transaction)."""
        if not (self.live if live else self.history):
            return False
        return self.wanted is None or self.wanted(session, event, live)


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
    wanted: Wanted | None = None,
) -> Callable[[Handler], Handler]:
    """Register a job handler; `on` lists the events (or patterns) that enqueue it, `wanted`
    says for which of them it has something to do (see the module's docstring)."""
    if not live and not history:
        raise ValueError(f"job kind {kind!r} subscribes to neither live events nor history")
    if wanted is not None and not on:
        raise ValueError(f"job kind {kind!r} has a `wanted` predicate but follows no event")

    def register(fn: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not fn:
            raise ValueError(f"job kind {kind!r} registered twice")
        _HANDLERS[kind] = fn
        _PRIORITIES[kind] = int(priority)
        for pattern in on:
            entry = Subscription(pattern, kind, history, live, wanted)
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
