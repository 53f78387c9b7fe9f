"""Accounts (companies) API: GET /api/v1/accounts, GET /api/v1/accounts/{id} (read scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from sada.connectors import accounts
from sada.connectors.models import Account
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["accounts"])


def _out(account: Account, members: list[int] | None = None, count: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": account.id,
        "source": account.source,
        "external_id": account.external_id,
        "name": account.name,
        "traits": account.traits or {},
        "updated_at": account.updated_at.isoformat(),
        "member_count": len(members) if members is not None else count,
    }
    if members is not None:
        out["person_ids"] = members
    return out


@router.get("/accounts")
def list_accounts(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    cursor: int | None = Query(None, ge=1),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    """Accounts newest first, with member counts; `next_cursor` pages on."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        rows, next_cursor = accounts.list_accounts(session, limit=limit, cursor=cursor)
        counts = accounts.count_members(session, [a.id for a in rows])
        return {
            "accounts": [_out(a, count=counts.get(a.id, 0)) for a in rows],
            "next_cursor": next_cursor,
        }


@router.get("/accounts/{account_id}")
def get_account(
    request: Request, account_id: int, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)
) -> dict[str, Any]:
    """One account with its traits and the ids of the people who belong to it."""
    with request.app.state.services.db.reader(key.workspace_id) as session:
        account = accounts.access_account(session, account_id)
        return _out(account, accounts.members_of(session, [account.id])[account.id])
