"""Listening days in the workspace's time zone (around midnight in Tehran and Shanghai), the
rebuild after a change of zone, and rising terms per language with their drill-down."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sada.db.engine import Database
from sada.listening import service, sources, trending
from sada.listening.days import post_terms
from sada.listening.models import ListeningDay, ListeningState, ListeningTerm
from sada.tenants.models import Workspace
from tests.listening.test_listening import drain

BRAND = {"name": "Snappfood", "kind": "own", "aliases": ["اسنپ فود", "snappfood", "快照外卖"]}


def _set_zone(db: Database, workspace_id: int, zone: str) -> None:
    with db.transaction(workspace_id) as session:
        ws = session.get(Workspace, workspace_id)
        assert ws is not None
        ws.timezone = zone


def _post(at: datetime, text: str, lang: str | None = None) -> dict[str, Any]:
    return sources.post_item(
        network="x",
        post_id=uuid.uuid4().hex,
        text=text,
        at=at,
        handle=f"u{uuid.uuid4().hex[:8]}",
        followers=10,
        language=lang,
    )


def _store(db: Database, workspace_id: int, posts: list[dict[str, Any]]) -> None:
    with db.transaction(workspace_id) as session:
        results = service.ingest_posts(session, posts)
    assert all(r.status == "stored" for r in results), results


def _days(db: Database, workspace_id: int) -> dict[date, int]:
    with db.reader(workspace_id) as session:
        rows = session.execute(
            select(ListeningDay.day, ListeningDay.mentions).where(ListeningDay.aspect == "")
        ).all()
    out: dict[date, int] = {}
    for day, n in rows:
        out[day] = out.get(day, 0) + n
    return out


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        # +03:30 all year (no daylight saving since 2022): midnight is 20:30 UTC
        ("Asia/Tehran", datetime(2026, 3, 10, 20, 29, tzinfo=UTC), datetime(2026, 3, 10, 20, 31, tzinfo=UTC)),
        # +08:00: midnight is 16:00 UTC
        ("Asia/Shanghai", datetime(2026, 3, 10, 15, 59, tzinfo=UTC), datetime(2026, 3, 10, 16, 1, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_days_are_the_workspace_days_around_midnight(
    db: Database,
    workspace: Any,
    client: Any,
    api_headers: dict[str, str],
    zone: str,
    before: datetime,
    after: datetime,
) -> None:
    _set_zone(db, workspace.id, zone)
    assert (
        client.post("/api/v1/listening/brands", json=BRAND, headers=api_headers).status_code == 201
    )
    drain(db, workspace.id)
    _store(
        db,
        workspace.id,
        [
            _post(before, "snappfood late again", "en"),
            _post(after, "snappfood fast today", "en"),
        ],
    )
    # Both instants are on 10 March in UTC; in the workspace's zone they straddle midnight.
    assert _days(db, workspace.id) == {date(2026, 3, 10): 1, date(2026, 3, 11): 1}
    with db.reader(workspace.id) as session:
        kept = session.execute(select(ListeningState.zone)).scalar_one()
        terms = session.execute(
            select(ListeningTerm.day, ListeningTerm.posts).where(ListeningTerm.term == "")
        ).all()
    assert kept == zone
    assert sorted(terms) == [(date(2026, 3, 10), 1), (date(2026, 3, 11), 1)]

    def mentions(query: str) -> int:
        r = client.get(f"/api/v1/listening/summary?{query}", headers=api_headers)
        assert r.status_code == 200, r.text
        assert r.json()["zone"] == zone
        return int(sum(b["mentions"] for b in r.json()["brands"]))

    assert mentions("from=2026-03-11&to=2026-03-11") == 1  # a local day
    assert mentions("from=2026-03-10&to=2026-03-10") == 1
    # An instant is read as the local day it falls on.
    instant = (after + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert mentions(f"from={instant}&to={instant}") == 1
    posts = client.get(
        "/api/v1/listening/posts?from=2026-03-11&to=2026-03-11", headers=api_headers
    ).json()
    assert [p["text"] for p in posts] == ["snappfood fast today"]
    bad = client.get("/api/v1/listening/summary?from=2026-03-11T00:00:00", headers=api_headers)
    assert bad.status_code == 422 and "offset" in bad.text

    # The workspace moves to UTC: the page answers in the kept zone and queues the rebuild.
    _set_zone(db, workspace.id, "UTC")
    assert mentions("from=2026-03-11&to=2026-03-11") == 1
    assert "listening.rezone" in drain(db, workspace.id)
    assert _days(db, workspace.id) == {date(2026, 3, 10): 2}
    r = client.get("/api/v1/listening/summary?from=2026-03-10&to=2026-03-10", headers=api_headers)
    assert r.json()["zone"] == "UTC"
    assert sum(b["mentions"] for b in r.json()["brands"]) == 2


# ---------------------------------------------------------------- rising terms


def test_rise_test_and_false_discovery_adjustment() -> None:
    z, p = trending.rise_test(30, 100, 10, 100)
    assert z > 3 and p < 0.001
    z, p = trending.rise_test(3, 10, 2, 10)  # tiny samples: no evidence
    assert p > 0.3
    assert trending.rise_test(5, 10, 0, 0) == (0.0, 1.0)
    adjusted = trending.bh_adjust([0.01, 0.04, 0.03, 0.5])
    assert adjusted == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])


def test_terms_fold_letter_variants_and_keep_the_written_spelling() -> None:
    lang, fa = post_terms("ارسال اسنپ فود تأخیر داشت", "fa")
    _lang, ar_spelled = post_terms("ارسال اسنپ فود تاخير داشت", "fa")  # Arabic yeh, no hamza
    assert lang == "fa"
    key = next(k for k, v in fa.items() if v == "تأخیر")
    assert key in ar_spelled and ar_spelled[key] == "تاخير"
    assert "از" not in fa  # function words left out
    zh_lang, zh = post_terms("快照外卖 配送 太慢了", None)
    assert zh_lang == "zh" and "配送" in zh


def test_rising_terms_per_language_with_counts_tests_and_drill_down(
    db: Database, workspace: Any, client: Any, api_headers: dict[str, str]
) -> None:
    _set_zone(db, workspace.id, "Asia/Tehran")
    start = datetime(2026, 5, 1, 12, tzinfo=UTC)
    posts: list[dict[str, Any]] = []
    for i in range(60):  # previous week: ordinary posts
        at = start + timedelta(hours=2 * i)
        posts.append(_post(at, "اسنپ فود غذا خوب بود", "fa"))
        posts.append(_post(at, "快照外卖 味道 不错", "zh"))
    current = start + timedelta(days=7)
    for i in range(60):  # this week: a third of the posts are about a delay
        at = current + timedelta(hours=2 * i)
        text = "اسنپ فود تأخیر داشت" if i % 3 == 0 else "اسنپ فود غذا خوب بود"
        posts.append(_post(at, text, "fa"))
        posts.append(_post(at, "快照外卖 配送 很慢" if i % 3 == 0 else "快照外卖 味道 不错", "zh"))
    for i in range(6):  # a handful of Arabic posts: too few to call anything significant
        posts.append(_post(current + timedelta(hours=i), "سناب فود توصيل متأخر", "ar"))
    _store(db, workspace.id, posts)

    r = client.get("/api/v1/listening/trending?from=2026-05-08&to=2026-05-14", headers=api_headers)
    assert r.status_code == 200, r.text
    by_lang = {t["language"]: t for t in r.json()["languages"]}
    fa = by_lang["fa"]
    assert fa["posts"] == 60 and fa["previous_posts"] == 60
    top = fa["terms"][0]
    assert top["label"] == "تأخیر" and top["count"] == 20 and top["previous_count"] == 0
    assert top["significant"] and top["q"] < 0.05 and top["change"] == pytest.approx(1 / 3, 1e-3)
    assert "غذا" not in [t["label"] for t in fa["terms"] if t["significant"]]  # a steady term
    zh = by_lang["zh"]
    assert "配送" in {t["label"] for t in zh["terms"] if t["significant"]}
    ar = by_lang["ar"]
    assert ar["note"] == "no_previous" and not any(t["significant"] for t in ar["terms"])
    assert by_lang["en"]["note"] == "no_posts"
    only = client.get(
        "/api/v1/listening/trending?from=2026-05-08&to=2026-05-14&lang=zh", headers=api_headers
    ).json()
    assert [t["language"] for t in only["languages"]] == ["zh"]
    assert client.get("/api/v1/listening/trending?lang=xx", headers=api_headers).status_code == 422

    # Drill-down: the term in another spelling finds the same posts.
    d = client.get(
        "/api/v1/listening/trending/posts",
        params={"term": "تاخير", "lang": "fa", "from": "2026-05-08", "to": "2026-05-14"},
        headers=api_headers,
    )
    assert d.status_code == 200, d.text
    assert len(d.json()["posts"]) == 20
    assert all("تأخیر" in p["text"] for p in d.json()["posts"])


def test_overview_shows_rising_terms_and_opens_their_posts(
    db: Database, workspace: Any, client: Any
) -> None:
    from sada.tenants.service import do_add_member, do_create_user
    from tests.web.conftest import sign_in

    _set_zone(db, workspace.id, "Asia/Tehran")
    now = datetime.now(UTC)
    posts = [
        _post(now - timedelta(days=10, hours=i), "اسنپ فود غذا خوب بود", "fa") for i in range(40)
    ]
    posts += [
        _post(now - timedelta(hours=i), "پیک اسنپ فود تأخیر داشت" if i % 2 else "اسنپ فود غذا خوب بود", "fa")
        for i in range(40)
    ]  # fmt: skip
    _store(db, workspace.id, posts)
    email = f"manager-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(workspace.id) as session:
        user = do_create_user(session, email, "correct horse battery", name="M", language="fa")
        do_add_member(session, user, "manager")
    assert sign_in(client, email, "correct horse battery").status_code == 303
    html = client.get("/listening?days=7").text
    assert 'id="trending-fa"' in html and "واژه‌های رو به رشد" in html and "معنادار" in html
    assert "Asia/Tehran" in html
    link = html.split('id="trending-fa"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith("/listening/posts?") and "term=" in link
    drill = client.get(link).text
    assert 'id="term"' in drill and drill.count('class="post"') >= 1
    assert "تأخیر داشت" in drill and "غذا خوب بود" not in drill


def test_rising_terms_read_index_ranges_and_match_a_plain_count(
    db: Database, workspace: Any
) -> None:
    """The period's candidates come from one range of the (language, day) index and each
    term's other days from seeks on the (language, term, day) index (SQLite plans checked;
    a regression walked the language's whole history); counts equal a plain count."""
    from sqlalchemy import event

    end = date(2026, 5, 31)
    rows = []
    for back in range(120):  # four months of one language, a term rising in the last week
        day = end - timedelta(days=back)
        counts = {"": 50, "steady": 10 + back % 3, f"once{back}": 5}
        if back < 7:
            counts["rising"] = 20
        for term, n in counts.items():
            rows.append({"workspace_id": workspace.id, "day": day, "language": "fa",
                         "term": term, "label": term.upper(), "posts": n})  # fmt: skip
    with db.transaction(workspace.id) as session:
        session.execute(ListeningTerm.__table__.insert(), rows)

    seen: list[tuple[str, Any]] = []

    def keep(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        if "listening_terms" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    engines = {id(e): e for e in (db.engine, getattr(db, "read_engine", db.engine))}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", keep)
    try:
        with db.reader(workspace.id) as session:
            out = trending.trending(session, end - timedelta(days=6), end, language="fa")
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", keep)
    fa = out["languages"][0]
    assert fa["posts"] == 350 and fa["previous_posts"] == 350
    top = fa["terms"][0]
    assert (top["term"], top["label"], top["count"], top["previous_count"]) == (
        "rising", "RISING", 140, 0
    )  # fmt: skip
    steady = 10 * 7 + sum(b % 3 for b in range(7))
    assert "steady" not in [t["term"] for t in fa["terms"] if t["significant"]]
    assert steady == sum(
        r["posts"] for r in rows if r["term"] == "steady" and r["day"] > end - timedelta(days=7)
    )

    assert len(seen) == 3  # candidates with the totals, previous counts, labels
    if db.is_sqlite:
        with db.engine.connect() as c:
            plans = [
                " ".join(str(r[-1]) for r in c.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p))
                for s, p in seen
            ]
        assert "ix_listening_terms_cover" in plans[0] and "day>?" in plans[0], plans[0]
        for plan in plans[1:]:
            assert "ix_listening_terms_term" in plan and "term=?" in plan, plan
