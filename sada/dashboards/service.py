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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, and_, exists, func, literal, or_, select, text
from sqlalchemy.orm import Session

from sada.core import spreadsheets
from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.interactions.models import Interaction, Touchpoint
from sada.people.models import Person
from sada.text.normalize import fold_for_search

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT_PERIOD = "30d"
SENTIMENTS = ("positive", "neutral", "negative")
# (highest "low" rating, lowest "high" rating) per scale: detractor/passive/promoter for NPS.
SCORE_BANDS: dict[str, tuple[float, float]] = {
    "nps": (6, 9),
    "enps": (6, 9),
    "scale10": (6, 9),
    "csat5": (2, 4),
    "stars5": (2, 4),
    "csat7": (3, 6),
    "ces7": (3, 6),
}
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
    query = query.where(Interaction.occurred_at >= f.start, Interaction.occurred_at < f.end)
    if f.channel:
        query = query.where(Interaction.channel == f.channel)
    if f.language:
        query = query.where(Interaction.language == f.language)
    if f.audience or f.segment:
        person = select(Person.id)
        if f.audience:
            person = person.where(Person.audience == f.audience)
        if f.segment:
            person = person.where(Person.segment == f.segment)
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


def _use_cube(f: Filters) -> bool:
    """The cube knows day, channel and language; people's audience and segment need SQL."""
    return not (f.audience or f.segment)


def _cube_rows(session: Session, f: Filters, table: str) -> Iterator[tuple[tuple[Any, ...], int]]:
    from sada.dashboards import cube as cubes

    data = cubes.cube_for(session, f.tz)
    bounds = cubes.day_range(f.start, f.end, f.tz)
    for key, n in getattr(data, table).items():
        day, channel, language = key[0], key[1], key[2]
        if not cubes.in_range(day, bounds):
            continue
        if f.channel and channel != f.channel:
            continue
        if f.language and language != f.language:
            continue
        yield key, n


def totals(session: Session, f: Filters) -> Totals:
    def count(filters: Filters) -> tuple[int, int]:
        if _use_cube(filters):
            n = sum(v for _k, v in _cube_rows(session, filters, "volume"))
            texts = sum(v for _k, v in _cube_rows(session, filters, "texts"))
            return n, texts
        row = session.execute(
            _where(select(func.count(), func.count(Interaction.text)), filters)
        ).one()
        return int(row[0]), int(row[1])

    n, texts = count(f)
    prev, _t = count(f.previous())
    people = _distinct_people(session, f)
    return Totals(interactions=n, people=people, previous_interactions=prev, text_feedback=texts)


def _distinct_people(session: Session, f: Filters) -> int:
    if _use_cube(f) and not f.channel and not f.language:
        from sada.dashboards import cube as cubes

        data = cubes.cube_for(session, f.tz)
        if data.people is not None:
            bounds = cubes.day_range(f.start, f.end, f.tz)
            seen: set[int] = set()
            for day, ids in data.people.items():
                if cubes.in_range(day, bounds):
                    seen |= ids
            return len(seen)
    return int(
        session.execute(
            _where(select(func.count(func.distinct(Interaction.person_id))), f)
        ).scalar_one()
    )


def volume_by_channel(session: Session, f: Filters) -> list[tuple[str, int]]:
    if _use_cube(f):
        counts: dict[str, int] = defaultdict(int)
        for key, n in _cube_rows(session, f, "volume"):
            counts[key[1]] += n
        rows: Any = [(c, n) for c, n in counts.items() if n]
    else:
        rows = session.execute(
            _where(select(Interaction.channel, func.count()), f).group_by(Interaction.channel)
        ).all()
    return sorted(((c, int(n)) for c, n in rows), key=lambda r: (-r[1], r[0]))


def volume_over_time(session: Session, f: Filters) -> list[tuple[date, int]]:
    if _use_cube(f):
        per_day: dict[str, int] = defaultdict(int)
        for key, n in _cube_rows(session, f, "volume"):
            per_day[key[0]] += n
        rows: Any = list(per_day.items())
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
    if _use_cube(f):
        per: dict[tuple[str, str], int] = defaultdict(int)
        for key, n in _cube_rows(session, f, "sentiment"):
            per[(key[0], key[3])] += n
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


