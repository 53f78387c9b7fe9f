"""Read models of the dashboards and the feedback explorer (no HTTP here).

Every function takes a session bound to a workspace. Aggregations run in the
database and group by local day; weeks are folded from days in Python, so the
cost grows with days x dimensions, not with rows returned. Text analyses
(`sada.text`) and score metrics (`sada.metrics`) are optional: each panel asks
whether its source exists and otherwise reports that it has nothing yet.
"""

from __future__ import annotations

import importlib
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from sada.dashboards.metric_trends import metric_trends as metric_trends
from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions import rollup_reads, rollups
from sada.interactions.models import VOICE_ORIGINS, Interaction
from sada.metrics import catalogue
from sada.people.membership import known_keys, member_condition
from sada.people.models import Person

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT_PERIOD = "30d"
SENTIMENTS = ("positive", "neutral", "negative")
TOPIC_KINDS = rollups.TOPIC_POLARITIES
# (highest "low" rating, lowest "high" rating) per scale, from the metric catalogue.
SCORE_BANDS: dict[str, tuple[float, float]] = catalogue.BANDS
EXPORT_LIMIT = 100_000


def text_model() -> Any | None:
    """The text-analysis table class, when the text domain is installed."""
    try:
        return importlib.import_module("sada.text.models").TextAnalysis
    except (ImportError, AttributeError):
        return None


@dataclass
class Filters:
    start: datetime
    end: datetime
    tz: tzinfo = UTC
    channel: str | None = None
    audience: str | None = None
    segment: str | None = None
    language: str | None = None

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))

    def previous(self) -> Filters:
        span = self.end - self.start
        return Filters(
            start=self.start - span,
            end=self.start,
            tz=self.tz,
            channel=self.channel,
            audience=self.audience,
            segment=self.segment,
            language=self.language,
        )


def period_filters(period: str, tz: tzinfo, now: datetime | None = None, **dims: Any) -> Filters:
    """The last N whole local days up to and including today."""
    days = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])
    now = (now or datetime.now(UTC)).astimezone(tz)
    end_local = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tz)
    start_local = end_local - timedelta(days=days)
    clean = {k: (v or None) for k, v in dims.items()}
    return Filters(start=start_local.astimezone(UTC), end=end_local.astimezone(UTC), tz=tz, **clean)


def _where(query: Any, f: Filters) -> Any:
    """The period and dimension filters; only the outside party's voice counts (who spoke)."""
    query = query.where(
        Interaction.occurred_at >= f.start,
        Interaction.occurred_at < f.end,
        Interaction.origin.in_(VOICE_ORIGINS),
    )
    if f.channel:
        query = query.where(Interaction.channel == f.channel)
    if f.language:
        query = query.where(Interaction.language == f.language)
    if f.audience or f.segment:
        person = select(Person.id)
        if f.audience:
            person = person.where(Person.audience == f.audience)
        if f.segment:
            # The legacy label, or a defined segment's kept membership (sada.people.segments).
            person = person.where(or_(Person.segment == f.segment, member_condition([f.segment])))
        query = query.where(Interaction.person_id.in_(person))
    return query


def _offset_minutes(tz: tzinfo, at: datetime) -> int:
    offset = at.astimezone(tz).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def _local_day(session: Session, f: Filters) -> Any:
    """SQL expression of the local calendar day (text YYYY-MM-DD) of occurred_at."""
    if dialect_name(session) == "postgresql":
        name = getattr(f.tz, "key", "UTC")
        return func.to_char(func.timezone(name, Interaction.occurred_at), "YYYY-MM-DD")
    # SQLite has no time zones: use the zone's offset in the middle of the period.
    minutes = _offset_minutes(f.tz, f.start + (f.end - f.start) / 2)
    return func.strftime("%Y-%m-%d", Interaction.occurred_at, f"{minutes:+d} minutes")


def bucket_size(f: Filters) -> str:
    return "day" if f.days <= 92 else "week"


def _bucket_of(day: date, size: str) -> date:
    return day - timedelta(days=day.weekday()) if size == "week" else day


