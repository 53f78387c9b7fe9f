"""Team performance per agent or team: volume, response and resolution times, SLA, CSAT/NPS.

Each figure comes with the same figure for the previous period of equal length
and a significance verdict: Mann-Whitney U for times (skewed, so medians are
compared without assuming a shape), a two-proportion z-test for rates, and the
metrics domain's NPS/CSAT tests (n < 30 is flagged as a low sample, as there).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import Case, Conversation, SlaEvent, Team
from sada.db.types import utcnow
from sada.metrics import catalogue

ALPHA = 0.05
MIN_N = 30
RATING_WINDOW = timedelta(days=7)


def _q(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 2)


def _times_test(a: list[float], b: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"test": "Mann-Whitney U", "p_value": None, "verdict": "not significant"}
    if len(a) < 2 or len(b) < 2:
        out["note"] = "too few values to compare"
        return out
    from scipy.stats import mannwhitneyu

    p = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
    out["p_value"] = round(p, 4)
    out["verdict"] = "significant" if p < ALPHA else "not significant"
    if len(a) < MIN_N or len(b) < MIN_N:
        out["note"] = f"fewer than {MIN_N} values on one side: treat the verdict with caution"
    return out


def _rate_test(hits_a: int, n_a: int, hits_b: int, n_b: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "test": "two-proportion z-test",
        "p_value": None,
        "verdict": "not significant",
    }
    if n_a == 0 or n_b == 0:
        out["note"] = "one side is empty"
        return out
    pooled = (hits_a + hits_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    diff = hits_b / n_b - hits_a / n_a
    p = (1.0 if diff == 0 else 0.0) if se == 0 else math.erfc(abs(diff / se) / math.sqrt(2))
    out["p_value"] = round(p, 4)
    out["verdict"] = "significant" if p < ALPHA else "not significant"
    if n_a < MIN_N or n_b < MIN_N:
        out["note"] = f"fewer than {MIN_N} on one side: treat the verdict with caution"
    return out


def _ratings(session: Session, convs: list[Conversation]) -> dict[int, list[tuple[str, float]]]:
    """Survey ratings a conversation's person gave between its start and a week after solving."""
    from sada.interactions.models import Interaction

    people = {c.person_id for c in convs if c.person_id}
    if not people:
        return {}
    start = min(c.opened_at for c in convs)
    rows = session.execute(
        select(
            Interaction.person_id,
            Interaction.occurred_at,
            Interaction.rating_scale,
            Interaction.rating,
        ).where(
            Interaction.person_id.in_(people),
            Interaction.rating.is_not(None),
            Interaction.rating_scale.in_(catalogue.scales_of("nps") + catalogue.scales_of("csat")),
            Interaction.occurred_at >= start,
        )
    ).all()
    by_person: dict[int, list[tuple[datetime, str, float]]] = defaultdict(list)
    for pid, at, scale, rating in rows:
        by_person[cast(int, pid)].append((at, cast(str, scale), float(cast(float, rating))))
    out: dict[int, list[tuple[str, float]]] = {}
    for c in convs:
        end = (c.solved_at or utcnow()) + RATING_WINDOW
        out[c.id] = [
            (scale, r)
            for at, scale, r in by_person.get(c.person_id or -1, [])
            if c.opened_at <= at <= end
        ]
    return out


def _sums(ratings: list[tuple[str, float]], metric: str) -> Any:
    """The metric's sums over the ratings on its scales, banded by the metric catalogue."""
    from sada.metrics.stats import Sums

    s = Sums()
    for sc, r in ratings:
        if sc not in catalogue.scales_of(metric):
            continue
        hi, mid, lo = catalogue.band_counts(sc, r)
        s.add((1, hi, mid, lo, r, r * r))
    return s


def _figures(
    session: Session,
    convs: list[Conversation],
    cases: list[Case],
    breached: set[int],
    ratings: dict[int, list[tuple[str, float]]],
    now: datetime,
) -> dict[str, Any]:
    fr = [
        (c.first_response_at - c.opened_at).total_seconds() / 60
        for c in convs
        if c.first_response_at and c.first_response_at >= c.opened_at
    ]
    res = [(c.solved_at - c.opened_at).total_seconds() / 60 for c in convs if c.solved_at]
    with_sla = [c for c in convs if c.sla_policy_id is not None]

    def missed(c: Conversation) -> bool:
        if c.id in breached:
            return True
        if c.first_response_due_at and (c.first_response_at or now) > c.first_response_due_at:
            return True
        return bool(
            c.paused_at is None
            and c.resolution_due_at
            and (c.solved_at or now) > c.resolution_due_at
        )

    met = sum(1 for c in with_sla if not missed(c))
    all_ratings = [r for c in convs for r in ratings.get(c.id, [])]
    nps = _sums(all_ratings, "nps")
    csat = _sums(all_ratings, "csat")
    from sada.metrics.stats import figures

    return {
        "volume": len(convs),
        "first_response_minutes": {"median": _q(fr, 0.5), "p90": _q(fr, 0.9), "n": len(fr)},
        "resolution_minutes": {"median": _q(res, 0.5), "p90": _q(res, 0.9), "n": len(res)},
        "sla": {
            "with_policy": len(with_sla),
            "met": met,
            "attainment": round(met / len(with_sla), 4) if with_sla else None,
        },
        "nps": figures("nps", nps),
        "csat": figures("csat", csat),
        "reopened": sum(1 for c in convs if c.reopen_count),
        "reopen_rate": round(sum(1 for c in convs if c.reopen_count) / len(convs), 4)
        if convs
        else None,
        "cases_closed": sum(1 for c in cases if c.resolved_at),
        "_raw": {
            "fr": fr,
            "res": res,
            "nps": nps,
            "csat": csat,
            "sla": (met, len(with_sla)),
            "reopen": (sum(1 for c in convs if c.reopen_count), len(convs)),
        },
    }


