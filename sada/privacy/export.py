"""A person's data export: every row `collect` finds, as JSON (or a zip with the files they
sent), recorded as a privacy request with its counts."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.people import merges
from sada.privacy.holdings import (
    collect,
    references,
    table,
)
from sada.privacy.models import PrivacyRequest, RequestKind
from sada.tenants.service import Actor, record_audit

log = logging.getLogger(__name__)

EXPORT_FORMAT = "sada.person-export/1"


# ---------------------------------------------------------------- export


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    return value


def export_data(session: Session, person_id: int) -> dict[str, Any]:
    """Everything held about the person, as one JSON-ready document."""
    held = collect(session, person_id)
    ws = bound_workspace(session)
    tables: dict[str, list[dict[str, Any]]] = {
        name: [_json_safe(r) for r in rows] for name, rows in sorted(held.rows.items()) if rows
    }
    audit = table("audit_events")
    person_ids = {str(i) for i in held.of("people")}
    audit_rows = [
        _json_safe(dict(r))
        for r in session.execute(
            select(audit).where(
                audit.c.workspace_id == ws,
                audit.c.target_type == "person",
                audit.c.target_id.in_(sorted(person_ids)),
            )
        ).mappings()
    ]
    if audit_rows:
        tables["audit_events"] = audit_rows
    for name in ("jobs", "webhook_deliveries"):
        t = table(name)
        found = [
            _json_safe(dict(r))
            for r in session.execute(select(t).where(t.c.workspace_id == ws)).mappings()
            if references(r["payload"], held)
        ]
        if found:
            tables[name] = found
    themes = table("text_themes")
    mine = held.of("interactions")
    found_themes = [
        {
            "id": r["id"],
            "label": r["label"],
            "interaction_ids": sorted(set(r["interaction_ids"]) & mine),
        }
        for r in session.execute(select(themes).where(themes.c.workspace_id == ws)).mappings()
        if set(r["interaction_ids"] or []) & mine
    ]
    if found_themes:
        tables["text_themes"] = found_themes
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "person_id": held.person_id,
        "counts": {name: len(rows) for name, rows in tables.items()},
        "tables": tables,
    }


def export_bytes(document: dict[str, Any], *, as_zip: bool) -> bytes:
    """JSON, or a zip with `person.json` (summary) and one JSON file per table."""
    if not as_zip:
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        head = {k: v for k, v in document.items() if k != "tables"}
        archive.writestr("person.json", json.dumps(head, ensure_ascii=False, indent=1))
        for name, rows in document["tables"].items():
            archive.writestr(f"tables/{name}.json", json.dumps(rows, ensure_ascii=False, indent=1))
    return buffer.getvalue()


def record_export(
    session: Session,
    person_id: int,
    *,
    path: str | None,
    actor: Actor | None,
    counts: dict[str, int],
) -> PrivacyRequest:
    """Remember the export (and its file, which erasing the person deletes) in the audit log."""
    request = PrivacyRequest(
        workspace_id=bound_workspace(session),
        request_id="ex_" + secrets.token_hex(12),
        kind=RequestKind.EXPORT,
        person_id=merges.live_person_id(session, person_id),
        path=path,
        counts=counts,
        actor_label=(actor.label if actor else "") or "cli",
    )
    session.add(request)
    record_audit(
        session, actor, "privacy.export", "privacy_request", request.request_id, {"counts": counts}
    )
    return request