def buckets(f: Filters) -> list[date]:
    size = bucket_size(f)
    first = f.start.astimezone(f.tz).date()
    last = (f.end - timedelta(seconds=1)).astimezone(f.tz).date()
    out: list[date] = []
    day = first
    while day <= last:
        b = _bucket_of(day, size)
        if not out or out[-1] != b:
            out.append(b)
        day += timedelta(days=1)
    return out


# ---------------------------------------------------------------- overview panels


@dataclass
class Totals:
    interactions: int
    people: int
    previous_interactions: int
    text_feedback: int


def _zone_name(tz: tzinfo) -> str:
    key = getattr(tz, "key", None)
    if key:
        return str(key)
    return "UTC" if tz.utcoffset(datetime(2000, 1, 1)) == timedelta(0) else str(tz)


def _rollup_zone(session: Session, f: Filters) -> str | None:
    """The zone whose rollups answer `f`, or None (audience and segment are people's
    attributes, which rollups do not keep; a zone the workspace does not keep)."""
    if f.audience or f.segment:
        return None
    name = _zone_name(f.tz)
    return name if name in rollups.zones(session) else None


def _use_rollups(session: Session, f: Filters) -> bool:
    return _rollup_zone(session, f) is not None


def _local_days(f: Filters) -> tuple[date, date]:
    first = f.start.astimezone(f.tz).date()
    last = f.end.astimezone(f.tz).date()
    return first, max(last, first + timedelta(days=1))


@dataclass
class _Folded:
    """One period's rollup rows folded once into what every overview panel reads; `by_day`
    and `sentiment_by_day` are keyed by the chart's bucket ("YYYY-MM-DD" of the day, or of
    the Monday of its week for ranges charted by week)."""

    volume: int = 0
    texts: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_day: dict[str, int] = field(default_factory=dict)
    sentiment_by_day: dict[tuple[str, str], int] = field(default_factory=dict)
    negative_by_channel: dict[str, list[int]] = field(default_factory=dict)


def _folded(session: Session, f: Filters) -> _Folded:
    """The period's rollup rows (days x channels, summed over languages or of one) folded
    into totals, per channel, per day and per (day, sentiment): one pass per period and
    session (request), however many panels read them."""
    zone = _rollup_zone(session, f)
    assert zone is not None
    first, last = _local_days(f)
    memo_key = ("sada.dashboards.folded", zone, first, last, f.channel, f.language)
    cached = session.info.get(memo_key)
    if isinstance(cached, _Folded):
        return cached
    out = _Folded()
    by_channel: dict[str, int] = defaultdict(int)
    by_day: dict[str, int] = defaultdict(int)
    sentiment: dict[tuple[str, str], int] = defaultdict(int)
    negative = out.negative_by_channel
    volume = texts = 0
    days: dict[Any, str] = {}
    for day, channel, n, t, pos, neu, neg in _rollup_rows(session, zone, first, last, f):
        key = days.get(day)
        if key is None:
            key = days[day] = day.isoformat() if isinstance(day, date) else str(day)[:10]
        volume += n
        texts += t
        by_channel[channel] += n
        by_day[key] += n
        analysed = pos + neu + neg
        if analysed:
            if pos:
                sentiment[(key, "positive")] += pos
            if neu:
                sentiment[(key, "neutral")] += neu
            if neg:
                sentiment[(key, "negative")] += neg
            pair = negative.get(channel)
            if pair is None:
                negative[channel] = [neg, analysed]
            else:
                pair[0] += neg
                pair[1] += analysed
    out.volume, out.texts = volume, texts
    out.by_channel = dict(by_channel)
    out.by_day = dict(by_day)
    out.sentiment_by_day = dict(sentiment)
    session.info[memo_key] = out
    return out


