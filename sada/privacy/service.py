"""Everything held about one person: find it, export it, erase it.

`collect` walks the tables from the person outwards along the links in `LINKS` (person ->
identities, interactions, cases...; interaction -> analyses, responses...; case -> notes...)
until nothing new turns up, and also gathers the person's "needles": identifiers, name and
texts. Export writes every row found as JSON; erasure deletes them (children first), then
removes what only the needles or ids can find: job payloads, webhook delivery logs, text
embeddings and themes, audit entries, export files written earlier, and the journeys'
columnar copy. The identities are remembered as keyed digests (`SuppressedIdentity`) so
that later events do not recreate the person, unless the admin allows it.

`tests/privacy/test_coverage.py` fails when a table with a `person_id` column (or a link
to people or interactions) is not covered here, so a new table is not forgotten.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import os
import re
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.core.privacy import identity_digest
from sada.db.dialect import chunks
from sada.db.engine import Database
from sada.db.registry import metadata
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.interactions.importer import REJECTS_AUDIT_ACTION
from sada.journeys import columnar
from sada.people import merges
from sada.people.models import CONSENT_PURPOSES, Person, SuppressedIdentity
from sada.privacy.models import PrivacyRequest, RequestKind
from sada.privacy.rollups import lower_for_rows
from sada.settings import get_settings
from sada.tenants.models import Workspace
from sada.tenants.service import Actor, record_audit
from sada.text.embeddings import text_hash

log = logging.getLogger(__name__)

EXPORT_FORMAT = "sada.person-export/1"


@dataclass(frozen=True)
class Link:
    """Rows of `table` whose `column` holds a value of `source_column` of rows in `source`."""

    table: str
    column: str
    source: str
    source_column: str = "id"


# The person's rows, reached from `people`. Order does not matter (collected to a fixpoint).
LINKS: tuple[Link, ...] = (
    Link("people", "merged_into_id", "people"),  # profiles merged into the person
    Link("identities", "person_id", "people"),
    Link("person_merges", "survivor_id", "people"),
    Link("person_merges", "merged_id", "people"),
    Link("consents", "person_id", "people"),
    Link("health_scores", "person_id", "people"),
    Link("account_members", "person_id", "people"),
    Link("interactions", "person_id", "people"),
    Link("person_day_rollups", "person_id", "people"),  # the overview's who-spoke rows
    Link("interactions", "id", "conversation_items", "interaction_id"),
    Link("interactions", "anonymous_id", "identities", "value"),  # visits before they said who
    Link("text_analyses", "interaction_id", "interactions"),
    Link("attachments", "interaction_id", "interactions"),  # listed in exports (not the bytes)
    Link("text_corrections", "interaction_id", "interactions"),
    Link("conversations", "person_id", "people"),
    Link("conversation_items", "conversation_id", "conversations"),
    Link("conversation_items", "interaction_id", "interactions"),
    Link("cases", "person_id", "people"),
    Link("cases", "conversation_id", "conversations"),
    Link("case_links", "case_id", "cases"),
    Link("case_links", "interaction_id", "interactions"),
    Link("case_events", "case_id", "cases"),
    Link("case_events", "conversation_id", "conversations"),
    Link("internal_notes", "case_id", "cases"),
    Link("internal_notes", "conversation_id", "conversations"),
    Link("note_mentions", "conversation_id", "conversations"),
    Link("note_mentions", "case_id", "cases"),
    Link("note_mentions", "note_id", "internal_notes"),
    Link("sla_events", "case_id", "cases"),
    Link("sla_events", "conversation_id", "conversations"),
    Link("survey_invitations", "person_id", "people"),
    Link("survey_invitations", "email", "identities", "value"),
    Link("survey_responses", "person_id", "people"),
    Link("survey_responses", "interaction_id", "interactions"),
    Link("survey_responses", "invitation_id", "survey_invitations"),
    Link("survey_answers", "response_id", "survey_responses"),
    Link("survey_suppressions", "email", "identities", "value"),
    Link("rule_firings", "person_id", "people"),
    Link("rule_firings", "interaction_id", "interactions"),
    Link("rule_firings", "case_id", "cases"),
    Link("notifications", "person_id", "people"),
    Link("customer_notifications", "person_id", "people"),  # rule messages sent to them
    Link("segment_members", "person_id", "people"),
    Link("chat_sessions", "person_id", "people"),
    Link("chat_sessions", "conversation_id", "conversations"),
    Link("chat_sessions", "email", "identities", "value"),
    Link("chat_messages", "session_id", "chat_sessions"),
    Link("chat_messages", "interaction_id", "interactions"),
    Link("kb_queries", "session_id", "chat_sessions"),
    Link("listening_mentions", "interaction_id", "interactions"),
    Link("listening_mentions", "person_id", "people"),
)

# Deletion order: rows that point at others first (foreign keys hold on PostgreSQL).
ERASE_ORDER: tuple[str, ...] = (
    "kb_queries",
    "chat_messages",
    "chat_sessions",
    "survey_answers",
    "survey_responses",
    "survey_invitations",
    "survey_suppressions",
    "rule_firings",
    "notifications",
    "customer_notifications",
    "segment_members",
    "case_links",
    "case_events",
    "note_mentions",
    "internal_notes",
    "sla_events",
    "conversation_items",
    "cases",
    "conversations",
    "text_analyses",
    "text_corrections",
    "attachments",
    "listening_mentions",
    "person_day_rollups",
    "consents",
    "health_scores",
    "account_members",
    "interactions",
    "person_merges",
    "identities",
    "people",
)

# Tables that hold personal data only through ids or texts, handled by their own step;
# with the linked tables above, these are every table the coverage test may name.
SCRUBBED = {
    "jobs": "payloads naming the person, their rows or their words are deleted; batches lose the ids",
    "webhook_deliveries": "deliveries naming the person are deleted with their attempts",
    "webhook_attempts": "deleted with their delivery",
    "text_embeddings": "vectors of the person's texts (by text hash) are deleted",
    "text_themes": "the person's interactions and example texts are taken out",
    "audit_events": "entries about the person keep the action and time, nothing else",
    "privacy_requests": "files of earlier exports are deleted; the person id is cleared",
    "suppressed_identities": "keyed digests only (HMAC), added by erasure",
    "metric_rollups": "counts without identities, lowered by the erased responses",
    "attachment_blobs": "a file's bytes go with the person's last attachment that uses them",
}

# Columns whose values are texts or identifiers of the person (the "needles").
_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("name",),
    "identities": ("value",),
    "interactions": ("subject", "text"),
    "listening_mentions": ("author", "clause"),
    "conversations": ("subject",),
    "cases": ("title", "description", "resolution"),
    "internal_notes": ("body",),
    "survey_answers": ("text",),
    "survey_invitations": ("email",),
    "chat_sessions": ("email", "phone", "user_id"),
    "chat_messages": ("text",),
    "kb_queries": ("text",),
    "notifications": ("body",),
}
# Identifiers and names are searched for from 4 characters; texts from 12 (a shorter text,
# "thanks!", would match other people's rows too).
_MIN_IDENTIFIER = 4
_MIN_TEXT = 12
_IDENTIFIER_TABLES = {"people", "identities", "survey_invitations", "chat_sessions"}
_ID_KEYS = {
    "person_id": "people",
    "survivor_id": "people",
    "merged_id": "people",
    "interaction_id": "interactions",
    "case_id": "cases",
    "response_id": "survey_responses",
    "invitation_id": "survey_invitations",
}
_ID_LIST_KEYS = {"person_ids": "people", "interaction_ids": "interactions", "case_ids": "cases"}


@dataclass
class Holdings:
    """What the workspace holds about one person: row ids per table, and needles."""

    person_id: int
    ids: dict[str, set[int]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    needles: set[str] = field(default_factory=set)
    # Names alone are weak evidence ("Sara" is many people): they never delete other work
    # (jobs, webhook deliveries), only anonymise records that quote them.
    names: set[str] = field(default_factory=set)

    def of(self, table: str) -> set[int]:
        return self.ids.get(table, set())


def table(name: str) -> Table:
    return metadata.tables[name]


def linked_tables() -> set[str]:
    return {link.table for link in LINKS}


def _rows_where(session: Session, t: Table, column: str, values: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    ws = bound_workspace(session)
    for part in chunks(sorted(values, key=str), 400):
        found.extend(
            session.execute(
                select(t).where(t.c.workspace_id == ws, t.c[column].in_(part))
            ).mappings()
        )
    return found


def collect(session: Session, person_id: int) -> Holdings:
    """Every row about the (live) person and the rows merged into them, to a fixpoint."""
    person_id = merges.live_person_id(session, person_id)
    if session.get(Person, person_id) is None:
        raise NotFound(f"no person {person_id}")
    held = Holdings(person_id=person_id)
    rows: dict[str, dict[int, dict[str, Any]]] = {"people": {}}
    for row in _rows_where(session, table("people"), "id", [person_id]):
        rows["people"][row["id"]] = dict(row)
    done: set[tuple[Link, Any]] = set()
    changed = True
    while changed:
        changed = False
        for link in LINKS:
            if link.source not in rows or link.table not in metadata.tables:  # domain not installed
                continue
            values = {
                r[link.source_column]
                for r in rows[link.source].values()
                if r.get(link.source_column) is not None
            }
            values = {v for v in values if (link, v) not in done}
            if not values:
                continue
            done.update((link, v) for v in values)
            target = rows.setdefault(link.table, {})
            for row in _rows_where(session, table(link.table), link.column, values):
                if row["id"] not in target:
                    target[row["id"]] = dict(row)
                    changed = True
    for name, by_id in rows.items():
        held.ids[name] = set(by_id)
        held.rows[name] = [by_id[i] for i in sorted(by_id)]
    for name, columns in _TEXT_COLUMNS.items():
        shortest = _MIN_IDENTIFIER if name in _IDENTIFIER_TABLES else _MIN_TEXT
        for row in held.rows.get(name, []):
            for column in columns:
                value = row.get(column)
                if isinstance(value, str) and len(value.strip()) >= shortest:
                    found = held.names if name == "people" else held.needles
                    found.add(value.strip())
    for row in held.rows.get("identities", []):
        if row.get("value_search") and len(str(row["value_search"])) >= _MIN_IDENTIFIER:
            held.needles.add(str(row["value_search"]))
    return held


# ---------------------------------------------------------------- references in JSON


def _references(value: Any, held: Holdings, *, names: bool = False) -> bool:
    """Whether a JSON value names the person, one of their rows, or holds their words."""
    if isinstance(value, dict):
        for key, item in value.items():
            target = _ID_KEYS.get(str(key))
            is_id = target and isinstance(item, int | str) and str(item).isdigit()
            if is_id and int(item) in held.of(str(target)):
                return True
            if _references(item, held, names=names):
                return True
        return False
    if isinstance(value, list):
        return any(_references(item, held, names=names) for item in value)
    if isinstance(value, str):
        return any(needle in value for needle in held.needles) or (
            names and any(name in value for name in held.names)
        )
    return False


def _without_ids(value: Any, held: Holdings) -> Any:
    """Id lists (`interaction_ids`...) with the person's ids taken out."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            target = _ID_LIST_KEYS.get(str(key))
            if target and isinstance(item, list):
                out[key] = [i for i in item if not (isinstance(i, int) and i in held.of(target))]
            else:
                out[key] = _without_ids(item, held)
        return out
    if isinstance(value, list):
        return [_without_ids(item, held) for item in value]
    return value


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
            if _references(r["payload"], held)
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


