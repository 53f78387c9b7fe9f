"""Page latency of the web app over a demo-sized workspace.

Seeds a workspace with `sada.demo.seed.seed_demo` into a fresh SQLite file (or the
PostgreSQL database given by --pg / SADA_TEST_DATABASE_URL), adds text analyses for its
text interactions (synthetic sentiment and aspects written straight into the
`text_analyses` table: running the real pipeline on 100k+ texts takes far longer than a
benchmark should, and the pages read the same columns either way), signs in as the demo
owner and requests every page several times through the ASGI app in process
(`TestClient`: the whole request path, middleware, session lookup, queries and templates,
without socket overhead).

`--preload N` grows the demo workspace by N more interactions first (bulk-inserted over
the last year for the demo's people, 80% with text, with synthetic analyses like the
rest), so the pages are measured on a grown workspace too. The dashboard rollups are
rebuilt once after the bulk writes (as `sada metrics rebuild` does), since bulk inserts
bypass the write-time counting. `--fill sql` writes them set-based instead (`bench/fill.py`:
`INSERT ... SELECT` over a series, same spread, analyses included, then the product's
rebuild), about a minute per million rows instead of most of an hour; `--fill-people K` adds
K synthetic people first, so a 10M workspace is not 1,500 people speaking 6,000 times each.

`--db-file FILE` (SQLite) seeds into FILE once and reuses it on later runs (`--reuse` does
the same with `--pg`; migrated to the current schema first; `--rebuild` also rebuilds the
dashboard rollups), so a grown workspace is seeded once and measured many times, e.g.
before and after a change.

Prints per page p50/p95 in milliseconds, the mean CPU milliseconds per request and the
first request's time ("first": templates compiled, nothing kept yet, untimed otherwise).
`--live` stores one interaction through the ingest service before each timed request, so
pages whose figures are kept per process (journey maps, retention, the scorecard: kept
while the workspace's data is unchanged) are measured as they answer while data arrives. The LAST line is `p95_ms=<n>`: the 95th
percentile over all page requests. `--quick` seeds 1,500 people (~22k interactions) and
finishes within a minute; the default seeds 20,000 people (~300k interactions).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = [
    ("overview 30d", "/overview?period=30d"),
    ("overview 90d", "/overview?period=90d"),
    ("overview 12m", "/overview?period=365d"),
    ("overview fa", "/overview?period=30d&lang=fa"),
    ("overview channel", "/overview?period=90d&channel=chat"),
    ("feedback", "/feedback?period=30d"),
    ("feedback negative", "/feedback?period=90d&sentiment=negative"),
    ("feedback search fa", "/feedback?period=90d&q=%D8%B3%D9%81%D8%A7%D8%B1%D8%B4"),
    ("feedback search zh", "/feedback?period=90d&q=%E9%80%80%E6%AC%BE"),
    ("feedback topic", "/feedback?period=90d&topic=delivery"),
    ("overview qtr compare", "/overview?period=last_quarter&compare=previous_period"),
    ("overview custom", "/overview?from={from90}&to={today}&compare=previous_period&lang=fa"),
    ("feedback drill", "/feedback?from={from90}&to={today}&band=low"),
    ("journeys scorecard", "/journeys"),
    ("journey map", "/journeys/maps/customer-journey"),
    (
        "journey map compare",
        "/journeys/maps/customer-journey?period=last_quarter&compare=previous_period",
    ),
    ("journey map by lang", "/journeys/maps/customer-journey?group_by=language&lang=fa"),
    ("journey verbatims", "/journeys/maps/customer-journey/touchpoints/delivery"),
    ("retention", "/journeys/audiences/customer/retention"),
    ("surveys", "/surveys"),
    ("survey results", "/surveys/{survey}"),
    ("survey results qtr", "/surveys/{survey}?period=last_quarter&compare=previous_period"),
    ("themes", "/themes"),
    ("inbox", "/inbox"),
    ("cases", "/cases"),
    ("performance", "/performance"),
    ("rules", "/rules"),
    ("kb", "/kb"),
    ("people", "/people"),
    ("people search", "/people?q=ali"),
    ("person", "/people/{person}"),
    ("settings", "/settings"),
    ("users", "/settings/users"),
    ("api keys", "/settings/api-keys"),
    ("touchpoints", "/settings/touchpoints"),
    ("audit", "/settings/audit"),
    ("account", "/account"),
    ("saved views", "/views"),
    ("inbox", "/inbox"),
    ("inbox all fa", "/inbox?status=all&lang=fa"),
    ("inbox sla sort", "/inbox?sort=sla_due&status=all"),
    ("conversation", "/inbox/{conversation}"),
    ("conversation ar", "/inbox/{conversation}?lang=ar"),
    ("cases", "/cases"),
    ("cases loop closed", "/cases?loop=closed&lang=zh"),
    ("case", "/cases/{case}"),
]

ASPECTS = ["delivery", "product_quality", "staff", "app_website", "billing", "price"]


def add_analyses(db: Any, workspace_id: int, rng: random.Random) -> int:
    """Synthetic analyses for every text interaction the demo seed left unanalysed (it analyses
    the last days with the real pipeline), bulk inserted."""
    from sqlalchemy import insert, select

    from sada.db.types import utcnow
    from sada.interactions.models import Interaction
    from sada.text.models import TextAnalysis

    with db.reader(workspace_id) as session:
        rows = session.execute(
            select(Interaction.id, Interaction.text, Interaction.language).where(
                Interaction.text.is_not(None),
                ~select(TextAnalysis.id)
                .where(TextAnalysis.interaction_id == Interaction.id)
                .exists(),
            )
        ).all()
    now = utcnow()
    batch: list[dict[str, Any]] = []
    done = 0
    for iid, text, language in rows:
        label = rng.choices(["negative", "neutral", "positive"], [0.35, 0.2, 0.45])[0]
        aspect = rng.choice(ASPECTS)
        first = (text or "")[:200]
        batch.append(
            {
                "workspace_id": workspace_id,
                "interaction_id": iid,
                "language": language or "en",
                "script": "Latn",
                "language_confidence": 0.9,
                "sentiment": label,
                "sentiment_score": {"negative": -0.7, "neutral": 0.0, "positive": 0.7}[label],
                "uncertain": False,
                "scores": {},
                "sentences": [
                    {
                        "text": first,
                        "start": 0,
                        "end": len(first),
                        "sentiment": {"label": label},
                        "aspects": [{"aspect": aspect, "polarity": label, "text": first}],
                    }
                ],
                "aspects": [{"aspect": aspect, "polarity": label, "counts": {label: 1}}],
                "topics": [],
                "mentions": [],
                "pii": [],
                "redacted_text": None,
                "text_hash": "0" * 64,
                "model_version": "bench-synthetic",
                "analyzed_at": now,
            }
        )
        if len(batch) >= 2000:
            with db.transaction(workspace_id) as session:
                session.execute(insert(TextAnalysis), batch)
            done += len(batch)
            batch = []
    if batch:
        with db.transaction(workspace_id) as session:
            session.execute(insert(TextAnalysis), batch)
        done += len(batch)
    return done


def preload(db: Any, workspace_id: int, n: int, rng: random.Random) -> None:
    """Bulk-insert n more interactions for the workspace's people (untimed)."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from sada.db.types import utcnow
    from sada.interactions.models import Interaction
    from sada.people.models import Person

    with db.reader(workspace_id) as session:
        people = list(session.execute(select(Person.id)).scalars())
    now = utcnow()
    channels = ["email", "chat", "phone", "sms", "whatsapp", "web", "app"]
    texts = ["the courier was late again", "سفارشم دیر رسید", "快递太慢了", "great service"]
    batch: list[dict[str, Any]] = []
    for i in range(n):
        batch.append(
            {
                "workspace_id": workspace_id,
                "person_id": rng.choice(people),
                "occurred_at": now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
                "received_at": now,
                "channel": rng.choice(channels),
                "direction": "inbound",
                "type": "message",
                "text": rng.choice(texts) if rng.random() < 0.8 else None,
                "language": rng.choice(["en", "fa", "zh", "ar"]),
                "attributes": {},
                "source": "preload",
                "external_id": f"pre-{i}",
                "origin": "customer",
                "backfill": True,
            }
        )
        if len(batch) >= 5000:
            with db.transaction(workspace_id) as session:
                session.execute(insert(Interaction), batch)
            batch = []
    if batch:
        with db.transaction(workspace_id) as session:
            session.execute(insert(Interaction), batch)


