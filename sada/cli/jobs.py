"""`sada jobs ...` (the queue and its dead jobs) and `sada worker` (runs the jobs)."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import typer

from sada.cli.common import _db, _fail, _settings, console

if TYPE_CHECKING:
    from sada.db.engine import Database
    from sada.settings import Settings

jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)


@jobs_app.command("run")
def jobs_run(
    limit: int = typer.Option(0, help="Stop after this many jobs (0: until none is due)."),
) -> None:
    """Run due jobs in this process and exit."""
    from sada.jobs.service import run_pending

    ran = run_pending(_db(), limit=limit or None)
    console.print(f"ran {ran} job(s)")


@jobs_app.command("status")
def jobs_status() -> None:
    """Count jobs by status."""
    from sada.jobs.service import counts_by_status

    print(json.dumps(counts_by_status(_db())))


@jobs_app.command("queue")
def jobs_queue() -> None:
    """Due jobs waiting, jobs running and the oldest wait (seconds) per priority."""
    from sada.jobs.service import queue_levels

    for level in queue_levels(_db()):
        print(
            json.dumps(
                {
                    "priority": level.priority,
                    "depth": level.depth,
                    "running": level.running,
                    "oldest_seconds": level.oldest_seconds,
                }
            )
        )


@jobs_app.command("dead")
def jobs_dead(limit: int = typer.Option(200, min=1, help="Show at most this many.")) -> None:
    """List dead jobs (failed every attempt): id, kind, workspace, attempts, last error."""
    from sada.jobs.service import dead_jobs

    for job in dead_jobs(_db(), limit=limit):
        error = (job.last_error or "").splitlines()[-1:] or [""]
        print(
            f"{job.id}\t{job.kind}\t{job.workspace_id or '-'}\t{job.attempts}\t"
            f"{job.run_at.isoformat()}\t{error[0][:200]}"
        )


@jobs_app.command("retry")
def jobs_retry(job_id: int = typer.Argument(..., help="The dead job's id.")) -> None:
    """Queue a dead job again now, with fresh attempts."""
    from sada.core.errors import SadaError
    from sada.jobs.service import retry_dead

    try:
        job = retry_dead(_db(), job_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"job {job.id} ({job.kind}) queued again")


@jobs_app.command("discard")
def jobs_discard(job_id: int = typer.Argument(..., help="The dead job's id.")) -> None:
    """Delete a dead job for good."""
    from sada.core.errors import SadaError
    from sada.jobs.service import discard_dead

    try:
        discard_dead(_db(), job_id)
    except SadaError as exc:
        _fail(exc.message)
    console.print(f"job {job_id} discarded")


def worker(
    poll: float | None = typer.Option(
        None, help="Seconds between polls when idle (default: SADA_JOB_POLL_INTERVAL)."
    ),
    urgent_only: bool = typer.Option(
        False,
        "--urgent-only",
        help="Take interactive and follow-up jobs only (a worker that never waits on analysis).",
    ),
    health_port: int = typer.Option(
        0, help="Serve /healthz, /readyz and /metrics on this port (0: none)."
    ),
    health_host: str = typer.Option("127.0.0.1", help="Interface of the health endpoint."),
    analytics_owner: bool = typer.Option(
        False,
        "--analytics-owner",
        help="Also maintain the journeys' columnar copy and publish its read-only snapshot "
        "every SADA_ANALYTICS_REFRESH_SECONDS (run exactly one such worker).",
    ),
) -> None:
    """Run jobs until SIGTERM or Ctrl-C (use with `SADA_RUN_JOBS_IN_PROCESS=false` on API processes).

    On SIGTERM the worker stops claiming, lets its job finish within
    SADA_JOB_SHUTDOWN_GRACE_SECONDS and otherwise hands it back to the queue.
    """
    import signal
    import threading

    from sada.core.telemetry import configure_logging
    from sada.jobs.health import serve_health
    from sada.jobs.metrics import watch
    from sada.jobs.registry import Priority
    from sada.jobs.runner import InProcessRunner

    settings = _settings()
    configure_logging(settings.log_format, settings.log_level)
    if settings.otel_endpoint:
        from sada.core import tracing

        try:
            tracing.enable(
                settings.otel_endpoint, service_name=f"{settings.otel_service_name}-worker"
            )
        except tracing.TracingUnavailable as exc:
            _fail(str(exc))
    db = _db("worker")
    watch(db)
    from sada.jobs.backend import uses_procrastinate

    if uses_procrastinate(db):
        _procrastinate_worker(
            db, settings, urgent_only=urgent_only, poll=poll, health=(health_host, health_port)
        )
        return
    runner = InProcessRunner(
        db,
        poll_interval=poll if poll is not None else settings.job_poll_interval,
        lease_seconds=settings.job_lease_seconds,
        max_priority=Priority.NORMAL - 1 if urgent_only else None,
    )
    stopping = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    from sada.core import gctune
    from sada.jobs.registry import load_all_handlers

    load_all_handlers()
    gctune.tune()  # start-up objects out of the collector's way (see sada.core.gctune)
    runner.start()
    if settings.analytics_dir:  # an erasure run by this worker finds the snapshots there
        from sada.journeys.columnar import use_directory

        use_directory(settings.analytics_dir)
    if analytics_owner:
        from sada.journeys.columnar import refresh_loop

        owner = threading.Thread(
            target=refresh_loop,
            args=(db, stopping),
            # The copy's path is found by the loop (under SADA_ANALYTICS_DIR, set above): it
            # asks the database which one it is, which a worker started in an outage cannot.
            kwargs={"every_seconds": settings.analytics_refresh_seconds},
            name="sada-analytics-owner",
            daemon=True,
        )
        owner.start()
    if health_port:
        serve_health(runner, health_host, health_port)
    console.print(
        f"worker running (lease {runner.lease_seconds} s, poll {runner.poll_interval} s); "
        "SIGTERM or Ctrl-C to stop"
    )
    while not stopping.wait(1):
        pass
    console.print("stopping: finishing or handing back the running job")
    runner.stop(grace=settings.job_shutdown_grace_seconds)
    if settings.otel_endpoint:
        from sada.core import tracing

        tracing.disable()  # the last spans out before the process ends
    console.print(f"worker stopped after {runner.jobs_done} job(s)")


def _procrastinate_worker(
    db: Database,
    settings: Settings,
    *,
    urgent_only: bool,
    poll: float | None,
    health: tuple[str, int],
) -> None:
    """`sada worker` on SADA_JOB_BACKEND=procrastinate (see sada.jobs.procrastinate_backend)."""
    import logging

    from sada.core import gctune
    from sada.jobs import procrastinate_backend
    from sada.jobs.registry import load_all_handlers
    from sada.jobs.service import WORKER_ID

    load_all_handlers()
    gctune.tune()
    poll_interval = poll if poll is not None else max(settings.job_poll_interval, 1.0)
    if health[1]:
        from sada.jobs.health import serve_health

        serve_health(procrastinate_backend.WorkerHealth(db, poll_interval), *health)
    console.print(
        f"procrastinate worker running (heartbeat timeout {settings.job_lease_seconds} s); "
        "SIGTERM or Ctrl-C to stop"
    )
    done = procrastinate_backend.run_worker(
        db,
        urgent_only=urgent_only,
        lease_seconds=settings.job_lease_seconds,
        grace=settings.job_shutdown_grace_seconds,
        poll=poll_interval,
        name=WORKER_ID,
    )
    abandoned = procrastinate_backend.abandoned_job()
    console.print(f"worker stopped after {done} job(s)")
    if abandoned is not None:
        # Its thread still runs the handler; procrastinate has queued the job again.
        console.print(f"job {abandoned} did not finish in time: handed back to the queue")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