# ---------------------------------------------------------------- erasure


def _scrub_rejects_files(session: Session, held: Holdings) -> int:
    """Rewrite each rejects file of the workspace's imports without the rows naming the person
    (a file that keeps no row is deleted). Returns the number of rows removed."""
    needles = {n.casefold() for n in held.needles if n}
    if not needles:
        return 0
    audit = table("audit_events")
    paths = {
        str((row["details"] or {}).get("path") or "")
        for row in session.execute(
            select(audit.c.details).where(
                audit.c.workspace_id == bound_workspace(session),
                audit.c.action == REJECTS_AUDIT_ACTION,
            )
        ).mappings()
    }
    removed = 0
    for name in sorted(p for p in paths if p):
        path = Path(name)
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.reader(handle))
        except OSError:
            continue  # gone already, or moved away by the operator
        keep = [r for r in rows if not any(n in c.casefold() for c in r for n in needles)]
        if len(keep) == len(rows):
            continue
        removed += len(rows) - len(keep)
        try:
            if len(keep) <= 1:  # the header alone
                path.unlink(missing_ok=True)
                continue
            scratch = path.with_name(path.name + ".erasing")
            with scratch.open("w", encoding="utf-8-sig", newline="") as handle:
                csv.writer(handle).writerows(keep)
            os.replace(scratch, path)
        except OSError as exc:
            log.warning("privacy: could not rewrite a rejects file: %s", type(exc).__name__)
    return removed


