"""What experience is worth: retention and spend of promoters against detractors, with intervals.

People are grouped by their latest rating on the NPS scale before a moment `at` (one horizon
ago, so what followed is known): promoters, passives, detractors (bands from the metric
catalogue). For each group: the share still a customer a horizon later (Wilson 95% interval),
the mean spend in that horizon (normal 95% interval), and the promoter - detractor differences
with their intervals. This is an association on the workspace's own history, not a proof of
cause; the page says so.

`revenue_at_risk(session, now)`: the value at stake of the at-risk customers broken down by
the pain points of their negative feedback, the touchpoints where it happened and their
audience; `overview_tile` is its summary for the overview. Money is in the reporting
currency (`money.py`); amounts without a rate are counted in `unconverted`, never summed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.health.features import MONEY_TYPES, REFUND_TYPES, churned_between
from sada.health.money import Rates, Unconverted, amount_of, currency_of, rates_of
from sada.interactions.models import VOICE_ORIGINS, Interaction
from sada.metrics.catalogue import SCALES

GROUPS = {"high": "promoters", "mid": "passives", "low": "detractors"}
Z = 1.96


def wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return (centre - half, centre + half)


def _mean_ci(values: list[float]) -> tuple[float, float, float]:
    n = len(values)
    if n == 0:
        return (float("nan"),) * 3
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    half = Z * math.sqrt(var / n)
    return (mean, mean - half, mean + half)


def _latest_nps(session: Session, at: datetime) -> dict[int, str]:
    rows = session.execute(
        select(Interaction.person_id, Interaction.rating)
        .where(
            Interaction.rating_scale == "nps",
            Interaction.rating.is_not(None),
            Interaction.person_id.is_not(None),
            Interaction.origin.in_(VOICE_ORIGINS),
            Interaction.occurred_at < at,
        )
        .order_by(Interaction.person_id, Interaction.occurred_at)
    )
    latest: dict[int, str] = {}
    for person_id, rating in rows:
        if person_id is None or rating is None:
            continue
        latest[int(person_id)] = SCALES["nps"].band(float(rating))
    return latest


def _spend(
    session: Session,
    start: datetime,
    end: datetime,
    people: Iterable[int],
    rates: Rates,
    unconverted: Unconverted,
) -> dict[int, float]:
    """Each person's spend in [start, end) in the reporting currency, net of refunds; amounts
    without a rate go to `unconverted`."""
    wanted = set(people)
    out = dict.fromkeys(wanted, 0.0)
    rows = session.execute(
        select(
            Interaction.person_id,
            Interaction.type,
            Interaction.attributes,
            Interaction.occurred_at,
        ).where(
            Interaction.type.in_((*MONEY_TYPES, *REFUND_TYPES)),
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
            Interaction.person_id.is_not(None),
        )
    )
    for person_id, kind, attributes, when in rows:
        if person_id in wanted:
            sign = -1 if kind in REFUND_TYPES else 1
            amount = sign * amount_of(attributes)
            currency = currency_of(attributes)
            converted = rates.convert(amount, currency, when)
            if converted is None:
                assert currency is not None
                unconverted.add(currency, amount)
            else:
                out[person_id] += converted
    return out


def _r(x: float, digits: int = 4) -> float | None:
    return None if math.isnan(x) else round(x, digits)


def value_of_experience(
    session: Session, now: datetime, horizon_days: int, churn_types: Iterable[str]
) -> dict[str, Any]:
    at = now - timedelta(days=horizon_days)
    bands = _latest_nps(session, at)
    gone = churned_between(session, at, now, list(churn_types))
    rates = rates_of(session)
    unconverted = Unconverted()
    spend = _spend(session, at, now, bands, rates, unconverted)
    groups: dict[str, Any] = {}
    for band, name in GROUPS.items():
        people = [p for p, b in bands.items() if b == band]
        kept = sum(1 for p in people if p not in gone)
        low, high = wilson(kept, len(people))
        mean, m_low, m_high = _mean_ci([spend[p] for p in people])
        groups[name] = {
            "n": len(people),
            "retention": _r(kept / len(people)) if people else None,
            "retention_ci": [_r(low), _r(high)],
            "spend": _r(mean, 2),
            "spend_ci": [_r(m_low, 2), _r(m_high, 2)],
        }
    out: dict[str, Any] = {
        "since": at.isoformat(),
        "until": now.isoformat(),
        "horizon_days": horizon_days,
        "groups": groups,
        "currency": rates.reporting,
        "unconverted": unconverted.out(),
    }
    pro, det = groups["promoters"], groups["detractors"]
    if pro["n"] and det["n"]:
        p1, p2 = pro["retention"], det["retention"]
        se = math.sqrt(p1 * (1 - p1) / pro["n"] + p2 * (1 - p2) / det["n"])
        out["retention_difference"] = {
            "value": round(p1 - p2, 4),
            "ci": [round(p1 - p2 - Z * se, 4), round(p1 - p2 + Z * se, 4)],
        }
        s1 = [spend[p] for p, b in bands.items() if b == "high"]
        s2 = [spend[p] for p, b in bands.items() if b == "low"]
        v1 = _mean_ci(s1)
        v2 = _mean_ci(s2)
        se_s = math.sqrt(((v1[2] - v1[0]) / Z) ** 2 + ((v2[2] - v2[0]) / Z) ** 2)
        out["spend_difference"] = {
            "value": round(v1[0] - v2[0], 2),
            "ci": [round(v1[0] - v2[0] - Z * se_s, 2), round(v1[0] - v2[0] + Z * se_s, 2)],
        }
    return out


NO_FEEDBACK = ""  # the bucket of at-risk people with no negative feedback in the window
PAIN_DAYS = 90
MAX_PEOPLE = 20_000


def _low_rating(rating: float | None, scale: str | None) -> bool:
    spec = SCALES.get(scale or "")
    if rating is None or spec is None or spec.high == spec.low:
        return False
    return (float(rating) - spec.low) / (spec.high - spec.low) <= 0.3


def _ranked(stakes: dict[Any, list[float]], top: int) -> list[dict[str, Any]]:
    rows = [
        {"key": key, "people": int(v[0]), "value_at_stake": round(v[1], 2)}
        for key, v in stakes.items()
    ]
    rows.sort(key=lambda r: (-r["value_at_stake"], -r["people"], str(r["key"])))
    return rows[:top]


def revenue_at_risk(session: Session, now: datetime, top: int = 15) -> dict[str, Any]:
    """The value at stake of the at-risk customers (latest scoring), broken down by the pain
    points of their negative feedback of the last 90 days (aspects and topics), the
    touchpoints where it happened, and their audience.

    A person's stake is shared equally among their pain points (and among their touchpoints),
    so each breakdown adds up to the total; people with no negative feedback form their own
    row (key ""). The riskiest `MAX_PEOPLE` are read."""
    from sada.health.models import HealthScore
    from sada.interactions.models import Touchpoint
    from sada.people.models import Person
    from sada.text.models import TextAnalysis

    stakes = dict(
        session.execute(
            select(HealthScore.person_id, HealthScore.value * HealthScore.risk)
            .where(HealthScore.band == "at_risk")
            .order_by(HealthScore.risk.desc())
            .limit(MAX_PEOPLE)
        ).all()
    )
    stakes = {int(p): max(0.0, float(v or 0.0)) for p, v in stakes.items()}
    pains: dict[int, set[str]] = {}
    places: dict[int, set[int]] = {}
    audiences: dict[int, str] = {}
    ids = list(stakes)
    since = now - timedelta(days=PAIN_DAYS)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        rows = session.execute(
            select(
                Interaction.person_id,
                Interaction.type,
                Interaction.rating,
                Interaction.rating_scale,
                Interaction.touchpoint_id,
                TextAnalysis.sentiment,
                TextAnalysis.aspects,
                TextAnalysis.topics,
            )
            .outerjoin(TextAnalysis, TextAnalysis.interaction_id == Interaction.id)
            .where(
                Interaction.person_id.in_(chunk),
                Interaction.occurred_at >= since,
                Interaction.occurred_at < now,
                Interaction.origin.in_(VOICE_ORIGINS),
            )
        )
        for pid, kind, rating, scale, touchpoint, sentiment, aspects, topics in rows:
            negative = sentiment == "negative" or kind == "complaint" or _low_rating(rating, scale)
            if not negative:
                continue
            found = pains.setdefault(int(pid), set())
            for aspect in aspects or []:
                if aspect.get("polarity") == "negative" and aspect.get("aspect"):
                    found.add(str(aspect["aspect"])[:200])
            if sentiment == "negative":
                for topic in topics or []:
                    if topic.get("name"):
                        found.add("#" + str(topic["name"])[:200])
            if touchpoint is not None:
                places.setdefault(int(pid), set()).add(int(touchpoint))
        audiences.update(
            {
                int(p): a or ""
                for p, a in session.execute(
                    select(Person.id, Person.audience).where(Person.id.in_(chunk))
                )
            }
        )
    by_pain: dict[Any, list[float]] = {}
    by_place: dict[Any, list[float]] = {}
    by_audience: dict[Any, list[float]] = {}

    def share(target: dict[Any, list[float]], keys: Iterable[Any], stake: float) -> None:
        keys = list(keys) or [NO_FEEDBACK]
        for key in keys:
            cell = target.setdefault(key, [0.0, 0.0])
            cell[0] += 1
            cell[1] += stake / len(keys)

    for pid, stake in stakes.items():
        share(by_pain, sorted(pains.get(pid, ())), stake)
        share(by_place, sorted(places.get(pid, ())), stake)
        share(by_audience, [audiences.get(pid, "")], stake)
    touchpoints = {
        tp.id: tp
        for tp in session.scalars(
            select(Touchpoint).where(Touchpoint.id.in_([k for k in by_place if k != NO_FEEDBACK]))
        )
    }
    place_rows = _ranked(by_place, top)
    for row in place_rows:
        tp = touchpoints.get(row["key"])
        row["touchpoint"] = tp.key if tp is not None else None
        row["label"] = (tp.label or tp.key) if tp is not None else None
    return {
        "currency": rates_of(session).reporting,
        "people": len(stakes),
        "value_at_stake": round(sum(stakes.values()), 2),
        "by_pain_point": [{"pain_point": r.pop("key"), **r} for r in _ranked(by_pain, top)],
        "by_touchpoint": [{**{k: v for k, v in r.items() if k != "key"}} for r in place_rows],
        "by_audience": [{"audience": r.pop("key"), **r} for r in _ranked(by_audience, top)],
        "pain_days": PAIN_DAYS,
    }


def overview_tile(session: Session, now: datetime) -> dict[str, Any] | None:
    """The overview's tile, from what the last scoring stored (so the overview stays fast):
    value at stake, its top pain points, promoters against detractors. None before any
    scoring."""
    from sada.health.models import HealthReport

    reports: dict[str, Any] = dict(
        session.execute(
            select(HealthReport.kind, HealthReport.data).where(
                HealthReport.kind.in_(("revenue_at_risk", "value_of_experience"))
            )
        ).all()
    )
    risk = reports.get("revenue_at_risk")
    if not risk:
        return None
    risk = {**risk, "by_pain_point": [r for r in risk["by_pain_point"] if r["pain_point"]][:3]}
    return {"risk": risk, "value": reports.get("value_of_experience") or {}}
