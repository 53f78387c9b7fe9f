"""Jobs on procrastinate (PostgreSQL) for multi-node deployments: `SADA_JOB_BACKEND=procrastinate`.

Producers do not change: `enqueue(session, ...)` still writes the `jobs` row in the caller's
transaction, and on this backend it also defers one procrastinate job (`sada.run`, arguments
`job_id` and `max_attempts`) **on the same database connection, inside the same transaction**
(procrastinate's `configure(connection=...)`). A rolled-back transaction leaves neither; a
committed one leaves both. The row is marked `deferred` so no table-queue runner claims it.

procrastinate then owns delivery:
- queues: one per priority level (`interactive`, `follow_up`, `normal`, `analysis`, `bulk`),
  and procrastinate's priority is minus Sada's, so its fetch (highest priority first) follows
  Sada's order across queues; `sada worker --urgent-only` listens to the first two queues;
- retries: `SadaRetry`, a procrastinate `RetryStrategy` with exponential backoff and the job's
  own `max_attempts`; after the last attempt the procrastinate job is `failed` and the Sada row
  a dead letter (`failed`), listed and retried through `sada jobs dead|retry` and Settings ->
  Jobs as before (a retry defers a fresh procrastinate job);
- a worker that dies mid-job stops its heartbeat; every worker looks for jobs of workers
  silent for `SADA_JOB_LEASE_SECONDS` and gives them back to the queue (stalled-job recovery);
- SIGTERM: procrastinate stops fetching, waits `SADA_JOB_SHUTDOWN_GRACE_SECONDS` for the
  running job, then aborts it for a retry (it goes back to `todo`);
- a lost database: the worker's run ends with an error, and `run_worker` opens it again after
  a backoff (up to 5 s) until it connects.

The `jobs` row mirrors each attempt (running, attempts, last_error, done/failed) so the admin
surface, the dead letters and `counts_by_status` read one table whatever the backend; queue
depth and age per priority are read from `procrastinate_jobs` (`queue_levels`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
import traceback
from datetime import datetime, timedelta
from typing import Any

import procrastinate
from procrastinate.exceptions import JobAborted
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job as ProcrastinateJob
from procrastinate.retry import RetryDecision, RetryStrategy
from procrastinate.schema import SchemaManager
from procrastinate.worker import Worker as ProcrastinateWorker
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from sada.core.telemetry import JOB_DURATION, JOB_FAILURES, request_id
from sada.core.telemetry import job_id as job_id_var
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.models import Job
from sada.jobs.registry import Priority, get_handler, priority_name

log = logging.getLogger(__name__)

DEFERRED = "deferred"  # the Sada row's status while procrastinate holds the job
DEAD = "failed"
TASK_NAME = "sada.run"
MAX_BACKOFF = 3600
MAX_RECONNECT_BACKOFF = 5.0
# pg_advisory_lock key while the procrastinate schema is applied ("sada" then "pq").
SCHEMA_LOCK_KEY = 0x7361_6461_7071


def connection_lost(exc: BaseException) -> bool:
    """The database went away under the job (terminated connection, server down)."""
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))
    )


class WorkerStopped(RuntimeError):
    """procrastinate's worker ended although nobody asked it to stop."""


class SadaRetry(RetryStrategy):
    """procrastinate's exponential backoff, with the attempts each Sada job was given."""

    def attempts_allowed(self, job: ProcrastinateJob) -> int:
        value = job.task_kwargs.get("max_attempts", 5)
        return int(value) if isinstance(value, (int, float, str)) else 5

    def wait_seconds(self, attempt: int) -> int:
        """Seconds before the retry that follows attempt number `attempt` (1 for the first)."""
        previous = attempt - 1
        wait = self.wait + self.linear_wait * previous + self.exponential_wait ** (previous + 1)
        return int(min(MAX_BACKOFF, wait))

    def get_retry_decision(
        self, *, exception: BaseException, job: ProcrastinateJob
    ) -> RetryDecision | None:
        if isinstance(exception, (asyncio.CancelledError, JobAborted)):
            return RetryDecision(retry_in={"seconds": 0})  # handed back on shutdown
        if connection_lost(exception):  # not the job's fault: soon, and never dead for it
            return RetryDecision(retry_in={"seconds": min(30, 1 + job.attempts)})
        attempt = job.attempts + 1  # procrastinate counts the attempts before this one
        if isinstance(exception, LookupError) or attempt >= self.attempts_allowed(job):
            return None
        return RetryDecision(retry_in={"seconds": self.wait_seconds(attempt)})


