"""Notification API: a member's notifications, and marking one read.

API keys belong to a workspace, not to a person, so each call names the member (`user_id`,
who must belong to the key's workspace); a notification of another member or another
workspace answers 404, read or mark alike.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from sada.notifications import service
from sada.notifications.models import MemberNotification
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["notifications"])


def _out(row: MemberNotification) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "kind": row.kind,
        "message": row.message,
        "params": row.params or {},
        "link": row.link,
        "created_at": row.created_at.isoformat(),
        "read_at": row.read_at.isoformat() if row.read_at else None,
    }


@router.get("/notifications")
def list_notifications(
    request: Request,
    user_id: int,
    limit: int = Query(100, ge=1, le=500),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    """The member's notifications, unread first, with the unread count."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        service.check_member(session, user_id)
        rows = service.list_for(session, user_id, limit=limit)
        return {
            "unread": service.unread_count(session, user_id),
            "items": [_out(r) for r in rows],
        }


@router.post("/notifications/{notification_id}:read")
def mark_read(
    request: Request,
    notification_id: int,
    user_id: int,
    key: AuthenticatedKey = scoped(Scope.WRITE_DATA),
) -> dict[str, Any]:
    """Mark one of the member's notifications read (idempotent)."""
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        service.check_member(session, user_id)
        return _out(service.mark_read(session, user_id, notification_id))
