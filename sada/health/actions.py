"""Next-best action: what recovered similar customers before, with the evidence.

The history is read once (by the refresh job) and kept as counts:

1. a snapshot of everyone as of `t0 = now - (ACTION_DAYS + OUTCOME_DAYS)`, scored as today;
   the people then at risk or on watch are the cases to learn from;
2. the actions each of them got in the `ACTION_DAYS` after `t0`: re-surveyed (a survey
   invitation sent, or a new rating given), contacted (a case marked "customer contacted"),
   a credit or refund, a case resolved;
3. whether they were still a customer at `t0 + ACTION_DAYS + OUTCOME_DAYS` (no churn since
   `t0`).

Counts are kept at three levels of similarity: same band, segment and top reason; same band
and top reason; same band. For a person at risk today, each action's evidence comes from the
most specific level with at least `MIN_N` similar customers who got the action and `MIN_N`
who did not: the share of each still a customer (Wilson 95% interval) and the difference
(normal 95% interval, `sada.metrics.stats.Z95`). Below `MIN_N` the suggestion says "not
enough evidence" and is not ranked. This is what happened to similar customers, not proof
that the action caused it; the pages say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sada.cases.models import Case
from sada.feedback.models import Invitation as SurveyInvitation
from sada.health.features import REFUND_TYPES, churned_between, snapshot
from sada.health.scoring import Scored, band_of
from sada.interactions.models import Interaction
from sada.metrics.stats import Z95
from sada.people.models import Person

ACTIONS = ("resurvey", "contacted", "credit", "case_resolved")
CREDIT_TYPES = (*REFUND_TYPES, "credit")
ACTION_DAYS = 30
OUTCOME_DAYS = 90
MIN_N = 20
LEVELS = ("band_segment_reason", "band_reason", "band")


def wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + Z95 * Z95 / n
    centre = (p + Z95 * Z95 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 * Z95 / (4 * n * n)) / denom
    return (centre - half, centre + half)


def top_reason(factors: list[dict[str, Any]]) -> str:
    """The name of the person's biggest push towards churn ("" when nothing pushes up)."""
    for factor in factors:
        if factor.get("direction") == "up":
            return str(factor.get("name", ""))
    return ""


def _keys(band: str, segment: str | None, reason: str) -> list[str]:
    return [f"{band}|{segment or ''}|{reason}", f"{band}|{reason}", band]


def _actions_between(
    session: Session, people: set[int], start: datetime, end: datetime
) -> dict[int, set[str]]:
    got: dict[int, set[str]] = {}

    def mark(person_id: Any, action: str) -> None:
        if person_id is not None and int(person_id) in people:
            got.setdefault(int(person_id), set()).add(action)

    for (pid,) in session.execute(
        select(SurveyInvitation.person_id).where(
            SurveyInvitation.sent_at >= start, SurveyInvitation.sent_at < end
        )
    ):
        mark(pid, "resurvey")
    for pid, kind, _rating in session.execute(
        select(Interaction.person_id, Interaction.type, Interaction.rating).where(
            Interaction.occurred_at >= start,
            Interaction.occurred_at < end,
            Interaction.person_id.is_not(None),
            or_(Interaction.rating.is_not(None), Interaction.type.in_(CREDIT_TYPES)),
        )
    ):
        mark(pid, "credit" if kind in CREDIT_TYPES else "resurvey")
    for pid, contacted, resolved in session.execute(
        select(Case.person_id, Case.contacted_at, Case.resolved_at).where(
            Case.person_id.is_not(None),
            or_(
                Case.contacted_at.between(start, end),
                Case.resolved_at.between(start, end),
            ),
        )
    ):
        if contacted is not None and start <= contacted < end:
            mark(pid, "contacted")
        if resolved is not None and start <= resolved < end:
            mark(pid, "case_resolved")
    return got