@dataclass
class Erasure:
    erasure_id: str
    counts: dict[str, int]
    suppressed: int
    files_deleted: int


def erase(
    session: Session,
    person_id: int,
    *,
    actor: Actor | None = None,
    allow_return: bool = False,
) -> Erasure:
    """Remove the person and everything about them from the workspace (in `session`'s
    transaction). After the commit, call `after_erasure`."""
    ws = bound_workspace(session)
    held = collect(session, person_id)
    erasure_id = "er_" + secrets.token_hex(12)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:  # deleted rows are overwritten with zeros, not left in free pages
        session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    counts: dict[str, int] = {}

    # Keyed digests of the identities, so the person is not recreated by later events.
    suppressed = 0
    if not allow_return:
        secret = get_settings().secret_key
        known = set(session.execute(select(SuppressedIdentity.digest)).scalars())
        for row in held.rows.get("identities", []):
            digest = identity_digest(
                secret, ws, str(row["kind"]), str(row["namespace"]), str(row["value"])
            )
            if digest not in known:
                session.add(
                    SuppressedIdentity(workspace_id=ws, digest=digest, erasure_id=erasure_id)
                )
                known.add(digest)
                suppressed += 1

    # Files of earlier exports of this person.
    files_deleted = 0
    requests = table("privacy_requests")
    for row in _rows_where(session, requests, "person_id", held.of("people")):
        if row["path"]:
            try:
                Path(row["path"]).unlink(missing_ok=True)
                files_deleted += 1
            except OSError as exc:  # recorded; the row keeps the path so it can be retried
                log.warning(
                    "privacy: could not delete export file of %s: %s", row["request_id"], exc
                )
                continue
        session.execute(
            update(requests).where(requests.c.id == row["id"]).values(person_id=None, path=None)
        )

    # Rejects files the importer wrote: the person's rejected rows are removed from them.
    counts["rejects_rows_removed"] = _scrub_rejects_files(session, held)

    # Derived data found through the person's ids and texts.
    counts.update(_scrub_jobs(session, held))
    counts.update(_scrub_webhooks(session, held))
    counts.update(_scrub_text_derivatives(session, held))
    counts["audit_events"] = _scrub_audit(session, held)
    counts["notifications_scrubbed"] = _scrub_notifications(session, held)
    counts["quotes_redacted"] = _redact_quotes(session, held)

    # The rows themselves, children first; the overview's rollups are lowered first.
    session.flush()
    lower_for_rows(
        session,
        held.rows.get("interactions", []),
        held.rows.get("text_analyses", []),
        held.rows.get("survey_responses", []),
    )
    people = table("people")
    session.execute(
        update(people)
        .where(people.c.workspace_id == ws, people.c.id.in_(sorted(held.of("people"))))
        .values(merged_into_id=None)
    )
    for name in ERASE_ORDER:
        ids = held.of(name)
        if not ids or name not in metadata.tables:
            continue
        t = table(name)
        for part in chunks(sorted(ids), 400):
            session.execute(delete(t).where(t.c.workspace_id == ws, t.c.id.in_(part)))
        counts[name] = len(ids)
    # Attachments' bytes: kept only where another person's message holds the same file.
    blob_ids = {int(r["blob_id"]) for r in held.rows.get("attachments", [])}
    if blob_ids:
        from sada.cases.attachments import drop_unreferenced_blobs

        counts["attachment_blobs"] = drop_unreferenced_blobs(session, blob_ids)

    session.add(
        PrivacyRequest(
            workspace_id=ws,
            request_id=erasure_id,
            kind=RequestKind.ERASE,
            counts=counts,
            actor_label=(actor.label if actor else "") or "cli",
        )
    )
    record_audit(
        session,
        actor,
        "privacy.erase",
        "privacy_request",
        erasure_id,
        {"counts": counts, "suppressed": suppressed, "allow_return": allow_return},
    )
    session.flush()
    if sqlite:
        session.connection().exec_driver_sql("PRAGMA secure_delete = OFF")
    return Erasure(erasure_id, counts, suppressed, files_deleted)