def top_topics(
    session: Session, f: Filters, *, limit: int = 6, scan: int = 3000
) -> list[TopicStat] | None:
    """Aspects and workspace topics of the most recent analyses in the period, with examples."""
    analysis = text_model()
    if analysis is None:
        return None
    query = (
        select(Interaction.id, analysis.aspects, analysis.topics, analysis.sentiment)
        .join(analysis, analysis.interaction_id == Interaction.id)
        .order_by(Interaction.occurred_at.desc())
        .limit(scan)
    )
    stats: dict[str, TopicStat] = {}
    candidates: dict[tuple[str, str], list[int]] = {}
    for iid, aspects, topics, sentiment in session.execute(_where(query, f)):
        for aspect in aspects or []:
            name = str(aspect.get("aspect", ""))
            polarity = str(aspect.get("polarity", "neutral"))
            if not name:
                continue
            stat = stats.setdefault(name, TopicStat(name))
            if polarity in ("positive", "neutral", "negative", "mixed"):
                setattr(stat, polarity, getattr(stat, polarity) + 1)
            if polarity in ("positive", "negative"):
                ids = candidates.setdefault((name, polarity), [])
                if len(ids) < 2:
                    ids.append(iid)
        for topic in topics or []:
            name = "#" + str(topic.get("name", ""))
            stat = stats.setdefault(name, TopicStat(name))
            label = sentiment if sentiment in SENTIMENTS else "neutral"
            setattr(stat, label, getattr(stat, label) + 1)
    ranked = sorted(stats.values(), key=lambda s: -s.n)[:limit]
    wanted = {
        iid: key
        for stat in ranked
        for polarity in ("negative", "positive")
        for key in [(stat.name, polarity)]
        for iid in candidates.get(key, [])
    }
    if wanted:
        rows = session.execute(
            select(analysis.interaction_id, analysis.sentences).where(
                analysis.interaction_id.in_(list(wanted))
            )
        ).all()
        by_name = {stat.name: stat for stat in ranked}
        for iid, sentences in rows:
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
    if _use_cube(f):
        out: dict[str, list[int]] = {}
        for key, n in _cube_rows(session, f, "sentiment"):
            pair = out.setdefault(key[1], [0, 0])
            pair[1] += n
            if key[3] == "negative":
                pair[0] += n
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


def metric_trends(session: Session, f: Filters) -> list[dict[str, Any]] | None:
    """NPS/CSAT/CES over the period from `sada.metrics`, with 95% intervals and n.

    None when the metrics domain is not installed; metrics without responses are left out.
    Each entry: {"metric", "value", "low", "high", "n", "points": [...], "change": {...}}.
    """
    try:
        svc = importlib.import_module("sada.metrics.service")
    except ImportError:
        return None
    if not hasattr(svc, "summarize") or not hasattr(svc, "MetricFilter"):
        return None
    from sada.core.errors import SadaError

    since = f.start.astimezone(f.tz).date()
    until = f.end.astimezone(f.tz).date()
    prev = f.previous()
    dims = {
        k: v
        for k, v in (
            ("channel", f.channel),
            ("audience", f.audience),
            ("segment", f.segment),
            ("language", f.language),
        )
        if v
    }
    by = "day" if f.days <= 14 else "week" if f.days <= 120 else "month"
    out: list[dict[str, Any]] = []
    for metric in ("nps", "csat", "ces"):
        try:
            mf = svc.MetricFilter(metric=metric, since=since, until=until, filters=dict(dims))
            result = svc.summarize(session, mf, by=by)
            if not result.get("n"):
                continue
            before = svc.MetricFilter(
                metric=metric,
                since=prev.start.astimezone(f.tz).date(),
                until=since,
                filters=dict(dims),
            )
            change = svc.compare_filters(session, before, mf)
        except (SadaError, ValueError, KeyError):
            continue
        points = [
            {
                "bucket": date.fromisoformat(p["start"]),
                "value": p.get(metric),
                "low": p.get("ci_low"),
                "high": p.get("ci_high"),
                "n": int(p.get("n") or 0),
            }
            for p in result.get("periods", [])
        ]
        out.append(
            {
                "metric": metric,
                "value": result.get(metric),
                "low": result.get("ci_low"),
                "high": result.get("ci_high"),
                "n": int(result.get("n") or 0),
                "points": points,
                "change": change,
            }
        )
    return out


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
    from sada.dashboards import cube as cubes

    data = cubes.cube_for(session, tz)
    channels = sorted({key[1] for key, n in data.volume.items() if n and key[1]})
    languages = sorted({key[2] for key, n in data.volume.items() if n and key[2]})
    audiences = sorted(a for (a,) in session.execute(select(Person.audience).distinct()).all() if a)
    segments = sorted(s for (s,) in session.execute(select(Person.segment).distinct()).all() if s)
    return {
        "channels": channels,
        "languages": languages[:50],
        "audiences": audiences,
        "segments": segments[:100],
    }


