"""Privacy benchmark: export and erase one person in a grown workspace.

    python bench/privacy.py                       # SQLite, 20,000 interactions of 2,000 people
    python bench/privacy.py --interactions 100000 --people 10000
    SADA_TEST_DATABASE_URL=postgresql://... python bench/privacy.py --postgres

Seeds interactions through the real ingest (with its jobs queued, as they would be), gives the
measured person `--own` interactions, then times `export_data`, `erase` (one transaction) and
`after_erasure` (columnar reset, VACUUM on SQLite). Prints `key=value` lines.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sada.db.registry  # noqa: E402,F401
from sada.db.engine import open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.interactions.ingest import ingest_batch  # noqa: E402
from sada.privacy import erase, export  # noqa: E402
from sada.tenants.service import do_create_workspace  # noqa: E402


def _item(n: int, email: str) -> dict[str, object]:
    return {
        "source": "bench",
        "external_id": f"{n}-{uuid.uuid4().hex[:8]}",
        "occurred_at": "2026-11-01T10:00:00+00:00",
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": f"message {n} about the delivery, write to {email}",
        "person": {"email": email},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--own", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.postgres:
        url = os.environ["SADA_TEST_DATABASE_URL"]
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    db = open_database(url)
    upgrade(db)
    with db.transaction() as session:
        ws = do_create_workspace(session, f"bench-privacy-{uuid.uuid4().hex[:8]}").id
    started = time.perf_counter()
    batch: list[dict[str, object]] = []
    for n in range(args.interactions):
        batch.append(_item(n, f"p{n % args.people}@bench.example.org"))
        if len(batch) == 1000:
            with db.transaction(ws) as session:
                ingest_batch(session, batch)
            batch = []
    own = [_item(10**9 + n, "measured.person@bench.example.org") for n in range(args.own)]
    with db.transaction(ws) as session:
        ingest_batch(session, batch + own)
        person = ingest_batch(session, [_item(10**10, "measured.person@bench.example.org")])[
            0
        ].person_id
    print(f"seed_seconds={time.perf_counter() - started:.1f}")
    print(f"interactions={args.interactions + args.own + 1} people={args.people + 1}")
    assert person is not None

    t0 = time.perf_counter()
    with db.transaction(ws) as session:
        document = export.export_data(session, person)
    print(f"export_seconds={time.perf_counter() - t0:.3f} rows={sum(document['counts'].values())}")
    t0 = time.perf_counter()
    with db.transaction(ws) as session:
        erasure = erase.erase(session, person)
    print(f"erase_seconds={time.perf_counter() - t0:.3f} counts={erasure.counts}")
    t0 = time.perf_counter()
    erase.after_erasure(db)
    print(f"after_erasure_seconds={time.perf_counter() - t0:.3f}")
    db.dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
