"""Job handlers of the closed loop: the follow-up survey after a case is resolved.

- `cases.followup_check` (on `case.changed`, live events only): when the workspace sends
  follow-ups and the case qualifies (opened from a low score, loop closed, not asked yet),
  schedule `cases.followup_send` after the workspace's delay (one per case: dedupe key).
- `cases.followup_send` {"case_id"}: request the survey (`followup.do_request_followup`),
  which checks again (the case may have been reopened meanwhile) and records the invitation
  or why it could not be sent.
- `cases.followup_record` (on `response.received`): a follow-up answered records its score
  on the case, whether it recovered, and publishes `case.followup_received`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.registry import Priority, handler
from sada.jobs.service import enqueue

SEND = "cases.followup_send"


@handler("cases.followup_check", on=("case.changed",), priority=Priority.FOLLOW_UP)
def followup_check(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.cases import followup
    from sada.cases.models import Case

    if workspace_id is None or not payload.get("id"):
        return
    if not payload.get("loop_closed") or payload.get("followup_invitation_id"):
        return
    case_id = int(payload["id"])
    with db.transaction(workspace_id) as session:
        if not followup.read_setting(session).enabled:
            return
        case = session.execute(select(Case).where(Case.id == case_id)).scalar_one_or_none()
        if case is None or followup.eligible(session, case) is None:
            return
        enqueue(
            session,
            SEND,
            {"case_id": case_id},
            workspace_id=workspace_id,
            run_at=utcnow() + followup.delay_of(session),
            dedupe_key=f"{SEND}:{workspace_id}:{case_id}",
        )


@handler(SEND, priority=Priority.FOLLOW_UP)
def followup_send(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.cases import followup
    from sada.settings import get_settings

    if workspace_id is None:
        return
    settings = get_settings()
    with db.transaction(workspace_id) as session:
        followup.do_request_followup(
            session,
            int(payload["case_id"]),
            secret=settings.secret_key,
            contact_days_default=settings.survey_contact_days,
        )


@handler("cases.followup_record", on=("response.received",), priority=Priority.FOLLOW_UP)
def followup_record(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.cases import followup

    if workspace_id is None:
        return
    ids = [int(i) for i in payload.get("response_ids") or []]
    if not ids:
        return
    with db.transaction(workspace_id) as session:
        followup.do_record_responses(session, ids)
