"""Personal data by policy: who sees raw personal data, and keyed digests of erased identities.

One place decides, for every surface (pages, exports, API answers, webhooks), whether a
role or an API key sees personal data found in texts (emails, phones, names, addresses, card
and national id numbers) raw or redacted. Every surface asks `sees_raw_pii`; the redaction
itself is `sada.text.pii.redact` (the layers above text call it through
`redact_text`-style helpers of their own).

Erased identities are remembered only as keyed digests (HMAC-SHA256 with a key derived from
`SADA_SECRET_KEY`): an email or a phone number has too little entropy for a plain hash to
hide it, and the key never leaves the server.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any


class Surface(StrEnum):
    PAGE = "page"  # pages of the web app
    EXPORT = "export"  # files downloaded from the web app or written by commands
    API = "api"  # answers of /api/v1
    WEBHOOK = "webhook"  # outbound webhook payloads


# Roles that see personal data raw, per surface. Everybody else gets redacted text.
# Agents and managers work with the customers themselves, so pages show them the data;
# files leave the app, so only owners and admins export raw personal data.
RAW_PII_ROLES: dict[Surface, frozenset[str]] = {
    Surface.PAGE: frozenset({"owner", "admin", "manager", "agent"}),
    Surface.EXPORT: frozenset({"owner", "admin"}),
}

# API key scopes that read personal data raw. `read` stays here until the finer scopes
# (read people/PII, read analytics) of the key-kinds work replace it; an analytics-only key
# then gets redacted text.
RAW_PII_SCOPES = frozenset({"admin", "read", "pii", "people:read", "read:pii"})


def sees_raw_pii(
    surface: Surface | str,
    *,
    role: str | None = None,
    scopes: Iterable[str] | None = None,
    workspace_settings: Mapping[str, Any] | None = None,
) -> bool:
    """Whether this role (pages, exports), key (API) or workspace's webhooks see personal
    data raw.

    Webhooks go to endpoints an admin configured, so they carry what an admin could export,
    unless the workspace's `privacy.webhook_pii` setting is `redacted`.
    """
    surface = Surface(surface)
    if role is not None:
        allowed = RAW_PII_ROLES.get(surface, RAW_PII_ROLES[Surface.EXPORT])
        return role in allowed
    if scopes is not None:
        return bool(RAW_PII_SCOPES & {str(s) for s in scopes})
    if surface == Surface.WEBHOOK:
        privacy = (workspace_settings or {}).get("privacy")
        return not (isinstance(privacy, Mapping) and privacy.get("webhook_pii") == "redacted")
    return False


def _derived_key(purpose: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), f"sada:{purpose}".encode(), hashlib.sha256).digest()


def identity_digest(secret: str, workspace_id: int, kind: str, namespace: str, value: str) -> str:
    """A keyed digest of one normalized identity (kind, namespace, value) of a workspace.

    `secret` is `SADA_SECRET_KEY` (`get_settings().secret_key`); the digest key is derived
    from it, so rotating the secret key forgets the suppression list."""
    message = "\x1f".join((str(workspace_id), str(kind), namespace, value)).encode()
    return hmac.new(_derived_key("erased-identities", secret), message, hashlib.sha256).hexdigest()
