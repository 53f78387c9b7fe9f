"""Follow-up surveys on cases, and the "recovered" rate per owner (the recording side).

When the workspace sends follow-ups (`sada.feedback.followup`: a case opened from a low score,
resolved with the customer contacted, gets a survey of the same kind once), the feedback
domain publishes `survey.followup_requested`: the case records the invitation (sent, or why
not). When the answer arrives (`response.received`: its interaction's attributes carry the
`invitation_id`), the case records the follow-up score and whether it is "recovered": the
answer left the low band (NPS 7 or more, CSAT top-2-box), and publishes
`case.followup_received`. Cases only read interactions here, never the feedback tables.

The recovered rate per owner is shown with n and a 95% Wilson interval (the Wald interval
`sada.metrics.stats` uses for CSAT collapses to zero width at 0% or 100%, which is where a
handful of follow-ups per owner sits), flagged below `MIN_N` like every figure.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.cases.models import Case, CaseEvent
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.metrics import catalogue
from sada.metrics.stats import MIN_N, Z95


def _metric_of(scale: str | None) -> str | None:
    for metric in ("nps", "csat"):
        if scale in catalogue.scales_of(metric):
            return metric
    return None


def is_recovered(scale: str, rating: float) -> bool:
    """Out of the low band: NPS 7 or more (not a detractor), CSAT in the top-2-box."""
    band = catalogue.SCALES[scale].band(rating)
    return band != "low" if _metric_of(scale) == "nps" else band == "high"


def _event(session: Session, case: Case, kind: str, **details: Any) -> None:
    session.add(
        CaseEvent(
            workspace_id=bound_workspace(session),
            case_id=case.id,
            conversation_id=case.conversation_id,
            at=utcnow(),
            actor_label="followup",
            kind=kind,
            details=details,
        )
    )


def do_record_request(session: Session, payload: dict[str, Any]) -> Case | None:
    """`survey.followup_requested`: the case keeps its follow-up invitation (once)."""
    case = session.execute(
        select(Case).where(Case.id == int(payload.get("case_id") or 0))
    ).scalar_one_or_none()
    if case is None or case.followup_invitation_id is not None:
        return None
    case.followup_invitation_id = int(payload["invitation_id"])
    _event(
        session,
        case,
        "followup_requested",
        invitation_id=case.followup_invitation_id,
        survey_id=payload.get("survey_id"),
        invitation_status=payload.get("status"),
        reason=payload.get("reason"),
    )
    session.flush()
    return case


def do_record_answers(session: Session, interaction_ids: list[int]) -> list[int]:
    """Survey answers that are follow-ups: record the score on their case (once per case)."""
    from sada.cases.service import case_out
    from sada.interactions.models import Interaction

    if not interaction_ids:
        return []
    rows = session.execute(
        select(
            Interaction.attributes,
            Interaction.rating_scale,
            Interaction.rating,
            Interaction.occurred_at,
        ).where(
            Interaction.id.in_(interaction_ids),
            Interaction.type == "survey_response",
            Interaction.rating.is_not(None),
        )
    ).all()
    done: list[int] = []
    for attributes, scale, rating, at in rows:
        invitation_id = (attributes or {}).get("invitation_id")
        if not str(invitation_id).isdigit() or _metric_of(scale) is None or rating is None:
            continue
        case = session.execute(
            select(Case).where(Case.followup_invitation_id == int(str(invitation_id)))
        ).scalar_one_or_none()
        if case is None or case.followup_at is not None:
            continue
        case.followup_scale = scale
        case.followup_score = float(rating)
        case.followup_at = at or utcnow()
        case.recovered = is_recovered(str(scale), float(rating))
        _event(
            session, case, "followup_answered", score=case.followup_score, recovered=case.recovered
        )
        session.flush()
        publish(session, "case.followup_received", case_out(session, case).model_dump(mode="json"))
        done.append(case.id)
    return done


# ---------------------------------------------------------------- the recovered rate


def wilson(k: int, n: int) -> tuple[float, float] | None:
    """95% Wilson score interval for k of n, in percent."""
    if n <= 0:
        return None
    p = k / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return round(100 * max(0.0, centre - half), 1), round(100 * min(1.0, centre + half), 1)


def rate(k: int, n: int, asked: int = 0) -> dict[str, Any]:
    ci = wilson(k, n)
    return {
        "asked": asked,
        "n": n,
        "recovered": k,
        "rate": round(100 * k / n, 1) if n else None,
        "ci_low": ci[0] if ci else None,
        "ci_high": ci[1] if ci else None,
        "low_sample": n < MIN_N,
    }


def recovery(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: str = "owner",
) -> dict[Any, dict[str, Any]]:
    """Recovered rate per owner (or per team): follow-ups answered in [since, until), with the
    number asked in that window too (invitations recorded, sent or not)."""
    column = Case.owner_id if by == "owner" else Case.team_id
    recovered = func.sum(when((Case.recovered.is_(True), 1), else_=0))
    answered = select(column, func.count(), recovered).where(Case.followup_at.is_not(None))
    asked = select(column, func.count()).where(Case.followup_invitation_id.is_not(None))
    if since is not None:
        answered = answered.where(Case.followup_at >= since)
        asked = asked.where(Case.resolved_at >= since)
    if until is not None:
        answered = answered.where(Case.followup_at < until)
        asked = asked.where(Case.resolved_at < until)
    counts: dict[Any, list[int]] = {}
    for key, n, k in session.execute(answered.group_by(column)).all():
        counts.setdefault(key, [0, 0, 0])[1:] = [int(n), int(k or 0)]
    for key, n in session.execute(asked.group_by(column)).all():
        counts.setdefault(key, [0, 0, 0])[0] = int(n)
    return {key: rate(k, n, a) for key, (a, n, k) in counts.items()}


def overall(rows: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    return rate(
        sum(r["recovered"] for r in rows.values()),
        sum(r["n"] for r in rows.values()),
        sum(r["asked"] for r in rows.values()),
    )
