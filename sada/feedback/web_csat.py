"""Surveys after service, as workspace settings (pages in the web shell): "CSAT after a solved
conversation", and the follow-up survey after a case opened from a low score is resolved
(`sada.feedback.followup`, off by default).

It is one survey trigger on `conversation.solved` (`SurveyTrigger`, the same rows the
triggers API writes), marked by its name: the survey is requested once per conversation
(`feedback.trigger_send` dedupes on trigger + conversation), in the customer's language and
on a channel they can be reached on, under the contact-frequency rule.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.feedback import followup
from sada.feedback.models import Survey, SurveyTrigger
from sada.web.core import PageRoute, checked_form, page, redirect, render, require, services
from sada.web.service import SignedIn

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SETTING = "csat_after_solved"
EVENT = "conversation.solved"
MAX_DELAY_MINUTES = 7 * 24 * 60


def csat_trigger(session: Session) -> SurveyTrigger | None:
    return session.execute(
        select(SurveyTrigger)
        .where(SurveyTrigger.name == SETTING, SurveyTrigger.event == EVENT)
        .order_by(SurveyTrigger.id)
        .limit(1)
    ).scalar_one_or_none()


def do_set_csat_after_solved(
    session: Session, *, enabled: bool, survey_id: int | None, delay_minutes: int
) -> SurveyTrigger | None:
    """Turn the setting on (with its survey and delay) or off; returns the trigger."""
    trigger = csat_trigger(session)
    if not enabled:
        if trigger is not None:
            trigger.active = False
        return trigger
    if survey_id is None:
        raise Invalid("choose the survey to send")
    survey = session.execute(select(Survey).where(Survey.id == survey_id)).scalar_one_or_none()
    if survey is None or survey.status != "active":
        raise Invalid("choose an active survey")
    if not 0 <= delay_minutes <= MAX_DELAY_MINUTES:
        raise Invalid("the delay is between 0 minutes and 7 days")
    if trigger is None:
        trigger = SurveyTrigger(name=SETTING, event=EVENT, conditions={})
        session.add(trigger)
    trigger.survey_id = survey.id
    trigger.delay_seconds = delay_minutes * 60
    trigger.active = True
    session.flush()
    return trigger


def _surveys(session: Session) -> list[Survey]:
    return list(
        session.execute(
            select(Survey).where(Survey.status == "active").order_by(Survey.name)
        ).scalars()
    )


@router.get("/settings/csat")
def csat_page(request: Request, me: SignedIn = Depends(require("surveys"))) -> Response:
    p = page(request, me)
    with services(request).db.reader(me.workspace_id) as session:
        trigger = csat_trigger(session)
        surveys = [(s.id, s.name) for s in _surveys(session)]
        current = (
            {
                "enabled": trigger.active,
                "survey_id": trigger.survey_id,
                "delay": trigger.delay_seconds // 60,
            }
            if trigger is not None
            else {"enabled": False, "survey_id": None, "delay": 60}
        )
    return render(
        p,
        "feedback/csat.html",
        surveys=surveys,
        current=current,
        error=None,
        done=request.query_params.get("done"),
    )


@router.post("/settings/csat")
async def save_csat(request: Request, me: SignedIn = Depends(require("surveys"))) -> Response:
    form = await checked_form(request)
    p = page(request, me)
    try:
        survey_id = int(str(form.get("survey_id"))) if form.get("survey_id") else None
        delay = int(str(form.get("delay", "0") or "0"))
    except ValueError:
        raise Invalid(p.gettext("Give whole numbers.")) from None
    enabled = form.get("enabled") == "1"
    try:
        with services(request).db.transaction(me.workspace_id) as session:
            do_set_csat_after_solved(
                session, enabled=enabled, survey_id=survey_id, delay_minutes=delay
            )
    except Invalid:
        with services(request).db.reader(me.workspace_id) as session:
            surveys = [(s.id, s.name) for s in _surveys(session)]
        return render(
            p,
            "feedback/csat.html",
            status_code=422,
            surveys=surveys,
            current={"enabled": enabled, "survey_id": survey_id, "delay": delay},
            error=p.gettext(
                "Choose an active survey and a delay between 0 minutes and 7 days (10080)."
            ),
            done=None,
        )
    return redirect(request, "/settings/csat?done=1")


@router.get("/settings/case-followup")
def case_followup_page(request: Request, me: SignedIn = Depends(require("surveys"))) -> Response:
    with services(request).db.reader(me.workspace_id) as session:
        enabled = followup.read_setting(session)
    return render(
        page(request, me),
        "feedback/followup_setting.html",
        enabled=enabled,
        done=request.query_params.get("done"),
    )


@router.post("/settings/case-followup")
async def save_case_followup(
    request: Request, me: SignedIn = Depends(require("surveys"))
) -> Response:
    form = await checked_form(request)
    with services(request).db.transaction(me.workspace_id) as session:
        followup.do_set_setting(session, enabled=form.get("enabled") == "1")
    return redirect(request, "/settings/case-followup?done=1")
