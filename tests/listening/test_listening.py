"""Social listening: brand matching, sources, summary, spikes, acting on posts, pages."""

from __future__ import annotations

import json
import random
import shutil
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app as cli_app
from sada.db.engine import Database
from sada.jobs.models import Job
from sada.jobs.service import run_job
from sada.listening import service, sources
from sada.listening.matching import BrandSpec, Matcher
from sada.listening.models import ListeningMention
from sada.listening.spikes import detect

FIXTURES = Path(__file__).parent / "fixtures"
BENCH = Path(__file__).resolve().parents[2] / "bench"

SNAPP = {
    "name": "Snappfood",
    "kind": "own",
    "aliases": ["اسنپ فود", "سناب فود", "@snappfood", "快照外卖"],
    "exclude": [],
}
TALABAT = {
    "name": "Talabat",
    "kind": "competitor",
    "aliases": ["طلبات", "@talabat"],
    "exclude": ["طلبات كثيرة"],
}
MEITUAN = {"name": "Meituan", "kind": "competitor", "aliases": ["美团", "ميتوان"], "exclude": []}


def drain(db: Database, workspace_id: int, limit: int = 200) -> list[str]:
    """Run this workspace's due jobs (not other tests'); the kinds run, in order."""
    from sada.db.types import utcnow

    ran: list[str] = []
    for _ in range(limit):
        with db.reader() as session:
            job = session.execute(
                select(Job)
                .where(
                    Job.workspace_id == workspace_id,
                    Job.status == "queued",
                    Job.run_at <= utcnow(),
                )
                .order_by(Job.id)
                .limit(1)
            ).scalar_one_or_none()
        if job is None:
            break
        run_job(db, job)
        ran.append(job.kind)
    return ran


def _spec(i: int, d: dict[str, Any]) -> BrandSpec:
    return BrandSpec(i, d["name"], d["kind"], tuple(d["aliases"]), tuple(d["exclude"]))


MATCHER = Matcher([_spec(1, SNAPP), _spec(2, TALABAT), _spec(3, MEITUAN)])


def _found(text: str, lang: str | None = None) -> dict[int, Any]:
    return {m.brand_id: m for m in MATCHER.find([text], [lang])[0]}


# ---------------------------------------------------------------- matching (no database)


def test_aliases_match_across_scripts_spellings_hashtags_and_handles() -> None:
    assert 1 in _found("غذای اسنپ‌فود رسید")  # ZWNJ instead of a space
    assert 1 in _found("#اسنپ_فود")
    assert 1 in _found("Loving @SnappFood tonight")
    assert 1 in _found("سناب فود")  # Arabic spelling
    assert 1 in _found("سناب فود", "fa")
    assert 3 in _found("美團外賣")  # traditional Chinese
    assert 3 in _found("ميتوان")
    assert 3 in _found("ميتوان", "ar")
    assert 3 in _found("مِيتُوان")  # with Arabic diacritics


def test_whole_words_and_exclusions() -> None:
    assert not _found("عندي طلبات كثيرة اليوم")  # "many orders": the common word
    assert 2 in _found("طلبات توصيلهم سيء")
    assert 2 not in _found("Talabatestan is not a brand")
    assert not _found("snappfoodie")
    assert 1 in _found("snappfood's app")


def test_language_scoped_alias() -> None:
    noon = Matcher([BrandSpec(9, "Noon", "competitor", ("ar:نون",), ())])
    found = noon.find(["اشتريت من نون", "نون تازه خریدم"], ["ar", "fa"])
    assert [len(f) for f in found] == [1, 0]


def test_mention_sentiment_is_the_clause_about_the_brand() -> None:
    found = _found("I love @SnappFood but Talabat was two hours late", "en")
    assert found[1].sentiment == "positive" and found[2].sentiment == "negative"
    assert "delivery" in found[2].aspects and "delivery" not in found[1].aspects
    fa = _found("غذای اسنپ فود خیلی خوشمزه بود ولی طلبات دیر رسید", "fa")
    assert fa[1].sentiment == "positive" and fa[2].sentiment == "negative"


def test_labelled_set_precision_and_recall_per_language() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_listening", BENCH / "listening.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.evaluate()
    result.pop("_misses")
    assert set(result) == {"ar", "fa", "zh", "en"}
    for lang, r in result.items():
        assert r["precision"] >= 0.9 and r["recall"] >= 0.9, (lang, r)


