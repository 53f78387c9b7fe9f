"""NPS by week x segment for a year: served from rollups vs recomputed from raw with SQL.

    python bench/metrics.py --quick                 # < 1 min: 20k responses, 200k interactions
    python bench/metrics.py                          # 1M responses + 10M interactions
    python bench/metrics.py --pg postgresql://postgres@127.0.0.1:5432/postgres   # also PostgreSQL

Data: one workspace (Asia/Tehran), people in 8 segments, `--interactions` rows in the
interaction log of which `--responses` are NPS survey responses (the rest messages,
orders, calls), the same responses in `survey_responses`, rollups rebuilt from raw.

Raw leg: one SQL statement over the interaction log joined to people, grouping NPS
interactions by local week and segment (what a dashboard would run without rollups).
Rollup leg: `sada.metrics.service.summarize(..., by="week", group="segment")`, the
path the API and dashboards use, including building the JSON-ready result.

Prints p50/p95 of both per database; the last line is `speedup=<raw p95 / rollup p95>`
(the smallest over the databases measured).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sada.db.engine import Database, open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.settings import Settings  # noqa: E402

TZ = "Asia/Tehran"
SEGMENTS = ["gold", "silver", "bronze", "smb", "enterprise", "student", "public", "partner"]
END = datetime(2026, 11, 1, tzinfo=UTC)
START = END - timedelta(days=365)


def _ts(dt: datetime, pg: bool) -> Any:
    return dt if pg else dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def _copy_or_insert(
    db: Database, table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if db.dialect == "postgresql":
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cur, cur.copy(copy_sql) as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)
            raw.commit()  # type: ignore[union-attr]
        else:
            marks = ", ".join("?" for _ in columns)
            raw.execute("BEGIN")  # type: ignore[union-attr]
            raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # type: ignore[union-attr]
            raw.execute("COMMIT")  # type: ignore[union-attr]


def seed(
    db: Database, responses: int, interactions: int, rng: random.Random, log: Any
) -> tuple[int, int]:
    from sada.feedback import service
    from sada.feedback.schemas import SurveyIn
    from sada.metrics.rollups import rebuild
    from sada.tenants.service import do_create_workspace

    pg = db.dialect == "postgresql"
    with db.transaction() as s:
        ws = do_create_workspace(s, f"bench-{uuid.uuid4().hex[:8]}", timezone=TZ)
    with db.transaction(ws.id) as s:
        survey = service.do_create_survey(
            s,
            SurveyIn.model_validate(
                {
                    "name": "Bench NPS",
                    "kind": "nps",
                    "definition": {
                        "questions": [{"key": "nps", "type": "nps", "title": {"en": "Recommend?"}}]
                    },
                }
            ),
        )
    n_people = max(100, responses // 4)
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    people = [
        (ws.id, "customer", "{}", SEGMENTS[i % len(SEGMENTS)], _ts(now, pg), _ts(now, pg))
        for i in range(n_people)
    ]
    _copy_or_insert(
        db,
        "people",
        ["workspace_id", "audience", "traits", "segment", "created_at", "updated_at"],
        people,
    )
    with db.reader(ws.id) as s:
        from sqlalchemy import text

        first_id = s.execute(
            text("SELECT min(id) FROM people WHERE workspace_id = :w"), {"w": ws.id}
        ).scalar_one()
    seconds = int((END - START).total_seconds())
    chunk = 200_000
    made = 0
    while made < interactions:
        rows_i: list[tuple[Any, ...]] = []
        rows_r: list[tuple[Any, ...]] = []
        for i in range(made, min(interactions, made + chunk)):
            at = START + timedelta(seconds=rng.randrange(seconds))
            pid = first_id + rng.randrange(n_people)
            is_resp = (
                i % max(1, interactions // max(1, responses)) == 0
                and i // max(1, interactions // max(1, responses)) < responses
            )
            if is_resp:
                seg = SEGMENTS[(pid - first_id) % len(SEGMENTS)]
                score = max(0, min(10, int(rng.gauss(7.5 - (SEGMENTS.index(seg) % 3), 2))))
                rows_i.append(
                    (
                        ws.id,
                        pid,
                        _ts(at, pg),
                        _ts(at, pg),
                        "survey",
                        "inbound",
                        "survey_response",
                        float(score),
                        "nps",
                        "{}",
                        "survey:bench",
                        f"r{i}",
                    )
                )
                rows_r.append(
                    (
                        ws.id,
                        survey.id,
                        1,
                        pid,
                        "completed",
                        "bench",
                        f"r{i}",
                        "fa",
                        "email",
                        seg,
                        "customer",
                        json.dumps({"nps": [score, 10]}),
                        "{}",
                        "{}",
                        _ts(at, pg),
                        _ts(at, pg),
                        _ts(at, pg),
                    )
                )
            else:
                rows_i.append(
                    (
                        ws.id,
                        pid,
                        _ts(at, pg),
                        _ts(at, pg),
                        rng.choice(["chat", "email", "web"]),
                        "inbound",
                        rng.choice(["message", "order", "call"]),
                        None,
                        None,
                        "{}",
                        "bench",
                        f"i{i}",
                    )
                )
        _copy_or_insert(
            db,
            "interactions",
            [
                "workspace_id",
                "person_id",
                "occurred_at",
                "received_at",
                "channel",
                "direction",
                "type",
                "rating",
                "rating_scale",
                "attributes",
                "source",
                "external_id",
            ],
            rows_i,
        )
        if rows_r:
            _copy_or_insert(
                db,
                "survey_responses",
                [
                    "workspace_id",
                    "survey_id",
                    "version",
                    "person_id",
                    "status",
                    "source",
                    "external_id",
                    "language",
                    "channel",
                    "segment",
                    "audience",
                    "scores",
                    "hidden",
                    "meta",
                    "started_at",
                    "completed_at",
                    "updated_at",
                ],
                rows_r,
            )
        made += len(rows_i)
        log(f"  {db.dialect}: {made:,} interactions loaded ({time.perf_counter() - t0:.0f} s)")
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE interactions")
            conn.exec_driver_sql("ANALYZE people")
            conn.commit()
    t1 = time.perf_counter()
    with db.transaction(ws.id) as s:
        rows = rebuild(s)
    log(
        f"  {db.dialect}: rollups rebuilt from raw in {time.perf_counter() - t1:.1f} s ({rows:,} rows)"
    )
    return ws.id, survey.id


def raw_sql(db: Database) -> str:
    if db.dialect == "postgresql":
        week = f"date_trunc('week', i.occurred_at AT TIME ZONE '{TZ}')"
    else:
        # Tehran is UTC+03:30 all year (no DST since 2022); Monday-based weeks.
        local = "datetime(i.occurred_at, '+210 minutes')"
        week = f"date({local}, '-' || ((strftime('%w', {local}) + 6) % 7) || ' days')"
    return f"""
        SELECT {week} AS wk, p.segment,
               count(*) AS n,
               sum(CASE WHEN i.rating >= 9 THEN 1 ELSE 0 END) AS promoters,
               sum(CASE WHEN i.rating <= 6 THEN 1 ELSE 0 END) AS detractors
        FROM interactions i JOIN people p ON p.id = i.person_id
        WHERE i.workspace_id = :ws AND i.occurred_at >= :start AND i.occurred_at < :end
          AND i.type = 'survey_response' AND i.rating_scale = 'nps'
        GROUP BY 1, 2
    """


def time_it(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure(
    db: Database, ws_id: int, survey_id: int, raw_repeat: int, rollup_repeat: int
) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from sqlalchemy import text

    from sada.metrics.service import MetricFilter, summarize

    sql = text(raw_sql(db))
    zone = ZoneInfo(TZ)
    since, until = START.astimezone(zone).date() + timedelta(days=1), END.astimezone(zone).date()

    def bound(day: date) -> Any:
        return _ts(
            datetime.combine(day, datetime.min.time(), zone).astimezone(UTC),
            db.dialect == "postgresql",
        )

    params = {"ws": ws_id, "start": bound(since), "end": bound(until)}
    f = MetricFilter("nps", [survey_id], since=since, until=until)

    def raw() -> Any:
        with db.reader(ws_id) as s:
            return s.execute(sql, params).all()

    def rollup() -> Any:
        with db.reader(ws_id) as s:
            return summarize(s, f, by="week", group="segment")

    raw_rows = raw()
    result = rollup()
    assert result["source"] == "rollup"
    raw_n = sum(r.n for r in raw_rows)
    raw_ms = time_it(raw, raw_repeat)
    roll_ms = time_it(rollup, rollup_repeat)
    return {
        "database": db.dialect,
        "raw_rows": len(raw_rows),
        "raw_n": raw_n,
        "rollup_n": result["n"],
        "weeks": len({p["period"] for g in result["groups"] for p in g["periods"]}),
        "segments": len(result["groups"]),
        "raw_p50_ms": round(statistics.median(raw_ms), 1),
        "raw_p95_ms": round(p95(raw_ms), 1),
        "rollup_p50_ms": round(statistics.median(roll_ms), 2),
        "rollup_p95_ms": round(p95(roll_ms), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run (< 1 min)")
    parser.add_argument("--responses", type=int, default=None)
    parser.add_argument("--interactions", type=int, default=None)
    parser.add_argument("--sqlite", default=None, help="SQLite file (default: a temporary one)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("SADA_BENCH_PG_URL"),
        help="PostgreSQL URL (a scratch database is created)",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    responses = args.responses or (20_000 if args.quick else 1_000_000)
    interactions = args.interactions or (200_000 if args.quick else 10_000_000)
    raw_repeat, rollup_repeat = (5, 30) if args.quick else (7, 60)
    rng = random.Random(11)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results = []
    targets: list[tuple[str, Any]] = []
    tmp = tempfile.TemporaryDirectory()
    if not args.no_sqlite:
        targets.append(("sqlite", f"sqlite:///{args.sqlite or Path(tmp.name) / 'bench.db'}"))
    pg_name = None
    if args.pg:
        import psycopg
        from sqlalchemy.engine import make_url

        admin = make_url(Settings(database_url=args.pg).database_url).set(drivername="postgresql")
        pg_name = f"sada_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = make_url(Settings(database_url=args.pg).database_url).set(database=pg_name)
        targets.append(("postgresql", url.render_as_string(hide_password=False)))
    try:
        for _name, url in targets:
            db = open_database(url)
            upgrade(db)
            log(
                f"{db.dialect}: seeding {responses:,} responses within {interactions:,} interactions"
            )
            ws_id, survey_id = seed(db, responses, interactions, rng, log)
            r = measure(db, ws_id, survey_id, raw_repeat, rollup_repeat)
            assert r["raw_n"] == r["rollup_n"], r
            r.update(responses=responses, interactions=interactions)
            results.append(r)
            print(json.dumps(r))
            db.dispose()
    finally:
        tmp.cleanup()
        if pg_name:
            import psycopg

            with psycopg.connect(
                admin.render_as_string(hide_password=False), autocommit=True
            ) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    speedup = min(r["raw_p95_ms"] / max(r["rollup_p95_ms"], 0.001) for r in results)
    print(f"speedup={speedup:.1f}")


if __name__ == "__main__":
    main()