RETRY = SadaRetry(exponential_wait=5)

# The task list; a worker runs it through `APP.with_connector(...)` (same tasks).
APP = procrastinate.App(connector=procrastinate.PsycopgConnector())


class _Worker:
    """What the task needs from the worker process that runs it."""

    db: Database | None = None
    lease_seconds: int = 300
    name: str = "sada-worker"
    jobs_done: int = 0
    current: int | None = None  # the Sada job running now
    current_pq: int | None = None  # its procrastinate job
    abandoned: int | None = None  # handed back on shutdown, its thread still running
    running: bool = False  # a worker run is under way (not between reconnects)
    last_beat: float = 0.0  # monotonic time of the event loop's last beat


class WorkerHealth:
    """The procrastinate worker as `sada.jobs.health.serve_health` reads it."""

    def __init__(self, db: Database, poll_interval: float) -> None:
        self.db = db
        self.poll_interval = poll_interval

    @property
    def alive(self) -> bool:
        return _WORKER.running

    @property
    def last_beat(self) -> float:
        return _WORKER.last_beat

    @property
    def current(self) -> int | None:
        return _WORKER.current

    @property
    def jobs_done(self) -> int:
        return _WORKER.jobs_done


_WORKER = _Worker()


def queue_of(priority: int) -> str:
    """The procrastinate queue of a Sada priority: its level's name."""
    return priority_name(priority)


def defer(
    session: Session,
    job_id_: int,
    *,
    priority: int,
    max_attempts: int,
    run_at: datetime | None = None,
) -> None:
    """Defer the procrastinate job of Sada job `job_id_` in the session's transaction."""
    connection = session.connection().connection.driver_connection
    schedule_at = run_at if run_at is not None and run_at > utcnow() else None
    _run.configure(
        queue=queue_of(priority),
        priority=-int(priority),
        schedule_at=schedule_at,
        connection=connection,
    ).defer(job_id=int(job_id_), max_attempts=int(max_attempts))


def dsn(db: Database, application_name: str = "sada-worker") -> str:
    """A libpq connection string for `db` (the SQLAlchemy URL without its driver)."""
    url = make_url(db.url).set(drivername="postgresql")
    query = dict(url.query)
    query["application_name"] = application_name
    return url.set(query=query).render_as_string(hide_password=False)


def schema_present(db: Database) -> bool:
    with db.engine.connect() as connection:
        return bool(connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar())


def ensure_schema(db: Database) -> bool:
    """Create procrastinate's tables and functions once (several nodes may race); True if made.

    Upgrades of procrastinate itself bring their own migrations (`procrastinate schema`,
    see its docs); this only creates the schema of the installed version on a fresh database.
    """
    if schema_present(db):
        return False
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        connection.commit()
        try:
            if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
                return False
            connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
            connection.commit()
            log.info("procrastinate schema created")
            return True
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
            connection.commit()


# ---------------------------------------------------------------- the task


def _start_attempt(db: Database, sada_id: int, attempt: int) -> Job | None:
    """Mark the row running for this attempt; None when there is nothing left to do."""
    now = utcnow()
    with db.transaction() as session:
        job = session.get(Job, sada_id, with_for_update=True)
        if job is None or job.status in ("done", DEAD):
            return None  # discarded, or already done by an attempt whose end was not recorded
        job.status = "running"
        job.attempts = attempt
        job.started_at = now
        job.locked_by = _WORKER.name
        job.locked_until = now + timedelta(seconds=_WORKER.lease_seconds)
        session.flush()
        session.expunge(job)
        return job


