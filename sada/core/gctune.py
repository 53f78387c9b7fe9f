"""Garbage-collector settings for long-running server and worker processes.

Ingest allocates many short-lived containers (parsed JSON, pydantic models, rows);
with CPython's default thresholds (700 allocations) the cyclic collector runs
constantly and walks every start-up object (modules, SQLAlchemy metadata, compiled
caches) each time: about a third of ingest CPU in profiles. `tune()` moves what
start-up created to the permanent generation (`gc.freeze()`) and raises the
generation-0 threshold, so collections are rarer and only see new objects.
Reference counting still frees non-cyclic garbage immediately.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000


def tune(gen0: int = GEN0_THRESHOLD) -> None:
    """Call once after start-up (imports, app creation), before serving requests."""
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0, max(gen1, 20), max(gen2, 20))
