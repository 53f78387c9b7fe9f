"""Segment preview latency for behaviour and feedback conditions (issue 13).

Builds two workspaces in one fresh database (SQLite, or PostgreSQL with --pg): a small one
(`--small` people, 500 by default) and a grown one (`--people`, 20,000 by default), each
person with about 15 interactions over the last year (channels, purchases, NPS/CSAT ratings,
texts with synthetic sentiment analyses). Then, per condition and workspace, times
`sada.people.membership.preview` (the count and the newest 20) in the same run with both
compilations of the definition:

- `before`: the preview as it was: a count, then a second evaluation for the newest 20, with
  correlated subqueries per person;
- `per_person`: one evaluation (every matching id, newest first), probes per person (the
  default on SQLite);
- `set`: one evaluation, each behaviour/feedback condition as one pass over the period's rows
  grouped by person (the default on PostgreSQL).

All must give the same count (checked). Prints wall p50, CPU ms of this process per preview
(the database server's time is not in it on PostgreSQL); the last line is
`preview_p95_ms=<n>` over the default plan's previews of the grown workspace.

    python bench/segments.py [--quick] [--people N] [--small N] [--repeat N] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CONDITIONS: list[tuple[str, dict[str, Any]]] = [
    ("channel 30d", {"type": "channel", "in": ["whatsapp", "phone"], "days": 30}),
    ("channel ever", {"type": "channel", "in": ["sms"]}),
    ("activity >=3 90d", {"type": "activity", "op": "gte", "count": 3, "days": 90}),
    ("activity none 30d", {"type": "activity", "op": "eq", "count": 0, "days": 30}),
    ("activity chat 30d", {"type": "activity", "channel": "chat", "event": "message", "days": 30}),
    ("purchases >=2 365d", {"type": "purchases", "op": "gte", "count": 2, "days": 365}),
    ("nps detractor", {"type": "score", "metric": "nps", "band": "detractor"}),
    ("csat 4..5", {"type": "score", "metric": "csat", "min": 4, "max": 5}),
    (
        "negative share 90d",
        {"type": "sentiment", "sentiment": "negative", "op": "gte", "share": 0.5, "days": 90},
    ),
    (
        "mixed any",
        {
            "any": [
                {"type": "score", "metric": "nps", "band": "detractor"},
                {"type": "activity", "op": "gte", "count": 5, "days": 30},
            ]
        },
    ),
]
CHANNELS = ["email", "chat", "phone", "sms", "whatsapp", "web", "app"]


def populate(db: Any, people: int, rng: random.Random) -> int:
    """A workspace with `people` people, ~15 interactions each, analyses for the texts."""
    from sqlalchemy import insert, select

    from sada.db.types import utcnow
    from sada.interactions.models import Interaction
    from sada.people.models import Person
    from sada.tenants.service import do_create_workspace
    from sada.text.models import TextAnalysis

    with db.transaction() as s:
        ws = do_create_workspace(s, f"bench-{uuid.uuid4().hex[:8]}").id
    now = utcnow()
    batch: list[dict[str, Any]] = []
    for i in range(people):
        batch.append(
            {
                "workspace_id": ws,
                "name": f"p{i}",
                "audience": "customer",
                "language": rng.choice(["en", "fa", "ar", "zh"]),
                "traits": {},
                "updated_at": now,
            }
        )
        if len(batch) >= 5000 or i == people - 1:
            with db.transaction(ws) as s:
                s.execute(insert(Person), batch)
            batch = []
    with db.reader(ws) as s:
        ids = list(s.execute(select(Person.id)).scalars())
    rows: list[dict[str, Any]] = []
    n = 0

    def flush() -> None:
        with db.transaction(ws) as s:
            s.execute(insert(Interaction), rows)
        rows.clear()

    for pid in ids:
        for _ in range(rng.randint(5, 25)):
            kind = rng.random()
            rating, scale, text, itype = None, None, None, "message"
            if kind < 0.08:
                itype = rng.choice(["purchase", "order"])
            elif kind < 0.20:
                itype, scale = "response", rng.choice(["nps", "csat5"])
                rating = rng.randint(0, 10) if scale == "nps" else rng.randint(1, 5)
            if rng.random() < 0.4:
                text = "the courier was late again"
            rows.append(
                {
                    "workspace_id": ws,
                    "person_id": pid,
                    "occurred_at": now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
                    "received_at": now,
                    "channel": rng.choice(CHANNELS),
                    "direction": "inbound",
                    "type": itype,
                    "text": text,
                    "rating": rating,
                    "rating_scale": scale,
                    "attributes": {},
                    "source": "bench",
                    "external_id": f"b{n}",
                    "origin": "customer",
                }
            )
            n += 1
            if len(rows) >= 5000:
                flush()
    if rows:
        flush()
    with db.reader(ws) as s:
        texts = list(
            s.execute(select(Interaction.id).where(Interaction.text.is_not(None))).scalars()
        )
    analyses: list[dict[str, Any]] = []
    for iid in texts:
        analyses.append(
            {
                "workspace_id": ws,
                "interaction_id": iid,
                "language": "en",
                "script": "Latn",
                "sentiment": rng.choices(["negative", "neutral", "positive"], [0.35, 0.2, 0.45])[0],
                "aspects": [],
                "topics": [],
                "text_hash": "0" * 64,
                "model_version": "bench-synthetic",
            }
        )
        if len(analyses) >= 5000:
            with db.transaction(ws) as s:
                s.execute(insert(TextAnalysis), analyses)
            analyses = []
    if analyses:
        with db.transaction(ws) as s:
            s.execute(insert(TextAnalysis), analyses)
    return ws


def old_preview(session: Any, definition: dict[str, Any]) -> int:
    """The preview before this change: count, then the newest 20 in a second evaluation."""
    from sqlalchemy import func, select

    from sada.people import membership
    from sada.people.models import Person
    from sada.people.segments import validate_definition

    ids = membership.query_of(session, validate_definition(definition), plan="per_person")
    count = session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    newest = list(session.execute(ids.order_by(Person.id.desc()).limit(20)).scalars())
    list(session.execute(select(Person).where(Person.id.in_(newest))).scalars())
    return int(count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 people grown, 3 repeats")
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.people import membership

    people = args.people or (5_000 if args.quick else 20_000)
    repeat = args.repeat or (3 if args.quick else 7)
    tmp = tempfile.TemporaryDirectory(prefix="sada-bench-segments-")
    url = args.pg or f"sqlite:///{tmp.name}/segments.db"
    db = open_database(url)
    upgrade(db)
    started = time.monotonic()
    rng = random.Random(13)
    small = populate(db, args.small, rng)
    grown = populate(db, people, rng)
    if db.dialect == "postgresql":
        from sqlalchemy import text

        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    print(
        f"database: {db.dialect}; workspaces of {args.small:,} and {people:,} people; "
        f"built in {time.monotonic() - started:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'condition':<20} {'people':>7} {'mode':<10} {'count':>6} {'p50 ms':>8} {'cpu ms':>8}")
    grown_set: list[float] = []
    default = "set" if db.dialect == "postgresql" else "per_person"
    for label, condition in CONDITIONS:
        definition = condition if "any" in condition else {"all": [condition]}
        for ws, size in ((small, args.small), (grown, people)):
            counts = {}
            for mode in ("before", "per_person", "set"):
                times: list[float] = []
                cpu = 0.0
                for _ in range(repeat):
                    with db.reader(ws) as session:
                        t0, c0 = time.perf_counter(), time.process_time()
                        if mode == "before":
                            count = old_preview(session, definition)
                        else:
                            count = membership.preview(session, definition, plan=mode).count
                        times.append((time.perf_counter() - t0) * 1000)
                        cpu += time.process_time() - c0
                counts[mode] = count
                if mode == default and ws == grown:
                    grown_set.extend(times)
                print(
                    f"{label:<20} {size:>7,} {mode:<10} {count:>6} "
                    f"{statistics.median(times):>8.1f} {cpu * 1000 / repeat:>8.1f}"
                )
            assert len(set(counts.values())) == 1, (label, size, counts)
    db.dispose()
    tmp.cleanup()
    ordered = sorted(grown_set)
    p95 = ordered[max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))]
    print(f"preview_p95_ms={p95:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
