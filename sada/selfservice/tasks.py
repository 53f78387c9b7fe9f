"""Self-service job handlers: vectors for published articles, agents' replies to the widget.

Registered through the domain manifest (sada/domains.py)."""

from __future__ import annotations

import logging
from typing import Any

from sada.db.engine import Database
from sada.jobs.registry import Priority, handler
from sada.selfservice import chat, search

log = logging.getLogger(__name__)


@handler("selfservice.embed", on=("kb.article_published",), priority=Priority.ANALYSIS)
def embed_published(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Compute the vector of a just-published version (no-op without the embeddings extra)."""
    assert workspace_id is not None
    version_id = payload.get("version_id")
    with db.transaction(workspace_id) as session:
        search.embed_versions(session, [int(version_id)] if version_id is not None else None)


@handler("selfservice.agent_reply", on=("conversation.replied",), priority=Priority.INTERACTIVE)
def agent_reply(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """An agent replied in a web-chat conversation: the widget shows it (SSE polls the rows)."""
    assert workspace_id is not None
    conversation = payload.get("conversation") or {}
    if payload.get("channel") not in chat.REPLY_CHANNELS:
        return
    conversation_id = conversation.get("id")
    if conversation_id is None:
        return
    with db.transaction(workspace_id) as session:
        chat.on_agent_reply(
            session,
            int(conversation_id),
            int(payload["interaction_id"]) if payload.get("interaction_id") else None,
            str(payload.get("text") or ""),
        )
