"""Cost of the work one live ingest batch queues: the jobs recorded, and `automation.ingested`.

On a fresh database (SQLite file, or a new PostgreSQL database made on the server of
`--pg URL` / SADA_TEST_DATABASE_URL and dropped after), one workspace with its default rules:
`--batches` batches of `--batch` live items shaped like bench/soak.py's (people from a pool
whose identities repeat, a quarter of them complaints or reviews), each stored with
`ingest_batch` in one transaction, which publishes `interaction.ingested`. Then, per batch, the
`automation.ingested` handler runs as the worker would run it (threading, rules, tick).

Printed: jobs recorded per batch by kind; CPU (time.process_time) and wall milliseconds per
interaction of `automation.ingested` (the first batch, which adds the default rules, is a
warm-up and not counted); with `--profile`, the 25 costliest functions of those runs by
cumulative time (cProfile). CPU time, not wall time, is the figure to compare on a shared
machine.

    .venv/bin/python bench/ingested_cost.py --db sqlite --batches 6 --batch 20
    SADA_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
      .venv/bin/python bench/ingested_cost.py --db pg --batches 6 --batch 20 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import make_people  # noqa: E402
from bench.soak import item, pg_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["pg", "sqlite"], default="sqlite")
    parser.add_argument("--pg", default=os.environ.get("SADA_TEST_DATABASE_URL", ""))
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from sqlalchemy import select

    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.interactions.ingest import ingest_batch
    from sada.jobs.models import Job
    from sada.jobs.registry import get_handler
    from sada.tenants.service import do_create_workspace

    drop = None
    if args.db == "pg":
        if not args.pg:
            raise SystemExit("--db pg needs --pg URL or SADA_TEST_DATABASE_URL")
        url, drop = pg_database(args.pg)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='sada-ingested-')) / 'bench.db'}"
    db = open_database(url)
    try:
        upgrade(db)
        with db.transaction() as session:
            ws = do_create_workspace(session, f"ingested-{uuid.uuid4().hex[:6]}").id
        people = make_people(args.people)
        rng = random.Random(3)
        handler = get_handler("automation.ingested")
        assert handler is not None
        kinds: Counter[str] = Counter()
        cpu = wall = 0.0
        counted = 0
        profile = cProfile.Profile() if args.profile else None
        for b in range(args.batches):
            now = datetime.now(UTC)
            items = [item(b * args.batch + i, people, rng, now) for i in range(args.batch)]
            with db.transaction(ws) as session:
                results = ingest_batch(session, items)
            ids = [r.id for r in results if r.id is not None]
            with db.reader() as session:
                for kind in session.execute(
                    select(Job.kind).where(Job.workspace_id == ws, Job.status == "queued")
                ).scalars():
                    kinds[kind] += 1
            with db.transaction() as session:  # this script runs the jobs it measures itself
                session.execute(Job.__table__.delete().where(Job.workspace_id == ws))
            payload = {"interaction_ids": ids, "event": "interaction.ingested", "live": True}
            c0, w0 = time.process_time(), time.perf_counter()
            if profile is not None and b > 0:
                profile.enable()
            handler(db, ws, payload)
            if profile is not None:
                profile.disable()
            if b > 0:
                cpu += time.process_time() - c0
                wall += time.perf_counter() - w0
                counted += len(ids)
        print(f"{args.db}: {args.batches} batches of {args.batch} live items")
        print(
            "jobs recorded per batch: "
            + ", ".join(f"{kind} {n / args.batches:.1f}" for kind, n in sorted(kinds.items()))
            + f" (total {sum(kinds.values()) / args.batches:.1f})"
        )
        if counted:
            print(
                f"automation.ingested: {cpu / counted * 1000:.1f} ms CPU and "
                f"{wall / counted * 1000:.1f} ms wall per interaction "
                f"({counted} interactions after the warm-up batch; load {os.getloadavg()[0]:.1f})"
            )
        if profile is not None:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    finally:
        db.dispose()
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
