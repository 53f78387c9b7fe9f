"""Reads of stored interactions: a person's timeline (keyset pages), interactions as API
models (with the fields other domains derive), counts, touchpoints."""

from __future__ import annotations

import base64
import importlib
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.domains import interaction_view_functions
from sada.interactions.models import Interaction, Touchpoint
from sada.interactions.schemas import InteractionOut


def encode_cursor(occurred_at: datetime, iid: int) -> str:
    return (
        base64.urlsafe_b64encode(f"{occurred_at.isoformat()}|{iid}".encode()).decode().rstrip("=")
    )


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, iid = base64.urlsafe_b64decode(padded).decode().split("|")
        return datetime.fromisoformat(stamp), int(iid)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("malformed cursor") from exc


def timeline(
    session: Session,
    person_id: int,
    *,
    limit: int = 50,
    cursor: str | None = None,
    channels: list[str] | None = None,
    types: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[InteractionOut], str | None]:
    """Newest first; keyset pagination on (occurred_at, id) so pages never shift."""
    query = select(Interaction).where(Interaction.person_id == person_id)
    if channels:
        query = query.where(Interaction.channel.in_(channels))
    if types:
        query = query.where(Interaction.type.in_(types))
    if since:
        query = query.where(Interaction.occurred_at >= since)
    if until:
        query = query.where(Interaction.occurred_at < until)
    if cursor:
        at, iid = decode_cursor(cursor)
        query = query.where(
            or_(
                Interaction.occurred_at < at,
                and_(Interaction.occurred_at == at, Interaction.id < iid),
            )
        )
    rows = list(
        session.execute(
            query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit + 1)
        ).scalars()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = interactions_out(session, rows)
    next_cursor = encode_cursor(rows[-1].occurred_at, rows[-1].id) if more and rows else None
    return items, next_cursor


def interactions_out(session: Session, rows: list[Interaction]) -> list[InteractionOut]:
    tp_ids = {r.touchpoint_id for r in rows if r.touchpoint_id}
    names = (
        dict(
            session.execute(
                select(Touchpoint.id, Touchpoint.key).where(Touchpoint.id.in_(tp_ids))
            ).all()
        )
        if tp_ids
        else {}
    )
    return [
        InteractionOut(
            id=r.id,
            person_id=r.person_id,
            anonymous_id=r.anonymous_id,
            occurred_at=r.occurred_at,
            received_at=r.received_at,
            channel=r.channel,
            touchpoint=names.get(r.touchpoint_id) if r.touchpoint_id else None,
            direction=r.direction,
            type=r.type,
            subject=r.subject,
            text=r.text,
            language=r.language,
            rating=r.rating,
            rating_scale=r.rating_scale,
            agent_id=r.agent_id,
            conversation_id=r.conversation_id,
            attributes=r.attributes or {},
            source=r.source,
            external_id=r.external_id,
            origin=r.origin,
            backfill=r.backfill,
        )
        for r in rows
    ]


def with_views(session: Session, items: list[InteractionOut]) -> list[InteractionOut]:
    """Add the fields other domains derive (text: `analysis`) through the manifest's hooks."""
    if not items:
        return items
    ids = [item.id for item in items]
    extra: dict[int, dict[str, Any]] = {}
    for target in interaction_view_functions():
        module_name, _, function = target.partition(":")
        view = getattr(importlib.import_module(module_name), function)
        for iid, fields in view(session, ids).items():
            extra.setdefault(iid, {}).update(fields)
    return [item.model_copy(update=extra.get(item.id, {})) for item in items]


def get_interaction(session: Session, interaction_id: int) -> Interaction | None:
    return session.execute(
        select(Interaction).where(Interaction.id == interaction_id)
    ).scalar_one_or_none()


def count_interactions(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Interaction)).scalar_one())


def counts_by_channel(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Interaction.channel, func.count()).group_by(Interaction.channel)
    ).all()
    return {channel: int(n) for channel, n in rows}


def list_touchpoints(session: Session) -> list[Touchpoint]:
    return list(session.execute(select(Touchpoint).order_by(Touchpoint.key)).scalars())
