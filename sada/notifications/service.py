"""Write and read member notifications.

Callers in other domains add one call in the transaction that causes the notification
(`notify(session, user_ids, "mention", {...}, link=...)`), so it commits or rolls back with
the note, the assignment or the alert. Reading is always for one member: every query filters
on the member's user id (and the session adds the workspace).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from sada.core.errors import NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.notifications.models import KINDS, MemberNotification


def notify(
    session: Session,
    user_ids: Iterable[int | None],
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    link: str | None = None,
    message: str | None = None,
    actor_id: int | None = None,
) -> list[MemberNotification]:
    """One notification per member (the actor never notifies themself); `message` defaults
    to the kind. Params are plain values: they are stored as JSON and shown in the text."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    clean = {
        k: v if isinstance(v, int | float) else str(v)[:500] for k, v in (params or {}).items()
    }
    wanted = sorted({int(u) for u in user_ids if u is not None and int(u) != actor_id})
    rows = [
        MemberNotification(
            workspace_id=bound_workspace(session),
            user_id=uid,
            kind=kind,
            message=message or kind,
            params=clean,
            link=(link or None) and str(link)[:500],
        )
        for uid in wanted
    ]
    session.add_all(rows)
    if rows:
        session.flush()
    return rows


def unread_count(session: Session, user_id: int) -> int:
    """The bell: one count over the (workspace, user, read_at) index."""
    query = select(func.count(MemberNotification.id)).where(
        MemberNotification.user_id == user_id, MemberNotification.read_at.is_(None)
    )
    return int(session.execute(query).scalar_one())


def list_for(session: Session, user_id: int, *, limit: int = 100) -> list[MemberNotification]:
    """Unread first, then newest first."""
    unread_first = case((MemberNotification.read_at.is_(None), 0), else_=1)
    query = (
        select(MemberNotification)
        .where(MemberNotification.user_id == user_id)
        .order_by(unread_first, MemberNotification.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def mark_read(session: Session, user_id: int, notification_id: int) -> MemberNotification:
    """Mark one of the member's own notifications read; another member's is not found."""
    row = session.get(MemberNotification, notification_id)
    if row is None or row.user_id != user_id or row.workspace_id != bound_workspace(session):
        raise NotFound(f"no notification {notification_id}")
    if row.read_at is None:
        row.read_at = utcnow()
        session.flush()
    return row


def mark_all_read(session: Session, user_id: int) -> int:
    result = session.execute(
        update(MemberNotification)
        .where(
            MemberNotification.workspace_id == bound_workspace(session),
            MemberNotification.user_id == user_id,
            MemberNotification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def check_member(session: Session, user_id: int) -> None:
    """The user must be a member of the session's workspace (404 otherwise)."""
    from sada.tenants.models import Membership

    if not session.execute(select(Membership.id).where(Membership.user_id == user_id)).first():
        raise NotFound(f"user {user_id} is not a member of this workspace")


# ---------------------------------------------------------------- one call per cause


def _page(conversation_id: int | None, case_id: int | None) -> str:
    return f"/inbox/{conversation_id}" if conversation_id else f"/cases/{case_id}"


def mentioned(
    session: Session,
    user_ids: Iterable[int],
    *,
    note_id: int,
    author: str,
    body: str,
    conversation_id: int | None = None,
    case_id: int | None = None,
    author_id: int | None = None,
) -> list[MemberNotification]:
    """Colleagues @mentioned in an internal note."""
    link = f"{_page(conversation_id, case_id)}#note-{note_id}"
    params = {"author": author, "excerpt": body[:200]}
    return notify(session, user_ids, "mention", params, link=link, actor_id=author_id)


def assigned(
    session: Session,
    user_id: int | None,
    *,
    actor: str,
    conversation_id: int | None = None,
    case_id: int | None = None,
    actor_id: int | None = None,
) -> list[MemberNotification]:
    """A conversation or a case assigned to a member (not when they took it themself)."""
    if user_id is None:
        return []
    message = "assignment" if conversation_id else "case_assignment"
    params = {"actor": actor, "id": conversation_id or case_id or 0}
    link = _page(conversation_id, case_id)
    return notify(
        session, [user_id], "assignment", params, link=link, message=message, actor_id=actor_id
    )


def alerted(
    session: Session, user_ids: Iterable[int], subject: str, body: str, person_id: int | None
) -> list[MemberNotification]:
    """A rule's `notify` action (its subject is the rule author's own words)."""
    link = f"/people/{person_id}" if person_id else None
    params = {"subject": subject, "excerpt": body[:200]}
    return notify(session, user_ids, "alert", params, link=link)


def sla_hit(
    session: Session, user_ids: Iterable[int], breach: bool, subject: str, metric: str
) -> list[MemberNotification]:
    """An SLA warning or breach; `subject` is "conversation:<id>" or "case:<id>"."""
    kind, _, ident = subject.partition(":")
    link = f"/inbox/{ident}" if kind == "conversation" else f"/cases/{ident}"
    params = {"id": ident, "metric": metric}
    what = "sla_breach" if breach else "sla_warning"
    message = f"{what}_{'conversation' if kind == 'conversation' else 'case'}"
    return notify(session, user_ids, what, params, link=link, message=message)
