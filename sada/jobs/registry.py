"""Job kinds, their handlers, and which domain events each handler follows.

A handler is `fn(db: Database, workspace_id: int | None, payload: dict) -> None`.
It must be idempotent: after a crash the same job may run again, and running it
twice must have the effect of running it once (upsert results, check before act).

`@handler(kind, on=("case.*",), history=False)` subscribes the handler to events of
the catalogue (`sada.events.catalogue`); `sada.events.publish` records one job per
subscriber. `history=True` also delivers events about history (`live: false`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sada.db.engine import Database

Handler = Callable[["Database", "int | None", dict[str, Any]], None]


@dataclass(frozen=True)
class Subscription:
    pattern: str  # an event name, "<domain>.*" or "*"
    kind: str  # the job kind to enqueue
    history: bool  # also for events about history (live: false)


_HANDLERS: dict[str, Handler] = {}
_SUBSCRIPTIONS: list[Subscription] = []


def handler(
    kind: str, *, on: tuple[str, ...] = (), history: bool = False
) -> Callable[[Handler], Handler]:
    """Register a job handler; `on` lists the events (or patterns) that enqueue it."""

    def register(fn: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not fn:
            raise ValueError(f"job kind {kind!r} registered twice")
        _HANDLERS[kind] = fn
        for pattern in on:
            entry = Subscription(pattern, kind, history)
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