def _rollup_rows(session: Session, zone: str, first: date, last: date, f: Filters) -> list[Any]:
    """(bucket, channel, n, texts, positive, neutral, negative) of the outside party's voice
    for local days first <= day < last: the rows of the language (or of all languages, "*"),
    one per day and channel by the rollup's unique key, so nothing to group by day; ranges
    charted by week (`bucket_size`) are summed per week (Monday) and channel in the database
    (a year: ~640 rows, not ~4,400). Read as stored (no per-value conversion); `_folded` only."""
    where = "workspace_id = :ws AND zone = :zone AND language = :language AND voice "
    where += "AND day >= :first AND day < :last"
    sqlite = dialect_name(session) == "sqlite"
    params: dict[str, Any] = {
        "ws": bound_workspace(session),
        "zone": zone,
        "language": f.language if f.language is not None else rollups.ALL,
        "first": first.isoformat() if sqlite else first,
        "last": last.isoformat() if sqlite else last,
    }
    if f.channel is not None:
        where += " AND channel = :channel"
        params["channel"] = f.channel
    if bucket_size(f) == "day":
        sql = (
            "SELECT day, channel, n, texts, positive, neutral, negative "
            f"FROM interaction_rollups WHERE {where}"
        )
    else:
        if sqlite:  # the Monday of the day's week (%w: Sunday 0)
            week = "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')"
        else:
            week = "(day - CAST(EXTRACT(ISODOW FROM day) AS integer) + 1)"
        sql = (
            f"SELECT {week} AS bucket, channel, sum(n), sum(texts), sum(positive), "
            f"sum(neutral), sum(negative) FROM interaction_rollups WHERE {where} "
            "GROUP BY bucket, channel"
        )
    return list(session.execute(text(sql), params).all())


def totals(session: Session, f: Filters) -> Totals:
    def count(filters: Filters) -> tuple[int, int]:
        if _use_rollups(session, filters):
            folded = _folded(session, filters)
            return folded.volume, folded.texts
        row = session.execute(
            _where(select(func.count(), func.count(Interaction.text)), filters)
        ).one()
        return int(row[0]), int(row[1])

    n, texts = count(f)
    prev, _t = count(f.previous())
    people = _distinct_people(session, f)
    return Totals(interactions=n, people=people, previous_interactions=prev, text_feedback=texts)


def _distinct_people(session: Session, f: Filters) -> int:
    # Distinct people do not add up across days: counted over the per-day who-spoke rows.
    zone = _rollup_zone(session, f)
    if zone is not None:
        first, last = _local_days(f)
        return rollup_reads.distinct_people(
            session, zone, first, last, channel=f.channel, language=f.language
        )
    return int(
        session.execute(
            _where(select(func.count(func.distinct(Interaction.person_id))), f)
        ).scalar_one()
    )


def volume_by_channel(session: Session, f: Filters) -> list[tuple[str, int]]:
    if _use_rollups(session, f):
        rows: Any = [(c, n) for c, n in _folded(session, f).by_channel.items() if n]
    else:
        rows = session.execute(
            _where(select(Interaction.channel, func.count()), f).group_by(Interaction.channel)
        ).all()
    return sorted(((c, int(n)) for c, n in rows), key=lambda r: (-r[1], r[0]))


def volume_over_time(session: Session, f: Filters) -> list[tuple[date, int]]:
    if _use_rollups(session, f):
        rows: Any = list(_folded(session, f).by_day.items())
    else:
        day = _local_day(session, f).label("day")
        rows = session.execute(_where(select(day, func.count()), f).group_by(day)).all()
    size = bucket_size(f)
    counts: dict[date, int] = defaultdict(int)
    for d, n in rows:
        counts[_bucket_of(date.fromisoformat(d), size)] += int(n)
    return [(b, counts.get(b, 0)) for b in buckets(f)]


@dataclass
class SentimentPoint:
    bucket: date
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def n(self) -> int:
        return self.positive + self.neutral + self.negative

    def share(self, label: str) -> float | None:
        return getattr(self, label) / self.n if self.n else None


