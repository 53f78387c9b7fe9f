"""Job runners. The in-process runner serves `sada worker`; two of them, in lanes, the embedded default.

A runner only decides *when* to call `claim_next` + `run_job`; the job rows are
the source of truth, so a broker-backed runner (an existing queue library) can replace
this one without touching producers.

The in-process runner:
- claims the most urgent due job (priority, then run_at) and runs it; with `max_priority`
  (`sada worker --urgent-only`) only jobs at that priority or more urgent;
- renews the job's lease every third of the lease while it runs, so a long job is never
  taken over by another worker, and a dead worker's job is free again after one lease;
- on `stop(grace)`, stops claiming, lets the running job finish within `grace` seconds,
  and otherwise hands it back to the queue (the attempt does not count);
- survives database outages: failed claims back off (up to 5 s) and retry, a job whose
  connection broke is handed back, and the final status write retries until the
  database answers again.

The embedded default (`sada serve` with jobs in process) runs a `LanedRunner`: two
in-process runners over the same database, each its own thread (`EMBEDDED_LANES`):

- lane "urgent" claims INTERACTIVE and FOLLOW_UP jobs only (`max_priority=NORMAL - 1`, what
  `sada worker --urgent-only` takes): ingest applies, replies, rules, cases;
- lane "all" claims every job, the most urgent first.

So an ingest apply never waits behind a 30-60 s text analysis or a bulk rebuild: at worst
it waits for the urgent job the urgent lane is running (urgent jobs are short). Two lanes, not
N: on SQLite there is one writer, and analysis is CPU work under one GIL, so more threads
for the same work add lock waits and no throughput; the split that matters is urgent vs not.
On SQLite the two lanes (and the request threads) queue for the write lock through BEGIN
IMMEDIATE and the busy timeout (`sada.db.engine`), and every handler writes in short
transactions (analysis computes outside them), so they wait milliseconds, not fail.
Stopping stops both: neither claims again, and both share one grace period.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from sada.db.engine import Database
from sada.jobs.models import Job
from sada.jobs.registry import Priority
from sada.jobs.service import WORKER_ID, claim_next, hand_back, renew_lease, run_job

log = logging.getLogger(__name__)

MAX_IDLE_BACKOFF = 5.0


class JobRunner(Protocol):
    def start(self) -> None: ...
    def stop(self, grace: float = 30) -> None: ...
    def wake(self) -> None: ...


class InProcessRunner:
    """A background thread that drains due jobs, woken early after each ingest."""

    def __init__(
        self,
        db: Database,
        *,
        poll_interval: float = 0.5,
        lease_seconds: int = 300,
        worker_id: str = WORKER_ID,
        max_priority: int | None = None,
        name: str = "jobs",
    ) -> None:
        self.db = db
        self.name = name  # of its threads: "sada-<name>", "sada-<name>-lease"
        self.max_priority = max_priority
        self.poll_interval = poll_interval
        self.lease_seconds = max(3, int(lease_seconds))
        self.worker_id = worker_id
        self.jobs_done = 0
        self.last_beat = time.monotonic()  # for the worker's health signal
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._heart: threading.Thread | None = None
        self._current: Job | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> Job | None:
        with self._lock:
            return self._current

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"sada-{self.name}", daemon=True)
        self._heart = threading.Thread(
            target=self._renew, name=f"sada-{self.name}-lease", daemon=True
        )
        self._thread.start()
        self._heart.start()

    def stop(self, grace: float = 30) -> None:
        """Stop claiming; wait up to `grace` s for the running job, else hand it back."""
        self.request_stop()
        self.join(grace)

    def request_stop(self) -> None:
        """Claim nothing more (the running job goes on); `join` waits for it."""
        self._stop.set()
        self._wake.set()

    def join(self, grace: float) -> None:
        """After `request_stop`: wait up to `grace` s for the running job, else hand it back."""
        if self._thread is not None:
            self._thread.join(timeout=max(0.0, grace))
            if self._thread.is_alive():
                with self._lock:
                    job = self._current
                if job is not None:
                    try:
                        handed = hand_back(self.db, job, worker_id=self.worker_id)
                        log.warning(
                            "job %s (%s) did not finish within %.0f s; %s",
                            job.id,
                            job.kind,
                            grace,
                            "handed back to the queue" if handed else "already taken over",
                        )
                    except Exception:  # noqa: BLE001 - the lease expires as a fallback
                        log.exception("handing back job %s failed", job.id)
            self._thread = None
        if self._heart is not None:
            self._heart.join(timeout=5)
            self._heart = None

    def wake(self) -> None:
        self._wake.set()

    def _renew(self) -> None:
        interval = self.lease_seconds / 3
        while not self._stop.wait(interval):
            with self._lock:
                job = self._current
            if job is not None:
                self.renew(job)

    def renew(self, job: Job) -> None:
        """Extend the lease of `job`, which this runner ran when the beat began.

        A renewal that finds no lease is a loss only while the job still runs here: a job
        that ended in between (its status written while the renewal waited for the write
        lock, which on SQLite the other lane may hold) gave its lease up itself.
        """
        try:
            if renew_lease(
                self.db, job, lease_seconds=self.lease_seconds, worker_id=self.worker_id
            ):
                return
        except Exception as exc:  # noqa: BLE001 - retried at the next beat
            log.warning("renewing the lease of job %s failed: %s", job.id, exc)
            return
        with self._lock:
            running = self._current is job
        if running:
            log.warning("job %s: lease lost (another worker took it over)", job.id)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self.last_beat = time.monotonic()
            try:
                job = claim_next(
                    self.db,
                    lease_seconds=self.lease_seconds,
                    worker_id=self.worker_id,
                    max_priority=self.max_priority,
                )
                if failures:
                    log.info("database reachable again after %d failed claim(s)", failures)
                failures = 0
            except Exception as exc:  # noqa: BLE001 - database hiccups must not kill the runner
                failures += 1
                if failures == 1:
                    log.warning("claiming a job failed (retrying): %s", exc)
                self._stop.wait(min(MAX_IDLE_BACKOFF, self.poll_interval * 2**failures))
                continue
            if job is not None:
                with self._lock:
                    self._current = job
                try:
                    self._run(job)
                finally:
                    with self._lock:
                        self._current = None
                continue
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def _run(self, job: Job) -> None:
        """Run `job`; its status write retries through an outage (it is the last step)."""
        delay = 0.5
        while True:
            try:
                run_job(self.db, job, worker_id=self.worker_id)
                self.jobs_done += 1
                return
            except Exception as exc:  # noqa: BLE001 - the job is idempotent; retry the write
                log.warning("job %s: recording its outcome failed (retrying): %s", job.id, exc)
                if self._stop.wait(delay):
                    return  # shutting down: the lease runs out and the job runs again
                delay = min(MAX_IDLE_BACKOFF, delay * 2)


@dataclass(frozen=True)
class Lane:
    """One thread of a `LanedRunner`: the jobs it may claim."""

    name: str
    max_priority: int | None  # claims jobs at this priority or more urgent; None: every job


# The embedded default: urgent work never waits behind analysis or bulk work (module docstring).
EMBEDDED_LANES = (Lane("urgent", Priority.NORMAL - 1), Lane("all", None))


class LanedRunner:
    """In-process runners over one database, one per lane, started and stopped together."""

    def __init__(
        self,
        db: Database,
        lanes: tuple[Lane, ...] = EMBEDDED_LANES,
        *,
        poll_interval: float = 0.5,
        lease_seconds: int = 300,
        worker_id: str = WORKER_ID,
    ) -> None:
        if not lanes or len({lane.name for lane in lanes}) != len(lanes):
            raise ValueError("lanes need distinct names")
        self.db = db
        # Each lane locks its jobs under its own id ("host:pid/urgent"), so the jobs table
        # says which lane runs what; leases are renewed and handed back per lane.
        self.lanes = {
            lane.name: InProcessRunner(
                db,
                poll_interval=poll_interval,
                lease_seconds=lease_seconds,
                worker_id=f"{worker_id}/{lane.name}"[-100:],
                max_priority=lane.max_priority,
                name=f"jobs-{lane.name}",
            )
            for lane in lanes
        }

    @property
    def alive(self) -> bool:
        return all(runner.alive for runner in self.lanes.values())

    @property
    def jobs_done(self) -> int:
        return sum(runner.jobs_done for runner in self.lanes.values())

    def status(self) -> dict[str, str]:
        """Per lane: "stopped", "idle" or the kind of the job it runs (for `/readyz`)."""
        states = {}
        for name, runner in self.lanes.items():
            job = runner.current
            states[name] = "stopped" if not runner.alive else job.kind if job else "idle"
        return states

    def start(self) -> None:
        for runner in self.lanes.values():
            runner.start()

    def stop(self, grace: float = 30) -> None:
        """Stop every lane claiming at once, then give their running jobs one shared `grace`
        (not one each): what does not finish by then is handed back to the queue."""
        for runner in self.lanes.values():
            runner.request_stop()
        deadline = time.monotonic() + max(0.0, grace)
        for runner in self.lanes.values():
            runner.join(max(0.0, deadline - time.monotonic()))

    def wake(self) -> None:
        for runner in self.lanes.values():
            runner.wake()


class NoRunner:
    """For API processes when separate workers run the jobs."""

    def start(self) -> None:
        return None

    def stop(self, grace: float = 30) -> None:
        return None

    def wake(self) -> None:
        return None
