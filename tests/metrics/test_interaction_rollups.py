"""The overview's figures from write-time rollups equal a direct computation over the log.

Random interactions (channels, languages, origins, with and without text, times around
local midnight) go through the real ingest path and the real text analysis; the
dashboard functions then answer from rollups, and each answer is compared with the same
figure computed here from the raw rows. A rebuild gives the same rollup rows.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from sada.dashboards import rollups as dash_rollups
from sada.dashboards import service as dash
from sada.interactions import rollups
from sada.interactions.models import VOICE_ORIGINS, Interaction, InteractionRollup
from sada.interactions.service import ingest_batch
from sada.tenants.models import Workspace
from sada.text.models import TextAnalysis
from sada.text.service import analyze_interactions

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
TEXTS = ["great service, thanks", "the courier was late and rude", "ok", "خیلی بد بود", "很好"]


def _items(rng: random.Random, n: int, offset: int) -> list[dict]:
    items = []
    for i in range(n):
        at = NOW - timedelta(days=rng.randrange(40), minutes=rng.randrange(24 * 60))
        item = {
            "source": "rand",
            "external_id": f"r{offset + i}",
            "occurred_at": at.isoformat(),
            "channel": rng.choice(["email", "chat", "sms"]),
            "type": "message",
            "direction": "inbound",
            "origin": rng.choice(["customer", "customer", "import", "agent", "system"]),
            "person": {"email": f"p{rng.randrange(30)}@example.com"},
        }
        if rng.random() < 0.8:
            item["text"] = rng.choice(TEXTS)
        if rng.random() < 0.7:
            item["language"] = rng.choice(["en", "fa"])
        items.append(item)
    return items


def _direct(db, workspace_id, tz, f):  # type: ignore[no-untyped-def]
    """Per local day: volume, texts, sentiment counts; per channel volume (voice only)."""
    with db.reader(workspace_id) as s:
        rows = s.execute(
            select(
                Interaction.occurred_at,
                Interaction.channel,
                Interaction.language,
                Interaction.origin,
                Interaction.text,
                TextAnalysis.sentiment,
            ).outerjoin(TextAnalysis, TextAnalysis.interaction_id == Interaction.id)
        ).all()
    volume: Counter[str] = Counter()
    texts = 0
    channels: Counter[str] = Counter()
    sentiment: Counter[tuple[str, str]] = Counter()
    for at, channel, language, origin, text, label in rows:
        if origin not in VOICE_ORIGINS or not (f.start <= at < f.end):
            continue
        if f.channel and channel != f.channel:
            continue
        if f.language and language != f.language:
            continue
        day = at.astimezone(tz).date().isoformat()
        volume[day] += 1
        channels[channel] += 1
        texts += text is not None
        if label in dash.SENTIMENTS:
            sentiment[(day, label)] += 1
    return volume, texts, channels, sentiment


def test_overview_from_rollups_equals_direct_sql(db, make_workspace):  # type: ignore[no-untyped-def]
    workspace = make_workspace(db)
    with db.transaction() as s:
        s.execute(
            update(Workspace).where(Workspace.id == workspace.id).values(timezone="Asia/Tehran")
        )
    rng = random.Random(20)
    for batch in range(3):
        with db.transaction(workspace.id) as s:
            ingest_batch(s, _items(rng, 80, batch * 80), received_at=NOW)
    with db.reader(workspace.id) as s:
        assert rollups.zones(s) == ["Asia/Tehran", "UTC"]
        ids = list(s.execute(select(Interaction.id).order_by(Interaction.id)).scalars())
    analyze_interactions(db, workspace.id, ids[::2], embedder=False)
    analyze_interactions(db, workspace.id, ids[::6], embedder=False)  # again: no double count

    for zone in ("UTC", "Asia/Tehran"):
        tz = ZoneInfo(zone)
        for dims in ({}, {"channel": "chat"}, {"language": "fa"}):
            f = dash.period_filters("30d", tz, now=NOW, **dims)
            volume, texts, channels, sentiment = _direct(db, workspace.id, tz, f)
            with db.reader(workspace.id) as s:
                totals = dash.totals(s, f)
                over_time = dash.volume_over_time(s, f)
                by_channel = dash.volume_by_channel(s, f)
                feeling = dash.sentiment_over_time(s, f)
            assert totals.interactions == sum(volume.values()), (zone, dims)
            assert totals.text_feedback == texts, (zone, dims)
            assert {d.isoformat(): n for d, n in over_time if n} == dict(volume), (zone, dims)
            assert dict(by_channel) == dict(channels), (zone, dims)
            assert feeling is not None
            got = {
                (p.bucket.isoformat(), label): getattr(p, label)
                for p in feeling
                for label in dash.SENTIMENTS
                if getattr(p, label)
            }
            assert got == dict(sentiment), (zone, dims)

    with db.reader(workspace.id) as s:
        work = dash.background_work(s, workspace.id)
        n_texts = s.execute(select(Interaction.id).where(Interaction.text.is_not(None))).all()
        n_analysed = s.execute(select(TextAnalysis.id)).all()
        assert (work.texts, work.analysed) == (len(n_texts), len(n_analysed))

    def stored() -> set[tuple]:
        with db.reader(workspace.id) as s:
            r = InteractionRollup
            return {
                tuple(row)
                for row in s.execute(
                    select(
                        r.zone,
                        r.day,
                        r.channel,
                        r.language,
                        r.voice,
                        r.n,
                        r.texts,
                        r.analysed,
                        r.positive,
                        r.neutral,
                        r.negative,
                    )
                ).all()
            }

    incremental = stored()
    with db.transaction(workspace.id) as s:
        dash_rollups.rebuild(s)
    assert stored() == incremental
