"""Survey invitations and reminders by email over SMTP.

- `build_message(settings, survey, invitation, *, token, unsubscribe, reminder, name) -> EmailMessage`
- `send_invitation(db, settings, workspace_id, invitation_id, *, reminder=0) -> str`
  sends one invitation (or reminder number `reminder`); returns what happened
  ("sent", "skipped: why"). Idempotent: an invitation is sent once, each reminder once.

Per-language templates: `templates/email/invite.{txt,html}` with the strings of
`sada.feedback.i18n`, overridable per survey with
`settings["email"][lang] = {"subject": ..., "body": ...}`. Every message carries
an unsubscribe link and RFC 8058 one-click `List-Unsubscribe` headers; an
unsubscribed address is never sent anything again.
"""

from __future__ import annotations

from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sada.core.mail import smtp_connection
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.feedback import i18n, invitations, service
from sada.feedback.models import Invitation, Survey
from sada.feedback.schemas import is_rtl
from sada.settings import Settings

REMIND_JOB = "feedback.send_invitation"


def build_message(
    settings: Settings,
    survey: Survey,
    invitation: Invitation,
    *,
    token: str,
    unsubscribe: str,
    reminder: int = 0,
    name: str | None = None,
) -> EmailMessage:
    from sada.feedback.web_render import render_text

    lang = invitation.language or survey.default_language
    base = settings.base_url.rstrip("/")
    link = f"{base}/s/i/{token}"
    unsubscribe_link = f"{base}/s/u/{unsubscribe}"
    custom = ((survey.settings or {}).get("email") or {}).get(lang) or {}
    subject = custom.get("subject") or i18n.t(lang, "email_subject").format(survey=survey.name)
    body = custom.get("body") or i18n.t(lang, "email_reminder" if reminder else "email_body")
    context: dict[str, Any] = {
        "lang": lang,
        "dir": "rtl" if is_rtl(lang) else "ltr",
        "subject": subject,
        "hello": i18n.t(lang, "email_hello").format(name=f" {name}" if name else ""),
        "body": body,
        "button": i18n.t(lang, "email_button"),
        "link": link,
        "unsubscribe": i18n.t(lang, "email_unsubscribe"),
        "unsubscribe_link": unsubscribe_link,
    }
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = formataddr((name or "", invitation.email or ""))
    message["Message-ID"] = make_msgid(domain=_domain(settings.mail_from))
    message["List-Unsubscribe"] = f"<{unsubscribe_link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = lang
    message.set_content(render_text("email/invite.txt", context))
    message.add_alternative(render_text("email/invite.html", context), subtype="html")
    return message


def _domain(mail_from: str) -> str:
    try:
        from email.headerregistry import HeaderRegistry

        header = HeaderRegistry()("From", mail_from)
        address: Address = header.addresses[0]  # type: ignore[attr-defined]
        return address.domain or "localhost"
    except Exception:  # noqa: BLE001 - a malformed setting must not stop mail
        return "localhost"


def smtp_send(settings: Settings, message: EmailMessage) -> None:
    with smtp_connection(settings, timeout=20) as smtp:
        smtp.send_message(message)


def send_invitation(
    db: Database, settings: Settings, workspace_id: int, invitation_id: int, *, reminder: int = 0
) -> str:
    with db.reader(workspace_id) as session:
        invitation = session.get(Invitation, invitation_id)
        if invitation is None or invitation.workspace_id != workspace_id:
            return "skipped: no such invitation"
        survey = service.access_survey(session, invitation.survey_id)
        suppressed = invitations.is_suppressed(session, invitation.email)
        person = service.person_of(session, invitation.person_id)
        name = person.name if person is not None else None
    now = utcnow()
    why = None
    if not invitation.email:
        why = "no email address"
    elif suppressed:
        why = "unsubscribed"
    elif invitation.completed_at is not None:
        why = "already answered"
    elif invitation.expires_at < now:
        why = "expired"
    elif survey.status != "active":
        why = "survey not active"
    elif reminder == 0 and invitation.sent_at is not None:
        why = "already sent"
    elif reminder and invitation.reminders >= reminder:
        why = "reminder already sent"
    if why:
        if why == "unsubscribed":
            with db.transaction(workspace_id) as session:
                row = session.get(Invitation, invitation_id)
                if row is not None and row.status == "pending":
                    row.status = "suppressed"
        return f"skipped: {why}"
    message = build_message(
        settings,
        survey,
        invitation,
        token=invitations.invitation_token(settings.secret_key, invitation),
        unsubscribe=invitations.unsubscribe_token(settings.secret_key, invitation),
        reminder=reminder,
        name=name,
    )
    smtp_send(settings, message)  # raises on failure: the job retries with backoff
    with db.transaction(workspace_id) as session:
        row = session.get(Invitation, invitation_id)
        if row is None:
            return "sent"
        if reminder:
            row.reminders = reminder
            row.last_reminder_at = now
        else:
            row.sent_at = now
            row.status = "sent" if row.completed_at is None else row.status
        days = int((survey.settings or {}).get("reminder_days", settings.survey_reminder_days))
        most = int((survey.settings or {}).get("max_reminders", settings.survey_max_reminders))
        if days > 0 and reminder < most:
            from sada.jobs.service import enqueue

            enqueue(
                session,
                REMIND_JOB,
                {"invitation_id": invitation_id, "reminder": reminder + 1},
                workspace_id=workspace_id,
                run_at=now + timedelta(days=days),
                dedupe_key=f"{REMIND_JOB}:{invitation_id}:{reminder + 1}",
            )
    return "sent"
