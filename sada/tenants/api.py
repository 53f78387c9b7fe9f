"""Workspace administration over the API: keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from sada.tenants import service
from sada.tenants.auth import actor_for_key, scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey

router = APIRouter(prefix="/api/v1", tags=["workspace"])


class WorkspaceOut(BaseModel):
    id: int
    name: str
    display_name: str
    timezone: str
    default_language: str
    languages: list[str]
    calendar: str


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    allowed_origins: list[str] | None = None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(
        min_length=1,
        max_length=20,
        description="ingest (public, ingest only) or server scopes: read:people, "
        "read:analytics, write:data, manage:rules, manage:webhooks, reply, admin",
    )
    allowed_origins: list[str] | None = Field(
        default=None, max_length=50, description="ingest keys: browser origins allowed"
    )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="shown once; only a hash is stored")


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    ip: str | None
    details: dict[str, Any]


def _key_out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "scopes": row.scopes,
        "allowed_origins": row.allowed_origins,
        "created_at": row.created_at,
        "last_used_at": row.last_used_at,
        "revoked_at": row.revoked_at,
    }


@router.get("/workspace", response_model=WorkspaceOut)
def get_workspace(
    request: Request, key: AuthenticatedKey = scoped(Scope.READ_ANALYTICS)
) -> WorkspaceOut:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        ws = service.get_workspace(session, key.workspace_id)
        return WorkspaceOut.model_validate(ws, from_attributes=True)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_keys(request: Request, key: AuthenticatedKey = scoped(Scope.ADMIN)) -> list[ApiKeyOut]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return [ApiKeyOut(**_key_out(k)) for k in service.list_api_keys(session)]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_key(
    request: Request, body: ApiKeyCreate, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> ApiKeyCreated:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        row, full = service.do_create_api_key(
            session,
            name=body.name,
            scopes=body.scopes,
            actor=actor_for_key(request, key),
            allowed_origins=body.allowed_origins,
        )
        return ApiKeyCreated(**_key_out(row), key=full)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut)
def revoke_key(
    request: Request, key_id: int, key: AuthenticatedKey = scoped(Scope.ADMIN)
) -> ApiKeyOut:
    with request.app.state.services.db.transaction(key.workspace_id) as session:
        return ApiKeyOut(
            **_key_out(
                service.do_revoke_api_key(session, key_id, actor=actor_for_key(request, key))
            )
        )


@router.get("/audit", response_model=list[AuditOut])
def audit_log(
    request: Request,
    limit: int = Query(100, ge=1, le=1000),
    key: AuthenticatedKey = scoped(Scope.ADMIN),
) -> list[AuditOut]:
    with request.app.state.services.db.reader(key.workspace_id) as session:
        return [
            AuditOut(
                id=e.id,
                at=e.at,
                actor=e.actor_label,
                action=e.action,
                target_type=e.target_type,
                target_id=e.target_id,
                ip=e.ip,
                details=e.details,
            )
            for e in service.list_audit(session, limit=limit)
        ]
