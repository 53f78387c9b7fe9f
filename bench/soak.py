"""Soak: batch ingest at a fixed rate for N minutes, RSS of every process sampled over time.

Starts real processes on a fresh database and drives them over loopback:

- PostgreSQL (`--db pg`, the server of `--pg URL` or SADA_TEST_DATABASE_URL; a new database is
  made there and dropped after): one `sada serve` (`SADA_RUN_JOBS_IN_PROCESS=false`) and
  `--workers` `sada worker` processes (plus `--urgent-workers` `sada worker --urgent-only`),
  jobs on `--backend` (`table` or `procrastinate`);
- SQLite embedded mode (`--db sqlite`): one `sada serve` on a new file, jobs in process
  (the embedded default).

This process posts `POST /api/v1/interactions:batch` (the accept path, 202) with `--batch`
items every `--batch / --rate` seconds on one keep-alive connection: multilingual text, people
from a pool of `--people` whose identities repeat, every item a new external id. A request
that answers late delays the next (never a burst to catch up), so `sent/s` below `--rate`
means the server did not keep the rate.

Every `--sample` seconds: each process's resident memory (VmRSS from /proc) and CPU seconds,
and from the database the interactions stored, texts analysed, ingest batches still pending and
jobs due. At the end the drive stops, the queue gets `--drain` seconds to empty (stored, applied
and every text analysed: a job still running counts as not drained), and the script
prints the table, whether the rate was kept, whether everything accepted was stored and how much
of it analysed (during the drive and after the drain), and per process a
flat-memory verdict: the least-squares slope of RSS over the last 2/3 of the run (the first
third is warm-up), flat when the growth it implies over that window is at most
max(5 MiB, 5% of the mean RSS). The LAST line is `verdict=flat|growing`.

    .venv/bin/python bench/soak.py --db pg --minutes 10 --rate 100
    # issue 15's soak: twice the target ingest rate (10 events/s, every event with text),
    # 30 minutes, one analysis worker beside an urgent one; RSS per process every 30 s
    .venv/bin/python bench/soak.py --db pg --minutes 30 --rate 20 --batch 20 --drain 120 \
        --sample 30 --urgent-workers 1
    .venv/bin/python bench/soak.py --db sqlite --minutes 10 --rate 100
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
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import CHANNELS, TEXTS, TYPES, free_port, make_people  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB (VmRSS); 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


# ---------------------------------------------------------------- the database


def pg_database(server_url: str, prefix: str = "sada_soak_") -> tuple[str, Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    from sada.settings import Settings

    url = make_url(Settings(database_url=server_url).database_url)
    name = f"{prefix}{uuid.uuid4().hex[:6]}"
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def run_database(
    kind: str, server_url: str, prefix: str, tmp: Path
) -> tuple[str, Callable[[], None] | None]:
    """The run's database URL and how to drop it: a new PostgreSQL database on `server_url`
    (`kind` "pg"), or a SQLite file in `tmp` (nothing to drop)."""
    if kind != "pg":
        return f"sqlite:///{tmp / (prefix.strip('_') + '.db')}", None
    if not server_url:
        raise SystemExit("--db pg needs --pg URL or SADA_TEST_DATABASE_URL")
    return pg_database(server_url, prefix)


def process_env(url: str, tmp: Path, **settings: str) -> dict[str, str]:
    """The environment of the run's `sada` processes: the caller's without its SADA_
    settings, the run's database, no rate limits, quiet logs, then `settings`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SADA_")},
        "SADA_DATABASE_URL": url,
        "SADA_ENVIRONMENT": "test",
        "SADA_API_RATE_PER_SECOND": "1000000",
        "SADA_API_RATE_BURST": "1000000",
        "SADA_LOG_LEVEL": "WARNING",
        "SADA_ANALYTICS_DIR": str(tmp / "analytics"),
        **settings,
    }


def prepare(url: str, backend: str) -> tuple[Any, int, str]:
    """Migrate; a workspace and a write key. (db, workspace id, key)"""
    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.jobs.backend import select_backend
    from sada.tenants.service import do_create_api_key, do_create_workspace

    db = open_database(url)
    upgrade(db)
    if backend == "procrastinate":
        from sada.jobs.procrastinate_backend import ensure_schema

        select_backend(db, backend)
        ensure_schema(db)
    with db.transaction() as session:
        ws = do_create_workspace(session, f"soak-{uuid.uuid4().hex[:6]}").id
    with db.transaction(ws) as session:
        _row, key = do_create_api_key(session, name="soak", scopes=["write"])
    return db, ws, key


def analysed(db: Any, workspace_id: int) -> int:
    """Text analyses stored in the soak's workspace (every soak item has a text)."""
    from sqlalchemy import text

    with db.reader() as session:
        return int(
            session.execute(
                text("SELECT count(*) FROM text_analyses WHERE workspace_id = :ws"),
                {"ws": workspace_id},
            ).scalar_one()
        )


