"""Notifications: in-app rows, and email over SMTP sent by a job after commit."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sada.automation.models import Notification
from sada.core.mail import smtp_connection
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.jobs.service import enqueue

EMAIL_JOB = "notify.email"


def send_mail(
    settings: Any,
    to: list[str],
    subject: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> str:
    """Send one plain-text UTF-8 message, with (file name, MIME type, bytes) attachments;
    return its Message-ID."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="sada.local")
    extra = dict(headers or {})
    message["Auto-Submitted"] = extra.pop(
        "Auto-Submitted", "auto-generated" if headers is None else "no"
    )
    for name, value in extra.items():
        message[name] = value
    message.set_content(body, charset="utf-8")
    for filename, mime, data in attachments or []:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=filename,
        )
    with smtp_connection(settings, timeout=30) as smtp:
        smtp.send_message(message)
    return str(message["Message-ID"])


def queue_email(
    session: Session, to: list[str], subject: str, body: str, *, dedupe_key: str | None = None
) -> None:
    """Durable: the email job commits with the change that caused it."""
    clean = sorted({t.strip() for t in to if t and "@" in t})
    if not clean:
        return
    workspace_id = bound_workspace(session)
    enqueue(
        session,
        EMAIL_JOB,
        {"to": clean, "subject": subject[:500], "body": body},
        workspace_id=workspace_id,
        dedupe_key=f"mail:{workspace_id}:{dedupe_key}" if dedupe_key else None,
    )


def notify_in_app(
    session: Session,
    user_ids: list[int],
    title: str,
    body: str = "",
    *,
    link: str | None = None,
    rule_id: int | None = None,
    person_id: int | None = None,
) -> list[Notification]:
    rows = [
        Notification(
            workspace_id=bound_workspace(session),
            user_id=uid,
            title=title[:500],
            body=body,
            link=link,
            rule_id=rule_id,
            person_id=person_id,
        )
        for uid in sorted(set(user_ids))
    ]
    session.add_all(rows)
    session.flush()
    return rows


def list_notifications(
    session: Session, user_id: int, *, unread_only: bool = False, limit: int = 100
) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.execute(query.order_by(Notification.id.desc()).limit(limit)).scalars())


def do_mark_read(session: Session, user_id: int, ids: list[int]) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.id.in_(ids))
        .values(read_at=utcnow())
    )
