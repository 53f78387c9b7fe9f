"""The import's fast path (`bulk.store_posts`) stores exactly what the generic path stores."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.interactions.models import Interaction, InteractionRollup, SpokeDays, SpokeMonths
from sada.jobs.models import Job
from sada.listening import bulk, service, sources
from sada.listening.models import ListeningDay, ListeningMention, ListeningTerm
from sada.people.models import Identity, Person

FIXTURES = Path(__file__).parent / "fixtures"
BRANDS = [
    {"name": "Snappfood", "kind": "own", "aliases": ["اسنپ فود", "سناب فود", "@snappfood"]},
    {"name": "Talabat", "kind": "competitor", "aliases": ["طلبات"], "exclude": ["طلبات كثيرة"]},
    {"name": "Meituan", "kind": "competitor", "aliases": ["美团", "Meituan"]},
]
TEXTS = [
    "پیک اسنپ فود دیر رسید و غذا سرد بود",
    "توصيل طلبات تأخر ساعتين",
    "美团的配送太慢了",
    "Meituan is pricey but the quality is great. Snappfood?",
    "عندي طلبات كثيرة اليوم",
    "Nice weather today",
]


def _items() -> list[dict[str, Any]]:
    """Parsed X and Telegram posts, plus the cases the fast path hands to the generic one."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    users = [
        {"id": str(u), "username": f"User{u}", "name": f"User {u}" if u % 3 else None,
         "public_metrics": {"followers_count": rng.choice([10, 20_000])}}
        for u in range(15)
    ]  # fmt: skip
    data = [
        {"id": str(9000 + i), "text": rng.choice(TEXTS), "author_id": str(rng.randrange(15)),
         "created_at": (now - timedelta(hours=rng.randint(1, 24 * 30))).strftime(
             "%Y-%m-%dT%H:%M:%S.000Z"), "lang": rng.choice(["fa", "ar", "zh", "en", "und"]),
         "public_metrics": {"like_count": rng.randint(0, 9)}}
        for i in range(120)
    ]  # fmt: skip
    items = sources.parse_x({"data": data, "includes": {"users": users}}).items
    items += sources.parse_x(json.loads((FIXTURES / "x_search.json").read_text())).items
    items += sources.parse_telegram(
        json.loads((FIXTURES / "telegram_export.json").read_text())
    ).items
    items.append(dict(items[0]))  # repeated within the part
    odd = dict(items[1], external_id="odd-nul", text="bad \x00 text")  # rejected
    nested = dict(items[2], external_id="odd-nested")
    nested["attributes"] = {**items[2]["attributes"], "extra": {"a": [1, 2]}}  # generic path
    anonymous = {k: v for k, v in items[3].items() if k != "person"}  # no author
    anonymous["external_id"] = "odd-anonymous"
    long = dict(items[4], external_id="odd-long", text="x" * 70_000 + "\ud800")  # rejected
    items += [odd, nested, anonymous, long]
    return items