def _scrub_jobs(session: Session, held: Holdings) -> dict[str, int]:
    jobs = table("jobs")
    ws = bound_workspace(session)
    deleted = updated = 0
    rows = session.execute(select(jobs.c.id, jobs.c.payload).where(jobs.c.workspace_id == ws)).all()
    for job_id, payload in rows:
        if _references(payload, held):
            session.execute(delete(jobs).where(jobs.c.id == job_id))
            deleted += 1
            continue
        cleaned = _without_ids(payload, held)
        if cleaned != payload:
            session.execute(update(jobs).where(jobs.c.id == job_id).values(payload=cleaned))
            updated += 1
    return {"jobs": deleted, "jobs_updated": updated}


def _scrub_webhooks(session: Session, held: Holdings) -> dict[str, int]:
    deliveries = table("webhook_deliveries")
    attempts = table("webhook_attempts")
    ws = bound_workspace(session)
    doomed = [
        delivery_id
        for delivery_id, payload in session.execute(
            select(deliveries.c.id, deliveries.c.payload).where(deliveries.c.workspace_id == ws)
        ).all()
        if _references(payload, held)
    ]
    for part in chunks(doomed, 400):
        session.execute(delete(attempts).where(attempts.c.delivery_id.in_(part)))
        session.execute(delete(deliveries).where(deliveries.c.id.in_(part)))
    return {"webhook_deliveries": len(doomed)}


