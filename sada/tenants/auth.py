"""API key authentication, scopes and per-key rate limiting for API routers.

Every API route declares the scope it needs in its signature:

    def list_people(request: Request, key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)): ...

`scoped` is a FastAPI `Security` dependency, so the scope is in the OpenAPI document too.
API routers are mounted under `route_guard` (see `sada.app`), which refuses any /api or /v1
route that declares no scope unless it is on the `PUBLIC_ROUTES` allow-list: a route that
forgets authentication fails closed, and `tests/tenants/test_scopes.py` fails on it.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi import Depends, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    SecurityScopes,
)

from sada.core.errors import Forbidden, Invalid, Unauthorized
from sada.core.http import client_ip
from sada.tenants.models import Scope
from sada.tenants.service import Actor, AuthenticatedKey, authenticate_api_key

# Routes under /api or /v1 that take no API key: public survey and help-centre calls,
# and inbound webhooks that are verified by their own signature or secret URL.
PUBLIC_ROUTES: frozenset[str] = frozenset(
    {
        "/api/openapi.json",
        "/api/docs",
        "/api/docs-init.js",
        "/api/docs-assets/{name}",
        "/api/v1/connectors/formbricks/{key}",
        "/api/v1/connectors/typeform/{key}",
        "/api/v1/connectors/chatwoot/{key}",
        "/api/v1/inbound/email/{mailbox_id}",
        "/api/v1/listening/hooks/{hook_key}",
        "/api/v1/channels/whatsapp/{key}",
        "/api/v1/channels/telegram/{key}",
        "/api/v1/channels/sms/{key}",
    }
)
PUBLIC_PREFIXES: tuple[str, ...] = ("/api/v1/public/",)

_bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey", description="A Sada API key")
_basic = HTTPBasic(
    auto_error=False,
    scheme_name="WriteKey",
    description="Segment-compatible: the ingest key as the user name, no password",
)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    return token.strip()


def _check_origin(request: Request, key: AuthenticatedKey) -> None:
    origin = request.headers.get("origin")
    if key.allowed_origins and origin and origin.rstrip("/").lower() not in key.allowed_origins:
        raise Forbidden("this API key may not be used from this origin")


def access_api_key(request: Request, scope: Scope, raw_key: str | None = None) -> AuthenticatedKey:
    """Authenticate, check scope and origin, and rate-limit; 401 before anything else."""
    services = request.app.state.services
    raw = raw_key if raw_key is not None else bearer_token(request)
    cached: tuple[str, AuthenticatedKey] | None = getattr(request.state, "api_key_cache", None)
    if cached is not None and cached[0] == raw:
        key = cached[1]
    else:
        key = authenticate_api_key(services.db, raw)
        _check_origin(request, key)
        services.api_limiter.hit(f"key:{key.id}")
        request.state.api_key_cache = (raw, key)
    if not key.allows(scope):
        raise Forbidden(f"this API key lacks the '{scope.value}' scope")
    request.state.api_key = key
    return key


def _declared(security_scopes: SecurityScopes) -> Scope:
    if len(security_scopes.scopes) != 1:
        raise Forbidden("this route declares no single scope")
    return Scope(security_scopes.scopes[0])


def api_key(
    request: Request,
    security_scopes: SecurityScopes,
    _credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> AuthenticatedKey:
    """The bearer key, checked against the scope the route declares."""
    return access_api_key(request, _declared(security_scopes))


def scoped(scope: Scope) -> Any:
    """Declare a route's scope: `key: AuthenticatedKey = scoped(Scope.READ_PEOPLE)`."""
    return Security(api_key, scopes=[scope.value])


def basic_user(request: Request) -> str | None:
    """The key sent as a Segment write key (Basic user name) or as a bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            user = base64.b64decode(value).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            raise Unauthorized("malformed Basic authorization header") from None
        if user:
            return user
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def header_key(
    request: Request,
    security_scopes: SecurityScopes,
    _credentials: HTTPBasicCredentials | None = Depends(_basic),
) -> AuthenticatedKey | None:
    """Segment-compatible routes: the key from the Basic (or bearer) header, checked before
    the body is read; None when the key can only be in the body (`writeKey`)."""
    scope = _declared(security_scopes)
    raw = basic_user(request)
    return None if raw is None else access_api_key(request, scope, raw)


def scoped_header_or_body(scope: Scope) -> Any:
    return Security(header_key, scopes=[scope.value])


def declared_scopes(route: Any) -> list[str]:
    """The scopes a route declares through `scoped` (or the Segment variant)."""
    if not isinstance(route, APIRoute):
        return []
    found: list[str] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call in (api_key, header_key):
            found.extend(dep.own_oauth_scopes or [])
        stack.extend(dep.dependencies)
    return found


def is_public(path: str) -> bool:
    return path in PUBLIC_ROUTES or path.startswith(PUBLIC_PREFIXES)


_ID_MAX = 2**63 - 1


def _check_parameters(request: Request, route: Any) -> None:
    """No NUL character in any path or query parameter (PostgreSQL cannot hold one), and
    integer parameters must fit the databases' 64-bit integers."""
    for where, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            if isinstance(value, str) and "\x00" in value:
                raise Invalid(
                    f"{name}: contains a NUL character",
                    details=[{"path": f"{where}.{name}", "message": "contains a NUL character"}],
                )
    if not isinstance(route, APIRoute):
        return
    for fields, values in (
        (route.dependant.path_params, request.path_params),
        (route.dependant.query_params, request.query_params),
    ):
        for field in fields:
            if field.field_info.annotation not in (int, int | None):
                continue
            raw = values.get(field.alias)
            if not (isinstance(raw, str) and raw.strip().lstrip("+-").isdigit()):
                continue
            if len(raw) > 25 or not -_ID_MAX <= int(raw) <= _ID_MAX:
                where = "path" if fields is route.dependant.path_params else "query"
                raise Invalid(
                    f"{field.alias}: out of range",
                    details=[{"path": f"{where}.{field.alias}", "message": "out of range"}],
                )


def route_guard(request: Request) -> None:
    """Parent dependency of every domain router. An /api or /v1 route that declares no scope
    and is not on the public allow-list answers 403 instead of running unauthenticated; integer
    parameters beyond 64 bits answer 422 instead of failing in the database."""
    route = request.scope.get("route")
    path = getattr(route, "path", "")
    _check_parameters(request, route)
    if not path.startswith(("/api/", "/v1/")) or is_public(path):
        return
    if not declared_scopes(route):
        raise Forbidden("this route declares no API key scope")


def actor_for_key(request: Request, key: AuthenticatedKey) -> Actor:
    return Actor(
        workspace_id=key.workspace_id,
        api_key_id=key.id,
        label=f"api key {key.name or key.id}",
        ip=client_ip(request),
        scopes=key.scopes,
    )
