"""Domain events: one `publish`, subscribers as ordinary jobs.

A domain announces that something happened with

    publish(session, "conversation.solved", data, live=True)

inside the transaction of the change. Every job handler subscribed to the event
(`@sada.jobs.registry.handler(kind, on=("conversation.solved",))`, or a pattern such as
`"case.*"` or `"*"`) gets one job, recorded in that same transaction: the subscribers run
if and only if the change committed, and a crash loses none of them.

A subscriber may declare when it has something to do (`handler(..., wanted=...)`): the
predicate runs here, in the publishing transaction, and a False answer records no job.

History is not live: events about imports and old interactions carry `live=False`. Only
subscribers registered with `history=True` (analysis, read models) receive those; live
actions (rules, survey triggers, webhooks, cases, emails) never see them. Their jobs run
at bulk priority, behind every live job.

Bulk writers (survey imports) may wrap many changes in `coalesced(session)`: inside it, events
whose data are only id lists are gathered and published once per (name, live, depth, chain)
at the end, with the lists concatenated, so subscribers see every id once, in one job
instead of one per row. `Coalesced.savepoint()` forgets what a rolled-back savepoint
published.

Job payload: the event's data, plus `event` (its name), `event_id`, `published_at`, `live`,
and for loop protection `depth` and `chain` (ids of the rules whose actions led here).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events.catalogue import BY_NAME, canonical
from sada.jobs.registry import Priority, priority_of, subscriptions
from sada.jobs.service import enqueue

__all__ = ["publish", "coalesced", "Coalesced", "UnknownEvent", "META_KEYS"]

# Keys `publish` adds to an event's data in each subscriber's job payload.
META_KEYS = frozenset({"event", "event_id", "published_at", "live", "depth", "chain"})


class UnknownEvent(ValueError):
    """A domain published a name that is not in the catalogue (a programming error)."""


_COALESCE_KEY = "sada.events.coalesced"


class Coalesced:
    """Events gathered by `coalesced`, in first-published order."""

    def __init__(self) -> None:
        self.events: dict[tuple[Any, ...], dict[str, list[Any]]] = {}
        self.log: list[tuple[tuple[Any, ...], dict[str, int]]] = []

    def add(self, key: tuple[Any, ...], data: dict[str, list[Any]]) -> None:
        merged = self.events.setdefault(key, {k: [] for k in data})
        sizes = {}
        for k, values in data.items():
            sizes[k] = len(merged.setdefault(k, []))
            merged[k].extend(values)
        self.log.append((key, sizes))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Forget what was gathered inside when it raises (the savepoint rolled back)."""
        mark = len(self.log)
        try:
            yield
        except BaseException:
            for key, sizes in reversed(self.log[mark:]):
                for k, size in sizes.items():
                    del self.events[key][k][size:]
            del self.log[mark:]
            raise


@contextmanager
def coalesced(session: Session) -> Iterator[Coalesced]:
    """Gather id-list events published inside; publish each merged event once on success."""
    if session.info.get(_COALESCE_KEY) is not None:  # nested: the outer one publishes
        yield session.info[_COALESCE_KEY]
        return
    gathered = Coalesced()
    session.info[_COALESCE_KEY] = gathered
    try:
        yield gathered
    finally:
        session.info.pop(_COALESCE_KEY, None)
    for (name, live, depth, chain, ws), data in gathered.events.items():
        if any(data.values()):
            publish(session, name, data, live=live, depth=depth, chain=chain, workspace_id=ws)


def publish(
    session: Session,
    name: str,
    data: dict[str, Any],
    *,
    live: bool = True,
    depth: int = 0,
    chain: list[int] | tuple[int, ...] = (),
    workspace_id: int | None = None,
) -> int:
    """Record one job per subscriber of `name`; returns how many were recorded."""
    name = canonical(name)
    if name not in BY_NAME:
        raise UnknownEvent(f"{name!r} is not in the event catalogue (sada/events/catalogue.py)")
    ws = workspace_id if workspace_id is not None else bound_workspace(session)
    gathering = session.info.get(_COALESCE_KEY)
    if gathering is not None and data and all(isinstance(v, list) for v in data.values()):
        gathering.add((name, live, depth, tuple(chain), ws), data)
        return 0
    clash = META_KEYS & data.keys()
    if clash:
        raise ValueError(f"event data may not use the reserved keys {sorted(clash)}")
    payload = {
        **data,
        "event": name,
        "event_id": uuid.uuid4().hex,
        "published_at": utcnow().isoformat(),
        "live": live,
        "depth": depth,
        "chain": list(chain),
    }
    count = 0
    for subscription in subscriptions(name):
        # Live events go to live subscribers, history to history ones; a subscriber with a
        # `wanted` predicate gets a job only when it has something to do (no webhook, no job).
        if not subscription.wants(session, name, live):
            continue
        # Work about history waits behind live work (backfill is bulk).
        priority = None if live else max(priority_of(subscription.kind), Priority.BULK)
        enqueue(session, subscription.kind, payload, workspace_id=ws, priority=priority)
        count += 1
    return count
