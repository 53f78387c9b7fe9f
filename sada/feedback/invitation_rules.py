"""Who may be invited, and where: e-mail suppression (unsubscribe), the contact-frequency
rule, the messaging channels a person can be reached on; the send job (`enqueue_send`) and
the defaults every way of inviting shares.

Messaging channels come from the domain manifest's `message_channels` hook (modules named in
`sada.domains`, imported by name), so this lower layer never imports the channels domain.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.domains import message_channel_modules
from sada.feedback.models import Invitation, Suppression
from sada.jobs.service import enqueue

SEND_JOB = "feedback.send_invitation"
DEFAULT_CONTACT_DAYS = 14


def enqueue_send(session: Session, invitation: Invitation) -> None:
    """The job that sends a new invitation, once (deduplicated by the invitation's id)."""
    enqueue(
        session,
        SEND_JOB,
        {"invitation_id": invitation.id},
        workspace_id=invitation.workspace_id,
        dedupe_key=f"{SEND_JOB}:{invitation.id}:0",
    )


DEFAULT_INVITATION_DAYS = 30
# The channels a survey invitation can go out on, in order of preference: email first, then
# the messaging channels the manifest's `message_channels` modules offer (WhatsApp, SMS,
# Telegram).
DELIVERY_CHANNELS = ("email",)


def is_suppressed(session: Session, email: str | None) -> bool:
    if not email:
        return False
    return (
        session.execute(
            select(Suppression.id).where(Suppression.email == email.strip().lower())
        ).first()
        is not None
    )


def do_unsubscribe(session: Session, email: str, reason: str = "unsubscribe") -> None:
    from sada.db.dialect import insert_ignoring_conflicts

    statement = insert_ignoring_conflicts(session, Suppression.__table__, ["workspace_id", "email"])
    session.execute(
        statement.values(
            workspace_id=bound_workspace(session),
            email=email.strip().lower(),
            reason=reason,
            created_at=utcnow(),
        )
    )
    session.execute(
        update(Invitation)
        .where(Invitation.email == email.strip().lower(), Invitation.status == "pending")
        .values(status="suppressed")
        .execution_options(synchronize_session=False)
    )


def contact_days(session: Session, default: int) -> int:
    from sada.tenants.service import get_workspace

    ws = get_workspace(session, bound_workspace(session))
    value = (ws.settings or {}).get("survey_contact_days", default)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def recently_contacted(
    session: Session, person_id: int | None, email: str | None, days: int, now: datetime
) -> bool:
    """Was this person invited to any survey in the last `days` days?"""
    if days <= 0 or (person_id is None and not email):
        return False
    since = now - timedelta(days=days)
    who = []
    if person_id is not None:
        who.append(Invitation.person_id == person_id)
    if email:
        who.append(Invitation.email == email)
    found = session.execute(
        select(Invitation.id)
        .where(
            or_(*who),
            Invitation.status.in_(("pending", "sent", "completed")),
            or_(
                Invitation.sent_at >= since,
                and_(Invitation.sent_at.is_(None), Invitation.created_at >= since),
            ),
        )
        .limit(1)
    ).first()
    return found is not None


def channel_modules() -> list[Any]:
    """The modules of the manifest's `message_channels` hook, imported by name."""
    return [importlib.import_module(name) for name in message_channel_modules()]


def message_reach(session: Session, person_id: int) -> list[tuple[str, str]]:
    """(channel, address) the person can be reached on by a messaging channel, best first."""
    out: list[tuple[str, str]] = []
    for module in channel_modules():
        out.extend(module.reachable(session, person_id))
    return out