def _scrub_text_derivatives(session: Session, held: Holdings) -> dict[str, int]:
    ws = bound_workspace(session)
    hashes = {str(r["text_hash"]) for r in held.rows.get("text_analyses", []) if r["text_hash"]}
    for row in held.rows.get("interactions", []):
        if row.get("text"):
            hashes.add(text_hash(str(row["text"])))
    embeddings = table("text_embeddings")
    removed = 0
    for part in chunks(sorted(hashes), 400):
        result = session.execute(
            delete(embeddings).where(
                embeddings.c.workspace_id == ws, embeddings.c.text_hash.in_(part)
            )
        )
        removed += getattr(result, "rowcount", 0) or 0
    themes = table("text_themes")
    mine = held.of("interactions")
    changed = 0
    for theme in session.execute(select(themes).where(themes.c.workspace_id == ws)).mappings():
        ids = list(theme["interaction_ids"] or [])
        examples = list(theme["examples"] or [])
        kept_ids = [i for i in ids if i not in mine]
        kept_examples = [e for e in examples if not _references(e, held, names=True)]
        if kept_ids != ids or kept_examples != examples:
            session.execute(
                update(themes)
                .where(themes.c.id == theme["id"])
                .values(interaction_ids=kept_ids, examples=kept_examples, size=len(kept_ids))
            )
            changed += 1
    return {"text_embeddings": removed, "text_themes": changed}


def _scrub_notifications(session: Session, held: Holdings) -> int:
    """Users' notifications that quote the person without being linked to them."""
    notes = table("notifications")
    ws = bound_workspace(session)
    mine = held.of("notifications")
    doomed = [
        row.id
        for row in session.execute(
            select(notes.c.id, notes.c.title, notes.c.body).where(notes.c.workspace_id == ws)
        )
        if row.id not in mine
        and (_references(row.title, held, names=True) or _references(row.body, held, names=True))
    ]
    for part in chunks(doomed, 400):
        session.execute(delete(notes).where(notes.c.id.in_(part)))
    return len(doomed)


