"""Listening services: brands, posts in, mentions and rollups, the summary, drill-down, acting.

Posts enter through the interactions service (`ingest_batch`: validation, dedupe by network id,
people by handle, backfill by age), then `record_mentions` finds the brands of the stored
posts in the same transaction and adds their counts to the daily rollup. Changing a brand
queues a re-match of the stored posts (`listening.rematch`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.orm import Session

from sada.cases import sla
from sada.cases.conversations import access_conversation, attach_interactions
from sada.cases.models import Conversation, ConversationItem
from sada.cases.service import do_create_case
from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.dialect import chunks, insert_many_ignoring_conflicts, reserve_ids
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.interactions.models import Interaction
from sada.interactions.schemas import ItemResult
from sada.interactions.service import IngestLimits, ingest_batch
from sada.jobs.service import enqueue
from sada.listening import days as local
from sada.listening import spikes as spike_math
from sada.listening.matching import BrandSpec, Matcher, Mention
from sada.listening.models import (
    ALL_ASPECTS,
    BRAND_KINDS,
    ListeningBrand,
    ListeningDay,
    ListeningMention,
    ListeningSpike,
)
from sada.listening.sources import SOURCE_PREFIX
from sada.settings import get_settings

SENTIMENTS = ("positive", "negative", "neutral", "mixed")
REMATCH_JOB = "listening.rematch"
DETECT_JOB = "listening.detect"
BATCH = 1000
SOCIAL_SLA_MINUTES = 30
SOCIAL_SLA_NAME = "Social listening"
Z95 = 1.96


# ---------------------------------------------------------------- brands


def _words(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"{field} must be a list of texts", details={"field": field})
    words = [v.strip() for v in value if v.strip()]
    if len(words) > 200:
        raise Invalid(f"{field}: at most 200 entries", details={"field": field})
    for w in words:
        if len(w) > 200:
            raise Invalid(f"{field}: each entry at most 200 characters", details={"field": field})
    return list(dict.fromkeys(words))


def brand_out(brand: ListeningBrand) -> dict[str, Any]:
    return {
        "id": brand.id,
        "name": brand.name,
        "kind": brand.kind,
        "aliases": list(brand.aliases or []),
        "exclude": list(brand.exclude or []),
        "created_at": brand.created_at.isoformat(),
        "updated_at": brand.updated_at.isoformat(),
    }


def list_brands(session: Session) -> list[ListeningBrand]:
    return list(
        session.execute(
            select(ListeningBrand).order_by(ListeningBrand.kind.desc(), ListeningBrand.name)
        ).scalars()
    )


def access_brand(session: Session, brand_id: int) -> ListeningBrand:
    brand = session.execute(
        select(ListeningBrand).where(ListeningBrand.id == brand_id)
    ).scalar_one_or_none()
    if brand is None:
        raise NotFound(f"no brand {brand_id}")
    return brand


def _apply(brand: ListeningBrand, data: dict[str, Any], *, partial: bool) -> None:
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
            raise Invalid("name: 1 to 200 characters", details={"field": "name"})
        brand.name = name.strip()
    if "kind" in data or not partial:
        kind = data.get("kind", "own")
        if kind not in BRAND_KINDS:
            raise Invalid("kind must be own or competitor", details={"field": "kind"})
        brand.kind = kind
    if "aliases" in data or not partial:
        brand.aliases = _words(data.get("aliases"), "aliases")
    if "exclude" in data or not partial:
        brand.exclude = _words(data.get("exclude"), "exclude")
    brand.updated_at = utcnow()


def _check_unique(session: Session, brand: ListeningBrand) -> None:
    clash = session.execute(
        select(ListeningBrand.id).where(
            ListeningBrand.name == brand.name, ListeningBrand.id != (brand.id or 0)
        )
    ).first()
    if clash is not None:
        raise Conflict(f"a brand named {brand.name!r} exists already")


def do_create_brand(session: Session, data: dict[str, Any]) -> ListeningBrand:
    brand = ListeningBrand(workspace_id=bound_workspace(session))
    _apply(brand, data, partial=False)
    _check_unique(session, brand)
    session.add(brand)
    session.flush()
    _queue_rematch(session, brand.id)
    return brand


def do_update_brand(session: Session, brand_id: int, data: dict[str, Any]) -> ListeningBrand:
    brand = access_brand(session, brand_id)
    before = (brand.name, tuple(brand.aliases or ()), tuple(brand.exclude or ()))
    _apply(brand, data, partial=True)
    _check_unique(session, brand)
    session.flush()
    if before != (brand.name, tuple(brand.aliases or ()), tuple(brand.exclude or ())):
        _queue_rematch(session, brand.id)
    return brand


def do_delete_brand(session: Session, brand_id: int) -> None:
    brand = access_brand(session, brand_id)
    for table in (ListeningMention, ListeningDay, ListeningSpike):
        session.execute(delete(table).where(table.brand_id == brand.id))
    session.delete(brand)
    session.flush()


def _queue_rematch(session: Session, brand_id: int) -> None:
    enqueue(
        session,
        REMATCH_JOB,
        {"brand_id": brand_id, "stamp": utcnow().isoformat()},
        workspace_id=bound_workspace(session),
    )


def spec_of(brand: ListeningBrand) -> BrandSpec:
    return BrandSpec(
        id=brand.id,
        name=brand.name,
        kind=brand.kind,
        aliases=tuple(brand.aliases or ()),
        exclude=tuple(brand.exclude or ()),
    )


def matcher_for(session: Session, brand_ids: Sequence[int] | None = None) -> Matcher:
    brands = [b for b in list_brands(session) if brand_ids is None or b.id in brand_ids]
    return Matcher([spec_of(b) for b in brands])


# ---------------------------------------------------------------- posts in


def ingest_posts(
    session: Session,
    items: list[dict[str, Any]],
    *,
    matcher: Matcher | None = None,
    found: Sequence[list[Mention]] | None = None,
    terms: Sequence[tuple[str, dict[str, str]]] | None = None,
) -> list[ItemResult]:
    """Store posts (any number, in batches), their mentions and terms; per-item results.

    `found`, `terms`: the items' mentions and terms when they were found already (aligned
    with `items`; the import finds them in worker processes while the previous part is stored).
    """
    matcher = matcher or matcher_for(session)
    out: list[ItemResult] = []
    stored: list[int] = []
    pre: dict[int, list[Mention]] | None = {} if found is not None else None
    new_terms: list[tuple[datetime, str | None, dict[str, str]]] = []
    for start in range(0, len(items), BATCH):
        part = items[start : start + BATCH]
        for r in ingest_batch(session, part, limits=IngestLimits(max_items=BATCH)):
            if r.status == "stored" and r.id is not None:
                stored.append(r.id)
                item = part[r.index]
                if pre is not None and found is not None:
                    pre[r.id] = found[start + r.index]
                new_terms.append(
                    (
                        _when(item.get("occurred_at")),
                        *(
                            terms[start + r.index]
                            if terms is not None
                            else local.post_terms(str(item.get("text") or ""), item.get("language"))
                        ),
                    )
                )
            r.index += start
            out.append(r)
    # Mentions and both rollups once for all the batches: counts of the same day add up
    # before they are written (fewer rows to upsert than one write per batch).
    record_mentions(session, stored, matcher, pre=pre)
    local.add_terms(session, new_terms)
    return out


def record_mentions(
    session: Session,
    interaction_ids: list[int],
    matcher: Matcher,
    *,
    pre: dict[int, list[Mention]] | None = None,
) -> int:
    """Find the brands of these posts (or take `pre`, by interaction id); store mentions and
    add them to the rollup (idempotent: a post already matched to a brand is skipped).
    Returns mentions stored."""
    if not interaction_ids or not matcher.brands:
        return 0
    workspace_id = bound_workspace(session)
    tz = local.keep_zone(session)
    new: list[dict[str, Any]] = []
    if pre is not None:  # only the posts that mention a brand are read back, without text
        interaction_ids = [i for i in interaction_ids if pre.get(i)]
    text = Interaction.text if pre is None else literal(None).label("text")
    for part in chunks(interaction_ids, BATCH):
        rows = session.execute(
            select(
                Interaction.id,
                Interaction.person_id,
                Interaction.occurred_at,
                Interaction.channel,
                text,
                Interaction.language,
                Interaction.attributes,
                Interaction.backfill,
            ).where(Interaction.id.in_(part))
        ).all()
        if pre is not None:
            found = [pre.get(r.id, []) for r in rows]
        else:
            found = matcher.find([r.text or "" for r in rows], [r.language for r in rows])
        mention_rows: list[dict[str, Any]] = []
        for row, mentions in zip(rows, found, strict=True):
            attrs = row.attributes or {}
            for m in mentions:
                mention_rows.append(
                    {
                        "workspace_id": workspace_id,
                        "interaction_id": row.id,
                        "brand_id": m.brand_id,
                        "person_id": row.person_id,
                        "author": str(attrs.get("author") or "")[:200] or None,
                        "at": row.occurred_at,
                        "network": row.channel,
                        "language": m.language,
                        "sentiment": m.sentiment,
                        "aspects": m.aspects,
                        "clause": m.clause,
                        "reach": _count(attrs.get("reach")),
                        "engagement": _count(attrs.get("engagement")),
                        "needs_answer": m.needs_answer,
                        "backfill": bool(row.backfill),
                    }
                )
        if not mention_rows:
            continue
        table = ListeningMention.__table__
        for r, mid in zip(
            mention_rows, reserve_ids(session, table, len(mention_rows)), strict=True
        ):
            r["id"] = mid
        inserted = insert_many_ignoring_conflicts(
            session, table, mention_rows, ["workspace_id", "interaction_id", "brand_id"]
        )
        new.extend(r for r in mention_rows if r["id"] in inserted)
    # One rollup write for every part: a day's counts add up before they are written.
    _add_to_days(session, new, tz)
    stored = len(new)
    live = any(not r["backfill"] for r in new)
    if live:
        queue_detection(session)
    return stored


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _add_to_days(session: Session, mentions: list[dict[str, Any]], tz: tzinfo) -> None:
    """Add mentions to the daily rollup of local days (upsert: counts add up)."""
    if not mentions:
        return
    sums: dict[tuple[int, date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for m in mentions:
        pos = 1 if m["sentiment"] == "positive" else 0
        neg = 1 if m["sentiment"] == "negative" else 0
        for aspect in (ALL_ASPECTS, *m["aspects"]):
            s = sums[(m["brand_id"], local.local_day(m["at"], tz), m["language"], aspect)]
            s[0] += 1
            s[1] += pos
            s[2] += neg
            s[3] += m["reach"]
    local.upsert_counts(
        session,
        ListeningDay.__tablename__,
        ["brand_id", "day", "language", "aspect"],
        ["mentions", "positive", "negative", "reach"],
        [(b, d, lang, a, *s) for (b, d, lang, a), s in sorted(sums.items())],
    )


def rematch_brand(session: Session, brand_id: int) -> int:
    """Match one brand again over every stored post; rebuild its rollup. Returns mentions."""
    brand = session.execute(
        select(ListeningBrand).where(ListeningBrand.id == brand_id)
    ).scalar_one_or_none()
    if brand is None:
        return 0
    session.execute(delete(ListeningMention).where(ListeningMention.brand_id == brand_id))
    session.execute(delete(ListeningDay).where(ListeningDay.brand_id == brand_id))
    matcher = Matcher([spec_of(brand)])
    total = 0
    last = 0
    while True:
        ids = list(
            session.execute(
                select(Interaction.id)
                .where(Interaction.source.startswith(SOURCE_PREFIX), Interaction.id > last)
                .order_by(Interaction.id)
                .limit(5000)
            ).scalars()
        )
        if not ids:
            break
        last = ids[-1]
        total += record_mentions(session, ids, matcher)
    return total


def queue_rezone(session: Session) -> bool:
    """Queue a rebuild in the workspace's zone when the rollups are kept in another one."""
    if not local.needs_rezone(session):
        return False
    enqueue(
        session,
        local.REZONE_JOB,
        {},
        workspace_id=bound_workspace(session),
        dedupe_key=f"{local.REZONE_JOB}:{bound_workspace(session)}:{local.workspace_zone(session)}",
    )
    return True


