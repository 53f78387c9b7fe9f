"""`sada demo --no-serve` with the CPU and wall time of each seeding phase.

    SADA_DATABASE_URL=sqlite:////tmp/demo.db /usr/bin/time -v python bench/demo_seed.py [--people N]

Wraps the seed's phase functions (users, people, the generator, the interactions write,
each domain's demo, the text analysis, the rollup build) with `time.process_time` and
`time.perf_counter`, then runs the CLI command exactly as `sada demo --no-serve [args]`.
`PROFILE=path` also writes a cProfile of the whole run (wall-clock timer) to `path`.
`COUNTS=1` prints the rows of every table at the end (`COUNT table n`), to compare two legs.
Use a fresh database file: an existing demo workspace is not seeded again.
"""

from __future__ import annotations

import cProfile
import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sada.demo.analyses as analyses  # noqa: E402
import sada.demo.rollups as demo_rollups  # noqa: E402
import sada.demo.seed as seed  # noqa: E402

PHASES: list[tuple[str, float, float]] = []


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def inner(*args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            PHASES.append((name, time.process_time() - cpu, time.perf_counter() - wall))
            print(
                f"PHASE {name}: cpu {PHASES[-1][1]:.1f} s wall {PHASES[-1][2]:.1f} s",
                file=sys.stderr,
            )

    return inner


def main() -> None:
    for name in ("_seed_users", "_seed_people", "generate_interactions", "_write_interactions"):
        setattr(seed, name, timed(name, getattr(seed, name)))
    analyses.analyse_recent = timed("analysis", analyses.analyse_recent)  # type: ignore[assignment]
    demo_rollups.build = timed("rollups", demo_rollups.build)  # type: ignore[assignment]
    domain_demos = seed._domain_demos
    seed._domain_demos = lambda: [  # type: ignore[assignment]
        (name, timed(name.split(".")[1], fn)) for name, fn in domain_demos()
    ]
    from sada.cli.main import app

    profile_path = os.environ.get("PROFILE")
    profiler = cProfile.Profile() if profile_path else None
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        if profiler is not None:
            profiler.enable()
        app(["demo", "--no-serve", *sys.argv[1:]])
    except SystemExit:
        pass
    finally:
        if profiler is not None and profile_path:
            profiler.disable()
            profiler.dump_stats(profile_path)
        print(
            f"TOTAL cpu {time.process_time() - cpu:.1f} s wall {time.perf_counter() - wall:.1f} s "
            f"load {os.getloadavg()}",
            file=sys.stderr,
        )
        for name, phase_cpu, phase_wall in PHASES:
            print(f"  {name:24s} cpu {phase_cpu:7.1f} wall {phase_wall:7.1f}", file=sys.stderr)
        if os.environ.get("COUNTS"):
            print_counts()


def print_counts() -> None:
    """Rows of every table of the seeded database (all workspaces)."""
    from sqlalchemy import func, select

    import sada.db.registry  # noqa: F401 - every table known
    from sada.db.base import Base
    from sada.db.engine import open_database
    from sada.settings import get_settings

    db = open_database(get_settings().database_url)
    with db.reader() as session:
        for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
            query = select(func.count()).select_from(table)
            count = session.execute(query.execution_options(all_workspaces=True)).scalar_one()
            print(f"COUNT {table.name} {count}", file=sys.stderr)


if __name__ == "__main__":
    main()