def _period(
    session: Session, since: datetime, until: datetime, by: str
) -> dict[Any, dict[str, Any]]:
    convs = list(
        session.execute(
            select(Conversation).where(
                Conversation.opened_at >= since, Conversation.opened_at < until
            )
        ).scalars()
    )
    cases = list(
        session.execute(
            select(Case).where(Case.resolved_at >= since, Case.resolved_at < until)
        ).scalars()
    )
    breached = cast(
        set[int],
        set(
            session.execute(
                select(SlaEvent.conversation_id).where(
                    SlaEvent.kind == "breach",
                    SlaEvent.conversation_id.in_([c.id for c in convs] or [-1]),
                    SlaEvent.case_id.is_(None),
                )
            ).scalars()
        ),
    )
    ratings = _ratings(session, convs)
    field = "assignee_id" if by == "agent" else "team_id"
    case_field = "owner_id" if by == "agent" else "team_id"
    groups: dict[Any, list[Conversation]] = defaultdict(list)
    for c in convs:
        groups[getattr(c, field)].append(c)
    case_groups: dict[Any, list[Case]] = defaultdict(list)
    for k in cases:
        case_groups[getattr(k, case_field)].append(k)
    now = utcnow()
    return {
        key: _figures(
            session, groups.get(key, []), case_groups.get(key, []), breached, ratings, now
        )
        for key in set(groups) | set(case_groups)
    }


def report(
    session: Session, *, since: datetime, until: datetime, by: str = "agent", compare: bool = True
) -> dict[str, Any]:
    from sada.cases import followup
    from sada.metrics.stats import compare as compare_scores
    from sada.tenants.models import User

    current = _period(session, since, until, by)
    previous = _period(session, since - (until - since), since, by) if compare else {}
    recovery = followup.recovery(
        session, since=since, until=until, by="owner" if by == "agent" else "team"
    )
    for key in recovery:  # an owner with follow-up answers has a row, even without volume
        if key not in current:
            current[key] = _figures(session, [], [], set(), {}, utcnow())
    if by == "agent":
        ids = [k for k in current if k is not None]
        names = {
            uid: name or email
            for uid, name, email in session.execute(
                select(User.id, User.name, User.email).where(User.id.in_(ids or [-1]))
            ).all()
        }
    else:
        names = dict(session.execute(select(Team.id, Team.name)).all())
    rows = []
    for key in sorted(current, key=lambda k: (k is None, str(names.get(k, k)))):
        now_fig = current[key]
        raw = now_fig.pop("_raw")
        row: dict[str, Any] = {
            "id": key,
            "name": names.get(key, "(unassigned)" if key is None else str(key)),
            **now_fig,
            # Cases owned whose follow-up survey was answered in the period: how many recovered.
            "recovered": recovery.get(key) or followup.rate(0, 0),
        }
        if compare:
            before = previous.get(key)
            if before is None:
                row["previous"] = None
            else:
                braw = before.pop("_raw")
                row["previous"] = before
                row["comparison"] = {
                    "first_response_minutes": _times_test(braw["fr"], raw["fr"]),
                    "resolution_minutes": _times_test(braw["res"], raw["res"]),
                    "sla_attainment": _rate_test(*braw["sla"], *raw["sla"]),
                    "reopen_rate": _rate_test(*braw["reopen"], *raw["reopen"]),
                    "nps": _compact(compare_scores("nps", braw["nps"], raw["nps"])),
                    "csat": _compact(compare_scores("csat", braw["csat"], raw["csat"])),
                }
        rows.append(row)
    return {
        "by": by,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "previous_since": (since - (until - since)).isoformat() if compare else None,
        "rows": rows,
    }


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result.get(k) for k in ("difference", "p_value", "verdict", "test", "note")}


def rated_conversations(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    metric: str,
    assignee_id: int | None = None,
    team_id: int | None = None,
    unassigned: bool = False,
) -> list[int]:
    """The conversations behind a CSAT or NPS figure of `report`: opened in the period, of
    the agent (or team, or nobody), with a rating on the metric's scales in their window."""
    query = select(Conversation).where(
        Conversation.opened_at >= since, Conversation.opened_at < until
    )
    if unassigned:
        query = query.where(Conversation.assignee_id.is_(None))
    elif assignee_id is not None:
        query = query.where(Conversation.assignee_id == assignee_id)
    if team_id is not None:
        query = query.where(Conversation.team_id == team_id)
    convs = list(session.execute(query).scalars())
    scales = set(catalogue.scales_of(metric))
    ratings = _ratings(session, convs)
    return [c.id for c in convs if any(sc in scales for sc, _r in ratings.get(c.id, []))]