def sentiment_over_time(session: Session, f: Filters) -> list[SentimentPoint] | None:
    analysis = text_model()
    if analysis is None:
        return None
    if _use_rollups(session, f):
        per = _folded(session, f).sentiment_by_day
        rows: Any = [(d, label, n) for (d, label), n in per.items()]
    else:
        day = _local_day(session, f).label("day")
        query = (
            select(day, analysis.sentiment, func.count())
            .join(analysis, analysis.interaction_id == Interaction.id)
            .group_by(day, analysis.sentiment)
        )
        rows = session.execute(_where(query, f)).all()
    size = bucket_size(f)
    points = {b: SentimentPoint(b) for b in buckets(f)}
    for d, label, n in rows:
        b = _bucket_of(date.fromisoformat(d), size)
        if b in points and label in SENTIMENTS:
            setattr(points[b], label, getattr(points[b], label) + int(n))
    return list(points.values())


@dataclass
class TopicStat:
    name: str
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    mixed: int = 0
    examples: list[tuple[int, str, str]] = field(default_factory=list)  # (id, polarity, text)

    @property
    def n(self) -> int:
        return self.positive + self.neutral + self.negative + self.mixed


def top_topics(session: Session, f: Filters, *, limit: int = 6) -> list[TopicStat] | None:
    """Aspects and workspace topics mentioned in the period's analyses, with examples."""
    analysis = text_model()
    if analysis is None:
        return None
    zone = _rollup_zone(session, f)
    stats: dict[str, TopicStat] = {}
    candidates: dict[tuple[str, str], list[int]] = {}
    if zone is not None:
        first, last = _local_days(f)
        for name, values in rollup_reads.topic_sums(
            session, zone, first, last, channel=f.channel, language=f.language
        ).items():
            positive, neutral, negative, mixed = values
            stats[name] = TopicStat(name, positive, neutral, negative, mixed)
    else:  # audience or segment filters, or a zone without rollups: read the analyses
        query = select(Interaction.id, analysis.aspects, analysis.topics, analysis.sentiment).join(
            analysis, analysis.interaction_id == Interaction.id
        )
        rows = session.execute(_where(query, f).order_by(Interaction.occurred_at.desc()))
        for iid, aspects, topics, sentiment in rows:
            for name, polarity in rollups.topic_items(aspects, topics, sentiment):
                stat = stats.setdefault(name, TopicStat(name))
                setattr(stat, polarity, getattr(stat, polarity) + 1)
                if polarity in ("positive", "negative"):
                    ids = candidates.setdefault((name, polarity), [])
                    if len(ids) < 2:
                        ids.append(iid)
    ranked = sorted((s for s in stats.values() if s.n), key=lambda s: (-s.n, s.name))[:limit]
    if zone is not None:
        first, last = _local_days(f)
        candidates = rollup_reads.topic_examples(
            session,
            zone,
            first,
            last,
            [s.name for s in ranked],
            channel=f.channel,
            language=f.language,
        )
    wanted = {
        iid: key
        for stat in ranked
        for polarity in ("negative", "positive")
        for key in [(stat.name, polarity)]
        for iid in candidates.get(key, [])
    }
    if wanted:
        found = session.execute(
            select(analysis.interaction_id, analysis.sentences).where(
                analysis.interaction_id.in_(list(wanted))
            )
        ).all()
        by_name = {stat.name: stat for stat in ranked}
        for iid, sentences in found:
            name, polarity = wanted[iid]
            clause = _aspect_clause(sentences, name, polarity)
            if clause:
                by_name[name].examples.append((iid, polarity, clause))
    for stat in ranked:
        stat.examples.sort(key=lambda e: e[1])  # negative first
    return ranked


def _aspect_clause(sentences: Any, aspect: str, polarity: str) -> str | None:
    for sentence in sentences or []:
        for a in sentence.get("aspects", []):
            if a.get("aspect") == aspect and a.get("polarity") == polarity:
                return str(a.get("text") or sentence.get("text") or "")[:280]
    return None


@dataclass
class Change:
    what: str  # "volume" or "negative_share"
    channel: str
    before: float
    after: float
    n_before: int
    n_after: int
    z: float


