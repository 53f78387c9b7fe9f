"""Queue depth and age per priority as Prometheus gauges, read from the jobs table at scrape."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

from sada.db.engine import Database
from sada.jobs.service import counts_by_status, queue_levels

log = logging.getLogger(__name__)


class QueueCollector(Collector):
    """One per process; `watch(db)` points it at the database the process uses."""

    def __init__(self) -> None:
        self.db: Database | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.db is None:
            return
        try:
            levels = queue_levels(self.db)
            statuses = counts_by_status(self.db)
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail with the database
            log.warning("queue metrics unavailable: %s", exc)
            return
        depth = GaugeMetricFamily(
            "sada_queue_depth", "Due jobs waiting, by priority.", labels=["priority"]
        )
        running = GaugeMetricFamily(
            "sada_queue_running",
            "Jobs running under a live lease, by priority.",
            labels=["priority"],
        )
        age = GaugeMetricFamily(
            "sada_queue_oldest_seconds",
            "How long the oldest due job has waited, by priority.",
            labels=["priority"],
        )
        for level in levels:
            depth.add_metric([level.priority], level.depth)
            running.add_metric([level.priority], level.running)
            age.add_metric([level.priority], level.oldest_seconds)
        dead = GaugeMetricFamily("sada_jobs_dead", "Dead jobs (failed every attempt).")
        dead.add_metric([], statuses.get("failed", 0))
        yield from (depth, running, age, dead)


_COLLECTOR = QueueCollector()
REGISTRY.register(_COLLECTOR)


def queue_collector() -> QueueCollector:
    """The collector itself, for a scrape that gathers several processes' metrics."""
    return _COLLECTOR


def watch(db: Database) -> None:
    """Report the queue of `db` in this process's metrics."""
    _COLLECTOR.db = db