def jobs_done(db: Any) -> int:
    from sqlalchemy import text

    with db.reader() as session:
        return int(
            session.execute(text("SELECT count(*) FROM jobs WHERE status = 'done'")).scalar_one()
        )


def figures(db: Any, workspace_id: int) -> tuple[int, int, int]:
    """(soak interactions stored, ingest batches pending, jobs due and not done).

    Only the soak's own items count as stored: automation may add interactions of its own.
    """
    from sqlalchemy import text

    with db.reader() as session:
        stored = session.execute(
            text("SELECT count(*) FROM interactions WHERE workspace_id = :ws AND source = 'soak'"),
            {"ws": workspace_id},
        ).scalar_one()
        pending = session.execute(
            text("SELECT count(*) FROM ingest_batches WHERE status = 'pending'")
        ).scalar_one()
        due = session.execute(
            text(
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running', 'deferred') "
                "AND run_at <= CURRENT_TIMESTAMP"
            )
        ).scalar_one()
    return int(stored), int(pending), int(due)


def job_stats(db: Any) -> list[tuple[str, int, int, int, float, float, float]]:
    """Per job kind: (kind, priority, jobs, done, mean run ms, mean wait s, total run s).

    Run time is finished_at - started_at of done jobs (claim to done, the handler and its
    transactions); wait is started_at - run_at (due to claimed). The sum of run time over
    a worker's wall time says whether it was busy (latency or CPU bound) or idle (nothing
    it could claim).
    """
    from sqlalchemy import text

    with db.reader() as session:
        rows = session.execute(
            text(
                "SELECT kind, min(priority), count(*), "
                "count(*) FILTER (WHERE status = 'done'), "
                "avg(extract(epoch FROM finished_at - started_at)) "
                "FILTER (WHERE status = 'done'), "
                "avg(extract(epoch FROM started_at - run_at)) FILTER (WHERE status = 'done'), "
                "sum(extract(epoch FROM finished_at - started_at)) "
                "FILTER (WHERE status = 'done') "
                "FROM jobs GROUP BY kind ORDER BY min(priority), kind"
            )
            if not db.is_sqlite
            else text(
                "SELECT kind, min(priority), count(*), "
                "sum(status = 'done'), "
                "avg(CASE WHEN status = 'done' THEN "
                "(julianday(finished_at) - julianday(started_at)) * 86400 END), "
                "avg(CASE WHEN status = 'done' THEN "
                "(julianday(started_at) - julianday(run_at)) * 86400 END), "
                "sum(CASE WHEN status = 'done' THEN "
                "(julianday(finished_at) - julianday(started_at)) * 86400 END) "
                "FROM jobs GROUP BY kind ORDER BY min(priority), kind"
            )
        ).all()
    return [
        (
            str(kind),
            int(priority),
            int(n),
            int(done or 0),
            float(run or 0) * 1000,
            float(wait or 0),
            float(total or 0),
        )
        for kind, priority, n, done, run, wait, total in rows
    ]


# ---------------------------------------------------------------- processes


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sada.cli.main", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    """Terminate the run's processes, killing any that has not exited within 60 s."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 300  # a loaded machine starts it slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server not ready in 300 s")


# ---------------------------------------------------------------- the drive


@dataclass
class Drive:
    """What the posting thread did."""

    sent: int = 0  # items in batches answered 202
    requests: int = 0
    codes: dict[int, int] = field(default_factory=dict)
    worst_seconds: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)


def item(n: int, people: list[dict[str, Any]], rng: random.Random, now: datetime) -> dict:
    person = rng.choice(people)
    lang = person["traits"]["language"]
    return {
        "source": "soak",
        "external_id": f"soak-{n}",
        "occurred_at": (now - timedelta(seconds=rng.randrange(3600))).isoformat(),
        "channel": rng.choice(CHANNELS),
        "type": rng.choice(TYPES),
        "direction": "inbound" if rng.random() < 0.8 else "outbound",
        "text": f"{rng.choice(TEXTS[lang])} #{n}",
        "language": lang,
        "person": person,
    }