def profile_overview(db: Any, workspace_id: int) -> None:
    """cProfile the overview's read model calls (as `sada.web.pages.overview` makes them) for
    the last 365 days against the period before, in the workspace's zone; prints the top 25
    functions by cumulative time. The test client serves requests on another thread, which a
    profiler enabled here would not see, hence the direct calls."""
    import cProfile
    import pstats
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from sada.dashboards import panels
    from sada.dashboards import service as dash
    from sada.tenants.models import Workspace

    with db.reader() as session:
        zone = session.execute(
            select(Workspace.timezone).where(Workspace.id == workspace_id)
        ).scalar_one()
    f = dash.period_filters("365d", ZoneInfo(zone or "UTC"))
    profiler = cProfile.Profile()
    for _ in range(3):
        with db.reader(workspace_id) as session:
            profiler.enable()
            dash.totals(session, f)
            channels = dash.volume_by_channel(session, f)
            dash.volume_over_time(session, f)
            dash.sentiment_over_time(session, f)
            dash.sentiment_over_time(session, f.previous())
            dash.top_topics(session, f)
            dash.significant_changes(session, f, current=channels)
            dash.metric_trends(session, f)
            panels.background_work(session, workspace_id)
            profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"sada/|execute|fetch", 25)


def _backend_cpu(session: Any) -> float | None:
    """CPU seconds of this session's PostgreSQL backend so far (a server on this machine:
    /proc), None elsewhere."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rollup_checksums(db: Any, workspace_id: int) -> dict[str, tuple[int, int]]:
    """(rows, order-independent sum of row hashes) of the workspace's rollup tables (ids left
    out; PostgreSQL only: SQLite has no hash function), to compare two rebuilds' rows."""
    from sqlalchemy import text

    tables = {
        "interaction_rollups": "zone, day, channel, language, voice, n, texts, analysed, "
        "positive, neutral, negative",
        "who_spoke_months": "zone, channel, language, era, person_id, months",
        "who_spoke_days": "zone, channel, language, month, person_id, days",
        "topic_rollups": "zone, day, channel, language, name, positive, neutral, negative, "
        "mixed, example_positive, example_negative",
    }
    out: dict[str, tuple[int, int]] = {}
    if db.dialect != "postgresql":
        return out
    with db.reader(workspace_id) as session:
        for table, columns in tables.items():
            rows, digest = session.execute(
                text(
                    f"SELECT count(*), coalesce(sum(hashtext(concat_ws('|', {columns}))), 0) "
                    f"FROM {table} WHERE workspace_id = :ws"
                ),
                {"ws": workspace_id},
            ).one()
            out[table] = (int(rows), int(digest))
    return out