# ---------------------------------------------------------------- feedback explorer


@dataclass
class ExplorerQuery:
    filters: Filters
    q: str = ""
    sentiment: str | None = None
    band: str | None = None  # "low", "mid", "high"
    topic: str | None = None


@dataclass
class FeedbackRow:
    id: int
    occurred_at: datetime
    channel: str
    touchpoint: str | None
    language: str | None
    subject: str | None
    text: str
    rating: float | None
    rating_scale: str | None
    person_id: int | None
    person_name: str | None
    sentiment: str | None = None
    sentences: list[dict[str, Any]] = field(default_factory=list)
    aspects: list[dict[str, Any]] = field(default_factory=list)


_FOLD_FROM = "آأإٱيىئكةۀؤ٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
_FOLD_TO = "اااا" + "ییی" + "ک" + "هه" + "و" + "0123456789" * 2
assert len(_FOLD_FROM) == len(_FOLD_TO)
# Removed by folding: zero-width characters, tatweel and Arabic diacritics.
_FOLD_DROP = "\u200b\u200c\u200d\u2060\ufeff\u0640" + "".join(
    chr(c) for c in [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670]
)


def _folded_text_matches(session: Session, q: str) -> Any:
    """A condition: the folded text contains the folded query (same folding as sada.text)."""
    folded = fold_for_search(q)
    like = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if dialect_name(session) == "postgresql":
        expr = func.translate(func.lower(Interaction.text), _FOLD_FROM + _FOLD_DROP, _FOLD_TO)
        subject = func.translate(
            func.lower(func.coalesce(Interaction.subject, "")), _FOLD_FROM + _FOLD_DROP, _FOLD_TO
        )
        return or_(expr.like(like, escape="\\"), subject.like(like, escape="\\"))
    # SQLite: the exact Python folding, registered on this connection.
    raw: Any = session.connection().connection.driver_connection
    raw.create_function("sada_fold", 1, _fold_or_none, deterministic=True)
    return or_(
        func.sada_fold(Interaction.text).like(like, escape="\\"),
        func.sada_fold(Interaction.subject).like(like, escape="\\"),
    )


def _fold_or_none(value: str | None) -> str | None:
    return fold_for_search(value) if value else None


def _explorer_query(session: Session, eq: ExplorerQuery, analysis: Any | None) -> Select[Any]:
    query = select(Interaction).where(Interaction.text.is_not(None))
    query = _where(query, eq.filters)
    if eq.q.strip():
        query = query.where(_folded_text_matches(session, eq.q))
    if eq.band in ("low", "mid", "high"):
        conds = []
        for scale, (low, high) in SCORE_BANDS.items():
            rating = Interaction.rating
            cond = {
                "low": rating <= low,
                "mid": and_(rating > low, rating < high),
                "high": rating >= high,
            }[eq.band]
            conds.append(and_(Interaction.rating_scale == scale, cond))
        query = query.where(or_(*conds))
    if analysis is not None and (eq.sentiment or eq.topic):
        sub = select(literal(1)).where(analysis.interaction_id == Interaction.id)
        if eq.sentiment:
            sub = sub.where(analysis.sentiment == eq.sentiment)
        if eq.topic:
            sub = sub.where(_json_has(session, analysis, eq.topic))
        query = query.where(exists(sub))
    return query


def _json_has(session: Session, analysis: Any, name: str) -> Any:
    """The analysis names `name` among its aspects (or, with a leading #, its topics)."""
    column, key = (
        (analysis.topics, "name") if name.startswith("#") else (analysis.aspects, "aspect")
    )
    value = name.lstrip("#")
    table = analysis.__tablename__
    if dialect_name(session) == "postgresql":
        import json

        return column.op("@>")(func.cast(literal(json.dumps([{key: value}])), column.type))
    return exists(
        select(literal(1))
        .select_from(text(f"json_each({table}.{column.key}) AS je"))
        .where(
            text(f"json_extract(je.value, '$.{key}') = :topic_value").bindparams(topic_value=value)
        )
    )


