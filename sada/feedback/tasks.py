"""Job handlers: email sending, and survey triggers on ingested interactions.

- `feedback.send_invitation` {"invitation_id", "reminder"?}: send one email (mail.send_invitation).
- `feedback.match_triggers` (on interactions.ingested): for every active trigger whose
  conditions match a new interaction, schedule `feedback.trigger_send` at
  occurred_at + delay (dedupe key: trigger + interaction, so replays schedule once).
- `feedback.trigger_send` {"trigger_id", "interaction_id", "person_id", "hidden"}: invite the
  person (contact-frequency rule and unsubscribes apply) and enqueue the email.

Trigger conditions: {"type": "message"|[...], "channel": ..., "touchpoint": ...,
"audience": ..., "attributes": {"status": "closed"}} — all given ones must match.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.registry import handler
from sada.jobs.service import enqueue

TRIGGER_SEND = "feedback.trigger_send"


@handler("feedback.send_invitation")
def send_invitation_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.feedback.mail import send_invitation
    from sada.settings import get_settings

    if workspace_id is None:
        return
    send_invitation(
        db,
        get_settings(),
        workspace_id,
        int(payload["invitation_id"]),
        reminder=int(payload.get("reminder", 0)),
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def matches(conditions: dict[str, Any], facts: dict[str, Any]) -> bool:
    for name in ("type", "channel", "touchpoint", "audience"):
        if name in conditions and facts.get(name) not in _as_list(conditions[name]):
            return False
    wanted = conditions.get("attributes") or {}
    attributes = facts.get("attributes") or {}
    return all(attributes.get(k) in _as_list(v) for k, v in wanted.items())


@handler("feedback.match_triggers", on=("interaction.ingested",))
def match_triggers(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.feedback.models import SurveyTrigger
    from sada.interactions.models import Interaction, Touchpoint
    from sada.people.models import Person

    if workspace_id is None:
        return
    ids = [int(i) for i in payload.get("interaction_ids", [])]
    with db.transaction(workspace_id) as session:
        triggers = list(
            session.execute(select(SurveyTrigger).where(SurveyTrigger.active.is_(True))).scalars()
        )
        if not triggers or not ids:
            return
        touchpoints = {i: k for i, k in session.execute(select(Touchpoint.id, Touchpoint.key))}
        rows = session.execute(select(Interaction).where(Interaction.id.in_(ids))).scalars()
        for inter in rows:
            if inter.type == "survey_response" or inter.person_id is None:
                continue
            person = session.get(Person, inter.person_id)
            facts = {
                "type": inter.type,
                "channel": inter.channel,
                "touchpoint": touchpoints.get(inter.touchpoint_id) if inter.touchpoint_id else None,
                "audience": person.audience if person else None,
                "attributes": inter.attributes or {},
            }
            for trigger in triggers:
                if not matches(trigger.conditions or {}, facts):
                    continue
                run_at = max(utcnow(), inter.occurred_at + timedelta(seconds=trigger.delay_seconds))
                hidden = {
                    k: str(v)
                    for k, v in {
                        "touchpoint": facts["touchpoint"],
                        "channel": inter.channel,
                        "agent": (inter.attributes or {}).get("agent"),
                        "conversation_id": inter.conversation_id,
                    }.items()
                    if v
                }
                enqueue(
                    session,
                    TRIGGER_SEND,
                    {
                        "trigger_id": trigger.id,
                        "interaction_id": inter.id,
                        "person_id": inter.person_id,
                        "hidden": hidden,
                    },
                    workspace_id=workspace_id,
                    run_at=run_at,
                    dedupe_key=f"{TRIGGER_SEND}:{workspace_id}:{trigger.id}:{inter.id}",
                )


@handler(TRIGGER_SEND)
def trigger_send(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.core.errors import NotFound
    from sada.feedback import invitations, service
    from sada.feedback.models import SurveyTrigger
    from sada.feedback.schemas import Recipient
    from sada.settings import get_settings

    if workspace_id is None:
        return
    settings = get_settings()
    with db.transaction(workspace_id) as session:
        trigger = session.get(SurveyTrigger, int(payload["trigger_id"]))
        if trigger is None or not trigger.active:
            return
        try:
            survey = service.access_survey(session, trigger.survey_id)
        except NotFound:
            return
        if survey.status != "active":
            return
        invitations.do_create_invitations(
            session,
            survey,
            [
                Recipient(
                    person_id=int(payload["person_id"]),
                    hidden={k: str(v) for k, v in (payload.get("hidden") or {}).items()},
                )
            ],
            secret=settings.secret_key,
            base_url=settings.base_url,
            send_email=True,
            contact_days_default=settings.survey_contact_days,
        )
