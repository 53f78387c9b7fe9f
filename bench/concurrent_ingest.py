"""Concurrent ingest with overlapping new identities: 0 deadlocks, 0 5xx, nothing lost or doubled.

Issue 20's target, measured with real processes over loopback: `--clients` threads (16) post
`POST /api/v1/interactions:batch` for `--seconds` (120), each on its own keep-alive
connection, half of them asking for the synchronous answer (`?wait=true`: people resolved
and interactions written inside the request, the path that deadlocked before) and half
taking the inbox's `202` (applied by the job runners). Every second brings a new wave of
`--wave` people that none has sent before, and every client's batches name them (and older
people) at once, so the clients race to create the same people and identities all the time.

- PostgreSQL (`--db pg`; a new database on the server of `--pg` or SADA_TEST_DATABASE_URL,
  dropped after): `--nodes` API nodes (`sada serve`, jobs off) and `--workers` `sada
  worker` processes; the clients take the nodes in turn.
- SQLite (`--db sqlite`): one `sada serve` on a new file, jobs in process (the embedded
  default has one node).

After the drive, the queue gets `--drain` seconds to apply every batch; then the script
checks, from the database: every item answered `applied`/`accepted` is stored exactly once
(count of its (source, external_id) = 1, none missing); every person reference became one
person (each email identity belongs to one person and all of that email's interactions
point to it); no two people hold the same email. It prints the answers by status code, the
deadlocks PostgreSQL counted for the database during the run (`pg_stat_database`), the
rates, and the LAST line `verdict=ok` or `verdict=FAILED (...)`.

    .venv/bin/python bench/concurrent_ingest.py --db pg --seconds 120
    .venv/bin/python bench/concurrent_ingest.py --db sqlite --seconds 120
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import CHANNELS, TEXTS, free_port  # noqa: E402
from bench.soak import (  # noqa: E402
    prepare,
    process_env,
    run_database,
    start,
    stop,
    wait_ready,
)

LANGS = list(TEXTS)


def person(n: int) -> dict[str, Any]:
    """Person n of the run: always the same email (and phone for every third)."""
    lang = LANGS[n % len(LANGS)]
    ref: dict[str, Any] = {
        "email": f"race{n}@example.com",
        "name": f"Race {n}",
        "traits": {"language": lang},
    }
    if n % 3 == 0:
        ref["phone"] = f"+9893{n:08d}"
    return ref


@dataclass
class Client:
    """What one client thread sent and was answered."""

    wait: bool
    codes: Counter[int] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # bodies of 5xx answers (first few)
    stored: list[tuple[str, int]] = field(default_factory=list)  # (external id, person n)
    items: int = 0
    seconds: list[float] = field(default_factory=list)  # each request's answer time


def run_client(
    index: int, port: int, key: str, state: Client, began: float, seconds: float, wave: int
) -> None:
    rng = random.Random(index)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    path = "/api/v1/interactions:batch" + ("?wait=true" if state.wait else "")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    sent = 0
    while (elapsed := time.monotonic() - began) < seconds:
        current = int(elapsed)  # this second's wave: people nobody has sent yet
        batch: list[dict[str, Any]] = []
        refs: list[int] = []
        now = datetime.now(UTC)
        for _ in range(25):
            if rng.random() < 0.6 or current == 0:
                n = current * wave + rng.randrange(wave)
            else:
                n = rng.randrange(current * wave)
            lang = LANGS[n % len(LANGS)]
            external = f"c{index}-{sent}"
            sent += 1
            batch.append(
                {
                    "source": "race",
                    "external_id": external,
                    "occurred_at": (now - timedelta(seconds=rng.randrange(600))).isoformat(),
                    "channel": rng.choice(CHANNELS),
                    "type": "message",
                    "direction": "inbound",
                    "text": f"{rng.choice(TEXTS[lang])} #{external}",
                    "language": lang,
                    "person": person(n),
                }
            )
            refs.append(n)
        body = orjson.dumps({"items": batch})
        t0 = time.monotonic()
        status, answer = 0, b""
        for _attempt in range(2):  # a keep-alive connection the server closed: once more
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        state.seconds.append(time.monotonic() - t0)
        state.codes[status] += 1
        state.items += len(batch)
        if status >= 500 or status == 0:
            if len(state.samples) < 3:
                state.samples.append(f"{status}: {answer[:300]!r}")
            continue
        if status in (200, 202, 207):
            results = orjson.loads(answer)["results"]
            for result, item, n in zip(results, batch, refs, strict=True):
                if result["status"] in ("applied", "accepted", "stored"):
                    state.stored.append((item["external_id"], n))
    conn.close()


def pg_deadlocks(db: Any) -> int | None:
    if db.dialect != "postgresql":
        return None
    from sqlalchemy import text

    with db.reader() as session:
        return int(
            session.execute(
                text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one()
        )


def pending_batches(db: Any) -> int:
    from sqlalchemy import text

    with db.reader() as session:
        return int(
            session.execute(
                text("SELECT count(*) FROM ingest_batches WHERE status = 'pending'")
            ).scalar_one()
        )


def check(db: Any, workspace_id: int, clients: list[Client]) -> list[str]:
    """What went wrong in the stored rows (empty: nothing)."""
    from sqlalchemy import text

    problems: list[str] = []
    expected = {ext: n for c in clients for ext, n in c.stored}
    with db.reader(workspace_id) as session:
        rows = session.execute(
            text(
                "SELECT i.external_id, i.person_id FROM interactions AS i "
                "WHERE i.workspace_id = :ws AND i.source = 'race'"
            ),
            {"ws": workspace_id},
        ).all()
        emails = session.execute(
            text(
                "SELECT value, count(*), min(person_id), max(person_id) FROM identities "
                "WHERE workspace_id = :ws AND kind = 'email' AND value LIKE 'race%' "
                "GROUP BY value"
            ),
            {"ws": workspace_id},
        ).all()
    stored = Counter(ext for ext, _pid in rows)
    doubled = [ext for ext, k in stored.items() if k > 1]
    missing = [ext for ext in expected if ext not in stored]
    unexpected = [ext for ext in stored if ext not in expected]
    if doubled:
        problems.append(f"{len(doubled)} items stored twice (e.g. {doubled[:3]})")
    if missing:
        problems.append(f"{len(missing)} answered items not stored (e.g. {missing[:3]})")
    if unexpected:
        problems.append(f"{len(unexpected)} stored items never answered as stored")
    owner: dict[str, int] = {}
    for value, count, low, high in emails:
        if count != 1 or low != high:
            problems.append(f"email {value} held {count} times by people {low}..{high}")
        owner[value] = low
    person_of = dict(rows)
    split = 0
    for ext, n in expected.items():
        email = f"race{n}@example.com"
        if ext in person_of and owner.get(email) != person_of[ext]:
            split += 1
    if split:
        problems.append(f"{split} interactions not on the person of their email")
    people_used = {n for n in expected.values()}
    if len(owner) != len(people_used):
        problems.append(f"{len(people_used)} people sent, {len(owner)} email identities stored")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    parser.add_argument("--pg", default=os.environ.get("SADA_TEST_DATABASE_URL", ""))
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--wait-clients",
        type=int,
        default=None,
        help="clients asking for the synchronous answer (default: half)",
    )
    parser.add_argument("--nodes", type=int, default=2, help="API nodes (PostgreSQL)")
    parser.add_argument("--workers", type=int, default=2, help="job runners (PostgreSQL)")
    parser.add_argument("--wave", type=int, default=100, help="new people per second")
    parser.add_argument("--drain", type=float, default=300, help="seconds to apply the rest")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sada-race-"))
    url, drop = run_database(args.db, args.pg, "sada_race_", tmp)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        db, ws, key = prepare(url, "table")
        env = process_env(url, tmp)
        nodes = args.nodes if args.db == "pg" else 1
        ports = [free_port() for _ in range(nodes)]
        if args.db == "pg":
            env["SADA_RUN_JOBS_IN_PROCESS"] = "false"
            for n in range(args.workers):
                procs[f"worker{n}"] = start(["worker"], env, tmp / f"worker{n}.log")
        for n, port in enumerate(ports):
            procs[f"node{n}"] = start(["serve", "--port", str(port)], env, tmp / f"node{n}.log")
        for n, port in enumerate(ports):
            wait_ready(port, procs[f"node{n}"], tmp / f"node{n}.log")

        deadlocks0 = pg_deadlocks(db)
        waiting = args.clients // 2 if args.wait_clients is None else args.wait_clients
        # Every k-th client waits, spread over the nodes.
        clients = [
            Client(wait=i * waiting // args.clients != (i + 1) * waiting // args.clients)
            for i in range(args.clients)
        ]
        began = time.monotonic()
        threads = [
            threading.Thread(
                target=run_client,
                args=(i, ports[i % nodes], key, c, began, args.seconds, args.wave),
                daemon=True,
            )
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        drove = time.monotonic() - began
        drain_began = time.monotonic()
        while pending_batches(db) and time.monotonic() - drain_began < args.drain:
            time.sleep(1)
        drained = time.monotonic() - drain_began
        left = pending_batches(db)
        deadlocks = pg_deadlocks(db)
        died = [name for name, p in procs.items() if p.poll() is not None]

        codes: Counter[int] = Counter()
        for c in clients:
            codes.update(c.codes)
        items = sum(c.items for c in clients)
        stored = sum(len(c.stored) for c in clients)
        people = len({n for c in clients for _e, n in c.stored})
        print(
            f"{args.db}: {args.clients} clients ({sum(c.wait for c in clients)} with ?wait=true) "
            f"on {nodes} node(s), {args.seconds:.0f} s; {items:,} items in "
            f"{sum(codes.values()):,} requests ({items / drove:,.0f} items/s), {people:,} "
            f"people, a new wave of {args.wave} every second; load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print(f"answers by status: {dict(sorted(codes.items()))}")
        for mode in (True, False):
            times = sorted(t for c in clients if c.wait is mode for t in c.seconds)
            if times:
                p50, p99 = (times[min(len(times) - 1, int(q * len(times)))] for q in (0.5, 0.99))
                print(
                    f"  {'wait=true' if mode else '202      '}: {len(times):,} answers, p50 "
                    f"{p50 * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms, slowest {times[-1]:.2f} s"
                )
        for c in clients:
            for sample in c.samples:
                print(f"  5xx: {sample}")
        print(f"drained in {drained:.1f} s; batches still pending: {left}")
        if deadlocks is not None and deadlocks0 is not None:
            print(f"deadlocks counted by PostgreSQL during the run: {deadlocks - deadlocks0}")
        problems = check(db, ws, clients)
        print(f"stored items checked: {stored:,}")
        for problem in problems:
            print(f"  problem: {problem}")
        failures = [f"{k} answered {v}x" for k, v in codes.items() if k >= 500 or k == 0]
        if deadlocks is not None and deadlocks0 is not None and deadlocks > deadlocks0:
            failures.append(f"{deadlocks - deadlocks0} deadlocks")
        if left:
            failures.append(f"{left} batches not applied")
        if died:
            failures.append(f"{died} exited (logs in {tmp})")
        failures += problems
        db.dispose()
        print("verdict=ok" if not failures else f"verdict=FAILED ({'; '.join(failures)})")
    finally:
        stop(procs)
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()