def _snapshot(db: Database, workspace_id: int) -> dict[str, Any]:
    """Every row the import wrote, without ids and timestamps (foreign keys as natural keys)."""
    with db.reader(workspace_id) as s:
        handle = dict(s.execute(select(Identity.person_id, Identity.value)).all())
        post = dict(s.execute(select(Interaction.id, Interaction.external_id)).all())
        brand = {b.id: b.name for b in service.list_brands(s)}
        out: dict[str, Any] = {}
        out["interactions"] = sorted(
            (r.source, r.external_id, r.occurred_at, r.channel, r.text, r.language,
             json.dumps(r.attributes, sort_keys=True), r.origin, r.backfill,
             handle.get(r.person_id), r.direction, r.type)
            for r in s.execute(select(Interaction)).scalars()
        )  # fmt: skip
        out["people"] = sorted(
            (handle.get(p.id), p.name, p.audience) for p in s.execute(select(Person)).scalars()
        )
        out["identities"] = sorted(
            (i.kind, i.namespace, i.value) for i in s.execute(select(Identity)).scalars()
        )
        out["mentions"] = sorted(
            (post[m.interaction_id], brand[m.brand_id], handle.get(m.person_id), m.author, m.at,
             m.network, m.language, m.sentiment, tuple(m.aspects), m.clause, m.reach,
             m.engagement, m.needs_answer, m.backfill)
            for m in s.execute(select(ListeningMention)).scalars()
        )  # fmt: skip
        out["days"] = sorted(
            (brand[d.brand_id], d.day, d.language, d.aspect, d.mentions, d.positive, d.negative,
             d.reach)
            for d in s.execute(select(ListeningDay)).scalars()
        )  # fmt: skip
        out["terms"] = sorted(
            (t.language, t.day, t.term, t.label, t.posts)
            for t in s.execute(select(ListeningTerm)).scalars()
        )

        def plain(row: Any, drop: set[str]) -> tuple[Any, ...]:
            return tuple(
                (c.name, str(getattr(row, c.key)))
                for c in row.__table__.columns
                if c.name not in drop
            )

        out["rollups"] = sorted(
            plain(r, {"id", "workspace_id"}) for r in s.execute(select(InteractionRollup)).scalars()
        )
        out["person_days"] = sorted(
            (handle.get(r.person_id), *plain(r, {"id", "workspace_id", "person_id"}))
            for model in (SpokeMonths, SpokeDays)
            for r in s.execute(select(model)).scalars()
        )
        out["jobs"] = Counter(
            (j.kind, len(j.payload.get("interaction_ids", [])) if j.payload else 0)
            for j in s.execute(select(Job)).scalars()
        )
    return out


def _workspace(db: Database, make_workspace: Any) -> int:
    ws = make_workspace(db)
    with db.transaction(ws.id) as session:
        for b in BRANDS:
            service.do_create_brand(session, b)
    # The brands' re-match jobs are not the import's: leave them out of the comparison.
    with db.transaction(ws.id) as session:
        for job in session.execute(select(Job)).scalars():
            session.delete(job)
    return int(ws.id)


def test_fast_path_stores_what_the_generic_path_stores(db: Database, make_workspace: Any) -> None:
    items = _items()
    generic, fast = _workspace(db, make_workspace), _workspace(db, make_workspace)
    with db.transaction(generic) as session:
        results = service.ingest_posts(session, items)
    with db.transaction(fast) as session:
        done = bulk.store_posts(session, items)
    statuses = Counter(r.status for r in results)
    assert (done.stored, done.duplicates, len(done.rejected)) == (
        statuses["stored"],
        statuses["duplicate"],
        statuses["rejected"],
    )
    assert [i for i, _why in done.rejected] == [len(items) - 4, len(items) - 1]  # named
    a, b = _snapshot(db, generic), _snapshot(db, fast)
    assert a["mentions"] and a["terms"] and a["people"] and a["rollups"]
    assert any(not row[8] for row in a["interactions"])  # some live posts, some history
    for table in a:
        assert a[table] == b[table], table


def test_fast_path_twice_stores_nothing_twice(db: Database, make_workspace: Any) -> None:
    items = _items()
    ws = _workspace(db, make_workspace)
    with db.transaction(ws) as session:
        first = bulk.store_posts(session, items)
    before = _snapshot(db, ws)
    with db.transaction(ws) as session:
        again = bulk.store_posts(session, items)
    assert first.stored > 100
    assert again.stored == 0
    assert again.duplicates == first.stored + first.duplicates
    after = _snapshot(db, ws)
    for table in before:
        assert before[table] == after[table], table


def test_fast_path_alone_counts_a_new_workspace_in_the_rollups(
    db: Database, make_workspace: Any
) -> None:
    """Only plain posts (none for the generic path): the workspace's first rows register the
    rollup zones and are counted there, as the generic path counts them."""
    items = sources.parse_x(json.loads((FIXTURES / "x_search.json").read_text())).items
    generic, fast = _workspace(db, make_workspace), _workspace(db, make_workspace)
    with db.transaction(generic) as session:
        service.ingest_posts(session, items)
    with db.transaction(fast) as session:
        assert bulk.store_posts(session, items).stored == len(items)
    a, b = _snapshot(db, generic), _snapshot(db, fast)
    assert a["rollups"] and a["person_days"]
    assert (a["rollups"], a["person_days"]) == (b["rollups"], b["person_days"])
