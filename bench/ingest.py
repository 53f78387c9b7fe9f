"""Ingest throughput: the HTTP API against the raw insert ceiling, measured in the same run.

For each database (SQLite always; PostgreSQL when --pg URL or SADA_TEST_DATABASE_URL is
given) and each batch size (100 and 1,000):

- accept: a real `sada serve` process (one server process, API key auth, rate limit lifted,
  `SADA_RUN_JOBS_IN_PROCESS=false`) receives realistic items sequentially over one
  keep-alive connection and answers 202 (validated, written to the inbox): multilingual text
  (ar/fa/zh/en + emoji), people from a pool of 20,000 whose identities repeat (email,
  sometimes a phone), traits, attributes. Events/s = items / wall time of all requests.
- applied: the same items end to end: accept, then the applier (`interactions.apply` jobs, run
  in this process right after) until every batch is applied. Events/s = items / (accept wall +
  apply wall): sequential, so a lower bound of a deployment where both run side by side.
- sync: the same through `?wait=true` (today's synchronous answer with ids).
- raw: the same logical rows (people and identities the API creates, then interactions)
  inserted into the same schema (same tables, same indexes, same durability: WAL +
  synchronous=NORMAL on SQLite, default commit on PostgreSQL, a workspace of the same
  database grown by the same --preload) with batched `executemany` (SQLite, stdlib sqlite3) or
  `COPY` (PostgreSQL, psycopg 3 `cursor.copy`), one transaction per batch of the same size.
  Rows are prepared before the clock starts: this is the ceiling for writing them.

Server CPU per event (user+system of the server process, from /proc) is printed next to the
accept and sync rates; applier CPU per event next to the applied rate; raw's CPU per event next
to raw's rate. On PostgreSQL each figure also counts the database backends doing that work (the
server's, the applier's, raw's own connection: /proc of a local server; `+db`), since COPY and
INSERT ... SELECT move work from the client into the backend. `cpu_ratio=` is applied/raw by
CPU: raw's CPU per event over accept's plus the applier's (the figure to read on a loaded
machine, where wall-clock rates measure the scheduler); `wall_ratio=` is the same by wall time.

`--preload N` first grows both the API and the raw workspace by N interactions (N/15 people
with an email identity each; written with the raw method, untimed) so the figures are measured
on a grown workspace as well as an empty one. The API workspace gets its rollup zones first
(as its first ingest would), so the applier writes the same rollup rows as on an empty one;
the preloaded rows themselves are not counted into the rollup tables (those stay small).

Every case prints each rate and `ratio=x/raw`. The LAST line is `ratio=<x>` (accept/raw) for
batches of 1,000 on SQLite (the embedded default). `--quick` uses fewer events and
finishes within a minute.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXTS = {
    "fa": [
        "سلام، سفارشم هنوز نرسیده و کد پیگیری کار نمی‌کند",
        "از برخورد پشتیبانی خیلی راضی بودم، ممنون 🙏",
        "قیمت‌ها نسبت به ماه قبل خیلی بالا رفته",
        "اپلیکیشن موقع پرداخت بسته می‌شود، لطفاً بررسی کنید",
    ],
    "ar": [
        "الفاتورة خاطئة، تم خصم المبلغ مرتين!",
        "التوصيل كان سريعاً والمنتج ممتاز 👍",
        "لم أتلق أي رد من خدمة العملاء منذ أسبوع",
        "الموظف في الفرع كان لطيفاً جداً",
    ],
    "zh": [
        "快递太慢了，客服也不回复。😡",
        "质量很好，会再次购买",
        "退款申请提交三天了还没有处理",
        "应用程序经常闪退，希望尽快修复",
    ],
    "en": [
        "My order arrived damaged and nobody answers the phone.",
        "Great service at the downtown store, thanks!",
        "The app logs me out every time I open it 🙄",
        "Why was I charged twice for the same subscription?",
    ],
}
CHANNELS = ["email", "chat", "phone", "sms", "whatsapp", "telegram", "web", "app", "instagram"]
TYPES = ["message", "message", "message", "complaint", "review", "order", "purchase"]
SEGMENTS = ["vip", "regular", "new", "churn_risk"]
NAMES = {"fa": "مریم احمدی", "ar": "محمد العلي", "zh": "王小明", "en": "Jane Smith"}


def make_people(n: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    people = []
    for i in range(n):
        lang = rng.choice(list(TEXTS))
        person: dict[str, Any] = {
            "email": f"customer{i}@example.com",
            "name": f"{NAMES[lang]} {i}",
            "traits": {"language": lang, "segment": rng.choice(SEGMENTS)},
        }
        if i % 3 == 0:
            person["phone"] = f"+9891{i:08d}"
        people.append(person)
    return people


def make_items(n: int, people: list[dict[str, Any]], source: str, seed: int) -> list[dict]:
    rng = random.Random(seed)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        person = rng.choice(people)
        lang = person["traits"]["language"]
        text = rng.choice(TEXTS[lang])
        if rng.random() < 0.5:
            text += " " + rng.choice(TEXTS[lang])
        item: dict[str, Any] = {
            "source": source,
            "external_id": f"{source}-{i}",
            "occurred_at": (start + timedelta(minutes=rng.randrange(525_600))).isoformat(),
            "channel": rng.choice(CHANNELS),
            "type": rng.choice(TYPES),
            "direction": "inbound" if rng.random() < 0.8 else "outbound",
            "text": f"{text} #{i}",
            "language": lang,
            "person": person,
        }
        if rng.random() < 0.3:
            item["attributes"] = {"order_id": f"O-{rng.randrange(10**6)}", "store": "tehran-1"}
        items.append(item)
    return items


# ---------------------------------------------------------------- setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup_database(url: str) -> tuple[Any, int, int, str]:
    """Migrate; make an API workspace with a key and a raw workspace."""
    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.tenants.service import do_create_api_key, do_create_workspace

    db = open_database(url)
    upgrade(db)
    with db.transaction() as session:
        api_ws = do_create_workspace(session, f"bench-api-{uuid.uuid4().hex[:6]}").id
        raw_ws = do_create_workspace(session, f"bench-raw-{uuid.uuid4().hex[:6]}").id
    with db.transaction(api_ws) as session:
        _row, key = do_create_api_key(session, name="bench", scopes=["write"])
    return db, api_ws, raw_ws, key


def start_server(url: str, port: int, log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    env = {
        **os.environ,
        "SADA_DATABASE_URL": url,
        "SADA_RUN_JOBS_IN_PROCESS": "false",
        "SADA_API_RATE_PER_SECOND": "1000000",
        "SADA_API_RATE_BURST": "1000000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "sada.cli.main", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 240  # a loaded machine starts it slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start in 240 s")


def post_all(port: int, key: str, items: list[dict], batch: int, *, wait: bool) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    path = "/api/v1/interactions:batch" + ("?wait=true" if wait else "")
    expected = 200 if wait else 202
    bodies = [orjson.dumps({"items": items[i : i + batch]}) for i in range(0, len(items), batch)]
    started = time.perf_counter()
    for body in bodies:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.status != expected:
            raise SystemExit(f"API answered {response.status}: {data[:500]!r}")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu(plain_url: str | None) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to the bench database (a local server:
    /proc); {} for SQLite or when /proc does not show them."""
    if not plain_url:
        return {}
    import psycopg

    with psycopg.connect(plain_url) as conn:
        pids = [
            int(r[0])
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        ]
    cpu = {}
    for pid in pids:
        try:
            cpu[pid] = process_cpu(pid)
        except OSError:  # gone meanwhile, or not on this machine
            continue
    return cpu


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """Backend CPU used between two `backend_cpu` samples (new backends from zero)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


_APPLIERS: dict[str, Any] = {}


def apply_all(url: str, plain: str | None = None) -> tuple[float, float]:
    """Run the applier jobs until none is due; (wall seconds, CPU seconds: this process plus,
    on PostgreSQL, the backends that served it). One database handle per URL for the whole
    run, as a `sada worker` keeps its engine (warm statement caches and connections)."""
    from sada.db.engine import open_database
    from sada.interactions.inbox import APPLY_JOB
    from sada.jobs.service import run_pending

    db = _APPLIERS.get(url)
    if db is None:
        db = _APPLIERS[url] = open_database(url)
    if not getattr(apply_all, "tuned", False):  # as `sada worker` does after start-up
        from sada.core import gctune
        from sada.jobs.registry import load_all_handlers

        load_all_handlers()
        gctune.tune()
        apply_all.tuned = True  # type: ignore[attr-defined]
    backends = backend_cpu(plain)
    started, cpu = time.perf_counter(), time.process_time()
    while run_pending(db, kinds=[APPLY_JOB]):
        pass
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, used + cpu_since(backends, backend_cpu(plain))


def close_appliers() -> None:
    for db in _APPLIERS.values():
        db.dispose()
    _APPLIERS.clear()


# ---------------------------------------------------------------- raw rows


class RawRows:
    """The rows the API would write, with ids assigned up front."""

    def __init__(self, workspace_id: int, base_id: int) -> None:
        self.ws = workspace_id
        self.next_id = base_id
        self.person_of: dict[str, int] = {}

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def batch(self, items: list[dict], now: datetime) -> tuple[list, list, list]:
        from sada.people.identities import normalize_phone
        from sada.text.normalize import fold_for_search

        people, identities, interactions = [], [], []
        for item in items:
            ref = item["person"]
            pid = self.person_of.get(ref["email"])
            if pid is None:
                pid = self._id()
                self.person_of[ref["email"]] = pid
                traits = ref["traits"]
                people.append(
                    (
                        pid,
                        self.ws,
                        ref["name"],
                        fold_for_search(ref["name"]),
                        "customer",
                        orjson.dumps(traits).decode(),
                        traits["language"],
                        traits["segment"],
                        now,
                        now,
                    )
                )
                identities.append(
                    (self._id(), self.ws, pid, "email", "", ref["email"], ref["email"], now)
                )
                if "phone" in ref:
                    phone = normalize_phone(ref["phone"])
                    identities.append(
                        (self._id(), self.ws, pid, "phone", "", phone, phone.lstrip("+"), now)
                    )
            interactions.append(
                (
                    self._id(),
                    self.ws,
                    pid,
                    datetime.fromisoformat(item["occurred_at"]),
                    now,
                    item["channel"],
                    item["direction"],
                    item["type"],
                    item["text"],
                    item["language"],
                    orjson.dumps(item.get("attributes") or {}).decode(),
                    item["source"],
                    item["external_id"],
                )
            )
        return people, identities, interactions


PEOPLE_COLS = "id, workspace_id, name, name_search, audience, traits, language, segment, created_at, updated_at"
IDENT_COLS = "id, workspace_id, person_id, kind, namespace, value, value_search, created_at"
INTER_COLS = (
    "id, workspace_id, person_id, occurred_at, received_at, channel, direction, type, text, "
    "language, attributes, source, external_id"
)


def _sqlite_ts(rows: list[tuple], positions: tuple[int, ...]) -> list[tuple]:
    def conv(v: Any) -> Any:
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    return [tuple(conv(v) if i in positions else v for i, v in enumerate(r)) for r in rows]


def raw_sqlite(path: str, rows: RawRows, items: list[dict], batch: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the timed inserts."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
        "synchronous=NORMAL",
    ):
        conn.execute(f"PRAGMA {pragma}")
    # SQLite gives new rows max(id)+1: start above everything the server wrote meanwhile.
    for table in ("people", "identities", "interactions"):
        top = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        rows.next_id = max(rows.next_id, top + 1000)
    now = datetime.now(UTC)
    prepared = []
    for i in range(0, len(items), batch):
        p, idn, it = rows.batch(items[i : i + batch], now)
        prepared.append((_sqlite_ts(p, (8, 9)), _sqlite_ts(idn, (7,)), _sqlite_ts(it, (3, 4))))
    q = lambda t, cols: f"INSERT INTO {t} ({cols}) VALUES ({', '.join('?' * len(cols.split(',')))})"  # noqa: E731
    started, cpu = time.perf_counter(), time.process_time()
    for p, idn, it in prepared:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(q("people", PEOPLE_COLS), p)
        conn.executemany(q("identities", IDENT_COLS), idn)
        conn.executemany(q("interactions", INTER_COLS), it)
        conn.execute("COMMIT")
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed, used


def raw_postgres(url: str, rows: RawRows, items: list[dict], batch: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds: this process plus its backend) of the timed COPYs."""
    import psycopg

    with psycopg.connect(url) as conn:
        now = datetime.now(UTC)
        prepared = [rows.batch(items[i : i + batch], now) for i in range(0, len(items), batch)]
        backend = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        conn.commit()
        try:
            backend_cpu0 = process_cpu(backend)
        except OSError:  # not a local server
            backend_cpu0 = None
        started, cpu = time.perf_counter(), time.process_time()
        for p, idn, it in prepared:
            with conn.cursor() as cur:
                for table, cols, data in (
                    ("people", PEOPLE_COLS, p),
                    ("identities", IDENT_COLS, idn),
                    ("interactions", INTER_COLS, it),
                ):
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
            conn.commit()
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        if backend_cpu0 is not None:
            used += process_cpu(backend) - backend_cpu0
        return elapsed, used