def drive(port: int, key: str, rate: float, batch: int, people: list, state: Drive) -> None:
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    interval = batch / rate
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    n = 0
    next_at = time.monotonic()
    while not state.stop.is_set():
        now = datetime.now(UTC)
        body = orjson.dumps({"items": [item(n + i, people, rng, now) for i in range(batch)]})
        began = time.monotonic()
        status = 0
        # Twice at most: a server closes a keep-alive connection idle for longer than its
        # timeout (uvicorn: 5 s), so at low rates the first try may find it gone.
        for _attempt in range(2):
            try:
                conn.request("POST", "/api/v1/interactions:batch", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        state.worst_seconds = max(state.worst_seconds, time.monotonic() - began)
        state.requests += 1
        state.codes[status] = state.codes.get(status, 0) + 1
        if status == 202:
            state.sent += batch
            n += batch
        next_at = max(next_at + interval, time.monotonic())  # late: no burst to catch up
        state.stop.wait(max(0.0, next_at - time.monotonic()))
    conn.close()


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["pg", "sqlite"], default="pg")
    parser.add_argument("--pg", default=os.environ.get("SADA_TEST_DATABASE_URL", ""))
    parser.add_argument("--backend", choices=["table", "procrastinate"], default="table")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--urgent-workers",
        type=int,
        default=0,
        help="more `sada worker --urgent-only` processes (PostgreSQL): ingest applies, rules "
        "and webhooks never wait behind a long analysis job",
    )
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=100, help="events per second")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--sample", type=float, default=10, help="seconds between samples")
    parser.add_argument("--drain", type=float, default=300, help="seconds to empty the queue")
    parser.add_argument(
        "--db-prefix",
        default="sada_soak_",
        help="name prefix of the PostgreSQL database made for the run (dropped after)",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sada-soak-"))
    url, drop = run_database(args.db, args.pg, args.db_prefix, tmp)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        db, ws, key = prepare(url, args.backend if args.db == "pg" else "table")
        env = process_env(url, tmp, SADA_JOB_BACKEND=args.backend)
        port = free_port()
        if args.db == "pg":
            env["SADA_RUN_JOBS_IN_PROCESS"] = "false"
        procs["serve"] = start(["serve", "--port", str(port)], env, tmp / "serve.log")
        if args.db == "pg":
            for n in range(args.workers):
                procs[f"worker{n}"] = start(["worker"], env, tmp / f"worker{n}.log")
            for n in range(args.urgent_workers):
                procs[f"urgent{n}"] = start(
                    ["worker", "--urgent-only"], env, tmp / f"urgent{n}.log"
                )
        wait_ready(port, procs["serve"], tmp / "serve.log")

        people = make_people(args.people)
        state = Drive()
        driver = threading.Thread(
            target=drive, args=(port, key, args.rate, args.batch, people, state), daemon=True
        )
        names = list(procs)
        rows: list[tuple[float, list[float], list[float], int, int, int, int]] = []
        began = time.monotonic()
        cpu0 = {name: cpu_seconds(p.pid) for name, p in procs.items()}
        driver.start()
        load0 = os.getloadavg()[0]
        loads = [load0]
        done: list[int] = []
        texts: list[int] = []
        duration = args.minutes * 60
        while True:
            elapsed = time.monotonic() - began
            rows.append(
                (
                    elapsed,
                    [rss_mib(procs[name].pid) for name in names],
                    [cpu_seconds(procs[name].pid) - cpu0[name] for name in names],
                    state.sent,
                    *figures(db, ws),
                )
            )
            loads.append(os.getloadavg()[0])
            done.append(jobs_done(db))
            texts.append(analysed(db, ws))
            t, rss, _cpu, sent, stored, pending, due = rows[-1]
            print(
                f"{t:7.0f} s  sent {sent:8,}  stored {stored:8,}  analysed {texts[-1]:8,}  "
                f"pending {pending:4}  due {due:5}  done {done[-1]:6,}  load {loads[-1]:4.1f}  "
                + "  ".join(f"{name} {mib:6.1f} MiB" for name, mib in zip(names, rss, strict=True)),
                flush=True,
            )
            dead = [name for name, p in procs.items() if p.poll() is not None]
            if dead:
                raise SystemExit(f"{dead} exited; logs in {tmp}")
            if elapsed >= duration:
                break
            time.sleep(max(0.0, min(args.sample, duration - elapsed)))
        state.stop.set()
        driver.join(timeout=130)
        drove = time.monotonic() - began
        drain_began = time.monotonic()
        while time.monotonic() - drain_began < args.drain:
            stored, pending, due = figures(db, ws)
            # Every soak item has a text: drained means stored, applied and analysed (a job
            # still running or an event not yet fanned out shows as texts not analysed yet).
            if stored >= state.sent and pending == 0 and due == 0 and analysed(db, ws) >= stored:
                break
            time.sleep(2)
        drained = time.monotonic() - drain_began
        stored, pending, due = figures(db, ws)
        final_texts = analysed(db, ws)

        runners = [n for n in names if n != "serve"] or ["serve"]
        print_job_stats(
            db, drove + drained, sum(cpu_seconds(procs[n].pid) - cpu0[n] for n in runners)
        )
        report(
            args,
            names,
            rows,
            done,
            texts,
            state,
            drove,
            drained,
            (stored, pending, due, final_texts),
            loads,
        )
        db.dispose()
    finally:
        stop(procs)
        if drop is not None:
            drop()


def report(
    args: argparse.Namespace,
    names: list[str],
    rows: list[tuple[float, list[float], list[float], int, int, int, int]],
    done: list[int],
    texts: list[int],
    state: Drive,
    drove: float,
    drained: float,
    end: tuple[int, int, int, int],
    loads: list[float],
) -> None:
    stored, pending, due, final_texts = end
    where = "PostgreSQL" if args.db == "pg" else "SQLite (embedded, jobs in process)"
    backend = (
        f", jobs on {args.backend}, {args.workers} worker(s)"
        + (f" + {args.urgent_workers} --urgent-only" if args.urgent_workers else "")
        if args.db == "pg"
        else ""
    )
    print(f"\n{where}{backend}; {args.batch} items per request, target {args.rate:g} events/s")
    print(f"load average {min(loads):.1f}-{max(loads):.1f} (mean {sum(loads) / len(loads):.1f})")
    header = "| t (min) | sent | stored | analysed | pending batches | jobs due | jobs done | "
    header += " | ".join(f"{name} RSS MiB (CPU s)" for name in names)
    print(header + " |")
    print("|" + "---:|" * (7 + len(names)))
    step = max(1, len(rows) // 30)  # about 30 rows of the table; the verdict uses all
    picked = list(range(0, len(rows), step))
    if picked[-1] != len(rows) - 1:
        picked.append(len(rows) - 1)
    for i in picked:
        t, rss, cpu, sent, stored_, pending_, due_ = rows[i]
        cells = " | ".join(f"{m:.1f} ({c:.0f})" for m, c in zip(rss, cpu, strict=True))
        print(
            f"| {t / 60:.1f} | {sent:,} | {stored_:,} | {texts[i]:,} | {pending_} | {due_} "
            f"| {done[i]:,} | {cells} |"
        )
    rate = state.sent / drove if drove else 0.0
    kept = rate >= 0.95 * args.rate
    print(
        f"\nsent {state.sent:,} items in {drove:.0f} s = {rate:.1f} events/s "
        f"({'rate kept' if kept else 'rate NOT kept'}; slowest request {state.worst_seconds:.2f} s); "
        f"answers {dict(sorted(state.codes.items()))}"
    )
    print(
        f"after the drive: stored {stored:,} of {state.sent:,} accepted, {pending} batches "
        f"pending, {due} jobs due ({'drained' if pending == due == 0 else 'NOT drained'} "
        f"{drained:.0f} s after the drive)"
    )
    during = texts[-1] / rows[-1][0] if rows[-1][0] else 0.0
    print(
        f"text analysis: {texts[-1]:,} texts analysed by the end of the drive ({during:.1f}/s), "
        f"{final_texts:,} after the drain, of {stored:,} stored"
    )
    window = [r for r in rows if r[0] >= rows[-1][0] / 3]
    verdicts = []
    for i, name in enumerate(names):
        points = [(r[0] / 60, r[1][i]) for r in window]
        per_min = slope(points)
        span = points[-1][0] - points[0][0] if points else 0.0
        mean = sum(p[1] for p in points) / len(points) if points else 0.0
        growth = per_min * span
        flat = growth <= max(5.0, 0.05 * mean)
        verdicts.append(flat)
        print(
            f"{name}: RSS {window[0][1][i]:.1f} -> {window[-1][1][i]:.1f} MiB over the last 2/3, "
            f"slope {per_min * 60:+.1f} MiB/h (growth {growth:+.1f} MiB over {span:.1f} min, "
            f"mean {mean:.1f}): {'flat' if flat else 'GROWING'}"
        )
    ok = all(verdicts)
    print(f"verdict={'flat' if ok else 'growing'}")


def print_job_stats(db: Any, wall: float, runner_cpu: float) -> None:
    """Jobs per kind, and how much of the wall time the job runners spent in jobs."""
    stats = job_stats(db)
    print("\n| job kind | priority | jobs | done | mean run ms | mean wait s | run s in all |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, priority, n, done, run_ms, wait_s, total in stats:
        print(
            f"| {kind} | {priority} | {n:,} | {done:,} | {run_ms:.0f} | {wait_s:.1f} | {total:.0f} |"
        )
    busy = sum(row[6] for row in stats)
    print(
        f"jobs: {sum(r[2] for r in stats):,} recorded, {sum(r[3] for r in stats):,} done; "
        f"{busy:.0f} s spent running them in {wall:.0f} s of wall time ({busy / wall:.0%})"
        + f"; CPU of the process(es) running them {runner_cpu:.0f} s"
    )


if __name__ == "__main__":
    main()
