"""Worker throughput of `text.analyze` jobs: real jobs, run by the real runner, on a real database.

On a fresh database (SQLite file, or a new PostgreSQL database made on the server of
`--pg URL` / SADA_TEST_DATABASE_URL and dropped after), one workspace: `--jobs` batches of
`--batch` live items shaped like bench/soak.py's (multilingual text, every text unique) are
stored with `ingest_batch`, which records one `text.analyze` job per batch. Other job kinds
are deleted; then the runner's own loop (`claim_next` + `run_job`, as `sada worker` does it)
runs the `text.analyze` jobs one by one, in this process, after a warm-up job that loads the
models (not counted).

Printed: texts per second of wall time, CPU milliseconds per text (time.process_time: every
thread of the process, so thread oversubscription shows), the slowest job, the machine's
load average, the process's RSS before and after, and the size of the embedder's in-memory
cache. With `--profile`, the 30 costliest functions by cumulative time (cProfile); with
`--tracemalloc`, the 15 biggest growths of Python allocations between the first and the
last counted job. With `--dump FILE`, every stored analysis (ordered by interaction id,
`analyzed_at` left out) is written as JSON lines, to compare two versions byte for byte.

    .venv/bin/python bench/analysis_job.py --db sqlite --jobs 20 --batch 20
    SADA_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
      .venv/bin/python bench/analysis_job.py --db pg --jobs 20 --batch 20 --profile

The LAST line is `texts_per_s=<n> cpu_ms_per_text=<m>`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import make_people  # noqa: E402
from bench.soak import item, pg_database, rss_mib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["pg", "sqlite"], default="sqlite")
    parser.add_argument("--pg", default=os.environ.get("SADA_TEST_DATABASE_URL", ""))
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--dump", default="", help="write the stored analyses to this file")
    parser.add_argument("--rss-every", type=int, default=0, help="print RSS every N jobs")
    args = parser.parse_args()

    from sqlalchemy import delete, select

    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.interactions.ingest import ingest_batch
    from sada.jobs.models import Job
    from sada.jobs.service import claim_next, run_job
    from sada.tenants.service import do_create_workspace

    drop = None
    if args.db == "pg":
        if not args.pg:
            raise SystemExit("--db pg needs --pg URL or SADA_TEST_DATABASE_URL")
        url, drop = pg_database(args.pg, "sada_analysis_job_")
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='sada-analysis-')) / 'bench.db'}"
    db = open_database(url)
    try:
        upgrade(db)
        with db.transaction() as session:
            ws = do_create_workspace(session, f"analysis-{uuid.uuid4().hex[:6]}").id
        people = make_people(args.people)
        rng = random.Random(3)
        now = datetime.now(UTC)
        for b in range(args.jobs + 1):  # the first is the warm-up
            items = [item(b * args.batch + i, people, rng, now) for i in range(args.batch)]
            with db.transaction(ws) as session:
                ingest_batch(session, items)
        with db.transaction() as session:
            session.execute(delete(Job).where(Job.kind != "text.analyze"))
            queued = len(session.execute(select(Job.id)).scalars().all())
        print(f"{args.db}: {queued} text.analyze jobs queued ({args.batch} texts each)")

        def one() -> tuple[float, float, int]:
            job = claim_next(db, kinds=["text.analyze"])
            if job is None:
                return 0.0, 0.0, 0
            n = len(job.payload.get("interaction_ids") or [])
            c0, w0 = time.process_time(), time.perf_counter()
            run_job(db, job)
            return time.perf_counter() - w0, time.process_time() - c0, n

        w, c, n = one()
        print(f"warm-up job: {n} texts, {w:.1f} s wall, {c:.1f} s CPU (models load)")
        rss0 = rss_mib(os.getpid())
        if args.tracemalloc:
            import tracemalloc

            tracemalloc.start(10)
            snap0 = tracemalloc.take_snapshot()
        profile = cProfile.Profile() if args.profile else None
        loads = [os.getloadavg()[0]]
        wall = cpu = 0.0
        texts = 0
        worst = 0.0
        while True:
            if profile is not None:
                profile.enable()
            w, c, n = one()
            if profile is not None:
                profile.disable()
            if not n:
                break
            wall, cpu, texts, worst = wall + w, cpu + c, texts + n, max(worst, w)
            loads.append(os.getloadavg()[0])
            if args.rss_every and (len(loads) - 1) % args.rss_every == 0:
                print(
                    f"  after {len(loads) - 1} jobs: RSS {rss_mib(os.getpid()):.1f} MiB", flush=True
                )
        rss1 = rss_mib(os.getpid())
        from sada.text.embeddings import get_embedder

        emb = get_embedder()
        cache = len(getattr(emb, "_cache", {}) or {}) if emb is not None else 0
        print(
            f"{texts} texts in {wall:.1f} s wall = {texts / max(wall, 1e-9):.1f} texts/s; "
            f"CPU {cpu / max(texts, 1) * 1000:.1f} ms per text; slowest job {worst:.2f} s; "
            f"load {min(loads):.1f}-{max(loads):.1f}"
        )
        print(
            f"RSS {rss0:.1f} -> {rss1:.1f} MiB (peak {peak_mib():.1f}); "
            f"embedder cache {cache} vectors"
        )
        if args.tracemalloc:
            snap1 = tracemalloc.take_snapshot()
            print("biggest growths of Python allocations:")
            for stat in snap1.compare_to(snap0, "traceback")[:15]:
                frame = stat.traceback[-1]
                print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d}  {frame}")
        if profile is not None:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        if args.dump:
            dump(db, ws, args.dump)
        print(
            f"texts_per_s={texts / max(wall, 1e-9):.1f} cpu_ms_per_text={cpu / max(texts, 1) * 1000:.1f}"
        )
    finally:
        db.dispose()
        if drop is not None:
            drop()


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def dump(db, workspace_id: int, path: str) -> None:  # type: ignore[no-untyped-def]
    """Every analysis as one JSON line, by the interaction's external id (stable across runs)."""
    import orjson
    from sqlalchemy import select

    from sada.interactions.models import Interaction
    from sada.text.models import TextAnalysis

    columns = [
        c
        for c in [a.key for a in TextAnalysis.__mapper__.column_attrs]
        if c not in ("analyzed_at", "id")
    ]
    with db.reader(workspace_id) as session, open(path, "wb") as out:
        rows = session.execute(
            select(Interaction.external_id, TextAnalysis)
            .join(Interaction, Interaction.id == TextAnalysis.interaction_id)
            .order_by(Interaction.external_id)
        ).all()
        for external_id, row in rows:
            record = {c: getattr(row, c) for c in columns if c not in ("interaction_id",)}
            record["external_id"] = external_id
            out.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")
    print(f"{len(rows)} analyses written to {path}")


if __name__ == "__main__":
    main()
