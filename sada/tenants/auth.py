"""API key authentication and per-key rate limiting for API routers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from sada.core.errors import Forbidden, Unauthorized
from sada.core.http import client_ip
from sada.tenants.models import Scope
from sada.tenants.service import Actor, AuthenticatedKey, authenticate_api_key


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    return token.strip()


def access_api_key(request: Request, scope: Scope, raw_key: str | None = None) -> AuthenticatedKey:
    """Authenticate, check scope and rate-limit; 401 before anything else."""
    services = request.app.state.services
    key = authenticate_api_key(
        services.db, raw_key if raw_key is not None else bearer_token(request)
    )
    if not key.allows(scope):
        raise Forbidden(f"this API key lacks the '{scope.value}' scope")
    services.api_limiter.hit(f"key:{key.id}")
    request.state.api_key = key
    return key


def require(scope: Scope) -> Callable[[Request], AuthenticatedKey]:
    def dependency(request: Request) -> AuthenticatedKey:
        return access_api_key(request, scope)

    return dependency


def actor_for_key(request: Request, key: AuthenticatedKey) -> Actor:
    return Actor(
        workspace_id=key.workspace_id,
        api_key_id=key.id,
        label=f"api key {key.name or key.id}",
        ip=client_ip(request),
        scopes=key.scopes,
    )
