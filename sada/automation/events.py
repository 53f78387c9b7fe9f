"""Domain events of the closed loop: one call sends webhooks and wakes the rules.

`publish` runs in the caller's transaction: the deliveries and the rule job exist
if and only if the change that caused them was committed. `chain` carries the
ids of the rules whose actions led to this event (loop protection).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.jobs.service import enqueue

EVALUATE_JOB = "automation.evaluate"

# Event types sent to webhooks (subscribe with these names, "case.*" or "*").
EVENT_TYPES = (
    "case.created",
    "case.updated",
    "case.assigned",
    "case.resolved",
    "case.closed",
    "case.reopened",
    "conversation.created",
    "conversation.updated",
    "conversation.assigned",
    "conversation.reply",
    "sla.warning",
    "sla.breached",
    "alert.fired",
    "webhook.test",
)


def publish(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    depth: int = 0,
    chain: list[int] | tuple[int, ...] = (),
) -> None:
    from sada.automation.webhooks import emit_event

    emit_event(session, event_type, data)
    trigger = None
    if event_type.startswith("case."):
        trigger = "case.changed"
    elif event_type.startswith("conversation.") and event_type != "conversation.reply":
        trigger = "conversation.changed"
    if trigger is not None:
        enqueue(
            session,
            EVALUATE_JOB,
            {
                "trigger": trigger,
                "event": event_type,
                "case_id": data.get("id") if trigger == "case.changed" else None,
                "conversation_id": data.get("id") if trigger == "conversation.changed" else None,
                "depth": depth,
                "chain": list(chain),
            },
            workspace_id=bound_workspace(session),
        )
