"""Job handlers of automation and the inbox (registered through the domain manifest, sada/domains.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sada.automation import engine, notify, webhooks
from sada.automation.events import EVALUATE_JOB
from sada.automation.ssrf import HostPolicy
from sada.db.engine import Database
from sada.jobs import registry
from sada.jobs.registry import INTERACTIONS_INGESTED, handler

log = logging.getLogger(__name__)

# The feedback domain fires this when survey responses arrive (see sada.jobs.registry).
RESPONSE_RECEIVED = getattr(registry, "RESPONSE_RECEIVED", "feedback.response_received")


def _settings() -> Any:
    from sada.settings import get_settings

    return get_settings()


def webhook_policy() -> HostPolicy:
    return HostPolicy.from_setting(_settings().webhook_allowed_hosts)


@handler("automation.ingested", on=(INTERACTIONS_INGESTED,))
def on_ingested(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Thread new interactions into conversations, then run interaction rules."""
    from sada.automation.defaults import ensure_default_rules
    from sada.cases.conversations import attach_interactions

    assert workspace_id is not None
    ids = [int(i) for i in payload.get("interaction_ids", [])]
    with db.transaction(workspace_id) as session:
        ensure_default_rules(session)
        attach_interactions(session, ids)
        engine.ensure_tick(session)
    engine.on_interactions(db, workspace_id, ids, "interaction.ingested")


@handler("automation.response_received", on=(RESPONSE_RECEIVED,))
def on_response(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    ids = [int(i) for i in payload.get("interaction_ids", [])]
    engine.on_interactions(db, workspace_id, ids, "response.received")


@handler(EVALUATE_JOB)
def on_event(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    engine.on_case_event(
        db,
        workspace_id,
        trigger=payload["trigger"],
        event=payload.get("event", ""),
        case_id=payload.get("case_id"),
        conversation_id=payload.get("conversation_id"),
        depth=int(payload.get("depth", 0)),
        chain=[int(i) for i in payload.get("chain", [])],
    )


@handler(engine.TICK_JOB)
def on_tick(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Every minute per workspace: schedules, new sentiment, SLA checks, IMAP polling."""
    assert workspace_id is not None
    since = datetime.fromisoformat(payload["since"])
    engine.tick(db, workspace_id, since)
    from sqlalchemy import select

    from sada.cases.inbound import poll_imap
    from sada.cases.models import Mailbox

    with db.reader(workspace_id) as session:
        boxes = list(
            session.execute(select(Mailbox.id).where(Mailbox.imap_host.is_not(None))).scalars()
        )
    for box in boxes:
        try:
            poll_imap(db, workspace_id, box)
        except Exception as exc:  # noqa: BLE001 - recorded on the mailbox; others still run
            log.warning("IMAP polling of mailbox %s failed: %s", box, exc)


@handler(webhooks.DELIVER_JOB)
def on_deliver(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    webhooks.attempt_delivery(
        db,
        workspace_id,
        int(payload["delivery_id"]),
        policy=webhook_policy(),
        config=webhooks.DeliveryConfig.from_settings(_settings()),
    )


@handler(notify.EMAIL_JOB)
def on_email(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    notify.send_mail(_settings(), payload["to"], payload["subject"], payload["body"])


@handler("inbox.send_reply")
def on_send_reply(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.cases.conversations import send_reply

    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        send_reply(session, int(payload["item_id"]), _settings())