# ---------------------------------------------------------------- spikes (no database)


def _weekly(days: int, seed: int) -> dict[date, tuple[int, int]]:
    rng = random.Random(seed)
    base = [40, 42, 45, 44, 55, 80, 70]
    start = date(2026, 1, 5)
    out = {}
    for i in range(days):
        d = start + timedelta(days=i)
        lam = base[d.weekday()]
        n = sum(1 for _ in range(lam * 4) if rng.random() < 0.25)  # binomial ~ Poisson(lam)
        neg = sum(1 for _ in range(n) if rng.random() < 0.2)
        out[d] = (n, neg)
    return out


def test_no_spike_over_ninety_days_of_a_normal_weekly_pattern() -> None:
    for seed in range(5):
        counts = _weekly(90, seed)
        assert detect(counts, list(counts)) == [], seed


def test_injected_spikes_are_found_on_their_day_with_a_score() -> None:
    counts = _weekly(90, 1)
    days = sorted(counts)
    volume_day, negative_day = days[70], days[80]
    n, neg = counts[volume_day]
    counts[volume_day] = (n * 3, neg)
    n, _neg = counts[negative_day]
    counts[negative_day] = (n, int(n * 0.7))
    found = {(s.day, s.metric): s for s in detect(counts, days)}
    assert set(found) == {(volume_day, "volume"), (negative_day, "negative")}
    assert found[(volume_day, "volume")].score >= 4 and found[(volume_day, "volume")].ratio > 2


# ---------------------------------------------------------------- API and database


def test_brands_api_crud_and_clear_errors(client: Any, api_headers: dict[str, str]) -> None:
    r = client.post("/api/v1/listening/brands", json=SNAPP, headers=api_headers)
    assert r.status_code == 201, r.text
    brand = r.json()
    assert brand["kind"] == "own" and "اسنپ فود" in brand["aliases"]
    assert (
        client.post("/api/v1/listening/brands", json=SNAPP, headers=api_headers).status_code == 409
    )
    bad = client.post(
        "/api/v1/listening/brands", json={"name": "X", "kind": "rival"}, headers=api_headers
    )
    assert bad.status_code == 422 and "kind" in bad.text
    bad = client.post(
        "/api/v1/listening/brands", json={"name": "Y", "aliases": "one"}, headers=api_headers
    )
    assert bad.status_code == 422 and "aliases" in bad.text
    r = client.patch(
        f"/api/v1/listening/brands/{brand['id']}",
        json={"exclude": ["اسنپ فود قدیم"]},
        headers=api_headers,
    )
    assert r.status_code == 200 and r.json()["exclude"] == ["اسنپ فود قدیم"]
    listed = client.get("/api/v1/listening/brands", headers=api_headers).json()
    assert [b["name"] for b in listed] == ["Snappfood"]
    assert (
        client.delete(f"/api/v1/listening/brands/{brand['id']}", headers=api_headers).status_code
        == 204
    )
    assert (
        client.get(f"/api/v1/listening/brands/{brand['id']}", headers=api_headers).status_code
        == 404
    )
    assert client.get("/api/v1/listening/brands").status_code == 401


def _brands(client: Any, headers: dict[str, str]) -> dict[str, int]:
    out = {}
    for data in (SNAPP, TALABAT, MEITUAN):
        r = client.post("/api/v1/listening/brands", json=data, headers=headers)
        assert r.status_code == 201, r.text
        out[data["name"]] = r.json()["id"]
    return out


