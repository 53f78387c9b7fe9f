"""What experience is worth: retention and spend of promoters against detractors, with intervals.

People are grouped by their latest rating on the NPS scale before a moment `at` (one horizon
ago, so what followed is known): promoters, passives, detractors (bands from the metric
catalogue). For each group: the share still a customer a horizon later (Wilson 95% interval),
the mean spend in that horizon (normal 95% interval), and the promoter - detractor differences
with their intervals. This is an association on the workspace's own history, not a proof of
cause; the page says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.health.features import MONEY_TYPES, REFUND_TYPES, _amount, churned_between
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
    session: Session, start: datetime, end: datetime, people: Iterable[int]
) -> dict[int, float]:
    wanted = set(people)
    out = dict.fromkeys(wanted, 0.0)
    rows = session.execute(
        select(Interaction.person_id, Interaction.type, Interaction.attributes).where(
            Interaction.type.in_((*MONEY_TYPES, *REFUND_TYPES)),
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
            Interaction.person_id.is_not(None),
        )
    )
    for person_id, kind, attributes in rows:
        if person_id in wanted:
            sign = -1 if kind in REFUND_TYPES else 1
            out[person_id] += sign * _amount(attributes)
    return out


def _r(x: float, digits: int = 4) -> float | None:
    return None if math.isnan(x) else round(x, digits)


def value_of_experience(
    session: Session, now: datetime, horizon_days: int, churn_types: Iterable[str]
) -> dict[str, Any]:
    at = now - timedelta(days=horizon_days)
    bands = _latest_nps(session, at)
    gone = churned_between(session, at, now, list(churn_types))
    spend = _spend(session, at, now, bands)
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
