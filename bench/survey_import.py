"""Survey import cost: CPU of importing a Qualtrics CSV of N responses (default 20,000).

    python bench/survey_import.py                 # SQLite in a temporary directory
    python bench/survey_import.py --responses 2000
    SADA_TEST_DATABASE_URL=postgresql://... python bench/survey_import.py --postgres

Writes a Qualtrics-style export (NPS, a choice, a comment, an e-mail per row) and times
`qualtrics.import_file` with `time.process_time` (this process's CPU: parsing, validation,
ingest, rollups, events) and wall time; also counts the jobs the import queued. Prints
`key=value` lines.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sada.db.registry  # noqa: E402,F401
from sada.connectors.qualtrics import service as qualtrics  # noqa: E402
from sada.db.engine import open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.tenants.service import do_create_workspace  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "tests/feedback/fixtures/qualtrics_nps.csv"


def _write(path: Path, n: int) -> None:
    with FIXTURE.open(encoding="utf-8") as f:
        head = list(csv.reader(f))[:3]
    columns = head[0]
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerows(head)
        for i in range(n):
            row = {c: "" for c in columns}
            minute = i % (60 * 24 * 28)
            day, rest = 1 + minute // (60 * 24), minute % (60 * 24)
            at = f"2026-05-{day:02d} {rest // 60:02d}:{rest % 60:02d}:00"
            row.update(
                StartDate=at,
                EndDate=at,
                Status="IP Address",
                Progress="100",
                Finished="True",
                RecordedDate=at,
                ResponseId=f"R_{i:08d}",
                RecipientEmail=f"r{i % 5000}@bench.example.org",
                DistributionChannel="email",
                UserLanguage="EN",
                Q1=str(i % 11),
                Q2=str(1 + i % 3),
                Q3=str(1 + i % 5),
                Q4_TEXT=f"comment {i} about the delivery",
            )
            out.writerow([row[c] for c in columns])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = (
        os.environ["SADA_TEST_DATABASE_URL"]
        if args.postgres
        else f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    )
    db = open_database(url)
    upgrade(db)
    with db.transaction() as session:
        ws = do_create_workspace(session, f"bench-import-{uuid.uuid4().hex[:8]}").id
    path = Path(tmp.name) / "responses.csv"
    _write(path, args.responses)
    cpu, wall = time.process_time(), time.perf_counter()
    summary = qualtrics.import_file(db, ws, path)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    from sqlalchemy import func, select

    from sada.jobs.models import Job

    with db.reader(ws) as session:
        jobs = session.execute(select(func.count()).select_from(Job)).scalar_one()
    print(f"responses={args.responses} imported={summary.imported} rejected={summary.rejected}")
    print(f"cpu_seconds={cpu:.2f} wall_seconds={wall:.2f}")
    print(f"cpu_us_per_response={cpu / max(1, args.responses) * 1e6:.0f}")
    print(f"jobs_queued={jobs}")


if __name__ == "__main__":
    main()