def _finish(db: Database, sada_id: int, **values: Any) -> None:
    with db.transaction() as session:
        session.execute(
            update(Job).where(Job.id == sada_id).values(locked_until=None, locked_by=None, **values)
        )


@APP.task(name=TASK_NAME, pass_context=True, retry=RETRY)
def _run(context: JobContext, job_id: int, max_attempts: int = 5) -> None:
    """Run Sada job `job_id`; raise on failure so procrastinate retries or fails it."""
    db = _WORKER.db
    if db is None:
        raise RuntimeError("no database: run jobs through sada.jobs.procrastinate_backend")
    attempt = context.job.attempts + 1
    job = _start_attempt(db, job_id, attempt)
    if job is None:
        return
    tokens = (request_id.set(job.request_id), job_id_var.set(job.id))
    _WORKER.current, _WORKER.current_pq = job.id, context.job.id
    started = time.perf_counter()
    outcome = "done"
    try:
        handler = get_handler(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            handler(db, job.workspace_id, dict(job.payload))
        except Exception as exc:
            lost = connection_lost(exc)
            final = not lost and (isinstance(exc, LookupError) or attempt >= max_attempts)
            outcome = "handed_back" if lost else "dead" if final else "retry"
            if not lost:
                JOB_FAILURES.labels(kind=job.kind).inc()
            log.warning("job %s (%s) failed (attempt %d): %s", job.id, job.kind, attempt, exc)
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
            _finish(
                db,
                job.id,
                status=DEAD if final else DEFERRED,
                run_at=utcnow()
                + timedelta(seconds=0 if final or lost else RETRY.wait_seconds(attempt)),
                last_error=error,
            )
            raise
        _finish(db, job.id, status="done", finished_at=utcnow(), last_error=None)
        _WORKER.jobs_done += 1
    finally:
        JOB_DURATION.labels(kind=job.kind, outcome=outcome).observe(time.perf_counter() - started)
        _WORKER.current = _WORKER.current_pq = None
        request_id.reset(tokens[0])
        job_id_var.reset(tokens[1])


# ---------------------------------------------------------------- queue figures


def queue_figures(
    db: Database, *, workspace_id: int | None = None
) -> dict[str, tuple[int, int, float]]:
    """Per queue (priority level): due jobs waiting, jobs running, oldest wait in seconds."""
    mine = "AND j.workspace_id = :ws" if workspace_id is not None else ""
    statement = text(
        f"""
        SELECT pj.queue_name, pj.status, count(*),
               EXTRACT(EPOCH FROM (now() - min(j.run_at)))
          FROM procrastinate_jobs pj
          JOIN jobs j ON j.id = (pj.args->>'job_id')::bigint
         WHERE pj.task_name = :task AND pj.status IN ('todo', 'doing')
           AND (pj.status = 'doing' OR pj.scheduled_at IS NULL OR pj.scheduled_at <= now())
           {mine}
         GROUP BY pj.queue_name, pj.status
        """
    )
    figures: dict[str, list[Any]] = {}
    with db.reader() as session:
        rows = session.execute(statement, {"task": TASK_NAME, "ws": workspace_id}).all()
    for queue, status, count, age in rows:
        entry = figures.setdefault(queue, [0, 0, 0.0])
        if status == "todo":
            entry[0] += int(count)
            entry[2] = max(entry[2], float(age or 0.0))
        else:
            entry[1] += int(count)
    return {queue: (e[0], e[1], max(0.0, e[2])) for queue, e in figures.items()}


# ---------------------------------------------------------------- the worker


URGENT_QUEUES = [queue_of(Priority.INTERACTIVE), queue_of(Priority.FOLLOW_UP)]


OWN_DOING = """
SELECT id FROM procrastinate_jobs WHERE status = 'doing' AND worker_id = %(worker_id)s
"""


class SadaWorker(ProcrastinateWorker):
    """procrastinate's worker, with its side tasks watched even without periodic tasks.

    procrastinate stops its worker when a side task (heartbeat, LISTEN, periodic deferrer)
    fails, by waiting for the FIRST side task to finish. With no periodic task registered,
    the deferrer returns at once, that wait ends at start-up, and nothing watches the others:
    a database outage then killed the heartbeat and the LISTEN connection silently, and the
    worker ran on without them (its jobs looked stalled to every other worker, which queued
    them again while it still ran them). Here the deferrer stays pending, so a failed side
    task stops the run and `run_worker` starts a fresh one.
    """

    async def _periodic_deferrer(self) -> None:
        await super()._periodic_deferrer()
        await asyncio.Event().wait()  # until cancelled with the other side tasks

    def running_job_ids(self) -> set[int]:
        """procrastinate jobs this worker still handles, the write of their outcome included."""
        contexts = getattr(self, "_running_jobs", {})
        return {int(c.job.id) for c in list(contexts.values()) if c.job.id is not None}


async def _recover_stalled(
    app: procrastinate.App, worker: SadaWorker, lease: float, stop: asyncio.Event
) -> None:
    """Give back jobs nobody is running.

    - the jobs of workers whose heartbeat stopped (killed, frozen, cut off);
    - this worker's own jobs left `doing` while it runs nothing: a database outage broke
      the write of their outcome, and a live worker keeps beating, so they would never
      look stalled. A job must look orphaned at two checks in a row (a job just fetched
      has not reached its thread yet).
    """
    suspects: set[int] = set()
    while not stop.is_set():
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=lease)
            for job in stalled:
                if job.worker_id is not None and job.worker_id == worker.worker_id:
                    continue  # our own heartbeat was late (an outage): we still run it
                log.warning(
                    "job %s (procrastinate %s): its worker stopped beating; queued again",
                    job.task_kwargs.get("job_id"),
                    job.id,
                )
                await app.job_manager.retry_job(job)
            if worker.worker_id is not None:
                rows = await app.connector.execute_query_all_async(
                    query=OWN_DOING, worker_id=worker.worker_id
                )
                # A job whose task ended is still ours until procrastinate has written its
                # outcome (that write may wait for the pool): not an orphan while it does.
                orphans = {int(row["id"]) for row in rows} - worker.running_job_ids()
                for pq_id in orphans & suspects:
                    log.warning("procrastinate job %s: its outcome was lost; queued again", pq_id)
                    await app.job_manager.retry_job_by_id_async(pq_id, retry_at=utcnow())
                suspects = orphans - suspects
        except Exception as exc:  # noqa: BLE001 - retried at the next beat
            log.warning("looking for stalled jobs failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=max(1.0, lease / 3))


async def _beat(stop: asyncio.Event) -> None:
    """Show that the worker's event loop turns (the health endpoint's signal)."""
    while not stop.is_set():
        _WORKER.last_beat = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=2)