def create_database_if_missing(url: str) -> None:
    """Create the --pg database on its server when it does not exist yet (a fresh 10M run
    names a new one), connecting to the server's `postgres` database to do it."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    plain = target.set(drivername="postgresql")
    admin = plain.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{target.database}"')
            print(f"created database {target.database}", flush=True)


def timed_rebuild(
    db: Any, workspace_id: int, *, streaming: bool = False, parts: tuple[str, ...] = ()
) -> None:
    """The product's rollup rebuild (or the former row-by-row one) with its wall time, this
    process's CPU and the database backend's CPU, then the rows' checksums; on PostgreSQL the
    rollup tables are vacuumed and analysed after (as autovacuum would, timed apart)."""
    from sqlalchemy import text

    from sada.dashboards.rollups import rebuild, rebuild_streaming

    label = "streaming" if streaming else f"set-based: {','.join(parts) or 'all'}"
    t0, cpu0 = time.monotonic(), time.process_time()
    with db.transaction(workspace_id) as session:
        server0 = _backend_cpu(session)
        if streaming:
            rebuild_streaming(session)
        else:
            rebuild(
                session,
                progress=lambda line: print(f"rebuild: {line}", flush=True),
                parts=parts or ("counts", "people", "topics"),
            )
        server1 = _backend_cpu(session)
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    server = f", server CPU {server1 - server0:.1f} s" if server0 and server1 else ""
    print(
        f"rollups rebuilt ({label}) in {wall:.1f} s wall (commit included), client CPU "
        f"{cpu:.1f} s{server}; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for table, (rows, digest) in rollup_checksums(db, workspace_id).items():
        print(f"rebuild: {table} {rows:,} rows, checksum {digest}", flush=True)
    if db.dialect == "postgresql":
        t0 = time.monotonic()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text(
                    "VACUUM ANALYZE interaction_rollups, who_spoke_months, who_spoke_days, "
                    "topic_rollups"
                )
            )
        print(f"rollup tables vacuumed and analysed in {time.monotonic() - t0:.1f} s")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank); 0 when nothing was measured (an `--only` that
    matches no page, e.g. to seed a `--db-file` once)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small workspace, finishes within a minute"
    )
    parser.add_argument("--people", type=int, default=None, help="people to seed")
    parser.add_argument("--repeat", type=int, default=None, help="requests per page")
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--preload", type=int, default=0, help="grow the workspace by N interactions first"
    )
    parser.add_argument(
        "--fill",
        choices=["rows", "sql"],
        default="rows",
        help="how --preload writes: ORM row batches (rows) or set-based SQL (bench/fill.py)",
    )
    parser.add_argument(
        "--fill-people",
        type=int,
        default=0,
        help="with --fill sql: synthetic people to add before the interactions",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="with --db-file/--reuse: rebuild the dashboard rollups of the reused database",
    )
    parser.add_argument(
        "--rebuild-parts",
        default="counts,people,topics",
        help="with --rebuild: the parts to rebuild (a 10M rebuild split in two runs)",
    )
    parser.add_argument(
        "--rebuild-streaming",
        action="store_true",
        help="with --rebuild: the former row-by-row rebuild (`rebuild_streaming`), to time "
        "it against the set-based one",
    )
    parser.add_argument(
        "--no-rebuild",
        action="store_true",
        help="when seeding: leave the dashboard rollups as the bulk writes left them (stale), "
        "to rebuild them apart afterwards (`sada metrics rebuild`) and time that",
    )
    parser.add_argument("--only", default=None, help="measure only pages whose name contains this")
    parser.add_argument(
        "--db-file",
        default=None,
        help="SQLite file to seed once and reuse: seeded (and kept) when missing, "
        "measured as it is when it already holds the demo",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --pg: measure the demo already seeded there instead of seeding again",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="store one interaction through the ingest service before each timed request "
        "(not timed): every page then answers as it does while data keeps arriving, with "
        "nothing kept from the request before",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the top costs of the overview's data calls (12 months, compared)",
    )
    args = parser.parse_args()

    import logging

    logging.disable(logging.WARNING)
    from fastapi.testclient import TestClient
    from rich.console import Console
    from sqlalchemy import func, select

    from sada.app import create_app
    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
    from sada.interactions.models import Interaction
    from sada.settings import Settings

    people = args.people or (1_500 if args.quick else 20_000)
    repeat = args.repeat or (5 if args.quick else 20)
    started = time.monotonic()
    tmp = tempfile.TemporaryDirectory(prefix="sada-bench-pages-")
    url = args.pg or (None if args.quick else os.environ.get("SADA_TEST_DATABASE_URL"))
    url = Settings(database_url=url).database_url if url else f"sqlite:///{tmp.name}/pages.db"
    reuse = args.reuse and bool(args.pg)
    if args.db_file:
        url = f"sqlite:///{Path(args.db_file).resolve()}"
        reuse = Path(args.db_file).exists()
    if args.pg and not reuse:
        create_database_if_missing(url)
    db = open_database(url)
    upgrade(db)
    from sada.demo.seed import DEMO_WORKSPACE
    from sada.tenants.models import Workspace

    if reuse:
        # A demo seeded by an earlier run (--db-file / --reuse): measured as it stands.
        from sada.people.models import Person
        from sada.text.models import TextAnalysis

        with db.reader() as session:
            workspace_id = session.execute(
                select(Workspace.id).where(Workspace.name == DEMO_WORKSPACE)
            ).scalar_one()
        with db.reader(workspace_id) as session:
            info = {
                "workspace": DEMO_WORKSPACE,
                "people": session.execute(select(func.count()).select_from(Person)).scalar_one(),
                "interactions": session.execute(
                    select(func.count()).select_from(Interaction)
                ).scalar_one(),
            }
            analyses = session.execute(select(func.count()).select_from(TextAnalysis)).scalar_one()
        args.preload = 0
        if args.rebuild:
            parts = tuple(args.rebuild_parts.split(","))
            timed_rebuild(db, workspace_id, streaming=args.rebuild_streaming, parts=parts)
    else:
        info = seed_demo(db, people=people, reset=True, console=Console(file=open(os.devnull, "w")))  # noqa: SIM115
        with db.reader() as session:
            workspace_id = session.execute(
                select(Workspace.id).where(Workspace.name == info["workspace"])
            ).scalar_one()
        if args.preload and args.fill == "sql":
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from fill import fill

            times = fill(
                db,
                workspace_id,
                args.preload,
                people=args.fill_people,
                rebuild=False,  # rebuilt below, after the demo's own analyses
                progress=lambda line: print(f"fill: {line}", flush=True),
            )
            print("fill: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()), flush=True)
        elif args.preload:
            preload(db, workspace_id, args.preload, random.Random(9))
        add_analyses(db, workspace_id, random.Random(5))
        from sada.text.models import TextAnalysis as _Analysis

        with db.reader(workspace_id) as session:  # the seed's real ones and the synthetic rest
            analyses = session.execute(select(func.count()).select_from(_Analysis)).scalar_one()
        if args.no_rebuild:
            print("rollups not rebuilt (--no-rebuild): stale until `sada metrics rebuild`")
        else:  # with its progress lines (a 10M rebuild takes half an hour)
            timed_rebuild(db, workspace_id)
    if db.dialect == "postgresql" and not reuse:
        # A live database has planner statistics; a freshly bulk-loaded one does not yet.
        from sqlalchemy import text

        with db.engine.connect() as connection:
            # A live database is vacuumed by autovacuum too (visibility map: index-only
            # scans); after a bulk fill it has not run yet.
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE" if args.fill == "sql" else "ANALYZE")
            )
    with db.reader(workspace_id) as session:
        busiest = session.execute(
            select(Interaction.person_id, func.count())
            .where(Interaction.person_id.is_not(None))
            .group_by(Interaction.person_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
    person_id = busiest[0] if busiest else 1
    from sada.feedback.models import Survey

    with db.reader(workspace_id) as session:
        survey_id = session.execute(select(func.min(Survey.id))).scalar_one() or 1
    from datetime import date, timedelta

    today = date.today()
    fill = {
        "person": person_id,
        "survey": survey_id,
        "today": today.isoformat(),
        "from90": (today - timedelta(days=89)).isoformat(),
    }
    from sada.cases.models import Case, Conversation

    with db.reader(workspace_id) as session:
        # The conversation whose person has the longest history (the fullest context panel).
        conversation_id = session.execute(
            select(Conversation.id)
            .where(Conversation.person_id.is_not(None))
            .order_by(Conversation.last_message_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        case_id = session.execute(select(func.max(Case.id))).scalar_one_or_none()
    fill.update(conversation=conversation_id, case=case_id)
    seeded = time.monotonic() - started
    print(
        f"database: {db.dialect}; {info['people']:,} people, {info['interactions'] + (0 if reuse else args.preload):,} interactions, "
        f"{analyses:,} analyses; seeded in {seeded:.1f} s"
    )

    settings = Settings(
        environment="test", database_url="sqlite:///unused.db", login_attempts_per_minute=1000
    )
    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    all_ms: list[float] = []
    with TestClient(app) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
        signed = client.post(
            "/login",
            data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrf": csrf},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text[:300]
        print(
            f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu ms':>8} {'first ms':>8}"
        )
        written = 0
        run_id = f"{time.time_ns():x}"

        def write_one() -> None:
            """One inbound message through the ingest service (`--live`)."""
            nonlocal written
            written += 1
            from sada.interactions.ingest import ingest_batch

            when = datetime.now(UTC).isoformat()
            # Unique per run: a reused --db-file keeps earlier runs' messages (a repeated
            # external id is a duplicate, stored once: nothing would change).
            item = {"source": "bench-live", "external_id": f"live-{run_id}-{written}",
                    "occurred_at": when, "channel": "chat", "type": "message",
                    "direction": "inbound", "text": "live message",
                    "person": {"email": f"live-{written % 50}@example.com"}}  # fmt: skip
            with db.transaction(workspace_id) as session:
                ingest_batch(session, [item])

        for name, path in PAGES:
            if args.only and args.only not in name:
                continue
            path = path.format(**fill)
            t0 = time.perf_counter()
            client.get(path)  # warm caches (templates, catalogs): timed apart as "first"
            first_ms = (time.perf_counter() - t0) * 1000
            times = []
            cpu = 0.0
            for _ in range(repeat):
                if args.live:
                    write_one()
                cpu0 = time.process_time()
                t0 = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                cpu += time.process_time() - cpu0
                assert response.status_code == 200, (path, response.status_code)
            cpu_ms = cpu * 1000 / repeat
            all_ms.extend(times)
            print(
                f"{name:<22} {statistics.median(times):>8.1f} {percentile(times, 0.95):>8.1f} "
                f"{max(times):>8.1f} {cpu_ms:>8.1f} {first_ms:>8.1f}"
            )
    if args.profile:
        profile_overview(db, workspace_id)
    db.dispose()
    tmp.cleanup()
    print(f"total {time.monotonic() - started:.1f} s; {len(all_ms)} requests")
    print(f"p95_ms={percentile(all_ms, 0.95):.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
