"""Job kinds and their handlers.

A handler is `fn(db: Database, workspace_id: int | None, payload: dict) -> None`.
It must be idempotent: after a crash the same job may run again, and running it
twice must have the effect of running it once (upsert results, check before act).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sada.db.engine import Database

Handler = Callable[["Database", "int | None", dict[str, Any]], None]

_HANDLERS: dict[str, Handler] = {}
_SUBSCRIPTIONS: dict[str, list[str]] = {}

# Domain events that enqueue subscriber jobs (payload: {"interaction_ids": [...]}).
INTERACTIONS_INGESTED = "interactions.ingested"
RESPONSE_RECEIVED = (
    "feedback.response_received"  # {"response_ids": [...], "interaction_ids": [...]}
)


def handler(kind: str, *, on: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register a job handler; `on` lists domain events that should enqueue it."""

    def register(fn: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not fn:
            raise ValueError(f"job kind {kind!r} registered twice")
        _HANDLERS[kind] = fn
        for event in on:
            kinds = _SUBSCRIPTIONS.setdefault(event, [])
            if kind not in kinds:
                kinds.append(kind)
        return fn

    return register


def subscribers(event: str) -> list[str]:
    """Job kinds to enqueue when `event` happens."""
    load_all_handlers()
    return list(_SUBSCRIPTIONS.get(event, []))


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