def rezone(session: Session) -> bool:
    """Rebuild the daily rollups (brands and terms) in the workspace's current time zone, from
    the stored mentions and posts; then keep that zone. Returns whether anything changed."""
    if not local.needs_rezone(session):
        return False
    name = local.workspace_zone(session)
    tz = local.zone_info(name)
    session.execute(delete(ListeningDay))
    local.clear_terms(session)
    last = 0
    while True:
        rows = session.execute(
            select(
                ListeningMention.id,
                ListeningMention.brand_id,
                ListeningMention.at,
                ListeningMention.language,
                ListeningMention.sentiment,
                ListeningMention.aspects,
                ListeningMention.reach,
            )
            .where(ListeningMention.id > last)
            .order_by(ListeningMention.id)
            .limit(5000)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        _add_to_days(session, [r._asdict() for r in rows], tz)
    last = 0
    while True:
        posts = session.execute(
            select(Interaction.id, Interaction.occurred_at, Interaction.text, Interaction.language)
            .where(Interaction.source.startswith(SOURCE_PREFIX), Interaction.id > last)
            .order_by(Interaction.id)
            .limit(5000)
        ).all()
        if not posts:
            break
        last = posts[-1].id
        local.add_terms(
            session,
            ((p.occurred_at, *local.post_terms(p.text or "", p.language)) for p in posts),
            tz,
        )
    local.set_kept_zone(session, name)
    return True


# ---------------------------------------------------------------- spikes


def queue_detection(session: Session, at: datetime | None = None) -> None:
    """One spike check per workspace every five minutes, after new live mentions."""
    workspace_id = bound_workspace(session)
    at = at or utcnow()
    bucket = int(at.timestamp() // 300) + 1
    enqueue(
        session,
        DETECT_JOB,
        {},
        workspace_id=workspace_id,
        run_at=datetime.fromtimestamp(bucket * 300, tz=UTC),
        dedupe_key=f"{DETECT_JOB}:{workspace_id}:{bucket}",
    )


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
    offset, page = 0, 500
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


# ---------------------------------------------------------------- drill-down and acting


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


def _post(session: Session, interaction_id: int) -> Interaction:
    row = session.execute(
        select(Interaction).where(
            Interaction.id == interaction_id, Interaction.source.startswith(SOURCE_PREFIX)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no post {interaction_id}")
    return row


def ensure_social_sla(session: Session, minutes: int | None = None) -> None:
    """A first-response target for social conversations (SADA_LISTENING_SLA_MINUTES, 30 by
    default), unless a policy for social channels exists already."""
    if minutes is None:
        minutes = get_settings().listening_sla_minutes or SOCIAL_SLA_MINUTES
    for policy in sla.list_policies(session):
        if sla.SOCIAL in (policy.channels or []):
            return
    sla.do_create_policy(
        session,
        {
            "name": SOCIAL_SLA_NAME,
            "position": 10,
            "channels": [sla.SOCIAL, "telegram"],
            "first_response_minutes": minutes,
        },
    )


def open_conversation(session: Session, interaction_id: int) -> Conversation:
    """The post in the inbox (its own thread), under the social first-response target."""
    row = _post(session, interaction_id)
    existing = session.execute(
        select(ConversationItem.conversation_id).where(ConversationItem.interaction_id == row.id)
    ).scalar_one_or_none()
    if existing is not None:
        return access_conversation(session, existing)
    ensure_social_sla(session)
    if not row.conversation_id:
        session.execute(
            update(Interaction)
            .where(Interaction.id == row.id)
            .values(conversation_id=f"listening-{row.id}")
        )
        session.flush()
        session.refresh(row)
    attach_interactions(session, [row.id])
    conv_id = session.execute(
        select(ConversationItem.conversation_id).where(ConversationItem.interaction_id == row.id)
    ).scalar_one_or_none()
    if conv_id is None:
        raise Invalid("this post cannot be answered in the inbox")
    return access_conversation(session, conv_id)


def open_case(session: Session, interaction_id: int, *, title: str | None = None) -> Any:
    row = _post(session, interaction_id)
    text = (row.text or "").strip()
    return do_create_case(
        session,
        title=(title or text[:120] or f"Post {row.id}").strip(),
        description=text,
        person_id=row.person_id,
        interaction_ids=[row.id],
        channel=row.channel,
        source="listening",
        dedupe_key=f"listening:{row.id}",
    )