# Roles that see personal data (emails, phones, card numbers...) found in texts;
# the others, and exports by anyone but owners and admins, get the redacted text.
ROLES_SEEING_PII = frozenset({"owner", "admin", "manager", "agent"})
ROLES_EXPORTING_PII = frozenset({"owner", "admin"})


def explore(
    session: Session,
    eq: ExplorerQuery,
    *,
    limit: int = 50,
    offset: int = 0,
    redact: bool = False,
) -> list[FeedbackRow]:
    analysis = text_model()
    query = _explorer_query(session, eq, analysis)
    rows = list(
        session.execute(
            query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
            .offset(offset)
        ).scalars()
    )
    return _feedback_rows(session, rows, analysis, redact=redact)


def count_feedback(session: Session, eq: ExplorerQuery) -> int:
    query = _explorer_query(session, eq, text_model())
    return int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def _feedback_rows(
    session: Session, rows: list[Interaction], analysis: Any | None, *, redact: bool = False
) -> list[FeedbackRow]:
    person_ids = {r.person_id for r in rows if r.person_id}
    names = (
        dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids))).all())
        if person_ids
        else {}
    )
    tp_ids = {r.touchpoint_id for r in rows if r.touchpoint_id}
    touchpoints = (
        dict(
            session.execute(
                select(Touchpoint.id, Touchpoint.label).where(Touchpoint.id.in_(tp_ids))
            ).all()
        )
        if tp_ids
        else {}
    )
    analyses: dict[int, Any] = {}
    if analysis is not None and rows:
        for a in session.execute(
            select(analysis).where(analysis.interaction_id.in_([r.id for r in rows]))
        ).scalars():
            analyses[a.interaction_id] = a
    out = []
    for r in rows:
        a = analyses.get(r.id)
        out.append(
            FeedbackRow(
                id=r.id,
                occurred_at=r.occurred_at,
                channel=r.channel,
                touchpoint=touchpoints.get(r.touchpoint_id) if r.touchpoint_id else None,
                language=r.language or (a.language if a else None),
                subject=r.subject,
                text=_shown_text(r, a, redact),
                rating=r.rating,
                rating_scale=r.rating_scale,
                person_id=r.person_id,
                person_name=names.get(r.person_id) if r.person_id else None,
                sentiment=a.sentiment if a else None,
                sentences=_shown_sentences(r, a, redact),
                aspects=list(a.aspects or []) if a else [],
            )
        )
    return out


def _shown_text(row: Interaction, analysis: Any | None, redact: bool) -> str:
    """The original text, or the redacted one when PII was found and must be hidden.

    A text not analysed yet is redacted on the spot (PII detection is cheap; the
    slow part of the analysis is sentiment and embeddings).
    """
    if not redact:
        return row.text or ""
    if analysis is None:
        from sada.text.pii import redact as redact_pii

        return redact_pii(row.text)[0] if row.text else ""
    if analysis.pii and analysis.redacted_text is not None:
        return str(analysis.redacted_text)
    return row.text or ""


def _shown_sentences(row: Interaction, analysis: Any | None, redact: bool) -> list[dict[str, Any]]:
    """Sentences as analysed (from the redacted text); with PII access, their original words."""
    if analysis is None:
        return []
    sentences = [dict(s) for s in analysis.sentences or []]
    if redact or not analysis.pii or not row.text:
        return sentences
    for sentence in sentences:
        start, end = sentence.get("start"), sentence.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(row.text):
            sentence["text"] = row.text[start:end]
    return sentences


def iter_export(
    session: Session, eq: ExplorerQuery, *, redact: bool = False
) -> Iterator[FeedbackRow]:
    analysis = text_model()
    query = _explorer_query(session, eq, analysis).order_by(
        Interaction.occurred_at.desc(), Interaction.id.desc()
    )
    done = 0
    while done < EXPORT_LIMIT:
        rows = list(session.execute(query.limit(1000).offset(done)).scalars())
        if not rows:
            return
        yield from _feedback_rows(session, rows, analysis, redact=redact)
        done += len(rows)


EXPORT_COLUMNS = [
    "id",
    "occurred_at",
    "channel",
    "touchpoint",
    "language",
    "rating",
    "rating_scale",
    "sentiment",
    "person_id",
    "person_name",
    "subject",
    "text",
]


def export_values(row: FeedbackRow) -> list[Any]:
    return [
        row.id,
        row.occurred_at.isoformat(),
        row.channel,
        row.touchpoint or "",
        row.language or "",
        row.rating if row.rating is not None else "",
        row.rating_scale or "",
        row.sentiment or "",
        row.person_id or "",
        row.person_name or "",
        row.subject or "",
        row.text,
    ]


