"""Personal invitations to surveys: created for a list of recipients, listed, sent on a
messaging channel; the entry point of the invitation modules, whose names it also offers:

do_create_invitations(session, survey, recipients, *, secret, base_url, ...) -> list[InvitationOut]
list_invitations / send_on_channel (the send job for invitations on a messaging channel)
invitation_tokens: invitation_token / unsubscribe_token (HMAC of the invitation, for links),
    invitation_by_token (crosses workspaces) / invitation_by_unsubscribe_token
invitation_rules: is_suppressed / do_unsubscribe / the contact-frequency rule / message_reach
survey_requests: check_reach / do_request_survey (rules and triggers: one person, a recorded outcome)
segment_invitations: send_to_segment / do_invite_segment / invite_segment_page (a segment)
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, SadaError
from sada.core.security import hash_secret
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.feedback.invitation_rules import (
    DEFAULT_CONTACT_DAYS,
    DEFAULT_INVITATION_DAYS,
    DELIVERY_CHANNELS,
    SEND_JOB,
    channel_modules,
    contact_days,
    do_unsubscribe,
    enqueue_send,
    is_suppressed,
    message_reach,
    recently_contacted,
)
from sada.feedback.invitation_tokens import (
    invitation_by_token,
    invitation_by_unsubscribe_token,
    invitation_token,
    unsubscribe_token,
)
from sada.feedback.models import Invitation, Survey
from sada.feedback.respondents import person_ref_for
from sada.feedback.schemas import InvitationOut, Recipient
from sada.feedback.segment_invitations import (
    INVITE_SEGMENT_JOB,
    SegmentSend,
    delivery_channels,
    do_invite_segment,
    invite_segment_page,
    queue_segment_send,
    send_to_segment,
)
from sada.feedback.survey_requests import Reach, check_reach, do_request_survey
from sada.feedback.surveys import access_survey
from sada.people import consent
from sada.people.schemas import PersonRef
from sada.settings import Settings

__all__ = [
    "DEFAULT_CONTACT_DAYS",
    "DEFAULT_INVITATION_DAYS",
    "DELIVERY_CHANNELS",
    "INVITE_SEGMENT_JOB",
    "SEND_JOB",
    "Reach",
    "SegmentSend",
    "channel_modules",
    "check_reach",
    "contact_days",
    "delivery_channels",
    "do_create_invitations",
    "do_invite_segment",
    "do_request_survey",
    "do_unsubscribe",
    "invitation_by_token",
    "invitation_by_unsubscribe_token",
    "invitation_token",
    "invite_segment_page",
    "is_suppressed",
    "list_invitations",
    "message_reach",
    "queue_segment_send",
    "recently_contacted",
    "send_on_channel",
    "send_to_segment",
    "unsubscribe_token",
]


def do_create_invitations(
    session: Session,
    survey: Survey,
    recipients: list[Recipient],
    *,
    secret: str,
    base_url: str,
    send_email: bool = True,
    expires_in_days: int | None = None,
    contact_days_default: int = DEFAULT_CONTACT_DAYS,
    now: datetime | None = None,
) -> list[InvitationOut]:
    """Create personal invitations; skip unsubscribed and recently surveyed people.

    Email sending happens in jobs enqueued here, after this transaction commits.
    """
    if survey.status != "active":
        raise Conflict("this survey is not active")
    now = now or utcnow()
    days = (
        0
        if (survey.settings or {}).get("ignore_contact_frequency")
        else contact_days(session, contact_days_default)
    )
    ttl = expires_in_days or int(
        (survey.settings or {}).get("invitation_days", DEFAULT_INVITATION_DAYS)
    )
    out: list[InvitationOut] = []
    for r in recipients:
        person_id, email, language = _resolve_recipient(session, r)
        if language not in survey.languages:
            language = None
        if send_email and is_suppressed(session, email):
            out.append(_skipped(person_id, email, "unsubscribed"))
            continue
        refused = consent.refusal(session, person_id, "email", "surveys") if send_email else None
        if refused:
            out.append(_skipped(person_id, email, refused))
            continue
        if send_email and not email:
            out.append(_skipped(person_id, email, "no email address"))
            continue
        if recently_contacted(session, person_id, email, days, now):
            out.append(_skipped(person_id, email, f"surveyed in the last {days} days"))
            continue
        salt = secrets.token_hex(16)
        invitation = Invitation(
            workspace_id=bound_workspace(session),
            survey_id=survey.id,
            person_id=person_id,
            email=email,
            language=language,
            channel="email" if send_email else "link",
            requested_by="api",
            salt=salt,
            token_hash=hash_secret(f"pending:{salt}"),
            hidden={k: str(v)[:500] for k, v in r.hidden.items()},
            status="pending" if send_email else "sent",
            sent_at=None if send_email else now,
            expires_at=now + timedelta(days=ttl),
            created_at=now,
        )
        session.add(invitation)
        session.flush()
        token = invitation_token(secret, invitation)
        invitation.token_hash = hash_secret(token)
        if send_email:
            enqueue_send(session, invitation)
        out.append(
            InvitationOut(
                id=invitation.id,
                person_id=person_id,
                email=email,
                status=invitation.status,
                language=language,
                link=f"{base_url.rstrip('/')}/s/i/{token}",
            )
        )
    session.flush()
    return out


def _resolve_recipient(session: Session, r: Recipient) -> tuple[int | None, str | None, str | None]:
    """(person_id, email, language) of a recipient; creates the person for a new email."""
    from sada.people.service import Resolver, access_person, parse_person

    email = r.email.strip().lower() if r.email else None
    if r.person_id is not None:
        person = access_person(session, r.person_id)
        if email is None:
            ref = person_ref_for(session, person.id)
            email = ref.email if ref is not None else None
        return person.id, email, r.language or person.language
    if email is None:
        raise Invalid("a recipient needs an email or a person_id")
    parsed = parse_person(PersonRef(email=email, name=r.name), path="recipient", source="survey")
    if parsed.errors:
        raise Invalid(f"{email!r}: {parsed.errors[0].message}")
    resolution = Resolver(session).resolve(parsed)
    person = access_person(session, resolution.person_id)
    return person.id, email, r.language or person.language


def _skipped(person_id: int | None, email: str | None, reason: str) -> InvitationOut:
    return InvitationOut(
        id=0, person_id=person_id, email=email, status="skipped", language=None, reason=reason
    )


def list_invitations(
    session: Session, survey_id: int, *, status: str | None = None, limit: int = 100
) -> list[Invitation]:
    query = select(Invitation).where(Invitation.survey_id == survey_id)
    if status:
        query = query.where(Invitation.status == status)
    return list(session.execute(query.order_by(Invitation.id.desc()).limit(limit)).scalars())


def send_on_channel(db: Database, settings: Settings, workspace_id: int, invitation_id: int) -> str:
    """Send a pending invitation on its messaging channel; record `sent` or `failed`.

    A retryable failure (network, provider down) raises, so the job runner retries it with
    backoff; a permanent one (the provider refused) marks the invitation `failed` with why.
    """
    with db.reader(workspace_id) as session:
        invitation = session.get(Invitation, invitation_id)
        if invitation is None or invitation.workspace_id != workspace_id:
            return "skipped: no such invitation"
        survey = access_survey(session, invitation.survey_id)
        link = f"{settings.base_url.rstrip('/')}/s/i/{invitation_token(settings.secret_key, invitation)}"
    if invitation.status != "pending" or invitation.person_id is None:
        return f"skipped: {invitation.status}"
    if survey.status != "active" or invitation.expires_at < utcnow():
        return "skipped: survey not active or invitation expired"
    module = next(
        (m for m in channel_modules() if invitation.channel in getattr(m, "CHANNELS", ())), None
    )
    status, reason = "sent", None
    if module is None:
        status, reason = "failed", f"no {invitation.channel} channel is configured"
    else:
        try:
            module.send_to_person(
                db,
                settings,
                workspace_id,
                invitation.person_id,
                invitation.channel,
                f"{survey.name}\n{link}",
                [survey.name, link],
                idempotency_key=f"invitation:{invitation_id}",
            )
        except SadaError as exc:
            if getattr(exc, "retryable", True):
                raise
            status, reason = "failed", str(exc)[:500]
    with db.transaction(workspace_id) as session:
        row = session.get(Invitation, invitation_id)
        if row is not None and row.status == "pending":
            row.status = status
            row.reason = reason
            if status == "sent":
                row.sent_at = utcnow()
    return status
