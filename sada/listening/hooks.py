"""The generic signed webhook: any tool posts `{"posts": [...]}` in Sada's generic post shape,
signed with Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) and
the hook's secret. A replayed message id stores nothing twice (posts are idempotent by id)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sada.core.errors import Invalid, NotFound, Unauthorized
from sada.db.engine import Database
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.listening.ingest import ingest_posts
from sada.listening.models import ListeningHook
from sada.listening.sources import NETWORKS, parse_generic

MAX_POSTS = 1000


def do_create_hook(session: Session, name: str, network: str) -> ListeningHook:
    if network not in NETWORKS:
        raise Invalid(f"network {network!r} is not known", details={"field": "network"})
    hook = ListeningHook(
        workspace_id=bound_workspace(session),
        key=secrets.token_urlsafe(18),
        name=name[:200],
        network=network,
        secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    session.add(hook)
    session.flush()
    return hook


def hook_by_key(session: Session, key: str) -> ListeningHook | None:
    if not key or len(key) > 64:
        return None
    return session.execute(
        select(ListeningHook)
        .where(ListeningHook.key == key, ListeningHook.active.is_(True))
        .execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()


def receive(db: Database, key: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """Verify the signature, then store the posts; per-post results."""
    with db.reader() as session:
        hook = hook_by_key(session, key)
        if hook is None:
            raise NotFound("no such webhook endpoint")
        secret, workspace_id, network = hook.secret, hook.workspace_id, hook.network
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError as exc:
        raise Unauthorized(f"signature check failed: {exc}") from None
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Invalid("the body is not JSON") from None
    rows = payload.get("posts") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise Invalid('expected {"posts": [...]}')
    if len(rows) > MAX_POSTS:
        raise Invalid(f"at most {MAX_POSTS} posts per message")
    rows = [
        {**r, "network": r.get("network") or network} if isinstance(r, dict) else r for r in rows
    ]
    parsed = parse_generic(rows)
    with db.transaction(workspace_id) as session:
        results = ingest_posts(session, parsed.items)
    return {
        "stored": sum(r.status == "stored" for r in results),
        "duplicates": sum(r.status == "duplicate" for r in results),
        "rejected": len(parsed.errors) + sum(r.status == "rejected" for r in results),
        "errors": parsed.errors
        + [
            {"item": f"posts[{r.index}]", "message": "; ".join(e.message for e in r.errors)}
            for r in results
            if r.status == "rejected"
        ],
    }
