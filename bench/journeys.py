"""Journey analytics benchmark: a 5-stage funnel and top paths.

Full size: 10,000,000 interactions of 1,000,000 people (`--quick`: 200,000 of
20,000). The same generated data is loaded into SQLite, PostgreSQL (when
reachable; SADA_BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres)
and a plain DuckDB table. Timed in the same run:

- sada/sqlite, sada/postgresql: Sada's query layer on the main database (SQL fallback);
- sada/duckdb: Sada's default route, the columnar copy synced from SQLite
  (initial and no-op incremental sync timed separately);
- duckdb: a hand-written DuckDB query over its own table (the reference).

Every engine must return the same funnel counts and top paths (checked).
The last line is `ratio_vs_duckdb=<sada/duckdb>` for Sada's default route.

    python bench/journeys.py [--quick] [--people N] [--interactions N] [--no-pg]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sada.db.engine import Database, open_database  # noqa: E402
from sada.db.migrate import upgrade  # noqa: E402
from sada.journeys import analytics, service  # noqa: E402
from sada.journeys.analytics import EngineChoice  # noqa: E402
from sada.journeys.columnar import ColumnarStore, close_stores, store_for  # noqa: E402
from sada.journeys.schemas import AudienceIn, JourneyMapIn  # noqa: E402
from sada.journeys.templates import CUSTOMER  # noqa: E402
from sada.tenants.service import do_create_workspace  # noqa: E402

# Template touchpoints in map order; their stage index in the customer template.
TPS = [t["key"] for s in CUSTOMER["stages"] for t in s["touchpoints"]]
TP_STAGE = [i for i, s in enumerate(CUSTOMER["stages"]) for _ in s["touchpoints"]]
STEPS = ["awareness", "consideration", "purchase", "delivery", "onboarding"]
WINDOW = 30 * 86400
DEPTH, TOP = 5, 20
START = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
SINCE, UNTIL = START, START + 120 * 86400


def generate(people: int, n: int, seed: int = 42) -> dict[str, np.ndarray]:
    """People drift forward through the stages; 15% of events are random touchpoints."""
    rng = np.random.default_rng(seed)
    pid = np.sort(rng.integers(1, people + 1, n))
    first = np.searchsorted(pid, np.arange(1, people + 2))
    rank = np.arange(n) - first[pid - 1]
    rate = rng.uniform(0.25, 1.3, people + 1)[pid]
    stage = np.minimum((rank * rate).astype(np.int64), len(CUSTOMER["stages"]) - 1)
    stage_tps = [[TPS.index(t["key"]) for t in s["touchpoints"]] for s in CUSTOMER["stages"]]
    choice = rng.integers(0, 2, n)
    lookup = np.array([[opts[0], opts[-1]] for opts in stage_tps])
    tp = lookup[stage, choice]
    noise = rng.random(n) < 0.15
    tp[noise] = rng.integers(0, len(TPS), int(noise.sum()))
    gaps = rng.exponential(2 * 86400, n).astype(np.int64) + 1
    csum = np.cumsum(gaps)
    base = csum[first[pid - 1]] - gaps[first[pid - 1]]
    start = rng.integers(START, START + 90 * 86400, people + 1)[pid]
    ts = start + (csum - base)
    order = np.lexsort((ts, pid))  # time order inside each person (it already is)
    return {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "person_id": pid[order].astype(np.int64),
        "ts": ts[order].astype(np.int64),
        "tp": tp[order].astype(np.int64),
    }


def seg_lang(people: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.integers(0, 4, people), rng.integers(0, 4, people)


SEGMENTS = ["retail", "smb", "enterprise", "vip"]
LANGS = ["en", "fa", "ar", "zh"]
TYPES = {"checkout": "purchase", "website_visit": "page_view", "product_page": "page_view"}


def setup_schema(db: Database) -> tuple[int, dict[str, int]]:
    upgrade(db)
    with db.transaction() as s:
        ws = do_create_workspace(s, f"bench-{uuid.uuid4().hex[:8]}")
    from sada.interactions.service import TouchpointRegistry

    with db.transaction(ws.id) as s:
        reg = TouchpointRegistry(s)
        ids = {k: reg.id_for(k) for k in TPS}
        service.do_create_audience(s, AudienceIn(key="customer", measure="nps"))
        service.do_create_map(
            s, JourneyMapIn(audience="customer", key="customer", template="customer")
        )
    return ws.id, ids


def load_sqlite(path: Path, data: dict[str, np.ndarray], people: int) -> tuple[Database, int]:
    db = open_database(f"sqlite:///{path}")
    ws, tp_ids = setup_schema(db)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA foreign_keys=OFF")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name IN ('interactions','people') AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        con.execute(f"DROP INDEX {name}")
    seg, lang = seg_lang(people)
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO people (id, workspace_id, audience, traits, language, segment, updated_at, created_at) "
        "VALUES (?, ?, 'customer', '{}', ?, ?, '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')",
        zip(
            range(1, people + 1),
            [ws] * people,
            [LANGS[i] for i in lang],
            [SEGMENTS[i] for i in seg],
            strict=True,
        ),
    )
    con.execute("CREATE TEMP TABLE st (id INTEGER, pid INTEGER, ts INTEGER, tp INTEGER)")
    con.executemany(
        "INSERT INTO st VALUES (?, ?, ?, ?)",
        zip(
            data["id"].tolist(),
            data["person_id"].tolist(),
            data["ts"].tolist(),
            data["tp"].tolist(),
            strict=True,
        ),
    )
    con.execute("CREATE TEMP TABLE tpmap (tp INTEGER, tid INTEGER, type TEXT)")
    con.executemany(
        "INSERT INTO tpmap VALUES (?, ?, ?)",
        [(i, tp_ids[k], TYPES.get(k, "event")) for i, k in enumerate(TPS)],
    )
    con.execute(
        "INSERT INTO interactions (id, workspace_id, person_id, occurred_at, received_at, channel, touchpoint_id, "
        "direction, type, attributes, source, external_id) "
        f"SELECT st.id, {ws}, st.pid, strftime('%Y-%m-%d %H:%M:%S.000000', st.ts, 'unixepoch'), "
        "strftime('%Y-%m-%d %H:%M:%S.000000', st.ts, 'unixepoch'), 'web', m.tid, 'inbound', m.type, '{}', "
        "'bench', 'b' || st.id FROM st JOIN tpmap m ON m.tp = st.tp ORDER BY st.id"
    )
    con.execute("COMMIT")
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.close()
    return db, ws


def pg_url() -> str:
    return os.environ.get("SADA_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def load_pg(
    data: dict[str, np.ndarray], people: int, csv_dir: Path
) -> tuple[Database, int, str] | None:
    try:
        import psycopg

        admin = psycopg.connect(pg_url(), autocommit=True, connect_timeout=3)
    except Exception as exc:
        print(f"postgresql: skipped ({exc.__class__.__name__})", flush=True)
        return None
    name = f"sada_bench_{os.getpid()}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    base = pg_url().rsplit("/", 1)[0]
    db = open_database(f"{base}/{name}")
    ws, tp_ids = setup_schema(db)
    seg, lang = seg_lang(people)
    con = duckdb.connect()
    con.register("st", data)
    con.register(
        "pp",
        {
            "id": np.arange(1, people + 1),
            "seg": np.array(SEGMENTS, dtype=object)[seg],
            "lang": np.array(LANGS, dtype=object)[lang],
        },
    )
    con.execute(f"COPY st TO '{csv_dir / 'st.csv'}' (HEADER false)").fetchall()
    con.execute(f"COPY pp TO '{csv_dir / 'pp.csv'}' (HEADER false)").fetchall()
    con.close()
    import psycopg

    with psycopg.connect(f"{base}/{name}", autocommit=True) as c:
        drops = c.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('interactions','people') "
            "AND indexname NOT LIKE 'pk_%'"
        ).fetchall()
        fks = c.execute(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint WHERE contype IN ('f','u') "
            "AND conrelid::regclass::text IN ('interactions','people')"
        ).fetchall()
        for con_name, table in fks:
            c.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{con_name}"')
        for idx, _ in drops:
            c.execute(f'DROP INDEX IF EXISTS "{idx}"')
        c.execute("CREATE UNLOGGED TABLE st (id bigint, pid bigint, ts bigint, tp int)")
        c.execute("CREATE UNLOGGED TABLE pp (id bigint, seg text, lang text)")
        for table, file in (("st", "st.csv"), ("pp", "pp.csv")):
            with (
                c.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as cp,
                open(csv_dir / file, "rb") as f,
            ):
                while chunk := f.read(1 << 20):
                    cp.write(chunk)
        c.execute(
            "INSERT INTO people (id, workspace_id, audience, traits, language, segment, updated_at, created_at) "
            f"SELECT id, {ws}, 'customer', '{{}}', lang, seg, TIMESTAMPTZ '2024-01-01Z', TIMESTAMPTZ '2024-01-01Z' FROM pp"
        )
        values = ", ".join(
            f"({i}, {tp_ids[k]}, '{TYPES.get(k, 'event')}')" for i, k in enumerate(TPS)
        )
        c.execute(
            "INSERT INTO interactions (id, workspace_id, person_id, occurred_at, received_at, channel, touchpoint_id, "
            "direction, type, attributes, source, external_id) "
            f"SELECT st.id, {ws}, st.pid, to_timestamp(st.ts), to_timestamp(st.ts), 'web', m.tid, 'inbound', m.type, "
            f"'{{}}', 'bench', 'b' || st.id FROM st JOIN (VALUES {values}) AS m(tp, tid, type) ON m.tp = st.tp"
        )
        c.execute("DROP TABLE st")
        c.execute("DROP TABLE pp")
        for _idx, definition in drops:
            c.execute(definition)
        c.execute(
            "SELECT setval(pg_get_serial_sequence('interactions','id'), (SELECT max(id) FROM interactions))"
        )
        c.execute(
            "SELECT setval(pg_get_serial_sequence('people','id'), (SELECT max(id) FROM people))"
        )
        c.execute("VACUUM ANALYZE interactions")
        c.execute("VACUUM ANALYZE people")
    return db, ws, name


# -- the DuckDB reference: hand-written SQL over its own table -----------------------
def reference(con: duckdb.DuckDBPyConnection) -> tuple[list[int], list[tuple[Any, ...]]]:
    stage_of = {s: i for i, s in enumerate(c["key"] for c in CUSTOMER["stages"])}
    step_stage = [stage_of[s] for s in STEPS]
    cte = (
        "WITH ev AS (SELECT e.person_id AS pid, e.ts, m.stage FROM ref e JOIN tpstage m ON m.tp = e.tp "
        f"WHERE e.ts >= {SINCE} AND e.ts < {UNTIL + WINDOW} AND m.stage IN ({', '.join(map(str, step_stage))})), "
        f"s1 AS (SELECT pid, MIN(ts) AS t1, MIN(ts) AS t FROM ev WHERE stage = {step_stage[0]} AND ts < {UNTIL} GROUP BY pid)"
    )
    for i in range(1, len(STEPS)):
        cte += (
            f", s{i + 1} AS (SELECT p.pid, p.t1, MIN(e.ts) AS t FROM s{i} p JOIN ev e USING (pid) "
            f"WHERE e.stage = {step_stage[i]} AND e.ts >= p.t AND e.ts <= p.t1 + {WINDOW} GROUP BY p.pid, p.t1)"
        )
    counts = (
        cte + " SELECT " + ", ".join(f"(SELECT COUNT(*) FROM s{i + 1})" for i in range(len(STEPS)))
    )
    funnel_counts = list(con.execute(counts).fetchall()[0])
    cols = ", ".join(f"MAX(tp) FILTER (WHERE pos = {i})" for i in range(1, DEPTH + 1))
    paths_sql = (
        f"WITH ev AS (SELECT person_id AS pid, id, ts, tp FROM ref WHERE ts >= {SINCE} AND ts < {UNTIL}), "
        "d AS (SELECT *, LAG(tp) OVER (PARTITION BY pid ORDER BY ts, id) AS prev FROM ev), "
        "q AS (SELECT pid, tp, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts, id) AS pos FROM d "
        "WHERE prev IS NULL OR prev <> tp), "
        f"w AS (SELECT {cols} FROM q WHERE pos <= {DEPTH} GROUP BY pid) "
        f"SELECT *, COUNT(*) AS n FROM w GROUP BY ALL ORDER BY n DESC LIMIT {TOP}"
    )
    top = con.execute(paths_sql).fetchall()
    # Links between positions, the other half of the paths answer.
    con.execute(
        f"WITH ev AS (SELECT person_id AS pid, id, ts, tp FROM ref WHERE ts >= {SINCE} AND ts < {UNTIL}), "
        "d AS (SELECT *, LAG(tp) OVER (PARTITION BY pid ORDER BY ts, id) AS prev FROM ev), "
        "q AS (SELECT pid, tp, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts, id) AS pos FROM d "
        "WHERE prev IS NULL OR prev <> tp), "
        "l AS (SELECT pos, tp, LEAD(tp) OVER (PARTITION BY pid ORDER BY pos) AS nxt FROM q) "
        f"SELECT pos, tp, nxt, COUNT(*) FROM l WHERE pos < {DEPTH} GROUP BY ALL"
    ).fetchall()
    return funnel_counts, top


def sada_run(db: Database, ws: int, choice: EngineChoice) -> tuple[list[int], list[Any], float]:
    t = time.perf_counter()
    with db.reader(ws) as s:
        f = analytics.funnel(
            s,
            "customer",
            steps=STEPS,
            since=SINCE,
            until=UNTIL,
            window_seconds=WINDOW,
            choice=choice,
        )
        p = analytics.paths(
            s, "customer", since=SINCE, until=UNTIL, depth=DEPTH, top=TOP, choice=choice
        )
    elapsed = time.perf_counter() - t
    return (
        [st["people"] for st in f["steps"]],
        [(tuple(x["path"]), x["people"]) for x in p["top_paths"]],
        elapsed,
    )


def best(fn: Any, repeat: int) -> tuple[Any, float]:
    out, times = None, []
    for _ in range(repeat):
        out = fn()
        times.append(out[-1] if isinstance(out, tuple) else 0.0)
    return out, min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="200k interactions of 20k people")
    ap.add_argument("--people", type=int)
    ap.add_argument("--interactions", type=int)
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument("--repeat", type=int, default=None, help="runs per engine (best is kept)")
    args = ap.parse_args()
    people = args.people or (20_000 if args.quick else 1_000_000)
    n = args.interactions or (200_000 if args.quick else 10_000_000)
    repeat = args.repeat or (3 if args.quick else 2)
    print(
        f"journeys bench: {n:,} interactions, {people:,} people, funnel of {len(STEPS)} stages + top {TOP} paths (depth {DEPTH})",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="sada-bench-journeys-"))
    t = time.perf_counter()
    data = generate(people, n)
    print(f"generate: {time.perf_counter() - t:.1f}s", flush=True)

    t = time.perf_counter()
    db, ws = load_sqlite(tmp / "bench.db", data, people)
    print(f"load sqlite: {time.perf_counter() - t:.1f}s", flush=True)

    # DuckDB reference on its own table.
    ref = duckdb.connect(str(tmp / "ref.duckdb"))
    ref.register("arr", data)
    ref.execute("CREATE TABLE ref AS SELECT id, person_id, ts, tp FROM arr").fetchall()
    ref.register("tps", {"tp": np.arange(len(TPS)), "stage": np.array(TP_STAGE)})
    ref.execute("CREATE TABLE tpstage AS SELECT * FROM tps").fetchall()
    timings: dict[str, float] = {}
    ref_times = []
    for _ in range(repeat):
        t = time.perf_counter()
        ref_counts, ref_top = reference(ref)
        ref_times.append(time.perf_counter() - t)
    timings["duckdb"] = min(ref_times)
    ref_paths = [
        (tuple(TPS[x] for x in row[:DEPTH] if x is not None), int(row[-1])) for row in ref_top
    ]

    # Sada's columnar copy, synced from SQLite.
    store_path = tmp / "sada.analytics.duckdb"
    t = time.perf_counter()
    store = store_for(db, store_path)
    assert isinstance(store, ColumnarStore)
    store.sync(db)
    print(f"sada columnar copy: initial sync {time.perf_counter() - t:.1f}s", flush=True)
    t = time.perf_counter()
    store.sync(db)
    print(
        f"sada columnar copy: incremental sync with nothing new {time.perf_counter() - t:.3f}s",
        flush=True,
    )

    results: dict[str, tuple[list[int], list[tuple[tuple[str, ...], int]]]] = {}
    choice = EngineChoice(engine="duckdb", db=db, store_path=store_path, max_staleness_seconds=3600)
    (counts, top, _), timings["sada/duckdb"] = best(lambda: sada_run(db, ws, choice), repeat)
    results["sada/duckdb"] = (counts, top)
    (counts, top, _), timings["sada/sqlite"] = best(
        lambda: sada_run(db, ws, EngineChoice(engine="sql")), 1
    )
    results["sada/sqlite"] = (counts, top)
    pg = None if args.no_pg else load_pg(data, people, tmp)
    if pg is not None:
        pg_db, pg_ws, pg_name = pg
        (counts, top, _), timings["sada/postgresql"] = best(
            lambda: sada_run(pg_db, pg_ws, EngineChoice(engine="sql")), 1
        )
        results["sada/postgresql"] = (counts, top)
        pg_db.dispose()
        import psycopg

        with psycopg.connect(pg_url(), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    for name, (counts, top) in results.items():
        if counts != ref_counts:
            raise SystemExit(f"{name} funnel {counts} differs from DuckDB reference {ref_counts}")
        # Paths tied at the cut-off may differ; counts and everything above the cut-off may not.
        cut = min(c for _, c in ref_paths) if ref_paths else 0
        if [c for _, c in top] != [c for _, c in ref_paths] or {x for x in top if x[1] > cut} != {
            x for x in ref_paths if x[1] > cut
        }:
            raise SystemExit(f"{name} top paths differ from the reference")
    print(f"funnel people per step: {ref_counts}", flush=True)
    for name, secs in timings.items():
        ratio = secs / timings["duckdb"]
        print(f"{name}: {secs:.3f}s ({ratio:.1f}x duckdb)", flush=True)
    close_stores()
    ref.close()
    db.dispose()
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    print(f"ratio_vs_duckdb={timings['sada/duckdb'] / timings['duckdb']:.2f}", flush=True)


if __name__ == "__main__":
    main()