def learn(
    session: Session,
    now: datetime,
    churn_types: Iterable[str],
    score: Any,
) -> dict[str, Any]:
    """Counts of retention with and without each action, per similarity key, from history.

    `score(snapshot) -> Scored` is the scorer in use today."""
    from sada.health.scoring import explain

    t0 = now - timedelta(days=ACTION_DAYS + OUTCOME_DAYS)
    snap = snapshot(session, t0, churn_types=churn_types)
    if not snap.person_ids:
        return {"t0": t0.isoformat(), "people": 0, "counts": {}}
    scored: Scored = score(snap)
    candidates: dict[int, str] = {}
    reasons: dict[int, str] = {}
    for i, person_id in enumerate(snap.person_ids):
        band = band_of(float(scored.risk[i]))
        if band in ("at_risk", "watch"):
            candidates[person_id] = band
            reasons[person_id] = top_reason(explain(scored, i, snap.rows[i]))
    segments: dict[int, str | None] = {}
    ids = list(candidates)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        segments.update(
            session.execute(select(Person.id, Person.segment).where(Person.id.in_(chunk))).all()
        )
    got = _actions_between(session, set(candidates), t0, t0 + timedelta(days=ACTION_DAYS))
    gone = churned_between(session, t0, now, list(churn_types))
    counts: dict[str, dict[str, list[int]]] = {}
    for person_id, band in candidates.items():
        kept = 0 if person_id in gone else 1
        actions = got.get(person_id, set())
        for key in _keys(band, segments.get(person_id), reasons[person_id]):
            cell = counts.setdefault(key, {})
            for action in ACTIONS:
                # [n with, kept with, n without, kept without]
                entry = cell.setdefault(action, [0, 0, 0, 0])
                offset = 0 if action in actions else 2
                entry[offset] += 1
                entry[offset + 1] += kept
    return {
        "t0": t0.isoformat(),
        "action_days": ACTION_DAYS,
        "outcome_days": OUTCOME_DAYS,
        "people": len(candidates),
        "counts": counts,
    }


def _r(x: float, digits: int = 4) -> float | None:
    return None if math.isnan(x) else round(x, digits)


def _evidence(action: str, level: str, entry: list[int]) -> dict[str, Any]:
    n_with, kept_with, n_without, kept_without = entry
    enough = n_with >= MIN_N and n_without >= MIN_N
    out: dict[str, Any] = {
        "action": action,
        "similar": level,
        "enough": enough,
        "min_n": MIN_N,
        "n_with": n_with,
        "n_without": n_without,
        "retained_with": _r(kept_with / n_with) if n_with else None,
        "retained_without": _r(kept_without / n_without) if n_without else None,
        "retained_with_ci": [_r(x) for x in wilson(kept_with, n_with)],
        "retained_without_ci": [_r(x) for x in wilson(kept_without, n_without)],
        "difference": None,
        "difference_ci": [None, None],
    }
    if n_with and n_without:
        p1, p2 = kept_with / n_with, kept_without / n_without
        se = math.sqrt(p1 * (1 - p1) / n_with + p2 * (1 - p2) / n_without)
        out["difference"] = round(p1 - p2, 4)
        out["difference_ci"] = [round(p1 - p2 - Z95 * se, 4), round(p1 - p2 + Z95 * se, 4)]
    return out


def suggest(
    evidence: dict[str, Any] | None, band: str, segment: str | None, factors: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each action's evidence for a person like this one; actions with enough evidence and a
    better retention first (by the lower end of the difference's interval), then the rest."""
    counts = (evidence or {}).get("counts", {})
    keys = _keys(band, segment, top_reason(factors))
    out = []
    for action in ACTIONS:
        chosen: dict[str, Any] | None = None
        for level, key in zip(LEVELS, keys, strict=True):
            entry = counts.get(key, {}).get(action)
            if entry is None:
                continue
            found = _evidence(action, level, entry)
            if found["enough"]:
                chosen = found
                break
            chosen = chosen or found
        if chosen is None:
            chosen = _evidence(action, LEVELS[-1], [0, 0, 0, 0])
        out.append(chosen)

    def rank(e: dict[str, Any]) -> tuple[int, float]:
        low = e["difference_ci"][0]
        return (0 if e["enough"] else 1, -(low if low is not None else -9.0))

    out.sort(key=rank)
    for e in out:
        e["recommended"] = bool(
            e["enough"] and e["difference_ci"][0] is not None and e["difference_ci"][0] > 0
        )
    return out
