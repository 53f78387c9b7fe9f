"""Privacy settings of a workspace: whether an erased person may come back (`allow_return`),
the consent purposes events need (`require_consent`), and whether webhooks carry personal data.

Finding, exporting and erasing what is held about one person are `sada.privacy.holdings`,
`sada.privacy.export` and `sada.privacy.erase`.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.people.models import CONSENT_PURPOSES
from sada.tenants.models import Workspace
from sada.tenants.service import Actor, record_audit

log = logging.getLogger(__name__)


def privacy_settings(session: Session) -> dict[str, Any]:
    """The workspace's privacy settings: `allow_return` and `require_consent` (purposes)."""
    workspace = session.get(Workspace, bound_workspace(session))
    stored = (workspace.settings or {}).get("privacy") if workspace is not None else None
    stored = stored if isinstance(stored, dict) else {}
    return {
        "allow_return": bool(stored.get("allow_return", False)),
        "require_consent": [str(p) for p in stored.get("require_consent") or []],
        "webhook_pii": "redacted" if stored.get("webhook_pii") == "redacted" else "raw",
    }


def set_privacy_settings(
    session: Session,
    *,
    allow_return: bool | None = None,
    require_consent: list[str] | None = None,
    webhook_pii: str | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    workspace = session.get(Workspace, bound_workspace(session))
    if workspace is None:  # pragma: no cover - sessions are bound to existing workspaces
        raise NotFound("no such workspace")
    current = privacy_settings(session)
    if allow_return is not None:
        current["allow_return"] = allow_return
    if require_consent is not None:
        unknown = sorted(set(require_consent) - set(CONSENT_PURPOSES))
        if unknown:
            raise Invalid(
                f"unknown purposes {unknown}; use {', '.join(CONSENT_PURPOSES)}",
                details=[{"path": "require_consent", "message": "unknown purpose"}],
            )
        current["require_consent"] = sorted(set(require_consent))
    if webhook_pii is not None:
        if webhook_pii not in ("raw", "redacted"):
            raise Invalid("webhook_pii is raw or redacted")
        current["webhook_pii"] = webhook_pii
    workspace.settings = {**(workspace.settings or {}), "privacy": current}
    record_audit(session, actor, "privacy.settings", "workspace", workspace.id, dict(current))
    return current
