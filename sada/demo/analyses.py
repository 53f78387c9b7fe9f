"""Text analysis of the demo during seeding, so the first screens have sentiment and topics.

The background analysis job runs the full pipeline with sentence embeddings: 100-300 ms of
CPU a text here, over an hour for the whole demo. Seeding instead runs the same pipeline
without embeddings (about 6 ms a text) over the texts of the last `days` days, in bulk
(`sada.text.bulk`), before the dashboard rollups are built: the default views (last 30 and
90 days) open complete. The analysis jobs queued for every text still run after start: they
analyse the older texts and refine the seeded ones with embeddings (their pipeline version
differs). Where no embedder is installed the versions are equal and the jobs skip the seeded
texts (`current_analyses`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sada.db.engine import Database
from sada.text.bulk import analyze_texts, texts_in_period

DAYS = 90


@dataclass
class SeededAnalysis:
    """What seeding analysed: how many texts (distinct ones), of how many days, in what time."""

    days: int
    analysed: int
    distinct: int
    cpu_s: float
    wall_s: float


def analyse_recent(
    db: Database,
    workspace_id: int,
    now: datetime,
    days: int,
    *,
    total: Callable[[int], None] | None = None,
    advance: Callable[[int], None] | None = None,
) -> SeededAnalysis:
    """Analyse the outside party's texts of the last `days` days; `total(n)` is told the
    number of texts first, `advance(n)` each batch done."""
    cpu, wall = time.process_time(), time.perf_counter()
    items = texts_in_period(db, workspace_id, now - timedelta(days=days))
    if total is not None:
        total(len(items))
    stored, distinct = analyze_texts(db, workspace_id, items, embeddings=False, progress=advance)
    return SeededAnalysis(
        days=days,
        analysed=stored,
        distinct=distinct,
        cpu_s=time.process_time() - cpu,
        wall_s=time.perf_counter() - wall,
    )
