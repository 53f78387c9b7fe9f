"""Rebuilding the interaction rollups from the log (`sada metrics rebuild`, demo seeding).

The write-time maintenance lives with the writers (`sada.interactions.rollups`, called by
ingest and by text analysis); this module only reads every interaction with its
analysis's sentiment, which needs both domains, and hands the facts over.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.dashboards.service import text_model
from sada.db.scoping import bound_workspace
from sada.interactions import rollups
from sada.interactions.models import VOICE_ORIGINS, Interaction
from sada.tenants.models import Membership, User, Workspace


def zones_to_keep(session: Session) -> list[str]:
    """UTC, the workspace's zone, its members' zones and any zone already kept."""
    workspace_id = bound_workspace(session)
    names = {"UTC", *rollups.zones(session)}
    own = session.execute(
        select(Workspace.timezone).where(Workspace.id == workspace_id)
    ).scalar_one_or_none()
    if own:
        names.add(own)
    members = session.execute(
        select(User.timezone)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, User.timezone.is_not(None))
        .distinct()
    ).scalars()
    names.update(name for name in members if name)
    return sorted(names)


def _facts(session: Session) -> Iterator[tuple[datetime, str, str | None, str, bool, str | None]]:
    analysis: Any = text_model()
    columns: list[Any] = [
        Interaction.occurred_at,
        Interaction.channel,
        Interaction.language,
        Interaction.origin,
        Interaction.text.is_not(None),
    ]
    if analysis is not None:
        query = select(*columns, analysis.interaction_id, analysis.sentiment).outerjoin(
            analysis, analysis.interaction_id == Interaction.id
        )
    else:
        query = select(*columns)
    for row in session.execute(query.execution_options(yield_per=20_000)):
        sentiment = None
        if analysis is not None and row[5] is not None:
            sentiment = row[6] or ""
        yield row[0], row[1], row[2], row[3], bool(row[4]), sentiment


def _people(session: Session) -> Iterator[tuple[datetime, str, str | None, int]]:
    query = select(
        Interaction.occurred_at, Interaction.channel, Interaction.language, Interaction.person_id
    ).where(Interaction.person_id.is_not(None), Interaction.origin.in_(VOICE_ORIGINS))
    for at, channel, language, pid in session.execute(query.execution_options(yield_per=20_000)):
        if pid is not None:
            yield at, channel, language, pid


def _topics(
    session: Session, analysis: Any
) -> Iterator[tuple[int, datetime, str, str | None, list[tuple[str, str]]]]:
    query = (
        select(
            Interaction.id,
            Interaction.occurred_at,
            Interaction.channel,
            Interaction.language,
            analysis.aspects,
            analysis.topics,
            analysis.sentiment,
        )
        .join(analysis, analysis.interaction_id == Interaction.id)
        .where(Interaction.origin.in_(VOICE_ORIGINS))
    )
    for iid, at, channel, language, aspects, topics, sentiment in session.execute(
        query.execution_options(yield_per=5_000)
    ):
        yield iid, at, channel, language, rollups.topic_items(aspects, topics, sentiment)


def rebuild(session: Session) -> int:
    """Recompute the workspace's interaction, who-spoke and topic rollups in the caller's
    transaction; returns the number of interaction rollup rows."""
    count = rollups.replace_all(session, zones_to_keep(session), _facts(session))
    names = rollups.zones(session)
    rollups.replace_people(session, names, _people(session))
    analysis: Any = text_model()
    if analysis is not None:
        rollups.replace_topics(session, names, _topics(session, analysis))
    return count
