"""Invitation links: unguessable tokens (HMAC of the invitation under the secret key; only
a token's SHA-256 is stored) and the invitation a token or an unsubscribe token names."""

from __future__ import annotations

import base64
import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.security import hash_secret
from sada.db.scoping import ALL_WORKSPACES
from sada.feedback.models import Invitation


def _mac(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_token(secret: str, invitation: Invitation) -> str:
    """256-bit token rebuilt from the secret key; only its SHA-256 is stored."""
    return _mac(secret, f"survey-invitation:{invitation.id}:{invitation.salt}")


def unsubscribe_token(secret: str, invitation: Invitation) -> str:
    return f"{invitation.id}.{_mac(secret, f'survey-unsubscribe:{invitation.id}:{invitation.salt}')[:32]}"


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    """Find an invitation from its token, across workspaces (the token says which)."""
    if not token or len(token) > 100:
        return None
    return session.execute(
        select(Invitation)
        .where(Invitation.token_hash == hash_secret(token))
        .execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()


def invitation_by_unsubscribe_token(session: Session, secret: str, token: str) -> Invitation | None:
    head, _, _sig = token.partition(".")
    if not head.isdigit() or len(token) > 100:
        return None
    invitation = session.execute(
        select(Invitation)
        .where(Invitation.id == int(head))
        .execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()
    if invitation is None or not hmac.compare_digest(unsubscribe_token(secret, invitation), token):
        return None
    return invitation
