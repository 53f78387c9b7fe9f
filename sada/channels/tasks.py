"""Job handlers: outbound sends, retried with backoff by the job runner.

- `channels.send` {"account_id", "to", "text"?, "template"?, "idempotency_key"?}: send one
  message, once per idempotency key (the send ledger, `sada.channels.models.ChannelSend`). A retryable
  failure (network, 5xx, 429) raises, so the runner retries it with backoff; a permanent one
  (the provider refused the request) is logged and not retried.
"""

from __future__ import annotations

import logging
from typing import Any

from sada.channels.providers import PREFERENCE, PermanentSendError
from sada.channels.service import deliver_reply, send_message
from sada.db.engine import Database
from sada.jobs.registry import Priority, handler

log = logging.getLogger(__name__)
SEND_JOB = "channels.send"


@handler(SEND_JOB, priority=Priority.FOLLOW_UP)
def send_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    from sada.settings import get_settings

    if workspace_id is None:
        return
    try:
        send_message(
            db,
            get_settings(),
            workspace_id,
            int(payload["account_id"]),
            str(payload["to"]),
            text=payload.get("text"),
            template=payload.get("template"),
            idempotency_key=payload.get("idempotency_key"),
        )
    except PermanentSendError as exc:
        log.warning("channels.send to account %s refused: %s", payload.get("account_id"), exc)


@handler("channels.agent_reply", on=("conversation.replied",), priority=Priority.INTERACTIVE)
def agent_reply(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """An agent replied in the inbox in a WhatsApp, SMS or Telegram conversation: send it there.
    A retryable failure raises (the runner retries with backoff); a refusal is logged and the
    reply keeps its "handed off" status."""
    from sada.settings import get_settings

    if workspace_id is None or payload.get("channel") not in PREFERENCE:
        return
    conversation = payload.get("conversation") or {}
    if conversation.get("id") is None or payload.get("interaction_id") is None:
        return
    try:
        deliver_reply(
            db,
            get_settings(),
            workspace_id,
            int(conversation["id"]),
            int(payload["interaction_id"]),
        )
    except PermanentSendError as exc:
        log.warning("reply in conversation %s refused: %s", conversation.get("id"), exc)
