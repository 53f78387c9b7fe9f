"""The overview's figures from write-time rollups equal a direct computation over the log.

Random interactions (channels, languages, origins, with and without text, times around
local midnight) go through the real ingest path and the real text analysis; the
dashboard functions then answer from rollups, and each answer is compared with the same
figure computed here from the raw rows (distinct people and the topics panel included,
also after a merge and an unmerge). A rebuild gives the same rollup rows.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from sada.dashboards import panels
from sada.dashboards import rollups as dash_rollups
from sada.dashboards import service as dash
from sada.interactions import rollup_reads, rollups, who_spoke
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import (
    VOICE_ORIGINS,
    Interaction,
    InteractionRollup,
    SpokeDays,
    SpokeMonths,
    TopicRollup,
)
from sada.people.merges import do_merge, do_unmerge
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
    """Per local day: volume, texts, sentiment counts; per channel volume; distinct people;
    topic mentions by polarity (voice only)."""
    with db.reader(workspace_id) as s:
        rows = s.execute(
            select(
                Interaction.occurred_at,
                Interaction.channel,
                Interaction.language,
                Interaction.origin,
                Interaction.text,
                TextAnalysis.sentiment,
                Interaction.person_id,
                TextAnalysis.aspects,
                TextAnalysis.topics,
            ).outerjoin(TextAnalysis, TextAnalysis.interaction_id == Interaction.id)
        ).all()
    volume: Counter[str] = Counter()
    texts = 0
    channels: Counter[str] = Counter()
    sentiment: Counter[tuple[str, str]] = Counter()
    people: set[int] = set()
    topics: Counter[tuple[str, str]] = Counter()
    for at, channel, language, origin, text, label, person, aspects, tags in rows:
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
        if person is not None:
            people.add(person)
        for aspect in aspects or []:
            if aspect.get("aspect") and aspect.get("polarity", "neutral") in dash.TOPIC_KINDS:
                topics[(aspect["aspect"], aspect.get("polarity", "neutral"))] += 1
        for tag in tags or []:
            topics[
                ("#" + tag.get("name", ""), label if label in dash.SENTIMENTS else "neutral")
            ] += 1
    return volume, texts, channels, sentiment, len(people), topics


def _topics(stats) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {
        (t.name, kind): getattr(t, kind)
        for t in stats
        for kind in dash.TOPIC_KINDS
        if getattr(t, kind)
    }


def _ranked(topics: Counter[tuple[str, str]], limit: int = 6) -> dict[tuple[str, str], int]:
    totals: Counter[str] = Counter()
    for (name, _kind), n in topics.items():
        totals[name] += n
    top = sorted(totals, key=lambda name: (-totals[name], name))[:limit]
    return {key: n for key, n in topics.items() if key[0] in top and n}


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
        for period, dims in (
            ("30d", {}),
            ("30d", {"channel": "chat"}),
            ("30d", {"language": "fa"}),
            ("90d", {}),  # whole months of who-spoke rows plus edge days
            ("90d", {"channel": "chat"}),  # its languages' rows
            ("90d", {"language": "en"}),  # its channels' rows
            ("90d", {"channel": "sms", "language": "en"}),
            ("7d", {}),
        ):
            f = dash.period_filters(period, tz, now=NOW, **dims)
            volume, texts, channels, sentiment, people, topics = _direct(db, workspace.id, tz, f)
            with db.reader(workspace.id) as s:
                assert dash._use_rollups(s, f)
                totals = dash.totals(s, f)
                top = dash.top_topics(s, f)
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
            assert totals.people == people, (zone, dims)
            assert top is not None
            assert _topics(top) == _ranked(topics), (zone, dims)
    assert any(topics), "the analyses found no aspects: the topics comparison tested nothing"

    # A merge moves who spoke; an unmerge moves them back: still the direct count.
    with db.reader(workspace.id) as s:
        a, b = s.execute(
            select(Interaction.person_id)
            .where(Interaction.origin.in_(VOICE_ORIGINS))
            .group_by(Interaction.person_id)
            .order_by(Interaction.person_id)
            .limit(2)
        ).scalars()
    for step in ("merge", "unmerge"):
        with db.transaction(workspace.id) as s:
            if step == "merge":
                merge_id = do_merge(s, a, b, reason="same person").id
            else:
                do_unmerge(s, merge_id)
        tz = ZoneInfo("Asia/Tehran")
        for period, dims in (("30d", {}), ("90d", {"channel": "chat"})):
            f = dash.period_filters(period, tz, now=NOW, **dims)
            people = _direct(db, workspace.id, tz, f)[4]
            with db.reader(workspace.id) as s:
                assert dash.totals(s, f).people == people, (step, dims)

    with db.reader(workspace.id) as s:
        work = panels.background_work(s, workspace.id)
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

    def who_and_what() -> tuple[set[tuple], set[tuple]]:
        with db.reader(workspace.id) as s:
            t = TopicRollup
            spoke = set(tuple(r) for r in s.execute(select(*who_spoke.MONTH_ROW))) | set(
                tuple(r) for r in s.execute(select(*who_spoke.DAY_ROW))
            )
            mentions = {
                tuple(row)
                for row in s.execute(
                    select(
                        t.zone,
                        t.day,
                        t.channel,
                        t.language,
                        t.name,
                        t.positive,
                        t.neutral,
                        t.negative,
                        t.mixed,
                    )
                ).all()
                if any(row[5:])
            }
            return spoke, mentions

    incremental = stored()
    incremental_more = who_and_what()
    with db.transaction(workspace.id) as s:
        dash_rollups.rebuild(s)
    assert stored() == incremental
    assert who_and_what() == incremental_more


def _summed_rows_migration():  # type: ignore[no-untyped-def]
    import importlib.util
    from pathlib import Path

    import sada.db.migrations.versions as versions

    path = Path(versions.__file__).parent / "1870_rollups_all_dimensions.py"
    spec = importlib.util.spec_from_file_location("migration_1870", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.summed_rows


def test_rows_summed_over_dimensions_equal_the_migration_and_a_filter(db, make_workspace):  # type: ignore[no-untyped-def]
    """The "*" rows the writers keep equal the sums of the detailed rows (what migration 1870
    adds to rollups kept before it), and the overview reads them for unfiltered panels."""
    from sqlalchemy import delete, text

    workspace = make_workspace(db)
    rng = random.Random(7)
    with db.transaction(workspace.id) as s:
        ingest_batch(s, _items(rng, 120, 0), received_at=NOW)
    with db.reader(workspace.id) as s:
        ids = list(s.execute(select(Interaction.id).order_by(Interaction.id)).scalars())
    analyze_interactions(db, workspace.id, ids, embedder=False)

    def rows() -> tuple[set[tuple], set[tuple]]:
        with db.reader(workspace.id) as s:
            r, t = InteractionRollup, TopicRollup
            counts = {
                tuple(row)
                for row in s.execute(
                    select(r.zone, r.day, r.channel, r.language, r.voice, r.n, r.texts).add_columns(
                        r.analysed, r.positive, r.neutral, r.negative
                    )
                )
            }
            mentions = {
                tuple(row)
                for row in s.execute(
                    select(t.zone, t.day, t.channel, t.language, t.name).add_columns(
                        t.positive, t.neutral, t.negative, t.mixed
                    )
                )
            }
        return counts, mentions

    written = rows()
    assert any(row[3] == rollups.ALL for row in written[0])
    assert {(row[2], row[3]) for row in written[1] if rollups.ALL in row[2:4]} >= {
        (rollups.ALL, rollups.ALL)
    }
    with db.transaction(workspace.id) as s:
        s.execute(delete(InteractionRollup).where(InteractionRollup.language == rollups.ALL))
        s.execute(
            delete(TopicRollup).where(
                (TopicRollup.channel == rollups.ALL) | (TopicRollup.language == rollups.ALL)
            )
        )
        for statement in _summed_rows_migration()(f"AND workspace_id = {int(workspace.id)}"):
            s.execute(text(statement))
    assert rows() == written

    # Unfiltered, one channel, one language: the same figures as the direct computation.
    for dims in ({}, {"channel": "chat"}, {"language": "fa"}):
        f = dash.period_filters("30d", UTC, now=NOW, **dims)
        volume, texts, channels, _sentiment, _people, topics = _direct(db, workspace.id, UTC, f)
        with db.reader(workspace.id) as s:
            assert dash.totals(s, f).interactions == sum(volume.values())
            assert dict(dash.volume_by_channel(s, f)) == dict(channels)
            assert _topics(dash.top_topics(s, f)) == _ranked(topics), dims
            assert rollups.ALL not in dash._filter_options(s, UTC)["languages"]


def test_who_spoke_masks_one_per_person_and_dimension_set_each_count_reads_its_own(
    db, make_workspace
):  # type: ignore[no-untyped-def]
    """Ingest ORs each voice fact into its who-spoke masks under four dimension sets
    (channel and language, channel and "*", "*" and language, "*" and "*"): one row per
    person, era (month masks) or month (day masks) and dimension set, whatever the number
    of days they spoke on. Each count reads its own filter's rows only: rows planted for a
    person who never spoke, under other dimension sets, change no count."""
    from datetime import date

    from sqlalchemy import func, insert

    workspace = make_workspace(db)
    rng = random.Random(7)
    with db.transaction(workspace.id) as s:
        ingest_batch(s, _items(rng, 60, 0), received_at=NOW)
    with db.reader(workspace.id) as s:
        for model in (SpokeMonths, SpokeDays):
            kinds = set(
                s.execute(select(model.channel == rollups.ALL, model.language == rollups.ALL))
                .tuples()
                .all()
            )
            assert kinds == {(False, False), (False, True), (True, False), (True, True)}
        voice = s.execute(
            select(
                Interaction.person_id,
                Interaction.channel,
                Interaction.language,
                Interaction.occurred_at,
            ).where(Interaction.origin.in_(VOICE_ORIGINS), Interaction.person_id.is_not(None))
        ).all()
        zones = rollups.zones(s)
        first, last = date(2026, 1, 1), date(2026, 4, 1)
        dims = [{}, {"channel": "chat"}, {"language": "en"}, {"channel": "sms", "language": ""}]
        before = [rollup_reads.distinct_people(s, "UTC", first, last, **d) for d in dims]
        rows = {
            model: s.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (SpokeMonths, SpokeDays)
        }
    # One row per zone, person and dimension set (and month, for the day masks).
    people_dims = {
        (v[0], channel, language)
        for v in voice
        for channel in (v[1], "*")
        for language in (v[2], "*")
    }
    assert rows[SpokeMonths] == len(zones) * len(people_dims)
    assert rows[SpokeDays] <= len(zones) * len(people_dims) * 4
    assert before[0] == len({v[0] for v in voice})
    assert before[1] == len({v[0] for v in voice if v[1] == "chat"})
    assert before[2] == len({v[0] for v in voice if v[2] == "en"})
    stranger = 10**9
    with db.transaction(workspace.id) as s:
        for channel, language in (("chat", "en"), ("email", rollups.ALL), (rollups.ALL, "zh")):
            common = {
                "workspace_id": workspace.id,
                "zone": "UTC",
                "channel": channel,
                "language": language,
                "person_id": stranger,
            }
            s.execute(
                insert(SpokeMonths).values(
                    **common, era=405, months=(1 << 60) - 1, latest=59, latest_days=1
                )
            )
            s.execute(insert(SpokeDays).values(**common, month=date(2026, 3, 1), days=1))
    with db.reader(workspace.id) as s:
        after = [rollup_reads.distinct_people(s, "UTC", first, last, **d) for d in dims]
    assert after == before


def _migration(name: str):  # type: ignore[no-untyped-def]
    import importlib.util
    from pathlib import Path

    import sada.db.migrations.versions as versions

    path = Path(versions.__file__).parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name[:4]}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