# ---------------------------------------------------------------- main


def pg_database(admin_url: str, prefix: str = "sada_bench") -> tuple[str, str, Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    from sada.settings import Settings

    url = make_url(Settings(database_url=admin_url).database_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    sa_url = url.set(database=name).render_as_string(hide_password=False)
    plain = url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    return sa_url, plain, drop


def preload(name: str, target: str, workspace_id: int, n: int, base_id: int) -> None:
    """Grow a workspace by n interactions (and n/15 people), untimed, with the raw method."""
    if n <= 0:
        return
    people = [
        {
            "email": f"pre{workspace_id}-{i}@example.com",
            "name": f"Preload {i}",
            "traits": {"language": "en", "segment": "regular"},
        }
        for i in range(max(1, n // 15))
    ]
    rows = RawRows(workspace_id, base_id)
    chunk = 20_000
    for start in range(0, n, chunk):
        items = make_items(min(chunk, n - start), people, f"pre{start}", seed=start)
        if name == "sqlite":
            raw_sqlite(target, rows, items, len(items))
        else:
            raw_postgres(target, rows, items, len(items))
    print(f"{name:<10} preloaded workspace {workspace_id} with {n:,} interactions", flush=True)


def run_backend(
    name: str, url: str, raw_target: str, sizes: dict[int, int], tmp: Path, preload_n: int
) -> dict:
    db, api_ws, raw_ws, key = setup_database(url)
    plain = raw_target if name == "postgresql" else None
    if preload_n > 0:
        # The zones its first ingest would have registered: a workspace that has rows but
        # no zones predates rollups, and the applier would skip the rollup writes it pays
        # for on an empty workspace (the preloaded rows are not in the rollups: untimed).
        from sada.interactions import rollups

        with db.transaction(api_ws) as session:
            rollups.kept_zones(session)
    db.dispose()
    preload(name, raw_target, api_ws, preload_n, 200_000_000)
    preload(name, raw_target, raw_ws, preload_n, 400_000_000)
    if name == "postgresql":
        import psycopg

        with psycopg.connect(raw_target, autocommit=True) as conn:
            conn.execute("ANALYZE")
    people = make_people(20_000)
    # Ids far above anything the server assigns in this run (nothing else writes here).
    raw_rows = RawRows(raw_ws, 50_000_000)
    port = free_port()
    server = start_server(url, port, tmp / f"server-{name}.log")
    results = {}
    try:
        post_all(port, key, make_items(200, people, "warmup", 1), 100, wait=True)
        post_all(port, key, make_items(200, people, "warmup-a", 1), 100, wait=False)
        apply_all(url, plain)
        for batch, n in sizes.items():
            cpu0, db0 = process_cpu(server.pid), backend_cpu(plain)
            accept_s = post_all(
                port, key, make_items(n, people, f"acc{batch}", batch), batch, wait=False
            )
            cpu1, db1 = process_cpu(server.pid), backend_cpu(plain)
            apply_s, apply_cpu = apply_all(url, plain)
            db1b = backend_cpu(plain)
            sync_s = post_all(
                port, key, make_items(n, people, f"sync{batch}", batch), batch, wait=True
            )
            cpu2, db2 = process_cpu(server.pid), backend_cpu(plain)
            accept_cpu = cpu1 - cpu0 + cpu_since(db0, db1)
            sync_cpu = cpu2 - cpu1 + cpu_since(db1b, db2)
            raw_items = make_items(n, people, f"raw{batch}", seed=batch)
            if name == "sqlite":
                raw_s, raw_cpu = raw_sqlite(raw_target, raw_rows, raw_items, batch)
            else:
                raw_s, raw_cpu = raw_postgres(raw_target, raw_rows, raw_items, batch)
            raw_eps = n / raw_s
            rates = {
                "accept": n / accept_s,
                "applied": n / (accept_s + apply_s),
                "sync": n / sync_s,
                "raw": raw_eps,
            }
            results[batch] = rates
            db = "+db" if plain else ""
            print(
                f"{name:<10} preload={preload_n:<8} batch={batch:<5} events={n:<6} "
                f"accept={rates['accept']:7.0f} ev/s ({accept_cpu / n * 1e6:5.0f} us cpu{db}/ev, "
                f"ratio={rates['accept'] / raw_eps:.3f})  "
                f"applied={rates['applied']:7.0f} ev/s (applier {apply_cpu / n * 1e6:5.0f} us "
                f"cpu{db}/ev, wall_ratio={rates['applied'] / raw_eps:.3f}, "
                f"cpu_ratio={raw_cpu / (accept_cpu + apply_cpu):.3f})  "
                f"sync={rates['sync']:7.0f} ev/s ({sync_cpu / n * 1e6:5.0f} us cpu{db}/ev, "
                f"ratio={rates['sync'] / raw_eps:.3f})  raw={raw_eps:7.0f} ev/s "
                f"({raw_cpu / n * 1e6:5.0f} us cpu{db}/ev)",
                flush=True,
            )
    finally:
        close_appliers()
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer events (under a minute)")
    parser.add_argument("--events", type=int, default=0, help="events per case")
    parser.add_argument(
        "--pg",
        default=os.environ.get("SADA_BENCH_PG_URL") or os.environ.get("SADA_TEST_DATABASE_URL"),
        help="PostgreSQL server URL (a fresh database is created on it)",
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--pg-prefix", default="sada_bench", help="name prefix of the fresh PostgreSQL database"
    )
    parser.add_argument(
        "--preload",
        type=int,
        default=0,
        help="grow the workspaces by N interactions first (the full run: 1000000)",
    )
    args = parser.parse_args()
    if args.events:
        sizes = {100: args.events, 1000: args.events}
    elif args.quick:
        sizes = {100: 2_000, 1000: 4_000}
    else:
        sizes = {100: 20_000, 1000: 40_000}

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; events/s, one server process")
    with tempfile.TemporaryDirectory(prefix="sada-bench-") as tmpdir:
        tmp = Path(tmpdir)
        sqlite_path = tmp / "bench.db"
        results = {
            "sqlite": run_backend(
                "sqlite", f"sqlite:///{sqlite_path}", str(sqlite_path), sizes, tmp, args.preload
            )
        }
        if args.pg and not args.no_pg:
            pg_sizes = {b: n // 2 for b, n in sizes.items()} if args.quick else sizes
            sa_url, plain, drop = pg_database(args.pg, args.pg_prefix)
            try:
                results["postgresql"] = run_backend(
                    "postgresql", sa_url, plain, pg_sizes, tmp, args.preload
                )
            finally:
                drop()
    rates = results["sqlite"][1000]
    print(f"ratio={rates['accept'] / rates['raw']:.3f}")


if __name__ == "__main__":
    main()
