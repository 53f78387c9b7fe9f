"""Listening services: acting on a post (the inbox under the social SLA, a case), and the one
import point of the listening domain's services for its API, pages, jobs and CLI.

The work itself lives by what it does: `brands` (brands, competitors, the matcher), `ingest`
(posts in, mentions, rollups, re-matching, re-zoning), `analytics` (summary, spikes, top
authors, drill-down). Their public names are re-exported here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sada.cases import sla
from sada.cases.conversations import access_conversation
from sada.cases.models import Conversation, ConversationItem
from sada.cases.service import do_create_case
from sada.cases.threads import attach_interactions
from sada.core.errors import Invalid, NotFound
from sada.interactions.models import Interaction
from sada.listening.analytics import (
    SENTIMENTS,
    detect_recent,
    parse_range,
    posts,
    spikes_between,
    summary,
    top_authors,
)
from sada.listening.brands import (
    REMATCH_JOB,
    access_brand,
    brand_out,
    do_create_brand,
    do_delete_brand,
    do_update_brand,
    list_brands,
    matcher_for,
    spec_of,
)
from sada.listening.ingest import (
    DETECT_JOB,
    ingest_posts,
    queue_detection,
    queue_rezone,
    record_mentions,
    rematch_brand,
    rezone,
)
from sada.listening.sources import SOURCE_PREFIX
from sada.settings import get_settings

__all__ = [
    "DETECT_JOB",
    "REMATCH_JOB",
    "SENTIMENTS",
    "SOCIAL_SLA_MINUTES",
    "SOCIAL_SLA_NAME",
    "access_brand",
    "brand_out",
    "detect_recent",
    "do_create_brand",
    "do_delete_brand",
    "do_update_brand",
    "ensure_social_sla",
    "ingest_posts",
    "list_brands",
    "matcher_for",
    "open_case",
    "open_conversation",
    "parse_range",
    "posts",
    "queue_detection",
    "queue_rezone",
    "record_mentions",
    "rematch_brand",
    "rezone",
    "spec_of",
    "spikes_between",
    "summary",
    "top_authors",
]

SOCIAL_SLA_MINUTES = 30
SOCIAL_SLA_NAME = "Social listening"


def _post(session: Session, interaction_id: int) -> Interaction:
    row = session.execute(
        select(Interaction).where(
            Interaction.id == interaction_id, Interaction.source.startswith(SOURCE_PREFIX)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no post {interaction_id}")
    return row


def ensure_social_sla(session: Session, minutes: int | None = None) -> None:
    """A first-response target for social conversations (SADA_LISTENING_SLA_MINUTES, 30 by
    default), unless a policy for social channels exists already."""
    if minutes is None:
        minutes = get_settings().listening_sla_minutes or SOCIAL_SLA_MINUTES
    for policy in sla.list_policies(session):
        if sla.SOCIAL in (policy.channels or []):
            return
    sla.do_create_policy(
        session,
        {
            "name": SOCIAL_SLA_NAME,
            "position": 10,
            "channels": [sla.SOCIAL, "telegram"],
            "first_response_minutes": minutes,
        },
    )


def open_conversation(session: Session, interaction_id: int) -> Conversation:
    """The post in the inbox (its own thread), under the social first-response target."""
    row = _post(session, interaction_id)
    existing = session.execute(
        select(ConversationItem.conversation_id).where(ConversationItem.interaction_id == row.id)
    ).scalar_one_or_none()
    if existing is not None:
        return access_conversation(session, existing)
    ensure_social_sla(session)
    if not row.conversation_id:
        session.execute(
            update(Interaction)
            .where(Interaction.id == row.id)
            .values(conversation_id=f"listening-{row.id}")
        )
        session.flush()
        session.refresh(row)
    attach_interactions(session, [row.id])
    conv_id = session.execute(
        select(ConversationItem.conversation_id).where(ConversationItem.interaction_id == row.id)
    ).scalar_one_or_none()
    if conv_id is None:
        raise Invalid("this post cannot be answered in the inbox")
    return access_conversation(session, conv_id)


def open_case(session: Session, interaction_id: int, *, title: str | None = None) -> Any:
    row = _post(session, interaction_id)
    text = (row.text or "").strip()
    return do_create_case(
        session,
        title=(title or text[:120] or f"Post {row.id}").strip(),
        description=text,
        person_id=row.person_id,
        interaction_ids=[row.id],
        channel=row.channel,
        source="listening",
        dedupe_key=f"listening:{row.id}",
    )
