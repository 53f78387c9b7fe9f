"""The follow-up survey after a case opened from a low score is resolved (the sending side).

When the workspace turns it on (`settings["resurvey_after_resolution"]`, off by default) and a
case opened from a low score (an NPS detractor, 0-6, or a CSAT below the top-2-box) is resolved
with the customer contacted (the loop closed), the customer is sent a survey of the same kind,
once per case: the survey that gave the low score while it is active, else the newest active
survey of that kind. It goes through `invitations.do_request_survey`: the customer's language,
a channel they can be reached on, consent, unsubscribes and the contact-frequency rule; a
follow-up that could not go out is recorded with its reason (`throttled`, `unreachable`...).

This module reads the case from its event payload only (`case.changed`: id, person_id, status,
loop_closed, interaction_ids), since cases sit beside feedback, not below it. It publishes
`survey.followup_requested`; the cases domain records the invitation on the case and, when
the answer's interaction arrives (its attributes carry `invitation_id`), the follow-up score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.events import publish
from sada.feedback.models import Invitation, Survey
from sada.metrics import catalogue

SETTING = "resurvey_after_resolution"
METRICS = ("nps", "csat")


def read_setting(session: Session) -> bool:
    from sada.tenants.service import get_workspace

    raw = (get_workspace(session, bound_workspace(session)).settings or {}).get(SETTING)
    return bool(raw.get("enabled")) if isinstance(raw, dict) else False


def do_set_setting(session: Session, *, enabled: bool) -> bool:
    from sada.tenants.service import get_workspace

    ws = get_workspace(session, bound_workspace(session))
    ws.settings = {**(ws.settings or {}), SETTING: {"enabled": enabled}}
    session.flush()
    return enabled


def metric_of(scale: str | None) -> str | None:
    for metric in METRICS:
        if scale in catalogue.scales_of(metric):
            return metric
    return None


def is_low(scale: str, rating: float) -> bool:
    """A detractor (NPS 0-6), or a CSAT below the top-2-box (the bands of the catalogue)."""
    band = catalogue.SCALES[scale].band(rating)
    return band == "low" if metric_of(scale) == "nps" else band != "high"


@dataclass(frozen=True)
class LowScore:
    interaction_id: int
    metric: str
    survey_id: int | None


def low_score(session: Session, interaction_ids: list[int]) -> LowScore | None:
    """The first low NPS/CSAT rating among a case's linked interactions."""
    from sada.interactions.models import Interaction

    if not interaction_ids:
        return None
    scales = catalogue.scales_of("nps") + catalogue.scales_of("csat")
    rows = session.execute(
        select(Interaction.id, Interaction.rating_scale, Interaction.rating, Interaction.attributes)
        .where(
            Interaction.id.in_(interaction_ids),
            Interaction.rating.is_not(None),
            Interaction.rating_scale.in_(scales),
        )
        .order_by(Interaction.id)
    ).all()
    for interaction_id, scale, rating, attributes in rows:
        metric = metric_of(scale)
        if metric is None or rating is None or not is_low(str(scale), float(rating)):
            continue
        survey_id = str((attributes or {}).get("survey_id"))
        return LowScore(
            int(interaction_id), metric, int(survey_id) if survey_id.isdigit() else None
        )
    return None


def _survey_for(session: Session, low: LowScore) -> Survey | None:
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


def dedupe_key(case_id: int) -> str:
    return f"case-followup:{case_id}"


def do_request_case_followup(
    session: Session,
    case: dict[str, Any],
    *,
    secret: str,
    contact_days_default: int,
    now: datetime | None = None,
) -> Invitation | None:
    """Send (or record why not) the follow-up survey for a case given as its event payload.

    None when the setting is off or the case does not qualify: not resolved or closed, loop
    not closed, nobody to ask, not opened from a low score, no active survey of that kind, or
    asked already (once per case, whatever the case does next)."""
    from sada.feedback.invitations import do_request_survey

    case_id = case.get("id")
    if not case_id or not read_setting(session):
        return None
    if case.get("status") not in ("resolved", "closed") or not case.get("loop_closed"):
        return None
    if not case.get("person_id") or case.get("followup_invitation_id"):
        return None
    key = dedupe_key(int(case_id))
    if session.execute(select(Invitation.id).where(Invitation.dedupe_key == key)).first():
        return None
    low = low_score(session, [int(i) for i in case.get("interaction_ids") or []])
    if low is None:
        return None
    survey = _survey_for(session, low)
    if survey is None:
        return None
    invitation = do_request_survey(
        session,
        survey,
        int(case["person_id"]),
        secret=secret,
        requested_by=f"case:{case_id}",
        dedupe_key=key,
        hidden={"case_id": str(case_id)},
        contact_days_default=contact_days_default,
        now=now,
    )
    publish(
        session,
        "survey.followup_requested",
        {
            "case_id": int(case_id),
            "invitation_id": invitation.id,
            "survey_id": survey.id,
            "person_id": invitation.person_id,
            "status": invitation.status,
            "reason": invitation.reason,
        },
    )
    return invitation
