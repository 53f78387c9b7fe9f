"""Listening figures: the summary (mentions, share of voice, net sentiment, reach per brand with
95% intervals), spikes, top authors, and the posts behind a number (drill-down)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.interactions.models import Interaction
from sada.listening import days as local
from sada.listening import spikes as spike_math
from sada.listening.brands import list_brands
from sada.listening.models import ALL_ASPECTS, ListeningDay, ListeningMention, ListeningSpike

SENTIMENTS = ("positive", "negative", "neutral", "mixed")
Z95 = 1.96


# ---------------------------------------------------------------- spikes


def _daily(
    session: Session, start: date, end: date, brand_ids: Sequence[int] | None = None
) -> dict[int, dict[date, tuple[int, int]]]:
    query = (
        select(
            ListeningDay.brand_id,
            ListeningDay.day,
            func.sum(ListeningDay.mentions),
            func.sum(ListeningDay.negative),
        )
        .where(
            ListeningDay.aspect == ALL_ASPECTS,
            ListeningDay.day >= start,
            ListeningDay.day <= end,
        )
        .group_by(ListeningDay.brand_id, ListeningDay.day)
    )
    if brand_ids is not None:
        query = query.where(ListeningDay.brand_id.in_(list(brand_ids)))
    out: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    for brand_id, day, mentions, negative in session.execute(query):
        out[brand_id][day] = (int(mentions or 0), int(negative or 0))
    return out


def _first_days(session: Session) -> dict[int, date]:
    rows = session.execute(
        select(ListeningDay.brand_id, func.min(ListeningDay.day)).group_by(ListeningDay.brand_id)
    ).all()
    return {b: d for b, d in rows}


def spikes_between(session: Session, start: date, end: date) -> list[dict[str, Any]]:
    """Spikes of every brand on the days from `start` to `end` (weekday history before it)."""
    history_start = start - timedelta(days=7 * spike_math.WEEKS)
    daily = _daily(session, history_start, end)
    firsts = _first_days(session)
    names = {b.id: b for b in list_brands(session)}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    out: list[dict[str, Any]] = []
    for brand_id, counts in daily.items():
        brand = names.get(brand_id)
        if brand is None:
            continue
        for s in spike_math.detect(counts, days, first=firsts.get(brand_id)):
            out.append({"brand_id": brand_id, "brand": brand.name, **s.to_dict()})
    out.sort(key=lambda s: (str(s["day"]), float(s["score"])), reverse=True)
    return out


def detect_recent(session: Session, now: datetime | None = None) -> list[ListeningSpike]:
    """Record and announce (`listening.spike`) spikes of today and yesterday, once each."""
    now = now or utcnow()
    today = local.local_day(now, local.rollup_zone(session))
    found = spikes_between(session, today - timedelta(days=1), today)
    new: list[ListeningSpike] = []
    for s in found:
        day = date.fromisoformat(s["day"])
        exists = session.execute(
            select(ListeningSpike.id).where(
                ListeningSpike.brand_id == s["brand_id"],
                ListeningSpike.day == day,
                ListeningSpike.metric == s["metric"],
            )
        ).first()
        if exists is not None:
            continue
        row = ListeningSpike(
            workspace_id=bound_workspace(session),
            brand_id=s["brand_id"],
            day=day,
            metric=s["metric"],
            value=s["value"],
            expected=s["expected"],
            score=s["score"],
            details=s,
        )
        session.add(row)
        session.flush()
        publish(session, "listening.spike", {"spike_id": row.id, **s})
        new.append(row)
    return new


# ---------------------------------------------------------------- summary


def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 0.0
    p = k / n
    den = 1 + Z95**2 / n
    mid = (p + Z95**2 / (2 * n)) / den
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def _net(pos: int, neg: int, n: int) -> dict[str, Any]:
    """Net sentiment (positive share minus negative share) with a 95% interval."""
    if n == 0:
        return {"value": None, "low": None, "high": None}
    p, q = pos / n, neg / n
    net = p - q
    se = math.sqrt(max(p + q - net * net, 0.0) / n)
    return {
        "value": round(net, 4),
        "low": round(max(-1.0, net - Z95 * se), 4),
        "high": round(min(1.0, net + Z95 * se), 4),
    }


def _moment_or_day(value: str | datetime, field: str, tz: tzinfo) -> date:
    """A local day from a date (`2026-03-10`, a day of the rollups' zone) or an instant with
    an offset (`2026-03-10T21:00:00Z`: the local day it falls on)."""
    if isinstance(value, datetime):
        at = value
    else:
        text = value.strip()
        if len(text) == 10:
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise Invalid(
                    f"{field}: a date like 2026-01-31 or an instant with an offset",
                    details={"field": field},
                ) from None
        try:
            at = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise Invalid(
                f"{field}: a date like 2026-01-31 or an instant with an offset",
                details={"field": field},
            ) from None
    if at.tzinfo is None:
        raise Invalid(
            "from/to need a time zone offset, e.g. 2026-01-01T00:00:00Z (or a plain date)",
            details={"field": field},
        )
    return local.local_day(at, tz)


def parse_range(
    since: str | datetime | None, until: str | datetime | None, tz: tzinfo = UTC
) -> tuple[date, date]:
    """First and last local day (in the rollups' zone `tz`) of `from`/`to`: 30 days to today
    by default."""
    end = _moment_or_day(until, "to", tz) if until else local.local_day(utcnow(), tz)
    start = _moment_or_day(since, "from", tz) if since else end - timedelta(days=29)
    if start > end:
        raise Invalid("from must not be after to", details={"field": "from"})
    if (end - start).days > 3660:
        raise Invalid("at most ten years at once", details={"field": "from"})
    return start, end


def summary(
    session: Session, start: date, end: date, *, language: str | None = None
) -> dict[str, Any]:
    """Per brand: mentions, share of voice, net sentiment, reach (intervals: 95%); volume per
    day; spikes; aspects side by side; top authors by reach."""
    brands = list_brands(session)
    query = (
        select(
            ListeningDay.brand_id,
            ListeningDay.day,
            ListeningDay.aspect,
            func.sum(ListeningDay.mentions),
            func.sum(ListeningDay.positive),
            func.sum(ListeningDay.negative),
            func.sum(ListeningDay.reach),
        )
        .where(ListeningDay.day >= start, ListeningDay.day <= end)
        .group_by(ListeningDay.brand_id, ListeningDay.day, ListeningDay.aspect)
    )
    if language:
        query = query.where(ListeningDay.language == language)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    series: dict[int, dict[date, list[int]]] = defaultdict(dict)
    aspects: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for brand_id, day, aspect, n, pos, neg, reach in session.execute(query):
        n, pos, neg, reach = int(n or 0), int(pos or 0), int(neg or 0), int(reach or 0)
        if aspect == ALL_ASPECTS:
            t = totals[brand_id]
            t[0] += n
            t[1] += pos
            t[2] += neg
            t[3] += reach
            series[brand_id][day] = [n, neg]
        else:
            a = aspects[brand_id][aspect]
            a[0] += n
            a[1] += pos
            a[2] += neg
    all_mentions = sum(t[0] for t in totals.values())
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    out_brands = []
    for b in brands:
        n, pos, neg, reach = totals.get(b.id, [0, 0, 0, 0])
        low, high = _wilson(n, all_mentions)
        out_brands.append(
            {
                "id": b.id,
                "name": b.name,
                "kind": b.kind,
                "mentions": n,
                "positive": pos,
                "negative": neg,
                "neutral": n - pos - neg,
                "share_of_voice": {
                    "value": round(n / all_mentions, 4) if all_mentions else None,
                    "low": round(low, 4) if all_mentions else None,
                    "high": round(high, 4) if all_mentions else None,
                },
                "net_sentiment": _net(pos, neg, n),
                "reach": reach,
                "volume": [series[b.id].get(d, [0, 0])[0] for d in days],
                "negative_by_day": [series[b.id].get(d, [0, 0])[1] for d in days],
                "aspects": {
                    name: {"mentions": a[0], "net_sentiment": _net(a[1], a[2], a[0])["value"]}
                    for name, a in sorted(aspects[b.id].items())
                },
            }
        )
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "zone": local.zone_name(local.rollup_zone(session)),
        "language": language,
        "mentions": all_mentions,
        "days": [d.isoformat() for d in days],
        "brands": out_brands,
        "aspects": sorted({a for per in aspects.values() for a in per}),
        "spikes": spikes_between(session, start, end),
        "top_authors": top_authors(session, start, end, language=language),
    }


def _bounds(session: Session, start: date, end: date) -> tuple[datetime, datetime]:
    return local.bounds(start, end, local.rollup_zone(session))


def top_authors(
    session: Session, start: date, end: date, *, language: str | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    """Authors of the period by reach (their largest audience), with posts and engagement.

    Walks the period's mentions from the largest reach down (an index on reach) until
    `limit` authors are found, then counts those authors' posts: never a scan of the period.
    """
    lo, hi = _bounds(session, start, end)
    # Long periods: walk the reach index (the time condition wrapped so that no planner
    # prefers the time index and sorts the whole period); short ones: the time index.
    at: Any = ListeningMention.at
    if (end - start).days > 14:
        at = func.coalesce(ListeningMention.at, ListeningMention.at)
    conditions = [at >= lo, at < hi, ListeningMention.author.is_not(None)]
    if language:
        conditions.append(ListeningMention.language == language)
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    # A few rows per wanted author first (most of the top rows are distinct authors), then
    # pages twice as long: a language's rows are a fraction of the walk, each a heap visit.
    offset, page = 0, max(4 * limit, 20)
    while len(chosen) < limit:
        rows = session.execute(
            select(
                ListeningMention.author,
                ListeningMention.network,
                ListeningMention.person_id,
                ListeningMention.reach,
            )
            .where(*conditions)
            .order_by(ListeningMention.reach.desc())
            .limit(page)
            .offset(offset)
        ).all()
        for author, network, person_id, reach in rows:
            key = (str(author), network)
            if key not in chosen and len(chosen) < limit:
                chosen[key] = {
                    "author": author,
                    "network": network,
                    "person_id": person_id,
                    "reach": int(reach or 0),
                }
        if len(rows) < page or offset > 20_000:
            break
        offset += page
        page = min(2 * page, 2000)
    if not chosen:
        return []
    counts = session.execute(
        select(
            ListeningMention.author,
            ListeningMention.network,
            func.count(func.distinct(ListeningMention.interaction_id)),
            func.sum(ListeningMention.engagement),
        )
        .where(
            func.coalesce(ListeningMention.at, ListeningMention.at) >= lo,
            func.coalesce(ListeningMention.at, ListeningMention.at) < hi,
            ListeningMention.author.in_([a for a, _n in chosen]),
            *([ListeningMention.language == language] if language else []),
        )
        .group_by(ListeningMention.author, ListeningMention.network)
    ).all()
    for author, network, posts, engagement in counts:
        found = chosen.get((str(author), network))
        if found is not None:
            found["posts"] = int(posts or 0)
            found["engagement"] = int(engagement or 0)
    return [{"posts": 0, "engagement": 0, **a} for a in chosen.values()]


# ---------------------------------------------------------------- drill-down


def posts(
    session: Session,
    *,
    start: date,
    end: date,
    brand_id: int | None = None,
    sentiment: str | None = None,
    aspect: str | None = None,
    language: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The posts behind a number: newest first, with the clause about the brand."""
    lo, hi = _bounds(session, start, end)
    query = (
        select(ListeningMention, Interaction.text, Interaction.attributes)
        .join(Interaction, Interaction.id == ListeningMention.interaction_id)
        .where(ListeningMention.at >= lo, ListeningMention.at < hi)
        .order_by(ListeningMention.at.desc(), ListeningMention.id.desc())
    )
    if brand_id is not None:
        query = query.where(ListeningMention.brand_id == brand_id)
    if sentiment:
        query = query.where(ListeningMention.sentiment == sentiment)
    if language:
        query = query.where(ListeningMention.language == language)
    rows = session.execute(query.limit(limit if not aspect else 5000).offset(offset)).all()
    names = {b.id: b.name for b in list_brands(session)}
    out = []
    for m, text, attrs in rows:
        if aspect and aspect not in (m.aspects or []):
            continue
        out.append(
            {
                "interaction_id": m.interaction_id,
                "brand_id": m.brand_id,
                "brand": names.get(m.brand_id, ""),
                "at": m.at.isoformat(),
                "network": m.network,
                "language": m.language,
                "author": m.author,
                "person_id": m.person_id,
                "text": text or "",
                "clause": m.clause,
                "sentiment": m.sentiment,
                "aspects": list(m.aspects or []),
                "reach": m.reach,
                "engagement": m.engagement,
                "needs_answer": m.needs_answer,
                "url": (attrs or {}).get("url"),
            }
        )
        if len(out) >= limit:
            break
    return out
