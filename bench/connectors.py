"""Connector imports benchmark: a wide Qualtrics export and a Zendesk-sized history import.

    python bench/connectors.py                       # 2,000 responses x 150 questions, SQLite
    python bench/connectors.py --responses 5000 --questions 150 --tickets 5000
    SADA_TEST_DATABASE_URL=postgresql://... python bench/connectors.py --postgres

Prints `key=value` lines: parse and import seconds and rows per second for the Qualtrics
file (first run and the idempotent re-run), and for review history through the shared
history importer (`sada.connectors.history.import_items`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sada.db.registry  # noqa: E402,F401
from sada.connectors.qualtrics import service as qualtrics  # noqa: E402
from sada.connectors.reviews import service as reviews  # noqa: E402
from sada.db.engine import open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.tenants.service import do_create_workspace  # noqa: E402


def qualtrics_file(responses: int, questions: int) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    ids = ["ResponseId", "RecordedDate", "Finished", "Status", "Q0", "Q0_NPS_GROUP"]
    ids += [f"Q{i}" for i in range(1, questions)]
    meta = [{"ImportId": "_recordId"}, {"ImportId": "recordedDate", "timeZone": "Asia/Tehran"}]
    meta += [{"ImportId": "finished"}, {"ImportId": "status"}]
    meta += [{"ImportId": "QID0"}, {"ImportId": "QID0_NPS_GROUP"}]
    meta += [{"ImportId": f"QID{i}"} for i in range(1, questions)]
    w.writerow(ids)
    w.writerow(ids)
    w.writerow([json.dumps(m) for m in meta])
    for r in range(responses):
        row = [f"R_{r:08d}", "2026-05-01 10:00:00", "1", "0", str(r % 11), "1"]
        row += [str(1 + (r + i) % 5) if (r + i) % 7 else "-99" for i in range(1, questions)]
        w.writerow(row)
    return out.getvalue()


def review_file(n: int) -> str:
    return json.dumps(
        {
            "reviews": [
                {
                    "id": f"tp-{i}",
                    "stars": 1 + i % 5,
                    "title": "t",
                    "text": f"review number {i}",
                    "language": "en",
                    "createdAt": "2026-10-08T07:00:00Z",
                    "consumer": {"id": f"c{i % 500}"},
                }
                for i in range(n)
            ]
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--tickets", type=int, default=3000, help="reviews through history")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = (
            os.environ["SADA_TEST_DATABASE_URL"]
            if args.postgres
            else f"sqlite:///{Path(tmp) / 'bench.db'}"
        )
        db = open_database(url)
        upgrade(db)
        with db.transaction() as session:
            ws = do_create_workspace(session, f"bench-connectors-{time.time_ns()}").id
        path = Path(tmp) / "wide.csv"
        path.write_text(qualtrics_file(args.responses, args.questions))
        started = time.perf_counter()
        parsed = qualtrics.parse_export(path.read_text())
        parse_s = time.perf_counter() - started
        started = time.perf_counter()
        first = qualtrics.import_file(db, ws, path)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = qualtrics.import_file(db, ws, path)
        again_s = time.perf_counter() - started
        print(f"qualtrics_rows={args.responses} questions={len(parsed.questions)}")
        print(f"qualtrics_parse_s={parse_s:.2f}")
        print(f"qualtrics_import_s={first_s:.2f} rows_per_s={args.responses / first_s:.0f}")
        print(f"qualtrics_imported={first.imported} rejected={first.rejected}")
        print(f"qualtrics_reimport_s={again_s:.2f} duplicates={again.duplicates}")
        rpath = Path(tmp) / "reviews.json"
        rpath.write_text(review_file(args.tickets))
        started = time.perf_counter()
        summary = reviews.import_file(db, ws, rpath)
        took = time.perf_counter() - started
        print(f"history_items={args.tickets} stored={summary.imported} s={took:.2f}")
        print(f"history_items_per_s={args.tickets / took:.0f}")
        db.dispose()


if __name__ == "__main__":
    main()
