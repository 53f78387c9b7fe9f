"""Rising terms at 1M posts: the cost the overview and `GET /api/v1/listening/trending` add.

Fills the term rollup (`listening_terms`) as 1,000,000 posts over 365 days would (about 685
posts per day in each of fa/ar/zh/en, 8 distinct terms per post drawn from a Zipf vocabulary
of 20,000 words per language, plus a term that rises in the last week), straight into the
table (the write side is timed by `bench/listening_import.py`), then times
`trending.trending()` for one language (what the overview reads) and for all four (the API
without `lang`) over 7, 30 and 90 days, --repeat times each.

    .venv/bin/python bench/listening_trending.py [--posts 1000000] [--repeat 20] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LANGS = ("fa", "ar", "zh", "en")


def fill(db: Any, ws: int, posts: int, today: date) -> None:
    """The term rollup of `posts` posts over 365 days, written straight into the table."""
    from sada.db.dialect import reserve_ids
    from sada.listening.models import ListeningTerm

    rng = random.Random(18)
    weights = [1 / (k + 1) for k in range(20_000)]
    cum = list(__import__("itertools").accumulate(weights))
    per_day = posts // (365 * len(LANGS))
    t0 = time.perf_counter()
    rows_written = 0
    for back in range(365):
        day = today - timedelta(days=back)
        rows = []
        for lang in LANGS:
            counts: Counter[str] = Counter()
            for i in range(per_day):
                words = {f"{lang}w{k}" for k in rng.choices(range(20_000), cum_weights=cum, k=8)}
                if back < 7 and i % 5 == 0:
                    words.add(f"{lang}-rising")
                counts.update(words)
            counts[""] = per_day
            for term, n in counts.items():
                rows.append(
                    {"workspace_id": ws, "day": day, "language": lang, "term": term,
                     "label": term, "posts": n}
                )  # fmt: skip
        with db.transaction(ws) as session:
            for r, rid in zip(
                rows, reserve_ids(session, ListeningTerm.__table__, len(rows)), strict=True
            ):
                r["id"] = rid
            session.execute(ListeningTerm.__table__.insert(), rows)
        rows_written += len(rows)
    print(
        f"term rollup: {rows_written:,} rows for {per_day * 365 * len(LANGS):,} posts "
        f"in {time.perf_counter() - t0:.0f} s"
    )


def measure(db: Any, ws: int, today: date, repeat: int) -> None:
    from sqlalchemy import func, select

    from sada.listening import trending
    from sada.listening.models import ListeningTerm

    with db.reader(ws) as session:
        assert session.execute(select(func.count()).select_from(ListeningTerm)).scalar_one()
    print(f"load average {os.getloadavg()}")
    cpu0 = time.process_time()
    for days in (7, 30, 90):
        start = today - timedelta(days=days - 1)
        for label, lang in (("one language", "fa"), ("all four", None)):
            times = []
            cpu = []
            for _ in range(repeat):
                t = time.perf_counter()
                c = time.process_time()
                with db.reader(ws) as session:
                    out = trending.trending(session, start, today, language=lang)
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            times.sort()
            p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
            top = out["languages"][0]["terms"][:1]
            print(
                f"{days:>3} days, {label:<12} p50 {statistics.median(times):7.1f} ms  "
                f"p95 {p95:7.1f} ms  CPU median {statistics.median(cpu):7.1f} ms  "
                f"top: {top[0]['label'] if top else '-'}"
            )
    print(f"CPU {time.process_time() - cpu0:.1f} s, load average {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pg", default=None)
    parser.add_argument(
        "--reuse", default=None, help="database URL of an earlier run: skip the fill, time only"
    )
    args = parser.parse_args()

    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.tenants.service import do_create_workspace

    url = args.reuse or args.pg or f"sqlite:///{Path(tempfile.mkdtemp()) / 'trending.db'}"
    print(f"database: {url}")
    db = open_database(url)
    upgrade(db)
    today = date(2026, 11, 29)
    if args.reuse:
        ws = 1
    else:
        with db.transaction() as session:
            ws = do_create_workspace(session, f"trending-bench-{int(time.time())}").id
        fill(db, ws, args.posts, today)
    measure(db, ws, today, args.repeat)


if __name__ == "__main__":
    main()