def significant_changes(
    session: Session,
    f: Filters,
    *,
    z_min: float = 1.96,
    current: list[tuple[str, int]] | None = None,
) -> list[Change]:
    """Channels whose volume or negative share moved beyond chance, this period vs the last."""
    now = dict(current if current is not None else volume_by_channel(session, f))
    before = dict(volume_by_channel(session, f.previous()))
    changes: list[Change] = []
    for channel in sorted(set(now) | set(before)):
        a, b = before.get(channel, 0), now.get(channel, 0)
        # Poisson counts over equal spans: z = (b - a) / sqrt(a + b).
        if a + b >= 20:
            z = (b - a) / math.sqrt(a + b)
            if abs(z) >= z_min and a > 0:
                changes.append(Change("volume", channel, a, b, a, b, z))
    analysis = text_model()
    if analysis is not None:
        neg_now = _negative_by_channel(session, f, analysis)
        neg_before = _negative_by_channel(session, f.previous(), analysis)
        for channel in sorted(set(neg_now) & set(neg_before)):
            (k1, n1), (k2, n2) = neg_before[channel], neg_now[channel]
            if n1 < 20 or n2 < 20:
                continue
            p1, p2 = k1 / n1, k2 / n2
            pooled = (k1 + k2) / (n1 + n2)
            se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            if se > 0 and abs(p2 - p1) / se >= z_min:
                changes.append(Change("negative_share", channel, p1, p2, n1, n2, (p2 - p1) / se))
    return sorted(changes, key=lambda c: -abs(c.z))[:8]


def _negative_by_channel(session: Session, f: Filters, analysis: Any) -> dict[str, tuple[int, int]]:
    if _use_rollups(session, f):
        out = _folded(session, f).negative_by_channel
        return {c: (k, n) for c, (k, n) in out.items()}
    query = (
        select(
            Interaction.channel,
            func.sum(func.cast(analysis.sentiment == "negative", _int_type())),
            func.count(),
        )
        .join(analysis, analysis.interaction_id == Interaction.id)
        .group_by(Interaction.channel)
    )
    return {c: (int(k or 0), int(n)) for c, k, n in session.execute(_where(query, f))}


def _int_type() -> Any:
    from sqlalchemy import Integer

    return Integer()


_OPTIONS_TTL = 120.0
_options_cache: dict[int, tuple[float, dict[str, list[str]]]] = {}
_options_lock = threading.Lock()


def filter_options(session: Session, tz: tzinfo = UTC) -> dict[str, list[str]]:
    """Values offered in the filter menus; cached two minutes per workspace (full scans)."""
    workspace_id = bound_workspace(session)
    now = time.monotonic()
    with _options_lock:
        hit = _options_cache.get(workspace_id)
        if hit is not None and now - hit[0] < _OPTIONS_TTL:
            return hit[1]
    options = _filter_options(session, tz)
    with _options_lock:
        if len(_options_cache) > 1000:
            _options_cache.clear()
        _options_cache[workspace_id] = (now, options)
    return options


def _filter_options(session: Session, tz: tzinfo) -> dict[str, list[str]]:
    zone = _zone_name(tz)
    if zone in rollups.zones(session):
        from sada.interactions.models import InteractionRollup as R

        pairs = session.execute(
            select(R.channel, R.language)
            .where(R.zone == zone, R.n > 0, R.language != rollups.ALL)
            .distinct()
        ).all()
    else:
        pairs = session.execute(
            select(Interaction.channel, func.coalesce(Interaction.language, "")).distinct()
        ).all()
    channels = sorted({c for c, _l in pairs if c})
    languages = sorted({lang for _c, lang in pairs if lang})
    audiences = sorted(a for (a,) in session.execute(select(Person.audience).distinct()).all() if a)
    labels = {s for (s,) in session.execute(select(Person.segment).distinct()).all() if s}
    segments = sorted(labels | known_keys(session))
    return {
        "channels": channels,
        "languages": languages[:50],
        "audiences": audiences,
        "segments": segments[:100],
    }
