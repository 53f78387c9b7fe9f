"""Erasure of one person: the rows `collect` finds are deleted (children first), then what only
the needles or ids can find is removed: job payloads, webhook delivery logs, text embeddings and
themes, audit entries, export files written earlier, and the journeys' columnar copy. The
identities are remembered as keyed digests (`SuppressedIdentity`) so that later events do not
recreate the person, unless the admin allows it (`allow_return`).
"""

from __future__ import annotations

import csv
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sada.core.privacy import identity_digest
from sada.db.dialect import chunks
from sada.db.engine import Database
from sada.db.registry import metadata
from sada.db.scoping import bound_workspace
from sada.interactions.importer import REJECTS_AUDIT_ACTION
from sada.journeys import columnar
from sada.people.models import SuppressedIdentity
from sada.privacy.holdings import (
    ERASE_ORDER,
    Holdings,
    collect,
    references,
    rows_where,
    table,
    without_ids,
)
from sada.privacy.models import PrivacyRequest, RequestKind
from sada.privacy.rollups import lower_for_rows
from sada.settings import get_settings
from sada.tenants.service import Actor, record_audit
from sada.text.embeddings import text_hash

log = logging.getLogger(__name__)

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
    for row in rows_where(session, requests, "person_id", held.of("people")):
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
        if references(payload, held):
            session.execute(delete(jobs).where(jobs.c.id == job_id))
            deleted += 1
            continue
        cleaned = without_ids(payload, held)
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
        if references(payload, held)
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
        kept_examples = [e for e in examples if not references(e, held, names=True)]
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
        and (references(row.title, held, names=True) or references(row.body, held, names=True))
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
        quoted = references(row["details"], held, names=True) or references(
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
