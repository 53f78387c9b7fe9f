"""The benchmark's set-based fill (`bench/fill.py`) tells the truth about the overview.

A workspace filled by `INSERT ... SELECT` (people, interactions, analyses) and rolled up by
the product's rebuild must show the same overview as a workspace that received the very
same interactions through the real ingest path (write-time rollups) and the same analyses
through the analysis write path's rollup calls (`count_analyses`, `count_topics`, as
`sada.text.service` makes them). Otherwise figures measured on a filled workspace would
describe a workspace no customer has.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from sada.dashboards import service as dash
from sada.interactions import rollups
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.people.models import Person
from sada.tenants.models import Workspace
from sada.text.models import TextAnalysis

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
ZONE = "Asia/Tehran"


def _fill_module() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "fill.py"
    spec = importlib.util.spec_from_file_location("bench_fill", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_fill"] = module
    spec.loader.exec_module(module)
    return module


def _workspace(db, make_workspace):  # type: ignore[no-untyped-def]
    workspace = make_workspace(db)
    with db.transaction() as s:
        s.execute(update(Workspace).where(Workspace.id == workspace.id).values(timezone=ZONE))
    return workspace.id


def _overview(db, workspace_id, f):  # type: ignore[no-untyped-def]
    with db.reader(workspace_id) as s:
        assert dash._use_rollups(s, f)
        channels = dash.volume_by_channel(s, f)
        feeling = dash.sentiment_over_time(s, f)
        assert feeling is not None
        top = dash.top_topics(s, f)
        assert top is not None
        return {
            "totals": dash.totals(s, f),
            "channels": channels,
            "over_time": dash.volume_over_time(s, f),
            "sentiment": [(p.bucket, p.positive, p.neutral, p.negative) for p in feeling],
            "topics": [(t.name, t.positive, t.neutral, t.negative, t.mixed) for t in top],
            "changes": [
                (c.what, c.channel, c.before, c.after)
                for c in dash.significant_changes(s, f, current=channels)
            ],
        }


def test_sql_fill_shows_the_overview_of_the_same_rows_ingested(db, make_workspace):  # type: ignore[no-untyped-def]
    fill = _fill_module()
    filled = _workspace(db, make_workspace)
    fill.add_people(db, filled, 40)
    assert fill.add_interactions(db, filled, 1500, now=NOW) == 1500
    analysed = fill.add_analyses(db, filled)
    fill.rebuild_rollups(db, filled)

    with db.reader(filled) as s:
        rows = s.execute(
            select(
                Interaction.id,
                Interaction.person_id,
                Interaction.occurred_at,
                Interaction.channel,
                Interaction.language,
                Interaction.text,
            ).order_by(Interaction.id)
        ).all()
        analyses = {a.interaction_id: a for a in s.execute(select(TextAnalysis)).scalars().all()}
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == 40
    # The spread is the benchmark's: every channel and language, most of the year, 80% text.
    assert {r.channel for r in rows} == set(fill.CHANNELS)
    assert {r.language for r in rows} == set(fill.LANGUAGES)
    assert len({r.occurred_at.date() for r in rows}) > 300
    assert len({r.person_id for r in rows}) == 40
    assert 0.7 < sum(r.text is not None for r in rows) / len(rows) < 0.9
    assert analysed == sum(r.text is not None for r in rows) == len(analyses)
    labels = [a.sentiment for a in analyses.values()]
    assert 0.25 < labels.count("negative") / len(labels) < 0.45

    # The same rows through the real ingest path, then the analyses with the write path's
    # rollup calls.
    ingested = _workspace(db, make_workspace)
    items = [
        {
            "source": "same",
            "external_id": str(r.id),
            "occurred_at": r.occurred_at.isoformat(),
            "channel": r.channel,
            "type": "message",
            "direction": "inbound",
            "language": r.language,
            "person": {"email": f"p{r.person_id}@example.com"},
            **({"text": r.text} if r.text is not None else {}),
        }
        for r in rows
    ]
    for start in range(0, len(items), 500):
        with db.transaction(ingested) as s:
            results = ingest_batch(s, items[start : start + 500], received_at=NOW)
            assert all(r.status == "stored" for r in results), results[:3]
    with db.transaction(ingested) as s:
        ids = {e: i for e, i in s.execute(select(Interaction.external_id, Interaction.id))}
        labels_moved: list[tuple[int, str | None, str]] = []
        mentions: list[tuple[int, list[tuple[str, str]] | None, list[tuple[str, str]]]] = []
        for source_id, a in analyses.items():
            iid = ids[str(source_id)]
            s.add(
                TextAnalysis(
                    interaction_id=iid,
                    language=a.language,
                    script=a.script,
                    sentiment=a.sentiment,
                    sentiment_score=a.sentiment_score,
                    sentences=a.sentences,
                    aspects=a.aspects,
                    topics=a.topics,
                    text_hash=a.text_hash,
                    model_version=a.model_version,
                )
            )
            labels_moved.append((iid, None, a.sentiment))
            mentions.append((iid, None, rollups.topic_items(a.aspects, a.topics, a.sentiment)))
        rollups.count_analyses(s, labels_moved)
        rollups.count_topics(s, mentions)

    compared = 0
    for zone in ("UTC", ZONE):
        tz = ZoneInfo(zone)
        for period, dims in (
            ("30d", {}),
            ("90d", {}),
            ("365d", {}),
            ("90d", {"channel": "chat"}),
            ("30d", {"language": "fa"}),
            ("365d", {"channel": "sms", "language": "zh"}),
        ):
            f = dash.period_filters(period, tz, now=NOW, **dims)
            a, b = _overview(db, filled, f), _overview(db, ingested, f)
            # Examples point at each workspace's own interaction ids: compare the counts.
            assert a == b, (zone, period, dims)
            assert a["totals"].interactions > 0 and a["topics"], (zone, period, dims)
            compared += 1
    assert compared == 12

    # A year is charted by week: the weekly sums (grouped in the database) equal the log's.
    for zone in ("UTC", ZONE):
        tz = ZoneInfo(zone)
        f = dash.period_filters("365d", tz, now=NOW)
        volume: Counter[date] = Counter()
        feeling: Counter[tuple[date, str]] = Counter()
        for r in rows:
            if f.start <= r.occurred_at < f.end:
                day = r.occurred_at.astimezone(tz).date()
                week = day - timedelta(days=day.weekday())
                volume[week] += 1
                if r.id in analyses:
                    feeling[(week, analyses[r.id].sentiment)] += 1
        with db.reader(filled) as s:
            over_time = dict(dash.volume_over_time(s, f))
            points = dash.sentiment_over_time(s, f)
        assert points is not None and len(over_time) > 50
        assert {b: n for b, n in over_time.items() if n} == dict(volume), zone
        got = {
            (p.bucket, label): getattr(p, label)
            for p in points
            for label in dash.SENTIMENTS
            if getattr(p, label)
        }
        assert got == dict(feeling), zone