def csv_chunks(rows: Iterator[FeedbackRow]) -> Iterator[bytes]:
    """The explorer's rows as a streamed CSV (see sada.core.spreadsheets)."""
    return spreadsheets.csv_chunks(EXPORT_COLUMNS, (export_values(r) for r in rows))


def xlsx_bytes(rows: Iterator[FeedbackRow]) -> bytes:
    return spreadsheets.xlsx_bytes(
        EXPORT_COLUMNS, (export_values(r) for r in rows), sheet="feedback"
    )


# ---------------------------------------------------------------- person 360


def person_sentiment(session: Session, person_id: int) -> list[tuple[datetime, str, float]] | None:
    analysis = text_model()
    if analysis is None:
        return None
    rows = session.execute(
        select(Interaction.occurred_at, analysis.sentiment, analysis.sentiment_score)
        .join(analysis, analysis.interaction_id == Interaction.id)
        .where(Interaction.person_id == person_id)
        .order_by(Interaction.occurred_at.desc())
        .limit(60)
    ).all()
    return [(at, label, float(score)) for at, label, score in reversed(rows)]


def person_scores(session: Session, person_id: int) -> list[Interaction]:
    return list(
        session.execute(
            select(Interaction)
            .where(Interaction.person_id == person_id, Interaction.rating.is_not(None))
            .order_by(Interaction.occurred_at.desc())
            .limit(30)
        ).scalars()
    )


def person_channels(session: Session, person_id: int) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Interaction.channel, func.count())
        .where(Interaction.person_id == person_id)
        .group_by(Interaction.channel)
    ).all()
    return sorted(((c, int(n)) for c, n in rows), key=lambda r: -r[1])


# ---------------------------------------------------------------- the open loop


@dataclass
class OpenCase:
    id: int
    title: str
    priority: str
    due_at: datetime | None
    overdue: bool


@dataclass
class OpenLoop:
    open_cases: int
    overdue: int
    urgent: int
    latest: list[OpenCase]
    unread_alerts: int
    alerts: list[tuple[str, str | None]]


def open_loop(session: Session, user_id: int) -> OpenLoop | None:
    """Open cases and this user's unread alerts, when the cases domain is installed."""
    try:
        case_model = importlib.import_module("sada.cases.models").Case
        notification = importlib.import_module("sada.automation.models").Notification
    except (ModuleNotFoundError, AttributeError):
        return None
    now = datetime.now(UTC)
    is_open = case_model.status.in_(["open", "in_progress"])
    open_cases, overdue, urgent = session.execute(
        select(
            func.count(),
            func.count().filter(case_model.due_at < now),
            func.count().filter(case_model.priority == "urgent"),
        ).where(is_open)
    ).one()
    latest = [
        OpenCase(c.id, c.title, c.priority, c.due_at, bool(c.due_at and c.due_at < now))
        for c in session.execute(
            select(case_model).where(is_open).order_by(case_model.id.desc()).limit(5)
        ).scalars()
    ]
    unread_filter = (notification.user_id == user_id, notification.read_at.is_(None))
    unread = session.execute(select(func.count()).where(*unread_filter)).scalar_one()
    alerts = [
        (n.title, n.link)
        for n in session.execute(
            select(notification).where(*unread_filter).order_by(notification.id.desc()).limit(5)
        ).scalars()
    ]
    return OpenLoop(int(open_cases), int(overdue), int(urgent), latest, int(unread), alerts)


# ---------------------------------------------------------------- background work


@dataclass
class BackgroundWork:
    """What the job runner still has to do for a workspace, so pages can say so."""

    waiting_jobs: int
    texts: int
    analysed: int | None


def background_work(session: Session, workspace_id: int) -> BackgroundWork:
    from sada.jobs.models import Job

    waiting = session.execute(
        select(func.count()).where(
            Job.workspace_id == workspace_id, Job.status.in_(["queued", "running"])
        )
    ).scalar_one()
    texts = session.execute(
        select(func.count()).select_from(Interaction).where(Interaction.text.is_not(None))
    ).scalar_one()
    analysis = text_model()
    analysed = (
        session.execute(select(func.count()).select_from(analysis)).scalar_one()
        if analysis is not None
        else None
    )
    return BackgroundWork(int(waiting), int(texts), None if analysed is None else int(analysed))