# Text columns of rows that may belong to someone else but quote the person's identifiers
# (an agent's note on another case, a help-centre query): the identifier is cut out.
QUOTING: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("internal_notes", ("body",)),
    ("cases", ("title", "description", "resolution")),
    ("conversations", ("subject",)),
    ("kb_queries", ("text",)),
    ("kb_votes", ("comment",)),
)
ERASED_MARK = "[erased]"


def _identifiers(held: Holdings) -> list[str]:
    found = {str(r["value"]) for r in held.rows.get("identities", []) if r.get("value")}
    found |= {
        str(r["value_search"]) for r in held.rows.get("identities", []) if r.get("value_search")
    }
    return sorted((v for v in found if len(v) >= 6), key=len, reverse=True)


def _redact_quotes(session: Session, held: Holdings) -> int:
    ws = bound_workspace(session)
    identifiers = _identifiers(held)
    changed = 0
    if not identifiers:
        return 0
    for name, columns in QUOTING:
        if name not in metadata.tables:
            continue
        t = table(name)
        mine = held.of(name)
        for column in columns:
            col = t.c[column]
            for needle in identifiers:
                quoted = re.compile(re.escape(needle), re.IGNORECASE)
                pattern = (
                    "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                )
                rows = session.execute(
                    select(t.c.id, col).where(
                        t.c.workspace_id == ws, col.ilike(pattern, escape="\\")
                    )
                ).all()
                for row_id, value in rows:
                    if row_id in mine or value is None:
                        continue
                    session.execute(
                        update(t)
                        .where(t.c.id == row_id)
                        .values({column: quoted.sub(ERASED_MARK, str(value))})
                    )
                    changed += 1
    return changed


def _scrub_audit(session: Session, held: Holdings) -> int:
    """Audit entries about the person keep their action and time; targets and details go."""
    audit = table("audit_events")
    ws = bound_workspace(session)
    person_ids = {str(i) for i in held.of("people")}
    changed = 0
    for row in session.execute(select(audit).where(audit.c.workspace_id == ws)).mappings():
        about = row["target_type"] == "person" and row["target_id"] in person_ids
        quoted = _references(row["details"], held, names=True) or _references(
            row["summary"], held, names=True
        )
        if about or quoted:
            session.execute(
                update(audit)
                .where(audit.c.id == row["id"])
                .values(target_id="", details={"erased": True}, summary="")
            )
            changed += 1
    return changed


def after_erasure(db: Database, *, vacuum: bool = True) -> None:
    """Once the erasure is committed: the journeys' columnar copy starts afresh from the
    database, and the database's own leftovers go (SQLite's write-ahead log is checkpointed
    and truncated, and with `vacuum` the file rewritten, since rows updated before the
    erasure may have left old copies in free space; PostgreSQL's dead row versions are
    vacuumed)."""
    columnar.reset_copies(db)
    try:
        if db.is_sqlite:
            raw = db.engine.raw_connection()  # autocommit at the driver (see sada.db.engine)
            try:
                if vacuum:  # rewrites the whole file: no free page keeps old rows
                    raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            finally:
                raw.close()
            return
        with db.engine.connect() as connection:
            auto = connection.execution_options(isolation_level="AUTOCOMMIT")
            for name in ERASE_ORDER + ("jobs", "webhook_deliveries", "audit_events"):
                if name in metadata.tables:
                    auto.exec_driver_sql(f'VACUUM "{name}"')
    except Exception as exc:  # noqa: BLE001 - the erasure itself is committed; this is hygiene
        log.warning("privacy: compacting after erasure failed: %s", exc)


def allow_return(session: Session, kind: str, namespace: str, value: str) -> bool:
    """Forget one suppressed identity (given in its normalized form); True if it was there."""
    ws = bound_workspace(session)
    digest = identity_digest(get_settings().secret_key, ws, kind, namespace, value)
    result = session.execute(delete(SuppressedIdentity).where(SuppressedIdentity.digest == digest))
    return bool(getattr(result, "rowcount", 0))


def erasure_summary(erasure: Erasure) -> dict[str, Any]:
    return {
        "erasure_id": erasure.erasure_id,
        "counts": erasure.counts,
        "suppressed_identities": erasure.suppressed,
        "files_deleted": erasure.files_deleted,
    }


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