def _cli(db: Database, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from sada.settings import get_settings

    monkeypatch.setenv("SADA_DATABASE_URL", db.url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli_app, list(args))
    finally:
        get_settings.cache_clear()


def test_import_x_and_telegram_then_summary(
    db: Database,
    workspace: Any,
    client: Any,
    api_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    ids = _brands(client, api_headers)
    x_file = tmp_path / "x.json"
    shutil.copy(FIXTURES / "x_search.json", x_file)
    r = _cli(db, monkeypatch, "import", "x", str(x_file), "--workspace", workspace.name)
    assert r.exit_code == 0, r.output
    assert "stored=4 duplicates=0 rejected=1" in r.stdout
    assert "data[4]" in r.output  # the bad post is named
    again = _cli(db, monkeypatch, "import", "x", str(x_file), "--workspace", workspace.name)
    assert "stored=0 duplicates=4" in again.stdout  # idempotent by the network's id
    tg_file = tmp_path / "result.json"
    shutil.copy(FIXTURES / "telegram_export.json", tg_file)
    r = _cli(db, monkeypatch, "import", "telegram", str(tg_file), "--workspace", workspace.name)
    assert r.exit_code == 0 and "stored=2" in r.stdout, r.output

    with db.reader(workspace.id) as session:
        from sada.interactions.models import Interaction
        from sada.people.models import Person

        rows = (
            session.execute(select(Interaction).where(Interaction.source.startswith("listening.")))
            .scalars()
            .all()
        )
        assert {r.channel for r in rows} == {"x", "telegram"}
        assert all(r.origin == "customer" and r.backfill for r in rows)  # older than a week
        influencer = session.execute(
            select(Person.audience).where(Person.name == "Foodie Tehran")
        ).scalar_one()
        assert influencer == "media"
        fan = session.execute(select(Person.audience).where(Person.name == "Sara K")).scalar_one()
        assert fan == "fan"
        first = next(r for r in rows if r.external_id == "1800000000000000001")
        assert first.attributes["reach"] == 52000 and first.attributes["engagement"] == 24
        mentions = session.execute(select(ListeningMention)).scalars().all()
        by_post = {(m.interaction_id, m.brand_id): m for m in mentions}
    mixed_post = next(r.id for r in rows if r.external_id == "1800000000000000004")
    assert by_post[(mixed_post, ids["Snappfood"])].sentiment == "negative"
    assert by_post[(mixed_post, ids["Talabat"])].sentiment == "positive"
    trap = next(r.id for r in rows if r.external_id == "1800000000000000003")
    assert not any(k[0] == trap for k in by_post)

    s = client.get(
        "/api/v1/listening/summary?from=2026-11-01T00:00:00Z&to=2026-11-30T00:00:00Z",
        headers=api_headers,
    )
    assert s.status_code == 200, s.text
    data = {b["name"]: b for b in s.json()["brands"]}
    assert data["Snappfood"]["mentions"] == 3  # two X posts and the Telegram hashtag
    assert data["Talabat"]["mentions"] == 2
    assert data["Meituan"]["mentions"] == 1  # traditional Chinese in Telegram
    assert data["Snappfood"]["share_of_voice"]["value"] == pytest.approx(0.5)
    sov = data["Snappfood"]["share_of_voice"]
    assert sov["low"] < 0.5 < sov["high"]
    assert data["Talabat"]["net_sentiment"]["value"] == pytest.approx(0.0)
    assert data["Snappfood"]["reach"] == 52000 * 2 + 15000
    assert "delivery" in data["Talabat"]["aspects"]
    assert s.json()["top_authors"][0]["author"] == "foodie_tehran"
    bad = client.get("/api/v1/listening/summary?from=2026-11-10&to=2026-11-01", headers=api_headers)
    assert bad.status_code == 422
    posts = client.get(
        f"/api/v1/listening/posts?from=2026-11-01T00:00:00Z&to=2026-11-30T00:00:00Z"
        f"&brand_id={ids['Talabat']}&sentiment=negative",
        headers=api_headers,
    ).json()
    assert [p["text"] for p in posts] == ["Talabat delivery was two hours late, terrible"]


def test_brand_change_rematches_stored_posts(
    db: Database, workspace: Any, client: Any, api_headers: dict[str, str]
) -> None:
    parsed = sources.parse_x(json.loads((FIXTURES / "x_search.json").read_text()))
    with db.transaction(workspace.id) as session:
        service.ingest_posts(session, parsed.items)
    r = client.post("/api/v1/listening/brands", json=TALABAT, headers=api_headers)
    brand_id = r.json()["id"]
    drain(db, workspace.id)
    with db.reader(workspace.id) as session:
        assert len(service.posts(session, start=date(2026, 11, 1), end=date(2026, 11, 30))) == 2
    client.patch(
        f"/api/v1/listening/brands/{brand_id}", json={"exclude": ["طلبات"]}, headers=api_headers
    )
    drain(db, workspace.id)
    with db.reader(workspace.id) as session:
        left = service.posts(session, start=date(2026, 11, 1), end=date(2026, 11, 30))
        assert [p["network"] for p in left] == ["x"] and "Talabat delivery" in left[0]["text"]
        days = service.summary(session, date(2026, 11, 1), date(2026, 11, 30))
        assert days["brands"][0]["mentions"] == 1


class _Feed(BaseHTTPRequestHandler):
    body = b""
    etag = '"v1"'
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).seen.append(dict(self.headers))
        if self.headers.get("If-None-Match") == self.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("ETag", self.etag)
        self.send_header("Last-Modified", "Sat, 28 Nov 2026 10:00:00 GMT")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        return


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fa"><title>اخبار غذا</title>
<id>urn:feed</id><updated>2026-11-28T10:00:00Z</updated>
<entry><id>urn:post:1</id><title>اسنپ فود امروز قطع بود</title>
<link href="https://example.org/1"/><updated>2026-11-28T09:00:00Z</updated>
<summary>&lt;p&gt;کاربران از تاخیر پیک شکایت کردند&lt;/p&gt;</summary></entry>
<entry><id>urn:post:2</id><title>یک خبر دیگر</title><updated>2026-11-28T08:00:00Z</updated></entry>
</feed>"""


def test_feed_polling_is_conditional_and_guarded(
    db: Database,
    workspace: Any,
    client: Any,
    make_key: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sada.settings import get_settings

    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    _brands(client, admin)
    _Feed.body = ATOM.encode()
    _Feed.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/feed.xml"
    try:
        refused = client.post("/api/v1/listening/feeds", json={"url": url}, headers=admin)
        assert refused.status_code == 422 and "url" in refused.text  # loopback: SSRF guard
        monkeypatch.setenv("SADA_LISTENING_ALLOWED_HOSTS", "127.0.0.1/32")
        get_settings.cache_clear()
        r = client.post("/api/v1/listening/feeds", json={"url": url, "name": "News"}, headers=admin)
        assert r.status_code == 201, r.text
        feed_id = r.json()["id"]
        first = client.post(f"/api/v1/listening/feeds/{feed_id}/poll", headers=admin).json()
        assert first["status"] == "fetched" and first["stored"] == 2, first
        second = client.post(f"/api/v1/listening/feeds/{feed_id}/poll", headers=admin).json()
        assert second["status"] == "not_modified"
        assert _Feed.seen[-1].get("If-None-Match") == '"v1"'
        assert _Feed.seen[-1].get("If-Modified-Since") == "Sat, 28 Nov 2026 10:00:00 GMT"
        with db.reader(workspace.id) as session:
            found = service.posts(session, start=date(2026, 11, 1), end=date(2026, 11, 30))
        assert len(found) == 1 and found[0]["network"] == "web"
        assert found[0]["sentiment"] == "negative" and "delivery" in found[0]["aspects"]
        with db.reader(workspace.id) as session:
            jobs = session.execute(
                select(Job.kind).where(
                    Job.kind == "listening.poll", Job.workspace_id == workspace.id
                )
            ).all()
        assert jobs  # the schedule is queued
    finally:
        server.shutdown()
        get_settings.cache_clear()


def test_signed_webhook_and_csv(
    db: Database,
    workspace: Any,
    client: Any,
    make_key: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from standardwebhooks.webhooks import Webhook

    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    _brands(client, admin)
    hook = client.post(
        "/api/v1/listening/hooks", json={"network": "instagram"}, headers=admin
    ).json()
    body = json.dumps(
        {
            "posts": [
                {"id": "ig-1", "created_at": "2026-11-27T10:00:00Z", "text": "Snappfood is great",
                 "author": "@mona", "followers": 2400},
                {"id": "ig-2", "created_at": "yesterday", "text": "x"},
            ]
        }
    ).encode()  # fmt: skip
    headers = Webhook(hook["secret"]).sign("msg_1", datetime.now(UTC), body.decode())
    signed = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(datetime.now(UTC).timestamp())),
        "webhook-signature": headers,
        "content-type": "application/json",
    }
    url = f"/api/v1/listening/hooks/{hook['key']}"
    r = client.post(url, content=body, headers=signed)
    assert r.status_code == 207 and r.json()["stored"] == 1 and r.json()["rejected"] == 1, r.text
    forged = {**signed, "webhook-signature": "v1,AAAA"}
    assert client.post(url, content=body, headers=forged).status_code == 401
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text(
        "id,created_at,text,network,author,followers\n"
        "yt-1,2026-11-27T11:00:00Z,美团的配送太慢了,youtube,chihuo,9000\n"
        "yt-2,2026-11-27T11:00:00Z,hello,myspace,a,1\n",
        encoding="utf-8",
    )
    out = _cli(db, monkeypatch, "import", "posts", str(csv_file), "--workspace", workspace.name)
    assert "stored=1 duplicates=0 rejected=1" in out.stdout and "line 3" in out.output


def test_open_conversation_under_social_sla_and_case(
    db: Database, workspace: Any, client: Any, api_headers: dict[str, str]
) -> None:
    _brands(client, api_headers)
    now = datetime.now(UTC)
    item = sources.post_item(
        network="x", post_id="live-1", text="@snappfood where is my order?", at=now,
        handle="sara_k", followers=300,
    )  # fmt: skip
    with db.transaction(workspace.id) as session:
        results = service.ingest_posts(session, [item])
    iid = results[0].id
    r = client.post(f"/api/v1/listening/posts/{iid}/conversation", headers=api_headers)
    assert r.status_code == 201, r.text
    conv = r.json()
    assert conv["channel"] == "x" and conv["status"] == "open"
    due = datetime.fromisoformat(conv["first_response_due_at"])
    assert abs((due - now).total_seconds() - 30 * 60) < 5
    again = client.post(f"/api/v1/listening/posts/{iid}/conversation", headers=api_headers)
    assert again.json()["id"] == conv["id"]
    case = client.post(f"/api/v1/listening/posts/{iid}/case", headers=api_headers)
    assert case.status_code == 201 and "where is my order" in case.json()["title"]
    assert (
        client.post("/api/v1/listening/posts/999999999/case", headers=api_headers).status_code
        == 404
    )
    with db.reader(workspace.id) as session:
        [m] = session.execute(select(ListeningMention)).scalars().all()
        assert m.needs_answer and not m.backfill
        queued = (
            session.execute(select(Job.kind).where(Job.workspace_id == workspace.id))
            .scalars()
            .all()
        )
    assert "listening.detect" in queued


def test_spike_is_recorded_once_and_published(db: Database, workspace: Any) -> None:
    now = datetime.now(UTC)
    today = now.date()
    rng = random.Random(3)
    items = []
    for back in range(56, 0, -1):
        day = today - timedelta(days=back)
        for k in range(10 + rng.randint(0, 3)):
            at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(minutes=k)
            items.append(sources.post_item(
                network="x", post_id=f"h{back}-{k}", text="ordered from snappfood", at=at,
                handle=f"u{k}", language="en",
            ))  # fmt: skip
    for k in range(60):
        items.append(sources.post_item(
            network="x", post_id=f"s{k}", text="snappfood delivery is late, terrible",
            # all on today's date, even in the first hour after midnight (else yesterday spikes too)
            at=max(now - timedelta(minutes=k), datetime(today.year, today.month, today.day, tzinfo=UTC)),
            handle=f"c{k}", language="en",
        ))  # fmt: skip
    with db.transaction(workspace.id) as session:
        from sada.automation.webhooks import do_create_endpoint
        from sada.core.ssrf import HostPolicy

        # Fan-out jobs are recorded only for events an endpoint listens to.
        do_create_endpoint(
            session, url="https://93.184.216.34/hook", events=["listening.*"], policy=HostPolicy()
        )
        service.do_create_brand(session, SNAPP)
        service.ingest_posts(session, items)
        first = service.detect_recent(session, now)
        assert {s.metric for s in first} == {"volume", "negative"}
        assert service.detect_recent(session, now) == []
        jobs = (
            session.execute(
                select(Job.payload).where(
                    Job.kind == "webhooks.fanout", Job.workspace_id == workspace.id
                )
            )
            .scalars()
            .all()
        )
    spikes = [p for p in jobs if p.get("event") == "listening.spike"]
    assert len(spikes) == 2 and spikes[0]["brand"] == "Snappfood" and spikes[0]["score"] >= 4


@pytest.mark.parametrize("lang", ["en", "fa", "ar", "zh"])
def test_pages_in_four_languages_with_drill_down_and_reply(
    db: Database, workspace: Any, client: Any, api_headers: dict[str, str], lang: str
) -> None:
    from sada.tenants.service import do_add_member, do_create_user
    from tests.web.conftest import csrf_of, sign_in

    _brands(client, api_headers)
    now = datetime.now(UTC)
    posts = [
        sources.post_item(network="x", post_id="p1", text="پیک اسنپ فود خیلی دیر رسید", at=now,
                          handle="ali", language="fa"),
        sources.post_item(network="x", post_id="p2", text="美团的味道很好", at=now, handle="li",
                          language="zh"),
    ]  # fmt: skip
    with db.transaction(workspace.id) as session:
        service.ingest_posts(session, posts)
        user = do_create_user(
            session, f"agent-{lang}@example.com", "correct horse battery", name="A", language=lang
        )
        do_add_member(session, user, "manager")
    assert sign_in(client, f"agent-{lang}@example.com", "correct horse battery").status_code == 303
    html = client.get(f"/listening?lang={lang}").text
    assert "Snappfood" in html and "Meituan" in html and 'id="brands"' in html
    if lang in ("fa", "ar"):
        assert 'dir="rtl"' in html
    words = {"en": "Share of voice", "fa": "سهم صدا", "ar": "حصة الصوت", "zh": "声量份额"}
    assert words[lang] in html
    compare = client.get(f"/listening/compare?lang={lang}").text
    assert 'id="compare"' in compare and 'id="aspect-delivery"' in compare
    drill = client.get("/listening/posts?sentiment=negative").text
    assert "دیر رسید" in drill and "美团" not in drill
    iid = int(drill.split('id="post-')[1].split('"')[0])
    opened = client.post(
        f"/listening/posts/{iid}/conversation",
        data={"csrf": csrf_of(drill)},
        follow_redirects=False,
    )
    assert opened.status_code == 303 and opened.headers["location"].startswith("/inbox/")


def test_spike_rule_notifies_the_owners(
    db: Database, workspace: Any, client: Any, make_key: Any
) -> None:
    from sada.automation.models import Notification
    from sada.tenants.service import do_add_member, do_create_user

    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    with db.transaction(workspace.id) as session:
        owner = do_create_user(
            session, f"owner-{workspace.id}@example.com", "correct horse battery", name="O"
        )
        do_add_member(session, owner, "owner")
        owner_id = owner.id
    rule = {
        "name": "Brand spike",
        "triggers": ["listening.spike"],
        "conditions": [{"field": "topic.metric", "op": "eq", "value": "volume"}],
        "actions": [{"type": "notify", "to": "role:owner", "channels": ["in_app"],
                     "subject": "Spike: {topic.brand} ({topic.metric}, z={topic.score})"}],
    }  # fmt: skip
    r = client.post("/api/v1/rules", json=rule, headers=admin)
    assert r.status_code == 201, r.text
    now = datetime.now(UTC)
    items = [
        sources.post_item(network="x", post_id=f"h{b}-{k}", text="snappfood", handle=f"u{k}",
                          at=now - timedelta(days=b), language="en")
        for b in range(7, 50, 7) for k in range(10)
    ] + [
        sources.post_item(network="x", post_id=f"s{k}", text="snappfood", handle=f"c{k}",
                          at=now - timedelta(minutes=k), language="en")
        for k in range(50)
    ]  # fmt: skip
    with db.transaction(workspace.id) as session:
        service.do_create_brand(session, SNAPP)
        service.ingest_posts(session, items)
        service.detect_recent(session, now)
    ran = drain(db, workspace.id)
    assert "automation.listening_spike" in ran
    with db.reader(workspace.id) as session:
        notes = session.execute(select(Notification)).scalars().all()
    assert [n.user_id for n in notes] == [owner_id]
    assert notes[0].title.startswith("Spike: Snappfood (volume, z=")


def test_demo_shows_the_delivery_spike_against_two_competitors(
    db: Database, workspace: Any
) -> None:
    from sada.demo.seed import DemoContext
    from sada.listening.demo import demo_listening

    now = datetime.now(UTC)
    ctx = DemoContext(
        db=db, workspace_id=workspace.id, rng=random.Random(1), people=[], moods={}, now=now
    )
    out = demo_listening(ctx)
    assert out["posts"] > 2000 and out["spikes"] >= 1
    yesterday = now.date() - timedelta(days=1)
    with db.reader(workspace.id) as session:
        data = service.summary(session, now.date() - timedelta(days=29), now.date())
        brands = {b["name"]: b for b in data["brands"]}
        assert set(brands) == {"Sada Foods", "Talabat", "Snappfood"}
        assert brands["Sada Foods"]["aspects"]["delivery"]["mentions"] > 50
        spikes = [s for s in data["spikes"] if s["brand"] == "Sada Foods"]
        assert {s["day"] for s in spikes} == {yesterday.isoformat()}
        shown = service.posts(
            session, start=yesterday, end=yesterday, brand_id=brands["Sada Foods"]["id"],
            sentiment="negative", aspect="delivery",
        )  # fmt: skip
        languages = {p["language"] for p in shown}
    assert len(shown) >= 40 and {"fa", "ar", "zh"} <= languages


def test_import_matches_in_worker_processes_like_inline(
    db: Database, workspace: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The import's worker processes find the same mentions as matching inline."""
    with db.transaction(workspace.id) as session:
        for data in (SNAPP, TALABAT):
            service.do_create_brand(session, data)
    x_file = tmp_path / "x.json"
    shutil.copy(FIXTURES / "x_search.json", x_file)
    monkeypatch.setattr("sada.listening.cli.PART", 2)
    r = _cli(db, monkeypatch, "import", "x", str(x_file), "--workspace", workspace.name,
             "--workers", "2")  # fmt: skip
    assert r.exit_code == 0 and "stored=4" in r.stdout, r.output
    with db.reader(workspace.id) as session:
        got = sorted(
            (m.brand_id, m.sentiment, tuple(m.aspects))
            for m in session.execute(select(ListeningMention)).scalars()
        )
        texts = [i["text"] for i in sources.parse_x(json.loads(x_file.read_text())).items]
        matcher = service.matcher_for(session)
    langs = [i.get("language") for i in sources.parse_x(json.loads(x_file.read_text())).items]
    inline = sorted(
        (m.brand_id, m.sentiment, tuple(m.aspects))
        for found in matcher.find(texts, langs)
        for m in found
    )
    assert got == inline and len(got) == 4


def test_youtube_and_instagram_comments(
    db: Database, workspace: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with db.transaction(workspace.id) as session:
        for data in (SNAPP, TALABAT, MEITUAN):
            service.do_create_brand(session, data)
    yt = tmp_path / "yt.json"
    shutil.copy(FIXTURES / "youtube_comment_threads.json", yt)
    r = _cli(db, monkeypatch, "import", "youtube", str(yt), "--workspace", workspace.name)
    assert r.exit_code == 0 and "stored=2 duplicates=0 rejected=1" in r.stdout, r.output
    ig = tmp_path / "ig.json"
    shutil.copy(FIXTURES / "instagram_comments.json", ig)
    r = _cli(db, monkeypatch, "import", "graph", str(ig), "--workspace", workspace.name,
             "--network", "instagram")  # fmt: skip
    assert r.exit_code == 0 and "stored=2 duplicates=0 rejected=1" in r.stdout, r.output
    with db.reader(workspace.id) as session:
        found = service.posts(session, start=date(2026, 11, 1), end=date(2026, 11, 30))
    by_text = {p["text"]: p for p in found}
    assert by_text["Snappfood delivery was late again"]["network"] == "youtube"
    assert by_text["Snappfood delivery was late again"]["sentiment"] == "negative"
    assert by_text["美团快多了"]["brand"] == "Meituan"
    assert by_text["اسنپ فود عالیه 😍"]["network"] == "instagram"
    assert by_text["طلبات تأخر كثير"]["brand"] == "Talabat"


def test_erasing_an_author_removes_their_mentions(db: Database, workspace: Any) -> None:
    from sada.privacy.erase import erase

    item = sources.post_item(
        network="x", post_id="er-1", text="Snappfood was late", handle="erased_author",
        at=datetime.now(UTC), language="en",
    )  # fmt: skip
    with db.transaction(workspace.id) as session:
        service.do_create_brand(session, SNAPP)
        [result] = service.ingest_posts(session, [item])
        assert session.execute(select(ListeningMention)).scalars().all()
        erase(session, int(result.person_id or 0))
    with db.reader(workspace.id) as session:
        assert session.execute(select(ListeningMention)).scalars().all() == []
