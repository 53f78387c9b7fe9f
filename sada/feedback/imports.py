"""Responses from other tools, mapped to a Sada survey (created on first import).

- `ensure_survey(session, *, source, external_id, name, questions, kind=None) -> Survey`:
  the Sada survey that mirrors an outside one; questions first seen later are added
  (a new version when the survey already has responses).
- `import_records(db, workspace_id, *, source, external_id, name, questions, records)
  -> ImportSummary`: idempotent (source + the tool's response id), per-row errors,
  committed in batches.
- `do_create_source(session, kind, *, secret=None, settings=None) -> SurveySource`,
  `list_sources`, `do_update_source`, `do_delete_source` and
  `source_by_key(session_unbound, key)`: webhook endpoints of outside tools.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.db.engine import Database
from sada.db.scoping import ALL_WORKSPACES
from sada.events import coalesced
from sada.feedback import service
from sada.feedback.models import Survey, SurveySource, WebhookReceipt
from sada.feedback.schemas import (
    METRIC_TYPES,
    Question,
    SurveyDefinition,
    SurveyIn,
    SurveyPatch,
)

_SLUG_RE = re.compile(r"[^A-Za-z0-9_\-]+")


def slug(text: str, prefix: str = "q") -> str:
    """A question or choice key from an outside id or label."""
    value = _SLUG_RE.sub("_", text).strip("_")[:60]
    if not value or not value[0].isalpha():
        value = f"{prefix}_{value}" if value else f"{prefix}_{abs(hash(text)) % 10**8}"
    return value[:64]


@dataclass
class ImportSummary:
    """What an import did: stored (imported/updated), duplicates, skipped and rejected by reason."""

    survey_id: int | None = None
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    rejected_by: dict[str, int] = field(default_factory=dict)
    rows: int | None = None  # data rows in the file, when the importer knows

    @property
    def stored(self) -> int:
        return self.imported + self.updated

    def count(self, outcome: str, where: str) -> None:
        if outcome == "imported":
            self.imported += 1
        elif outcome == "updated":
            self.updated += 1
        elif outcome == "duplicate":
            self.duplicates += 1
        elif outcome.startswith("skipped: "):
            reason = outcome.removeprefix("skipped: ")
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
        else:
            self.rejected += 1
            why = outcome.removeprefix("rejected: ")
            reason = reason_of(why)
            self.rejected_by[reason] = self.rejected_by.get(reason, 0) + 1
            if len(self.errors) < 200:
                self.errors.append(f"{where}: {why}")

    def lines(self) -> list[str]:
        """The summary as printed by `sada import ...` (counts last)."""
        out = [f"skipped {k}={v}" for k, v in sorted(self.skipped.items())]
        out += [f"rejected {k}={v}" for k, v in sorted(self.rejected_by.items())]
        out.append(
            f"stored={self.stored} imported={self.imported} updated={self.updated} "
            f"duplicate={self.duplicates} skipped={sum(self.skipped.values())} "
            f"rejected={self.rejected}"
        )
        return out


def reason_of(message: str) -> str:
    """A short reason to count rejections by: the message without its values."""
    text = message.split(";")[0]
    if ": " in text and text.split(": ", 1)[0].startswith("answers."):
        text = text.split(": ", 1)[1]
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "…", text)
    text = re.sub(r"-?\d+(\.\d+)?", "N", text)
    return re.sub(r"\s+", "_", text.strip())[:60] or "invalid"


def ensure_survey(
    session: Session,
    *,
    source: str,
    external_id: str,
    name: str,
    questions: list[Question],
    kind: str | None = None,
    language: str = "en",
) -> Survey:
    survey = session.execute(
        select(Survey).where(Survey.external_source == source, Survey.external_id == external_id)
    ).scalar_one_or_none()
    if kind is None:
        kind = next((q.type for q in questions if q.type in METRIC_TYPES), "custom")
    if survey is None:
        data = SurveyIn(
            name=name[:200] or external_id,
            kind=kind,  # type: ignore[arg-type]
            default_language=language,
            languages=[language],
            definition=SurveyDefinition(questions=questions),
        )
        return service.do_create_survey(
            session, data, external_source=source, external_id=external_id
        )
    current = service.definition_of(session, survey)
    known = {q.key for q in current.questions}
    new = [q for q in questions if q.key not in known]
    incoming = {q.key: q for q in questions}
    merged: list[Question] = []
    grown = False
    for q in current.questions:
        other = incoming.get(q.key)
        if other is not None and q.choices and other.choices and other.type == q.type:
            have = {c.key for c in q.choices}
            extra = [c for c in other.choices if c.key not in have]
            if extra:  # a later export saw choices the first one did not
                q = q.model_copy(update={"choices": [*q.choices, *extra]})
                grown = True
        merged.append(q)
    if new or grown:
        definition = SurveyDefinition(
            intro=current.intro,
            thank_you=current.thank_you,
            questions=[*merged, *new],
        )
        survey = service.do_update_survey(session, survey.id, SurveyPatch(definition=definition))
    return survey


def import_records(
    db: Database,
    workspace_id: int,
    *,
    source: str,
    external_id: str,
    name: str,
    questions: list[Question],
    records: Iterable[tuple[str, service.ExternalRecord | str]],
    survey_id: int | None = None,
    batch: int = 200,
) -> ImportSummary:
    """`records` yields (where, record) or (where, "rejected: why") for unparsable rows."""
    summary = ImportSummary()
    with db.transaction(workspace_id) as session:
        if survey_id is not None:
            survey = service.access_survey(session, survey_id)
        else:
            survey = ensure_survey(
                session, source=source, external_id=external_id, name=name, questions=questions
            )
        summary.survey_id = survey.id
    pending: list[tuple[str, service.ExternalRecord | str]] = []

    def flush() -> None:
        # One `interaction.ingested` and one `response.received` per flush, not per response.
        with db.transaction(workspace_id) as session, coalesced(session) as events:
            current = service.access_survey(session, summary.survey_id or 0)
            for where, record in pending:
                if isinstance(record, str):
                    summary.count(record, where)
                    continue
                try:
                    with events.savepoint(), session.begin_nested():
                        outcome = service.do_import_response(session, current, record)
                except Invalid as exc:
                    outcome = f"rejected: {exc.message}"
                summary.count(outcome, where)
        pending.clear()

    for item in records:
        pending.append(item)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return summary


def do_create_source(
    session: Session,
    kind: str,
    *,
    secret: str | None = None,
    settings: dict[str, Any] | None = None,
) -> SurveySource:
    if kind not in ("formbricks", "typeform", "chatwoot"):
        raise Invalid("kind must be formbricks, typeform or chatwoot")
    if secret is None:
        secret = (
            # Standard Webhooks secrets are standard base64 (not URL-safe) after "whsec_".
            "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
            if kind == "formbricks"
            else secrets.token_urlsafe(32)
        )
    source = SurveySource(
        kind=kind, key=secrets.token_urlsafe(18), secret=secret, settings=settings or {}
    )
    session.add(source)
    session.flush()
    return source


def source_by_key(session: Session, key: str, kind: str) -> SurveySource | None:
    if not key or len(key) > 64:
        return None
    return session.execute(
        select(SurveySource)
        .where(SurveySource.key == key, SurveySource.kind == kind)
        .execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()


def claim_message(session: Session, source: SurveySource, message_id: str) -> bool:
    """Record a webhook message id; False when it was seen before (a replay)."""
    from sada.db.dialect import insert_ignoring_conflicts
    from sada.db.types import utcnow
    from sada.feedback.models import WebhookReceipt

    statement = insert_ignoring_conflicts(
        session, WebhookReceipt.__table__, ["source_id", "message_id"]
    ).returning(WebhookReceipt.__table__.c.id)
    row = session.execute(
        statement.values(
            workspace_id=source.workspace_id,
            source_id=source.id,
            message_id=message_id[:200],
            received_at=utcnow(),
        )
    ).first()
    return row is not None


def infer_scale_question(key: str, title: str, values: list[float]) -> Question:
    """NPS / CSAT / CES / rating from a column's title and numbers."""
    low, high = (min(values), max(values)) if values else (0, 10)
    text = title.lower()
    if re.search(r"recommend|توصیه|توصي|推荐|nps", text) and low >= 0 and high <= 10:
        qtype, lo, hi = "nps", None, None
    elif re.search(r"easy|effort|آسان|سهل|容易", text) and low >= 1 and high <= 7:
        qtype, lo, hi = "ces", None, None
    elif re.search(r"satisf|رضایت|رضا|满意", text) and low >= 1 and high <= 7:
        qtype, lo, hi = "csat", None, (7 if high > 5 else 5)
    else:
        lo_i = 0 if low < 1 else 1
        hi_i = 10 if high > 7 else (7 if high > 5 else 5)
        qtype, lo, hi = "rating", lo_i, hi_i
    return Question.model_validate(
        {
            "key": key,
            "type": qtype,
            "title": {"en": title[:500] or key},
            **({"scale_min": lo} if lo is not None else {}),
            **({"scale_max": hi} if hi is not None else {}),
        }
    )


def list_sources(session: Session) -> list[SurveySource]:
    """The workspace's webhook sources, oldest first."""
    return list(session.execute(select(SurveySource).order_by(SurveySource.id)).scalars())


def access_source(session: Session, source_id: int) -> SurveySource:
    source = session.execute(
        select(SurveySource).where(SurveySource.id == source_id)
    ).scalar_one_or_none()
    if source is None:
        raise NotFound(f"no survey source {source_id}")
    return source


def do_update_source(
    session: Session,
    source_id: int,
    *,
    secret: str | None = None,
    settings: dict[str, Any] | None = None,
) -> SurveySource:
    """A new secret (rotation) and/or new settings (question definitions)."""
    source = access_source(session, source_id)
    if secret is not None:
        if not (8 <= len(secret) <= 300):
            raise Invalid("secret must be 8-300 characters")
        source.secret = secret
    if settings is not None:
        source.settings = settings
    session.flush()
    return source


def do_delete_source(session: Session, source_id: int) -> None:
    """The webhook URL stops answering; responses already stored stay."""
    source = access_source(session, source_id)
    session.execute(delete(WebhookReceipt).where(WebhookReceipt.source_id == source.id))
    session.delete(source)
    session.flush()
