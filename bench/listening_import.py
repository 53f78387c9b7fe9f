"""Listening at scale: import time of 100k posts and the listening overview's latency.

1. Writes an X API v2 response with N posts (default 100,000: Persian, Arabic, Chinese and
   English texts naming the brand, two competitors, or nobody; 5,000 authors; 90 days) and
   times `sada import x FILE --workspace W` end to end in process (parse, ingest with people
   by handle, brand matching, clause sentiment, mentions and the daily rollup).
2. Scales the workspace up to --total posts (default 1,000,000) by inserting the remaining
   posts, their mentions and rollup counts in bulk (not through the import path: that part
   is timed in step 1), then requests the overview page, the comparison page and the summary
   API through the whole ASGI app (TestClient, signed in), each --repeat times.

    .venv/bin/python bench/listening_import.py [--posts 100000] [--total 1000000] [--pg URL]

The LAST line is `import_s=<n> overview_p95_ms=<n>`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BRANDS = [
    {"name": "Sada Foods", "kind": "own", "aliases": ["صدا فود", "صدى فودز", "萨达食品", "@sadafoods"]},
    {"name": "Talabat", "kind": "competitor", "aliases": ["طلبات", "تلبات", "塔拉巴特"],
     "exclude": ["طلبات كثيرة"]},
    {"name": "Snappfood", "kind": "competitor", "aliases": ["اسنپ فود", "سناب فود", "快照外卖"]},
]  # fmt: skip
NAMES = {
    "fa": ["صدا فود", "تلبات", "اسنپ فود"],
    "ar": ["صدى فودز", "طلبات", "سناب فود"],
    "zh": ["萨达食品", "塔拉巴特", "快照外卖"],
    "en": ["Sada Foods", "Talabat", "Snappfood"],
}
TEXTS = {
    "fa": ["غذای {b} خیلی خوشمزه بود", "پیک {b} دیر رسید و غذا سرد بود", "از {b} سفارش دادم",
           "قیمت {b} گرونه ولی کیفیتش خوبه", "امروز هوا خیلی خوب بود"],
    "ar": ["الأكل من {b} لذيذ جدا", "توصيل {b} تأخر ساعتين", "طلبت من {b} اليوم",
           "الأسعار في {b} غالية لكن الخدمة ممتازة", "عندي طلبات كثيرة اليوم"],
    "zh": ["{b}的味道很好", "{b}的配送太慢了", "今天用{b}点了午饭", "{b}的价格太贵了", "今天天气不错"],
    "en": ["Loved the food from {b}", "{b} delivery was two hours late", "Ordered from {b} tonight",
           "{b} is pricey but the quality is great", "Nice weather today"],
}  # fmt: skip


def x_payload(n: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    users = [
        {"id": str(u), "username": f"user{u}", "name": f"User {u}",
         "public_metrics": {"followers_count": int(rng.paretovariate(1.2) * 100)}}
        for u in range(5000)
    ]  # fmt: skip
    data = []
    for i in range(n):
        lang = rng.choice(("fa", "fa", "ar", "ar", "zh", "en"))
        template = rng.choice(TEXTS[lang])
        text = template.format(b=rng.choice(NAMES[lang]))
        at = now - timedelta(minutes=rng.randint(1, 90 * 24 * 60))
        data.append(
            {"id": str(10**18 + i), "text": text, "author_id": str(rng.randrange(5000)),
             "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "lang": lang,
             "public_metrics": {"like_count": rng.randint(0, 50), "retweet_count": 0,
                                "reply_count": 0, "quote_count": 0}}
        )  # fmt: skip
    return {"data": data, "includes": {"users": users}}


def scale_up(db: Any, workspace_id: int, extra: int, rng: random.Random, now: datetime) -> None:
    """Bulk posts, mentions and rollup counts (the read side's data at --total posts)."""
    from sada.db.dialect import insert_many_ignoring_conflicts, reserve_ids
    from sada.interactions.models import Interaction
    from sada.listening.brands import list_brands
    from sada.listening.days import add_terms, keep_zone
    from sada.listening.ingest import _add_to_days
    from sada.listening.models import ListeningMention

    with db.reader(workspace_id) as session:
        brand_ids = [b.id for b in list_brands(session)]
    # Terms of the bulk posts: ~8 per post from a Zipf vocabulary of 20,000 words per language
    # (a rollup as wide as real text makes it, without tokenising 900k texts here).
    weights = [1 / (k + 1) for k in range(20_000)]
    vocab = {lang: [f"{lang}w{k}" for k in range(20_000)] for lang in ("fa", "ar", "zh", "en")}
    done = 0
    while done < extra:
        size = min(20_000, extra - done)
        with db.transaction(workspace_id) as session:
            ids = reserve_ids(session, Interaction.__table__, size)
            rows, mentions = [], []
            for k, iid in enumerate(ids):
                at = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
                lang = rng.choice(("fa", "ar", "zh", "en"))
                rows.append({
                    "id": iid, "workspace_id": workspace_id, "person_id": None,
                    "anonymous_id": None, "occurred_at": at, "received_at": now, "channel": "x",
                    "touchpoint_id": None, "direction": "inbound", "type": "message",
                    "subject": None, "text": "bulk post", "language": lang, "rating": None,
                    "rating_scale": None, "agent_id": None, "conversation_id": None,
                    "attributes": {"listening": True, "reach": 100}, "source": "listening.x",
                    "external_id": f"bulk-{done + k}", "origin": "customer", "backfill": True,
                })  # fmt: skip
                sentiment = rng.choice(("positive", "negative", "neutral", "neutral"))
                mentions.append({
                    "workspace_id": workspace_id, "interaction_id": iid,
                    "brand_id": rng.choice(brand_ids), "person_id": None,
                    "author": f"bulk{rng.randrange(50_000)}", "at": at, "network": "x",
                    "language": lang, "sentiment": sentiment,
                    "aspects": rng.sample(["delivery", "price", "product_quality", "staff"], 1),
                    "clause": "bulk post", "reach": rng.randint(0, 100_000),
                    "engagement": 0, "needs_answer": False, "backfill": True,
                })  # fmt: skip
            insert_many_ignoring_conflicts(
                session, Interaction.__table__, rows, ["workspace_id", "source", "external_id"]
            )
            table = ListeningMention.__table__
            for m, mid in zip(mentions, reserve_ids(session, table, len(mentions)), strict=True):
                m["id"] = mid
            insert_many_ignoring_conflicts(
                session, table, mentions, ["workspace_id", "interaction_id", "brand_id"]
            )
            tz = keep_zone(session)
            _add_to_days(session, mentions, tz)
            add_terms(
                session,
                (
                    (
                        m["at"],
                        m["language"],
                        {w: w for w in rng.choices(vocab[m["language"]], weights, k=8)},
                    )
                    for m in mentions
                ),
                tz,
            )
        done += size


def fast_fill(url: str, workspace_id: int, extra: int, rng: random.Random, now: datetime) -> None:
    """`scale_up` through the driver alone (one transaction, tuples; COPY on PostgreSQL).

    The same distributions as `scale_up` (posts over 365 days, four languages, one brand
    mention each, ~8 terms per post from a Zipf vocabulary of 20,000 words per language), but
    the rollups are counted here first and written once: `scale_up` through the service's
    upserts takes hours for 900k posts on a loaded 2-core machine. Dates in the text format
    SQLAlchemy's SQLite types store.
    """
    import sqlite3
    from bisect import bisect
    from collections import Counter, defaultdict
    from itertools import accumulate

    from sada.listening.days import ALL_POSTS, keep_zone, local_day
    from sada.listening.models import ALL_ASPECTS

    pg = not url.startswith("sqlite")
    from sada.db.engine import open_database

    with open_database(url).reader(workspace_id) as session:
        tz = keep_zone(session)
    if pg:
        import psycopg

        # autocommit: the reads below open no transaction, so `con.transaction()` is the
        # outermost one and commits (nested in an implicit one it would be a savepoint).
        con: Any = psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
        )
    else:
        con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        con.execute("PRAGMA synchronous=OFF")

    def one(sql: str, *params: Any) -> Any:
        return con.execute(sql.replace("?", "%s") if pg else sql, params).fetchone()[0]

    brand_ids = [r[0] for r in con.execute(
        "SELECT id FROM listening_brands WHERE workspace_id = " + str(int(workspace_id)))]  # fmt: skip
    cum = list(accumulate(1 / (k + 1) for k in range(20_000)))
    total_w = cum[-1]

    def iso(at: datetime) -> Any:
        if pg:
            return at.astimezone(UTC)
        return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    first_i = one("SELECT coalesce(max(id), 0) + 1 FROM interactions")
    first_m = one("SELECT coalesce(max(id), 0) + 1 FROM listening_mentions")
    received = iso(now)
    truth: Any = True if pg else 1
    false: Any = False if pg else 0
    interactions, mentions = [], []
    days: dict[tuple[int, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    terms: Counter[tuple[str, str, str]] = Counter()
    aspects = ["delivery", "price", "product_quality", "staff"]
    for k in range(extra):
        at = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
        lang = rng.choice(("fa", "ar", "zh", "en"))
        iid, at_text, day = first_i + k, iso(at), local_day(at, tz).isoformat()
        interactions.append((iid, workspace_id, at_text, received, "x", "inbound", "message",
                             "bulk post", lang, '{"listening":true,"reach":100}', "listening.x",
                             f"fill-{k}", "customer", truth))  # fmt: skip
        sentiment = rng.choice(("positive", "negative", "neutral", "neutral"))
        brand, aspect, reach = rng.choice(brand_ids), rng.choice(aspects), rng.randint(0, 100_000)
        mentions.append((first_m + k, workspace_id, iid, brand, f"bulk{rng.randrange(50_000)}",
                         at_text, "x", lang, sentiment, f'["{aspect}"]', "bulk post", reach, 0,
                         false, truth))  # fmt: skip
        for a in (ALL_ASPECTS, aspect):
            d = days[(brand, day, lang, a)]
            d[0] += 1
            d[1] += sentiment == "positive"
            d[2] += sentiment == "negative"
            d[3] += reach
        words = {bisect(cum, rng.random() * total_w) for _ in range(8)}
        terms[(lang, day, ALL_POSTS)] += 1
        for w in words:
            terms[(lang, day, f"{lang}w{min(w, 19_999)}")] += 1
    tables = [
        ("interactions", "id, workspace_id, occurred_at, received_at, channel, direction, type, "
         "text, language, attributes, source, external_id, origin, backfill", interactions, ""),
        ("listening_mentions", "id, workspace_id, interaction_id, brand_id, author, at, network, "
         "language, sentiment, aspects, clause, reach, engagement, needs_answer, backfill",
         mentions, ""),
        ("listening_days", "workspace_id, brand_id, day, language, aspect, mentions, positive, "
         "negative, reach", [(workspace_id, *key, *v) for key, v in sorted(days.items())],
         "ON CONFLICT (workspace_id, brand_id, day, language, aspect) DO UPDATE SET "
         "mentions = t.mentions + excluded.mentions, positive = t.positive + excluded.positive, "
         "negative = t.negative + excluded.negative, reach = t.reach + excluded.reach"),
        ("listening_terms", "workspace_id, language, day, term, label, posts",
         [(workspace_id, lang, day, t, t, n) for (lang, day, t), n in sorted(terms.items())],
         "ON CONFLICT (workspace_id, language, day, term) DO UPDATE SET "
         "posts = t.posts + excluded.posts"),
    ]  # fmt: skip
    if pg:  # COPY, through a staging table where rows may exist already
        with con.transaction(), con.cursor() as cur:
            for table, cols, rows, conflict in tables:
                target = table
                if conflict:
                    target = f"_fill_{table}"
                    cur.execute(f"CREATE TEMP TABLE {target} AS SELECT {cols} FROM {table} "
                                "WITH NO DATA")  # fmt: skip
                with cur.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                if conflict:
                    cur.execute(f"INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM {target} "
                                + conflict)  # fmt: skip
            for table in ("interactions", "listening_mentions"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")  # fmt: skip
        # The state autovacuum reaches soon after a bulk insert: statistics, and the visibility
        # map that index-only scans need.
        con.execute(
            "VACUUM ANALYZE interactions, listening_mentions, listening_days, listening_terms"
        )
        con.close()
        return
    con.execute("BEGIN")
    for table, cols, rows, conflict in tables:
        marks = ", ".join("?" * len(cols.split(", ")))
        con.executemany(f"INSERT INTO {table} AS t ({cols}) VALUES ({marks}) {conflict}", rows)
    con.execute("COMMIT")
    con.close()


def _import(
    db: Any, url: str, posts: int, rng: random.Random, now: datetime, tmp: Path
) -> tuple[int, str, float, float]:
    """Create the workspace and brands, then time `sada import x` of `posts` posts."""
    from typer.testing import CliRunner

    from sada.cli.main import app as cli
    from sada.listening import service
    from sada.settings import get_settings
    from sada.tenants.service import do_add_member, do_create_user, do_create_workspace

    name = f"listening-bench-{int(time.time())}"
    with db.transaction() as session:
        ws_id = do_create_workspace(session, name).id
    with db.transaction(ws_id) as session:
        for b in BRANDS:
            service.do_create_brand(session, b)
        user = do_create_user(session, f"{name}@example.com", "correct horse battery", name="B")
        do_add_member(session, user, "owner")
    file = tmp / "x.json"
    file.write_text(json.dumps(x_payload(posts, rng, now)), encoding="utf-8")
    os.environ["SADA_DATABASE_URL"] = url
    get_settings.cache_clear()
    start = time.perf_counter()
    cpu = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = CliRunner().invoke(cli, ["import", "x", str(file), "--workspace", name])
    import_s = time.perf_counter() - start
    cpu_s = time.process_time() - cpu
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # the import's worker processes, ended
    workers_s = done.ru_utime + done.ru_stime - kids.ru_utime - kids.ru_stime
    print(out.stdout.strip().splitlines()[-1] if out.stdout else out.output[-500:])
    print(
        f"import of {posts:,} posts: {import_s:.1f} s wall ({posts / import_s:,.0f} posts/s), "
        f"{cpu_s:.1f} s CPU in the main process ({1000 * cpu_s / posts:.2f} ms per post), "
        f"{workers_s:.1f} s CPU in worker processes; all CPU {cpu_s + workers_s:.1f} s "
        f"({1000 * (cpu_s + workers_s) / posts:.2f} ms per post); load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    return ws_id, name, import_s, cpu_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--reuse",
        default=None,
        help="database URL of an earlier run: skip the import, keep its posts",
    )
    parser.add_argument(
        "--fast-fill",
        action="store_true",
        help="scale up through the driver alone (fast_fill: COPY on PostgreSQL), not the service's upserts",
    )
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from sada.app import create_app
    from sada.db.engine import open_database
    from sada.db.migrate import upgrade
    from sada.interactions.models import Interaction
    from sada.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="sada-listening-"))
    url = args.reuse or args.pg or f"sqlite:///{tmp / 'bench.db'}"
    db = open_database(url)
    upgrade(db)
    rng = random.Random(18)
    now = datetime.now(UTC)
    if args.reuse:
        from sada.tenants.models import Workspace

        with db.reader() as session:
            ws_id, name = session.execute(
                select(Workspace.id, Workspace.name)
                .where(Workspace.name.startswith("listening-bench-"))
                .order_by(Workspace.id.desc())
            ).first() or (0, "")
        import_s = cpu_s = 0.0
    else:
        ws_id, name, import_s, cpu_s = _import(db, url, args.posts, rng, now, tmp)
    with db.reader(ws_id) as session:
        have = session.execute(select(func.count()).select_from(Interaction)).scalar_one()
    if args.total > have:
        t0 = time.perf_counter()
        if args.fast_fill:
            fast_fill(url, ws_id, args.total - have, rng, now)
        else:
            scale_up(db, ws_id, args.total - have, rng, now)
        print(f"scaled up to {args.total:,} posts in {time.perf_counter() - t0:.0f} s (bulk)")

    settings = Settings(environment="test", database_url=url, api_rate_per_second=10_000,
                        api_rate_burst=10_000)  # fmt: skip
    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    pages = [
        ("overview 30d", "/listening?days=30"),
        ("overview 90d", "/listening?days=90"),
        ("overview 365d fa", "/listening?days=365&language=fa"),
        ("compare 90d", "/listening/compare?days=90"),
        ("posts negative", "/listening/posts?sentiment=negative"),
    ]
    all_ms: list[float] = []
    overview_ms: list[float] = []
    with TestClient(app) as client:
        login = client.get("/login").text
        csrf = login.split('name="csrf" value="')[1].split('"')[0]
        r = client.post("/login", data={"email": f"{name}@example.com",
                        "password": "correct horse battery", "csrf": csrf}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text[:300]
        for label, path in pages:
            client.get(path)  # warm
            times = []
            cpu_ms = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                c = time.process_time()
                resp = client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                cpu_ms.append((time.process_time() - c) * 1000)
                assert resp.status_code == 200, (path, resp.status_code)
            times.sort()
            p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
            print(
                f"{label:<18} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
                f"CPU median {statistics.median(cpu_ms):6.1f} ms"
            )
            all_ms.extend(times)
            if label.startswith("overview"):
                overview_ms.extend(times)
    overview_ms.sort()
    p95 = overview_ms[max(0, int(round(0.95 * len(overview_ms))) - 1)]
    print(f"import_s={import_s:.1f} import_cpu_s={cpu_s:.1f} overview_p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
