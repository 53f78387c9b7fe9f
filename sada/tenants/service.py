"""Workspaces, users, memberships, API keys and the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound, Unauthorized
from sada.core.security import hash_password, hash_secret, new_api_key, secrets_equal, split_api_key
from sada.db.engine import Database
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.db.types import utcnow
from sada.tenants.models import (
    LEGACY_SCOPES,
    ApiKey,
    AuditEvent,
    Membership,
    Role,
    Scope,
    User,
    Workspace,
    granted_scopes,
)

_NAME_RE = re.compile(r"^[\w][\w .\-]{0,199}$", re.UNICODE)


@dataclass(frozen=True)
class Actor:
    """Who is acting, for permission checks and the audit log."""

    workspace_id: int
    user_id: int | None = None
    api_key_id: int | None = None
    label: str = ""
    ip: str | None = None
    role: str | None = None
    scopes: tuple[str, ...] = ()


# ---------------------------------------------------------------- workspaces


def do_create_workspace(
    session: Session, name: str, *, display_name: str | None = None, timezone: str = "UTC"
) -> Workspace:
    name = name.strip()
    if not _NAME_RE.match(name):
        raise Invalid("workspace name must be 1-200 letters, digits, spaces, '.', '_' or '-'")
    existing = session.execute(select(Workspace).where(Workspace.name == name)).scalar_one_or_none()
    if existing is not None:
        raise Conflict(f"workspace {name!r} already exists")
    workspace = Workspace(name=name, display_name=display_name or name, timezone=timezone)
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace_by_name(session: Session, name: str) -> Workspace:
    workspace = session.execute(
        select(Workspace).where(Workspace.name == name)
    ).scalar_one_or_none()
    if workspace is None:
        raise NotFound(f"no workspace named {name!r}")
    return workspace


def get_workspace(session: Session, workspace_id: int) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(f"no workspace {workspace_id}")
    return workspace


# ---------------------------------------------------------------- users


def do_create_user(
    session: Session, email: str, password: str | None, *, name: str = "", language: str = "en"
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid("email must contain @")
    if password is not None and len(password) < 8:
        raise Invalid("password must be at least 8 characters")
    if session.execute(select(User).where(User.email == email)).scalar_one_or_none():
        raise Conflict(f"user {email} already exists")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password) if password else None,
        language=language,
    )
    session.add(user)
    session.flush()
    return user


def do_add_member(session: Session, user: User, role: Role | str) -> Membership:
    workspace_id = bound_workspace(session)
    role = Role(role)
    membership = session.execute(
        select(Membership).where(Membership.user_id == user.id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(workspace_id=workspace_id, user_id=user.id, role=role.value)
        session.add(membership)
    else:
        membership.role = role.value
    session.flush()
    return membership


def role_of(session: Session, user_id: int) -> str | None:
    return session.execute(
        select(Membership.role).where(Membership.user_id == user_id)
    ).scalar_one_or_none()


# ---------------------------------------------------------------- API keys


_ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")


def do_create_api_key(
    session: Session,
    *,
    name: str,
    scopes: list[str],
    actor: Actor | None = None,
    allowed_origins: list[str] | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; return the row and the full key, which is never shown again.

    An `ingest` key is the public kind and cannot carry any other scope."""
    try:
        clean = sorted({Scope(s).value for s in scopes})
    except ValueError:
        raise Invalid(
            "scopes: use " + ", ".join(s.value for s in Scope) + " (one or more)"
        ) from None
    if not clean:
        raise Invalid("an API key needs at least one scope")
    if Scope.INGEST.value in clean and len(clean) > 1:
        raise Invalid("scopes: an ingest key is public and cannot carry other scopes")
    origins = None
    if allowed_origins:
        origins = sorted({o.strip().rstrip("/").lower() for o in allowed_origins if o.strip()})
        bad = [o for o in origins if not _ORIGIN_RE.match(o)]
        if bad:
            raise Invalid(
                f"allowed_origins: {bad[0][:100]!r} is not an origin like https://example.com"
            )
        if clean != [Scope.INGEST.value]:
            raise Invalid("allowed_origins: only ingest keys are limited to browser origins")
    full_key, prefix, secret_hash = new_api_key()
    key = ApiKey(
        workspace_id=bound_workspace(session),
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=clean,
        allowed_origins=origins,
        created_by_id=actor.user_id if actor else None,
    )
    session.add(key)
    session.flush()
    record_audit(
        session, actor, "api_key.create", "api_key", key.id, {"name": name, "scopes": clean}
    )
    return key, full_key


def do_revoke_api_key(session: Session, key_id: int, *, actor: Actor | None = None) -> ApiKey:
    key = session.execute(select(ApiKey).where(ApiKey.id == key_id)).scalar_one_or_none()
    if key is None:
        raise NotFound(f"no API key {key_id}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record_audit(session, actor, "api_key.revoke", "api_key", key.id, {"name": key.name})
    return key


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())


@dataclass(frozen=True)
class AuthenticatedKey:
    id: int
    workspace_id: int
    scopes: tuple[str, ...]
    name: str
    allowed_origins: tuple[str, ...] = ()

    def allows(self, scope: Scope) -> bool:
        """True when the key's scopes (original bundles expanded) grant `scope`."""
        granted = granted_scopes(self.scopes)
        if scope in LEGACY_SCOPES:
            return LEGACY_SCOPES[scope] <= granted
        return scope in granted


# Avoid a write per request: last_used_at is refreshed at most once a minute per key.
_LAST_USED_GRANULARITY = timedelta(minutes=1)


def authenticate_api_key(db: Database, raw_key: str) -> AuthenticatedKey:
    """Find the key across workspaces (it is what tells us the workspace)."""
    parts = split_api_key(raw_key)
    if parts is None:
        raise Unauthorized("malformed API key")
    prefix, secret = parts
    with db.reader() as session:
        key = session.execute(
            select(ApiKey)
            .where(ApiKey.prefix == prefix)
            .execution_options(**{ALL_WORKSPACES: True})
        ).scalar_one_or_none()
    if key is None or not secrets_equal(key.secret_hash, hash_secret(secret)):
        raise Unauthorized("invalid API key")
    if key.revoked_at is not None:
        raise Unauthorized("API key revoked")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_GRANULARITY:
        with db.transaction(key.workspace_id) as session:
            session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return AuthenticatedKey(
        id=key.id,
        workspace_id=key.workspace_id,
        scopes=tuple(key.scopes),
        name=key.name,
        allowed_origins=tuple(key.allowed_origins or ()),
    )


# ---------------------------------------------------------------- audit log


def record_audit(
    session: Session,
    actor: Actor | None,
    action: str,
    target_type: str = "",
    target_id: object = "",
    details: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditEvent:
    event = AuditEvent(
        workspace_id=bound_workspace(session),
        at=utcnow(),
        actor_user_id=actor.user_id if actor else None,
        actor_api_key_id=actor.api_key_id if actor else None,
        actor_label=(actor.label if actor else "") or ("cli" if actor is None else ""),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip=actor.ip if actor else None,
        details=details or {},
        summary=summary,
    )
    session.add(event)
    return event


def list_audit(session: Session, *, limit: int = 100) -> list[AuditEvent]:
    return list(
        session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).scalars()
    )
