"""The report job: mail one run of a schedule, once per recipient, then plan the next run.

A run is named by its period key (the local day in its zone, or the minute of a "run now");
each recipient's mail is claimed in `report_deliveries` before it is sent, so a retried job
sends only what failed: a recipient already sent (or being sent when a worker died) is not
mailed twice. Failures are recorded per recipient and the job raises, so the runner retries
the failed ones later.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import select, update

from sada.core.errors import SadaError
from sada.core.mail import smtp_connection
from sada.db.dialect import insert_ignoring_conflicts
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.registry import Priority, handler
from sada.reports import paths, pdf, service
from sada.reports.document import xlsx
from sada.reports.models import ReportDelivery, ReportSchedule, SavedView
from sada.reports.web_report import Reader, build, mail_text
from sada.settings import get_settings
from sada.tenants.models import User, Workspace

log = logging.getLogger(__name__)
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class Recipient:
    address: str
    reader: Reader


def _resolve(session: Any, sched: ReportSchedule, chosen: list[dict[str, Any]]) -> list[Recipient]:
    workspace = session.get(Workspace, sched.workspace_id)
    ws_zone = workspace.timezone if workspace else "UTC"
    ws_calendar = workspace.calendar if workspace else "gregorian"
    ids = [r["user_id"] for r in chosen if "user_id" in r]
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()}
    out = []
    for r in chosen:
        if "user_id" in r:
            user = users.get(r["user_id"])
            if user is None or not user.is_active:
                continue
            zone = (user.timezone or ws_zone) if sched.zone_mode == "recipient" else sched.timezone
            out.append(
                Recipient(user.email, Reader(user.language, zone, user.calendar, user.digits))
            )
        else:
            lang = r.get("language") or "en"
            calendar = "jalali" if lang == "fa" and ws_calendar == "jalali" else ws_calendar
            out.append(Recipient(r["email"], Reader(lang, sched.timezone, calendar)))
    return out


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40]
    return slug or "report"


def _claim(db: Database, workspace_id: int, sched_id: int, key: str, r: Recipient) -> bool:
    """Whether this recipient still needs this run's mail (and it is now ours to send)."""
    with db.transaction(workspace_id) as s:
        s.execute(
            insert_ignoring_conflicts(
                s,
                ReportDelivery.__table__,
                ["workspace_id", "schedule_id", "period_key", "recipient"],
            ).values(
                workspace_id=workspace_id,
                schedule_id=sched_id,
                period_key=key,
                recipient=r.address,
                language=r.reader.lang,
                status="claiming",
                attachments=[],
                at=utcnow(),
            )
        )
        row = s.execute(
            select(ReportDelivery).where(
                ReportDelivery.schedule_id == sched_id,
                ReportDelivery.period_key == key,
                ReportDelivery.recipient == r.address,
            )
        ).scalar_one()
        if row.status in ("sent", "sending"):
            return False
        row.status = "sending"
        row.at = utcnow()
        return True


def _finish(
    db: Database,
    workspace_id: int,
    sched_id: int,
    key: str,
    address: str,
    status: str,
    attachments: list[str],
    note: str | None,
) -> None:
    with db.transaction(workspace_id) as s:
        s.execute(
            update(ReportDelivery)
            .where(
                ReportDelivery.schedule_id == sched_id,
                ReportDelivery.period_key == key,
                ReportDelivery.recipient == address,
            )
            .values(status=status, attachments=attachments, note=note, at=utcnow())
        )


@handler(service.SEND_JOB, priority=Priority.FOLLOW_UP)
def send_report(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    assert workspace_id is not None
    settings = get_settings()
    key = str(payload["period_key"])
    zone = payload.get("zone")
    run_at = datetime.fromisoformat(str(payload["run_at"]))
    with db.transaction(workspace_id) as s:
        sched = s.get(ReportSchedule, int(payload["schedule_id"]))
        if sched is None:
            return
        if zone is not None:
            # A scheduled run: runs planned before the schedule last changed were re-planned
            # then, so they stop here; the next run is planned once (a retry finds it done).
            if not sched.active or payload.get("version") != service.version(sched):
                return
            chosen = service.recipient_zones(s, sched).get(zone, [])
            planned = sched.next_runs.get(zone)
            if planned is None or datetime.fromisoformat(planned) <= run_at:
                service.plan(s, sched, after=max(run_at, utcnow()))
        else:
            chosen = list(sched.recipients)
        view = s.get(SavedView, sched.view_id)
        if view is None:
            return
        recipients = _resolve(s, sched, chosen)
        sched.last_status = "running"
        sched_id, name, names = sched.id, view.name, dict(view.names)
        path, query = view.path, view.query
    now = utcnow()
    built: dict[Reader, tuple[bytes, bytes | None, pdf.Support | None]] = {}
    failures: list[str] = []
    sent = 0
    for r in recipients:
        if not _claim(db, workspace_id, sched_id, key, r):
            continue
        title = names.get(r.reader.lang) or name
        files: list[str] = []
        try:
            if r.reader not in built:
                with db.reader(workspace_id) as s:
                    report = build(s, name=title, path=path, query=query, reader=r.reader, now=now)
                can = pdf.support(report.lang)
                built[r.reader] = (
                    xlsx(report),
                    pdf.render(report) if can.ok else None,
                    None if can.ok else can,
                )
            sheet, document, reason = built[r.reader]
            stem = f"{_slug(name)}-{now.date().isoformat()}-{r.reader.lang}"
            files = [f"{stem}.xlsx"] + ([f"{stem}.pdf"] if document else [])
            link = settings.base_url.rstrip("/") + paths.target_url(
                path, (query + "&" if query else "") + f"lang={r.reader.lang}"
            )
            subject, body = mail_text(
                lang=r.reader.lang,
                view_name=title,
                link=link,
                attachments=files,
                pdf_reason=reason,
            )
            message = EmailMessage()
            message["From"] = settings.mail_from
            message["To"] = r.address
            message["Subject"] = subject
            message["Date"] = formatdate(localtime=False)
            message["Message-ID"] = make_msgid(domain="sada.local")
            message["Auto-Submitted"] = "auto-generated"
            message.set_content(body, charset="utf-8")
            message.add_attachment(
                sheet, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=files[0]
            )
            if document:
                message.add_attachment(
                    document, maintype="application", subtype="pdf", filename=files[1]
                )
            message["Content-Language"] = r.reader.lang  # after the parts (they move it)
            with smtp_connection(settings, timeout=30) as smtp:
                smtp.send_message(message)
        except (OSError, SadaError, ValueError) as exc:  # SMTP, period or data errors
            log.warning("report %s to a recipient failed: %s", sched_id, type(exc).__name__)
            failures.append(f"{r.address}: {exc}"[:300])
            _finish(db, workspace_id, sched_id, key, r.address, "failed", files, str(exc)[:500])
            continue
        sent += 1
        note = reason.text() if reason else None  # why no PDF went, in English
        _finish(db, workspace_id, sched_id, key, r.address, "sent", files, note)
    with db.transaction(workspace_id) as s:
        sched = s.get(ReportSchedule, sched_id)
        if sched is not None:
            sched.last_run_at = utcnow()
            sched.last_status = (
                "failed" if failures and not sent else ("partial" if failures else "sent")
            )
            sched.last_error = "\n".join(failures)[:2000] or None
    if failures:
        raise RuntimeError(f"report {sched_id}: {len(failures)} recipient(s) failed; retrying")
