"""The job queue under an ingest: jobs per second by priority, and how long follow-ups wait.

A fresh database (SQLite file by default; PostgreSQL with --pg URL, a new database made on
that server) and a fresh workspace. `--workers` real `sada worker` processes run while this
process ingests `--interactions` interactions through the ingest service in batches of
`--batch` (each batch publishes `interaction.ingested`: text analysis at analysis priority;
rules, conversations and survey triggers at follow-up priority; webhooks at normal
priority). `--history` of the items are older than the live window: their jobs are bulk.

When the queue of the workspace is empty (or after --timeout s), the job rows give, per
priority level: jobs done, jobs per second (done / span from the first claim to the last
finish of that level) and the wait (claim time - due time) p50, p95 and max. The LAST line
is `followup_worst_wait_s=<x>`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import make_items, make_people  # noqa: E402


def pg_database(admin_url: str) -> tuple[str, Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    from sada.settings import Settings

    url = make_url(Settings(database_url=admin_url).database_url)
    name = f"sada_bench_queue_{uuid.uuid4().hex[:6]}"
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--history", type=float, default=0.3, help="share of old items")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--urgent-workers", type=int, default=0, help="extra `sada worker --urgent-only`"
    )
    parser.add_argument("--pg", default="", help="PostgreSQL server URL (a new database)")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    from sqlalchemy import func, select

    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.interactions.ingest import ingest_batch
    from sada.jobs.models import Job
    from sada.jobs.registry import priority_name
    from sada.tenants.service import do_create_workspace

    tmp = Path(tempfile.mkdtemp(prefix="sada-bench-queue-"))
    drop = None
    if args.pg:
        url, drop = pg_database(args.pg)
    else:
        url = f"sqlite:///{tmp / 'queue.db'}"
    db = open_database(url, application_name="sada-bench")
    upgrade(db)
    with db.transaction() as session:
        workspace_id = do_create_workspace(session, f"queue-{uuid.uuid4().hex[:6]}").id

    people = make_people(2_000)
    items = make_items(args.interactions, people, "bench-queue", seed=5)
    rng = random.Random(3)
    now = datetime.now(UTC)
    for item in items:  # recent (live) or older than the live window (history, bulk jobs)
        age = timedelta(days=rng.uniform(30, 365)) if rng.random() < args.history else None
        age = age or timedelta(minutes=rng.uniform(0, 600))
        item["occurred_at"] = (now - age).isoformat()

    env = {
        **os.environ,
        "SADA_DATABASE_URL": url,
        "SADA_ENVIRONMENT": "test",
        "SADA_JOB_POLL_INTERVAL": "0.2",
    }
    commands = [["worker"]] * args.workers + [["worker", "--urgent-only"]] * args.urgent_workers
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "sada.cli.main", *command],
            cwd=ROOT,
            env=env,
            stdout=(tmp / f"worker{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n, command in enumerate(commands)
    ]
    try:
        started = time.perf_counter()
        for start in range(0, len(items), args.batch):
            with db.transaction(workspace_id) as session:
                ingest_batch(session, items[start : start + args.batch])
        ingest_s = time.perf_counter() - started
        print(
            f"ingested {len(items):,} interactions in {ingest_s:.1f} s "
            f"({len(items) / ingest_s:,.0f}/s) with {args.workers} worker(s) "
            f"and {args.urgent_workers} urgent-only worker(s) running",
            flush=True,
        )
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            with db.reader() as session:
                left = session.execute(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.workspace_id == workspace_id, Job.status.in_(("queued", "running")))
                    .where(Job.kind != "automation.tick")
                ).scalar_one()
            if not left:
                break
            time.sleep(1)
        drained_s = time.perf_counter() - started
        print(f"queue drained {drained_s:.1f} s after the first batch ({left} left)", flush=True)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)

    with db.reader() as session:
        rows = session.execute(
            select(Job.priority, Job.kind, Job.status, Job.run_at, Job.started_at, Job.finished_at)
            .where(Job.workspace_id == workspace_id)
            .where(Job.kind != "automation.tick")
        ).all()
    levels: dict[str, list[Any]] = {}
    for row in rows:
        levels.setdefault(priority_name(row.priority), []).append(row)
    print(
        f"{'priority':<12}{'jobs':>6}{'done':>6}{'jobs/s':>8}{'p50 wait':>10}{'p95':>8}{'max':>8}"
    )
    followup_worst = 0.0
    for name in ("interactive", "follow_up", "normal", "analysis", "bulk"):
        group = levels.get(name, [])
        done = [r for r in group if r.status == "done" and r.started_at and r.finished_at]
        waits = [max(0.0, (r.started_at - r.run_at).total_seconds()) for r in done]
        span = (
            (max(r.finished_at for r in done) - min(r.started_at for r in done)).total_seconds()
            if done
            else 0.0
        )
        rate = len(done) / span if span > 0 else 0.0
        print(
            f"{name:<12}{len(group):>6}{len(done):>6}{rate:>8.1f}"
            f"{statistics.median(waits) if waits else 0:>10.1f}{percentile(waits, 0.95):>8.1f}"
            f"{max(waits, default=0):>8.1f}"
        )
        if name == "follow_up":
            followup_worst = max(waits, default=0.0)
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    print("jobs by kind:", ", ".join(f"{k}={n}" for k, n in sorted(kinds.items())))
    db.dispose()
    if drop is not None:
        drop()
    print(f"followup_worst_wait_s={followup_worst:.1f}")


if __name__ == "__main__":
    main()
