"""Job runners. The in-process runner serves the embedded default.

A runner only decides *when* to call `claim_next` + `run_job`; the job rows are
the source of truth, so a broker-backed runner (Redis/RabbitMQ through an
existing queue library) can replace this one without touching producers.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from sada.db.engine import Database
from sada.jobs.service import claim_next, run_job

log = logging.getLogger(__name__)


class JobRunner(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def wake(self) -> None: ...


class InProcessRunner:
    """A background thread that drains due jobs, woken early after each ingest."""

    def __init__(
        self, db: Database, *, poll_interval: float = 0.5, lease_seconds: int = 300
    ) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="sada-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = claim_next(self.db, lease_seconds=self.lease_seconds)
            except Exception:  # noqa: BLE001 - database hiccups must not kill the runner
                log.exception("claiming a job failed")
                job = None
            if job is not None:
                run_job(self.db, job)
                continue
            self._wake.wait(self.poll_interval)
            self._wake.clear()


class NoRunner:
    """For API processes when separate workers run the jobs."""

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def wake(self) -> None:
        return None