async def _hand_back(app: procrastinate.App) -> None:
    """Put the job still running after the grace period back in the queue (now)."""
    sada_id, pq_id = _WORKER.current, _WORKER.current_pq
    if sada_id is None or pq_id is None:
        return
    _WORKER.abandoned = sada_id
    try:
        await app.job_manager.retry_job_by_id_async(pq_id, retry_at=utcnow())
    except Exception as exc:  # noqa: BLE001 - then the stalled-job recovery requeues it
        log.warning("job %s: handing it back failed: %s", sada_id, exc)
    db = _WORKER.db
    if db is not None:
        try:
            await asyncio.to_thread(_finish, db, sada_id, status=DEFERRED)
        except Exception as exc:  # noqa: BLE001 - the row is a mirror; the next run sets it
            log.warning("job %s: marking it handed back failed: %s", sada_id, exc)
    log.warning("job %s did not finish within the grace period; handed back", sada_id)


async def _serve(
    app: procrastinate.App,
    *,
    queues: list[str] | None,
    lease: float,
    grace: float,
    poll: float,
    stopping: threading.Event,
) -> None:
    """One worker run: until a signal (then finish or hand back) or a lost database (raises).

    procrastinate runs a sync task in a thread it cannot interrupt (its abort waits for the
    thread), so Sada handles SIGTERM itself: stop fetching, wait `grace` seconds for the
    running job, else hand it back and let the caller exit without waiting for the thread.
    """
    options: dict[str, Any] = {"queues": queues} if queues else {}
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop_requested.set)
    async with app.open_async():
        stop = asyncio.Event()
        runner = SadaWorker(
            app,
            **options,
            name=_WORKER.name,
            concurrency=1,
            update_heartbeat_interval=max(1.0, lease / 3),
            stalled_worker_timeout=lease,
            fetch_job_polling_interval=max(0.1, poll),
            install_signal_handlers=False,
        )
        recovery = asyncio.create_task(_recover_stalled(app, runner, lease, stop))
        worker = asyncio.create_task(runner.run())
        waiter = asyncio.create_task(stop_requested.wait())
        beat = asyncio.create_task(_beat(stop))
        _WORKER.running = True
        try:
            await asyncio.wait({worker, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if worker.done():
                worker.result()  # a lost database raises here: the caller reconnects
                # procrastinate also stops by itself, without an error, when a side task
                # (heartbeat, LISTEN) failed: that is an outage too, not a stop request.
                raise WorkerStopped("the procrastinate worker stopped (a side task failed)")
            stopping.set()
            log.info("stopping: finishing the running job within %.0f s or handing it back", grace)
            worker.cancel()  # procrastinate stops fetching and waits for the running job
            await asyncio.wait({worker}, timeout=grace)
            if not worker.done():
                await _hand_back(app)
        finally:
            _WORKER.running = False
            waiter.cancel()
            stop.set()
            await recovery
            await beat


def run_worker(
    db: Database,
    *,
    urgent_only: bool = False,
    lease_seconds: int = 300,
    grace: float = 20,
    poll: float = 5.0,
    name: str = "sada-worker",
    application_name: str = "sada-worker",
) -> int:
    """Run procrastinate's worker until SIGTERM/SIGINT; reconnects after a database outage.

    Returns how many jobs succeeded.
    """
    _WORKER.db = db
    _WORKER.lease_seconds = lease_seconds
    _WORKER.name = name
    app = APP.with_connector(
        procrastinate.PsycopgConnector(conninfo=dsn(db, application_name), min_size=1, max_size=3)
    )
    stopping = threading.Event()

    def _on_signal(_signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    failures = 0
    while not stopping.is_set():
        loop = asyncio.new_event_loop()
        try:
            ensure_schema(db)
            loop.run_until_complete(
                _serve(
                    app,
                    queues=URGENT_QUEUES if urgent_only else None,
                    lease=float(lease_seconds),
                    grace=grace,
                    poll=poll,
                    stopping=stopping,
                )
            )
            break  # stopped by a signal
        except Exception as exc:  # noqa: BLE001 - a worker keeps going through outages
            failures += 1
            log.warning("job worker lost the database or failed (reconnecting): %s", exc)
        finally:
            # Not loop.shutdown_default_executor(): a job handed back on shutdown still runs
            # in its thread, and the process must not wait for it.
            loop.close()
            # Closing the loop reset SIGTERM/SIGINT; between runs (an outage) ours stand.
            signal.signal(signal.SIGTERM, _on_signal)
            signal.signal(signal.SIGINT, _on_signal)
        stopping.wait(min(MAX_RECONNECT_BACKOFF, 0.5 * 2**failures))
    return _WORKER.jobs_done


def abandoned_job() -> int | None:
    """After `run_worker`: the Sada job handed back on shutdown while its thread still runs.

    procrastinate has it in its queue again; the caller must exit without waiting for that
    thread (`os._exit`).
    """
    return _WORKER.abandoned
