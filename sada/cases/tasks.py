"""Job handlers of the closed loop: recording the follow-up survey after a case is resolved.

The feedback domain sends the follow-up (`sada.feedback.followup`); these handlers keep the
case up to date with it (see `sada.cases.followup`):

- `cases.followup_requested` (on `survey.followup_requested`): the case records its follow-up
  invitation (sent, or recorded as throttled / unreachable with why).
- `cases.followup_answered` (on `response.received`, live only): a follow-up answered records
  its score on the case, whether it recovered, and publishes `case.followup_received`.
"""

from __future__ import annotations

from typing import Any

from sada.db.engine import Database
from sada.jobs.registry import Priority, handler


@handler("cases.followup_requested", on=("survey.followup_requested",), priority=Priority.FOLLOW_UP)
def followup_requested(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.cases import followup

    if workspace_id is None or not payload.get("case_id"):
        return
    with db.transaction(workspace_id) as session:
        followup.do_record_request(session, payload)


@handler("cases.followup_answered", on=("response.received",), priority=Priority.FOLLOW_UP)
def followup_answered(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.cases import followup

    if workspace_id is None:
        return
    ids = [int(i) for i in payload.get("interaction_ids") or []]
    if not ids:
        return
    with db.transaction(workspace_id) as session:
        followup.do_record_answers(session, ids)
