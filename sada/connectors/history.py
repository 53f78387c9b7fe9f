"""Bringing a tool's history in as interactions: the shared part of the file importers.

`import_items(db, workspace_id, items, batch=500) -> ImportSummary` stores ingest items
(`sada.interactions.ingest.ingest_batch`, the public ingest path) in batches; every item is
history (`backfill`, and origin `import` unless the connector says `agent`/`system`), so
nothing live fires and re-running stores nothing twice (source + external_id).
`channel_of(name)` maps a tool's channel names onto Sada's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sada.connectors.base import Item, PermanentError, decode_text
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary
from sada.interactions.ingest import ingest_batch

_CHANNELS = {
    "email": "email",
    "mail": "email",
    "web": "web",
    "web_form": "web",
    "web_widget": "chat",
    "webwidget": "chat",
    "chat": "chat",
    "native_messaging": "chat",
    "messenger": "chat",
    "voice": "phone",
    "phone": "phone",
    "call": "phone",
    "sms": "sms",
    "whatsapp": "whatsapp",
    "telegram": "telegram",
    "twitter": "twitter",
    "facebook": "facebook",
    "instagram": "instagram",
    "api": "other",
    "mobile_sdk": "app",
    "mobile": "app",
    "app": "app",
}


def channel_of(name: Any, default: str = "other") -> str:
    """Sada's channel for a tool's channel name (`Channel::Whatsapp`, `web_widget`, ...)."""
    text = str(name or "").lower().replace("channel::", "").replace("channel_", "").strip()
    return _CHANNELS.get(text, default)


def read_json(path: Path) -> Any:
    """A JSON file, or JSON Lines (one object a line) as a list."""
    text = decode_text(path.read_bytes(), path.name)
    try:
        return json.loads(text)
    except ValueError:
        pass
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError:
                raise PermanentError(f"{path.name} line {n} is not JSON") from None
    return rows


def iso(value: Any) -> str | None:
    """An ISO-8601 time with a zone (UTC when the tool gave none); epoch seconds too."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC).isoformat()
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text  # ingest says precisely what is wrong with it
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def history(item: dict[str, Any], origin: str = "import") -> dict[str, Any]:
    """Mark an ingest item as history: backfill, and who spoke (import = the outside party)."""
    return {**item, "origin": origin, "backfill": True}


def import_items(
    db: Database, workspace_id: int, items: Iterable[Item], *, batch: int = 500
) -> ImportSummary:
    summary = ImportSummary()
    pending: list[Item] = []
    rows = 0

    def flush() -> None:
        records = [i for i in pending if i.outcome is None]
        for i in pending:
            if i.outcome is not None:
                summary.count(i.outcome, i.where)
        if records:
            with db.transaction(workspace_id) as session:
                results = ingest_batch(session, [i.record for i in records])
            for result in results:
                where = records[result.index].where
                if result.status == "stored":
                    summary.count("imported", where)
                elif result.status == "duplicate":
                    summary.count("duplicate", where)
                else:
                    why = "; ".join(f"{e.path}: {e.message}" for e in result.errors)
                    summary.count(f"rejected: {why}", where)
        pending.clear()

    for item in items:
        rows += 1
        pending.append(item)
        if len(pending) >= batch:
            flush()
    flush()
    summary.rows = rows
    return summary
