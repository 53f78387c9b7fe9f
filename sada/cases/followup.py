"""The follow-up survey after a case is resolved, and the "recovered" rate per owner.

When the workspace turns it on (`settings["resurvey_after_resolution"]`, off by default), a
case that was opened from a low score (an NPS detractor, 0-6, or a CSAT below the top-2-box)
and whose loop closed (the customer contacted, the case resolved) sends the customer a
follow-up survey of the same kind, once per case: the survey that gave the low score when it
is still active, else the newest active survey of that kind. It goes through the survey
invitation machinery (`feedback.invitations.do_request_survey`): the customer's language and a
channel they can be reached on, consent, unsubscribes and the contact-frequency rule; an
invitation that could not be sent is recorded with its reason (`throttled`, `unreachable`...).

When the answer arrives (`response.received`), the case records the follow-up score and
whether it is "recovered": the follow-up moved out of the low band (NPS 7 or more, CSAT
top-2-box). The recovered rate per owner is shown with n and a 95% Wilson interval (the
Wald interval `sada.metrics.stats` uses for CSAT collapses to zero width at 0% or 100%, which
is where a handful of follow-ups per owner sits), flagged below `MIN_N` like every figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.cases.models import Case, CaseEvent, CaseLink
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.metrics import catalogue
from sada.metrics.stats import MIN_N, Z95

SETTING = "resurvey_after_resolution"
MAX_DELAY_HOURS = 14 * 24
METRICS = ("nps", "csat")


@dataclass(frozen=True)
class FollowupSetting:
    enabled: bool = False
    delay_hours: int = 0


def read_setting(session: Session) -> FollowupSetting:
    from sada.tenants.service import get_workspace

    raw = (get_workspace(session, bound_workspace(session)).settings or {}).get(SETTING) or {}
    if not isinstance(raw, dict):
        return FollowupSetting()
    try:
        delay = max(0, min(MAX_DELAY_HOURS, int(raw.get("delay_hours") or 0)))
    except (TypeError, ValueError):
        delay = 0
    return FollowupSetting(bool(raw.get("enabled")), delay)


def do_set_setting(session: Session, *, enabled: bool, delay_hours: int = 0) -> FollowupSetting:
    from sada.core.errors import Invalid
    from sada.tenants.service import get_workspace

    if not 0 <= delay_hours <= MAX_DELAY_HOURS:
        raise Invalid(
            f"delay_hours: between 0 and {MAX_DELAY_HOURS}", details={"field": "delay_hours"}
        )
    ws = get_workspace(session, bound_workspace(session))
    ws.settings = {**(ws.settings or {}), SETTING: {"enabled": enabled, "delay_hours": delay_hours}}
    session.flush()
    return FollowupSetting(enabled, delay_hours)


def _metric_of(scale: str | None) -> str | None:
    for metric in METRICS:
        if scale in catalogue.scales_of(metric):
            return metric
    return None


def is_low(scale: str, rating: float) -> bool:
    """A detractor (NPS 0-6) or a CSAT below the top-2-box."""
    band = catalogue.SCALES[scale].band(rating)
    return band == "low" if _metric_of(scale) == "nps" else band != "high"


def is_recovered(scale: str, rating: float) -> bool:
    """Out of the low band: NPS 7 or more, CSAT in the top-2-box."""
    return not is_low(scale, rating)


@dataclass(frozen=True)
class LowScore:
    interaction_id: int
    metric: str
    scale: str
    rating: float
    survey_id: int | None


def low_score_of(session: Session, case: Case) -> LowScore | None:
    """The low NPS/CSAT rating the case was opened from (its linked interactions), if any."""
    from sada.feedback.models import Response
    from sada.interactions.models import Interaction

    scales = catalogue.scales_of("nps") + catalogue.scales_of("csat")
    rows = session.execute(
        select(Interaction.id, Interaction.rating_scale, Interaction.rating)
        .join(CaseLink, CaseLink.interaction_id == Interaction.id)
        .where(
            CaseLink.case_id == case.id,
            Interaction.rating.is_not(None),
            Interaction.rating_scale.in_(scales),
        )
        .order_by(CaseLink.id)
    ).all()
    for interaction_id, scale, rating in rows:
        if scale is None or rating is None or not is_low(scale, float(rating)):
            continue
        survey_id = session.execute(
            select(Response.survey_id).where(Response.interaction_id == interaction_id).limit(1)
        ).scalar_one_or_none()
        metric = _metric_of(scale)
        assert metric is not None
        return LowScore(interaction_id, metric, scale, float(rating), survey_id)
    return None


def _survey_for(session: Session, low: LowScore) -> Any:
    from sada.feedback.models import Survey

    if low.survey_id is not None:
        survey = session.execute(
            select(Survey).where(Survey.id == low.survey_id)
        ).scalar_one_or_none()
        if survey is not None and survey.status == "active":
            return survey
    return session.execute(
        select(Survey)
        .where(Survey.kind == low.metric, Survey.status == "active")
        .order_by(Survey.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def eligible(session: Session, case: Case) -> LowScore | None:
    """The low score to follow up on, when this case should get its follow-up survey now."""
    if case.followup_invitation_id is not None or case.person_id is None:
        return None
    if case.status not in ("resolved", "closed") or case.resolved_at is None:
        return None
    if case.contacted_at is None:
        return None
    return low_score_of(session, case)


def do_request_followup(
    session: Session,
    case_id: int,
    *,
    secret: str,
    contact_days_default: int,
    now: datetime | None = None,
) -> Any:
    """Send (or record why not) the follow-up survey of a case; once per case.

    Returns the invitation, or None when the case does not qualify (setting off, not opened
    from a low score, loop not closed, already asked)."""
    from sada.feedback.invitations import do_request_survey

    if not read_setting(session).enabled:
        return None
    case = session.execute(select(Case).where(Case.id == case_id)).scalar_one_or_none()
    if case is None:
        return None
    low = eligible(session, case)
    if low is None:
        return None
    survey = _survey_for(session, low)
    if survey is None:
        _event(session, case, "followup_skipped", reason=f"no active {low.metric} survey")
        return None
    invitation = do_request_survey(
        session,
        survey,
        case.person_id,
        secret=secret,
        requested_by=f"case:{case.id}",
        dedupe_key=f"case-followup:{case.id}",
        hidden={"case_id": str(case.id), "followup": "1"},
        contact_days_default=contact_days_default,
        now=now,
    )
    case.followup_invitation_id = invitation.id
    _event(
        session,
        case,
        "followup_requested",
        invitation_id=invitation.id,
        survey_id=survey.id,
        status=invitation.status,
        reason=invitation.reason,
    )
    session.flush()
    return invitation


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


def do_record_responses(session: Session, response_ids: list[int]) -> list[int]:
    """Record follow-up answers on their cases; returns the case ids that got a score."""
    from sada.cases.service import case_out
    from sada.feedback.models import Response
    from sada.interactions.models import Interaction

    if not response_ids:
        return []
    rows = session.execute(
        select(Case, Interaction.rating_scale, Interaction.rating, Response.completed_at)
        .join(Response, Response.invitation_id == Case.followup_invitation_id)
        .join(Interaction, Interaction.id == Response.interaction_id)
        .where(
            Response.id.in_(response_ids),
            Response.status == "completed",
            Interaction.rating.is_not(None),
        )
    ).all()
    done: list[int] = []
    for case, scale, rating, completed_at in rows:
        if (
            case.followup_at is not None
            or scale not in catalogue.SCALES
            or _metric_of(scale) is None
        ):
            continue
        case.followup_scale = scale
        case.followup_score = float(rating)
        case.followup_at = completed_at or utcnow()
        case.recovered = is_recovered(scale, float(rating))
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


def delay_of(session: Session) -> timedelta:
    return timedelta(hours=read_setting(session).delay_hours)
