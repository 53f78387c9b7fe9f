"""A workspace's self-service settings: brand, assistant threshold, widget secret, and the
optional generative backend (the API key is never shown back or logged)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.core.ssrf import HostPolicy
from sada.db.scoping import bound_workspace
from sada.selfservice import generative
from sada.selfservice.assistant import AssistantConfig
from sada.selfservice.models import SelfServiceSettings

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def settings_of(session: Session) -> SelfServiceSettings:
    row = session.execute(select(SelfServiceSettings)).scalar_one_or_none()
    if row is None:
        row = SelfServiceSettings(
            workspace_id=bound_workspace(session),
            widget_secret=secrets.token_hex(32),
            titles={},
            allowed_origins=[],
            generative={},
        )
        session.add(row)
        session.flush()
    return row


def read_settings(session: Session) -> SelfServiceSettings | None:
    """The row if it exists (read-only sessions never create it)."""
    return session.execute(select(SelfServiceSettings)).scalar_one_or_none()


def assistant_config(
    row: SelfServiceSettings | None, allowed_hosts: str, workspace_name: str
) -> AssistantConfig:
    if row is None:
        return AssistantConfig(workspace_name=workspace_name)
    return AssistantConfig(
        threshold=row.threshold,
        generative=dict(row.generative or {}),
        generative_enabled=row.generative_enabled,
        policy=HostPolicy.from_setting(allowed_hosts),
        workspace_name=workspace_name,
    )


def do_update_settings(
    session: Session, changes: dict[str, Any], *, allowed_hosts: str = ""
) -> SelfServiceSettings:
    row = settings_of(session)
    problems: list[dict[str, str]] = []
    for name in ("brand_color", "accent_color"):
        value = changes.get(name)
        if value is not None:
            if _COLOR.match(str(value)):
                setattr(row, name, str(value).lower())
            else:
                problems.append({"path": name, "message": "use a colour like #0f766e"})
    if changes.get("titles") is not None:
        row.titles = {k: str(v).strip()[:200] for k, v in changes["titles"].items() if v}
    if changes.get("threshold") is not None:
        try:
            threshold = float(changes["threshold"])
        except (TypeError, ValueError):
            threshold = -1.0
        if 0.0 <= threshold <= 1.0:
            row.threshold = threshold
        else:
            problems.append({"path": "threshold", "message": "a number from 0 to 1"})
    if changes.get("allowed_origins") is not None:
        origins = []
        for origin in changes["allowed_origins"]:
            origin = str(origin).strip().rstrip("/")
            if not origin:
                continue
            if not re.match(r"^https?://[a-z0-9.\-]+(:\d+)?$", origin, re.IGNORECASE):
                problems.append(
                    {"path": "allowed_origins", "message": f"{origin!r} is not an origin"}
                )
            else:
                origins.append(origin.lower())
        row.allowed_origins = origins
    if changes.get("logo_attachment_id") is not None:
        row.logo_attachment_id = int(changes["logo_attachment_id"]) or None
    if changes.get("generative") is not None:
        config = dict(row.generative or {})
        for name in ("base_url", "model", "api_key"):
            value = changes["generative"].get(name)
            if value is not None and (name != "api_key" or value != ""):
                config[name] = str(value).strip()
        row.generative = config
    if changes.get("generative_enabled") is not None:
        enabled = bool(changes["generative_enabled"])
        if enabled:
            problem = generative.check_config(
                row.generative or {}, HostPolicy.from_setting(allowed_hosts)
            )
            if problem:
                problems.append({"path": "generative", "message": problem})
                enabled = False
        row.generative_enabled = enabled
    if changes.get("rotate_secret"):
        row.widget_secret = secrets.token_hex(32)
    if problems:
        raise Invalid("some settings were not saved", details=problems)
    return row


def public_generative(row: SelfServiceSettings) -> dict[str, Any]:
    """The backend's settings without the key (for pages and the API)."""
    config = dict(row.generative or {})
    key = config.pop("api_key", "")
    config["api_key_set"] = bool(key)
    return config
