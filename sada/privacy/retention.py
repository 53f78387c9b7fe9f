"""Retention policies: per workspace and kind of data, delete or anonymise after N days.

- `interaction_texts`: texts and subjects of interactions older than N days; `delete` clears
  them and their text analyses, `anonymise` replaces them by their redacted form.
- `survey_responses`: responses started N days ago; `delete` removes them with their
  answers, `anonymise` unlinks the person and clears free-text answers and hidden fields.
- `job_payloads`: finished jobs; `delete` removes them, `anonymise` empties the payload.
- `webhook_logs`: finished deliveries; `delete` removes them with their attempts,
  `anonymise` empties payloads and response excerpts.
- `chat_transcripts`: assistant chat messages; `delete` removes them, `anonymise` redacts.

Deletions lower the overview's rollups in the same transaction (`sada.privacy.rollups`).

`apply_policies` runs them all for a workspace; the `privacy.retention` job does that once a
day (it re-enqueues itself while the workspace has a policy).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sada.core.errors import NotFound
from sada.db.dialect import chunks
from sada.db.engine import Database
from sada.db.registry import metadata
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.jobs.service import enqueue
from sada.privacy.models import RetentionAction, RetentionKind, RetentionPolicy
from sada.privacy.rollups import lower_for_rows, lower_for_texts
from sada.tenants.service import Actor, record_audit
from sada.text.pii import redact

__all__ = ["RetentionAction", "RetentionKind", "apply_policies", "list_policies", "set_policy"]

RETENTION_JOB = "privacy.retention"
DAY = timedelta(days=1)


def _out(row: RetentionPolicy) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "days": row.days,
        "action": row.action,
        "last_run_at": row.last_run_at.isoformat() if row.last_run_at else None,
        "last_counts": dict(row.last_counts or {}),
    }


def list_policies(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(RetentionPolicy).order_by(RetentionPolicy.kind)).scalars()
    return [_out(r) for r in rows]


def ensure_job(session: Session, at: datetime | None = None) -> None:
    """One retention run per workspace and day (idempotent by day)."""
    ws = bound_workspace(session)
    at = at or utcnow()
    day = int(at.timestamp() // DAY.total_seconds()) + 1
    enqueue(
        session,
        RETENTION_JOB,
        {},
        workspace_id=ws,
        run_at=datetime.fromtimestamp(day * DAY.total_seconds(), tz=at.tzinfo),
        dedupe_key=f"retention:{ws}:{day}",
    )


def set_policy(
    session: Session,
    kind: str,
    days: int,
    action: str = "delete",
    *,
    actor: Actor | None = None,
) -> dict[str, Any]:
    kind, action = str(RetentionKind(kind)), str(RetentionAction(action))
    row = session.execute(
        select(RetentionPolicy).where(RetentionPolicy.kind == kind)
    ).scalar_one_or_none()
    if row is None:
        row = RetentionPolicy(workspace_id=bound_workspace(session), kind=kind, days=days)
        session.add(row)
    row.days, row.action = days, action
    session.flush()
    record_audit(
        session, actor, "retention.set", "retention", kind, {"days": days, "action": action}
    )
    ensure_job(session)
    return _out(row)


def remove_policy(session: Session, kind: str, *, actor: Actor | None = None) -> None:
    row = session.execute(
        select(RetentionPolicy).where(RetentionPolicy.kind == str(kind))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no retention policy for {kind}")
    session.delete(row)
    record_audit(session, actor, "retention.remove", "retention", str(kind))


def _t(name: str) -> Any:
    return metadata.tables[name]


def _ids(session: Session, stmt: Any) -> list[int]:
    return [int(i) for i in session.execute(stmt).scalars()]


def _lower_for_texts(session: Session, ids: list[int]) -> None:
    """The rollups lose the texts and analyses about to be cleared."""
    t, analyses = _t("interactions"), _t("text_analyses")
    for part in chunks(ids, 400):
        found = session.execute(
            select(t.c.id, t.c.occurred_at, t.c.channel, t.c.language, t.c.origin, t.c.text).where(
                t.c.id.in_(part)
            )
        ).mappings()
        rows = list(found)
        held = session.execute(
            select(analyses.c.interaction_id, analyses.c.sentiment, analyses.c.aspects)
            .add_columns(analyses.c.topics)
            .where(analyses.c.interaction_id.in_(part))
        ).mappings()
        lower_for_texts(session, rows, list(held))


def _interaction_texts(session: Session, cutoff: datetime, action: str) -> int:
    ws = bound_workspace(session)
    t = _t("interactions")
    rows = session.execute(
        select(t.c.id, t.c.text, t.c.subject).where(
            t.c.workspace_id == ws,
            t.c.occurred_at < cutoff,
            (t.c.text.is_not(None)) | (t.c.subject.is_not(None)),
        )
    ).all()
    analyses = _t("text_analyses")
    if action == RetentionAction.DELETE:
        _lower_for_texts(session, [r[0] for r in rows])
    changed = 0
    for iid, text, subject in rows:
        if action == RetentionAction.ANONYMISE:
            new_text = redact(text)[0] if text else text
            new_subject = redact(subject)[0] if subject else subject
            if (new_text, new_subject) == (text, subject):
                continue
            values = {"text": new_text, "subject": new_subject}
        else:
            values = {"text": None, "subject": None}
        session.execute(update(t).where(t.c.id == iid).values(**values))
        changed += 1
    if action == RetentionAction.DELETE:
        for part in chunks([r[0] for r in rows], 400):
            session.execute(delete(analyses).where(analyses.c.interaction_id.in_(part)))
    return changed


def _survey_responses(session: Session, cutoff: datetime, action: str) -> int:
    ws = bound_workspace(session)
    responses, answers = _t("survey_responses"), _t("survey_answers")
    ids = _ids(
        session,
        select(responses.c.id).where(
            responses.c.workspace_id == ws, responses.c.started_at < cutoff
        ),
    )
    for part in chunks(ids, 400):
        if action == RetentionAction.DELETE:
            found = session.execute(select(responses).where(responses.c.id.in_(part))).mappings()
            lower_for_rows(session, [], [], list(found))
            session.execute(delete(answers).where(answers.c.response_id.in_(part)))
            session.execute(delete(responses).where(responses.c.id.in_(part)))
        else:
            session.execute(
                update(answers).where(answers.c.response_id.in_(part)).values(text=None)
            )
            session.execute(
                update(responses)
                .where(responses.c.id.in_(part))
                .values(person_id=None, hidden={}, meta={}, agent=None)
            )
    return len(ids)


def _job_payloads(session: Session, cutoff: datetime, action: str) -> int:
    ws = bound_workspace(session)
    jobs = _t("jobs")
    ids = _ids(
        session,
        select(jobs.c.id).where(
            jobs.c.workspace_id == ws,
            jobs.c.status.in_(("done", "failed")),
            jobs.c.finished_at < cutoff,
        ),
    )
    for part in chunks(ids, 400):
        if action == RetentionAction.DELETE:
            session.execute(delete(jobs).where(jobs.c.id.in_(part)))
        else:
            session.execute(
                update(jobs).where(jobs.c.id.in_(part)).values(payload={}, last_error=None)
            )
    return len(ids)


def _webhook_logs(session: Session, cutoff: datetime, action: str) -> int:
    ws = bound_workspace(session)
    deliveries, attempts = _t("webhook_deliveries"), _t("webhook_attempts")
    ids = _ids(
        session,
        select(deliveries.c.id).where(
            deliveries.c.workspace_id == ws,
            deliveries.c.status.in_(("delivered", "failed", "blocked", "cancelled")),
            deliveries.c.created_at < cutoff,
        ),
    )
    for part in chunks(ids, 400):
        if action == RetentionAction.DELETE:
            session.execute(delete(attempts).where(attempts.c.delivery_id.in_(part)))
            session.execute(delete(deliveries).where(deliveries.c.id.in_(part)))
        else:
            session.execute(
                update(attempts)
                .where(attempts.c.delivery_id.in_(part))
                .values(response_excerpt=None, error=None)
            )
            session.execute(update(deliveries).where(deliveries.c.id.in_(part)).values(payload={}))
    return len(ids)


def _chat_transcripts(session: Session, cutoff: datetime, action: str) -> int:
    ws = bound_workspace(session)
    messages = _t("chat_messages")
    rows = session.execute(
        select(messages.c.id, messages.c.text).where(
            messages.c.workspace_id == ws, messages.c.at < cutoff
        )
    ).all()
    for part in chunks([r[0] for r in rows], 400):
        if action == RetentionAction.DELETE:
            session.execute(delete(messages).where(messages.c.id.in_(part)))
    if action == RetentionAction.ANONYMISE:
        for mid, text in rows:
            if text:
                session.execute(
                    update(messages).where(messages.c.id == mid).values(text=redact(text)[0])
                )
    return len(rows)


_APPLY = {
    RetentionKind.INTERACTION_TEXTS: _interaction_texts,
    RetentionKind.SURVEY_RESPONSES: _survey_responses,
    RetentionKind.JOB_PAYLOADS: _job_payloads,
    RetentionKind.WEBHOOK_LOGS: _webhook_logs,
    RetentionKind.CHAT_TRANSCRIPTS: _chat_transcripts,
}


def apply_policies(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Apply every policy of the bound workspace; returns rows changed per kind."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    for row in session.execute(select(RetentionPolicy)).scalars():
        cutoff = now - timedelta(days=row.days)
        n = _APPLY[RetentionKind(row.kind)](session, cutoff, row.action)
        counts[row.kind] = n
        row.last_run_at = now
        row.last_counts = {"rows": n}
    if counts:
        record_audit(session, None, "retention.run", "retention", "", {"counts": counts})
    return counts


def run(db: Database, workspace_id: int, now: datetime | None = None) -> dict[str, int]:
    """One retention run, and the next day's job while the workspace has policies."""
    with db.transaction(workspace_id) as session:
        counts = apply_policies(session, now)
        if session.execute(select(RetentionPolicy.id).limit(1)).first() is not None:
            ensure_job(session, now)
    return counts
