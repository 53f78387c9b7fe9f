"""Survey requests from rules and triggers: one person, the best channel they can be
reached on, and a recorded outcome (an invitation row, sent or with why not)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.security import hash_secret
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.feedback.invitation_rules import (
    DEFAULT_CONTACT_DAYS,
    DEFAULT_INVITATION_DAYS,
    contact_days,
    enqueue_send,
    is_suppressed,
    message_reach,
    recently_contacted,
)
from sada.feedback.invitation_tokens import invitation_token
from sada.feedback.models import Invitation, Survey
from sada.feedback.respondents import person_ref_for
from sada.people import consent


@dataclass(frozen=True)
class Reach:
    """Can this person be sent this survey now? `status` is what the invitation row records."""

    status: str  # pending | unreachable | throttled | unsubscribed (also: no consent) | inactive
    reason: str | None = None
    channel: str | None = None
    email: str | None = None
    language: str | None = None


def check_reach(
    session: Session,
    survey: Survey,
    person_id: int | None,
    *,
    contact_days_default: int = DEFAULT_CONTACT_DAYS,
    now: datetime | None = None,
    only_channel: str | None = None,
) -> Reach:
    """Decide, without writing anything, whether `person_id` can be invited to `survey`.

    With `only_channel` ("email", "whatsapp", ...) no other channel is considered: consent
    and opt-outs are checked on that channel alone.
    """
    now = now or utcnow()
    if survey.status != "active":
        return Reach("inactive", f"the survey is {survey.status}, not active")
    if person_id is None:
        return Reach("unreachable", "no person to send it to")
    ref = person_ref_for(session, person_id)
    email = ref.email if ref is not None else None
    from sada.people.service import access_person

    language = access_person(session, person_id).language
    if language not in survey.languages:
        language = None
    if only_channel not in (None, "email"):
        email = None
    if email and is_suppressed(session, email):
        return Reach("unsubscribed", "the person unsubscribed from surveys", email=email)
    channel: str | None = None
    refused: str | None = None
    if email:
        # "withdrawn": the person withdrew consent to surveys by email; "no consent": the
        # workspace requires consent for surveys and none was recorded.
        refused = consent.refusal(session, person_id, "email", "surveys")
        channel = None if refused else "email"
    if channel is None and only_channel != "email":
        for name, _address in message_reach(session, person_id):
            if only_channel is not None and name != only_channel:
                continue
            why = consent.refusal(session, person_id, name, "surveys")
            if why is None:
                channel = name
                break
            refused = refused or why
    if channel is None:
        if refused:
            return Reach("unsubscribed", refused, email=email)
        if only_channel is not None:
            return Reach("unreachable", f"no {only_channel} address for this person")
        return Reach(
            "unreachable",
            "no address on a channel this survey can be delivered on "
            "(email, or a WhatsApp, SMS or Telegram account the workspace has configured)",
        )
    if channel != "email":
        email = None
    settings = survey.settings or {}
    days = (
        0
        if settings.get("ignore_contact_frequency")
        else contact_days(session, contact_days_default)
    )
    if recently_contacted(session, person_id, email, days, now):
        return Reach(
            "throttled", f"surveyed in the last {days} days (contact frequency)", email=email
        )
    throttle = int(settings.get("throttle_days") or 0)
    if throttle and _invited_to(session, survey.id, person_id, now - timedelta(days=throttle)):
        return Reach(
            "throttled", f"invited to this survey in the last {throttle} days", email=email
        )
    return Reach("pending", None, channel=channel, email=email, language=language)


def _invited_to(session: Session, survey_id: int, person_id: int, since: datetime) -> bool:
    return (
        session.execute(
            select(Invitation.id)
            .where(
                Invitation.survey_id == survey_id,
                Invitation.person_id == person_id,
                Invitation.status.in_(("pending", "sent", "completed")),
                Invitation.created_at >= since,
            )
            .limit(1)
        ).first()
        is not None
    )


def do_request_survey(
    session: Session,
    survey: Survey,
    person_id: int | None,
    *,
    secret: str,
    requested_by: str,
    dedupe_key: str | None = None,
    hidden: dict[str, str] | None = None,
    contact_days_default: int = DEFAULT_CONTACT_DAYS,
    now: datetime | None = None,
    only_channel: str | None = None,
) -> Invitation:
    """Invite one person on the best channel they can be reached on, or record why not.

    Every request leaves a row: `pending` (the email job is enqueued in this transaction)
    or `unreachable` / `throttled` / `unsubscribed` / `inactive` with the reason, so nobody
    is skipped silently. With `dedupe_key`, a second request for the same key (one CSAT per
    solved conversation, a replayed job) returns the first row and sends nothing.
    """
    if dedupe_key:
        existing = session.execute(
            select(Invitation).where(Invitation.dedupe_key == dedupe_key)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    now = now or utcnow()
    reach = check_reach(
        session,
        survey,
        person_id,
        contact_days_default=contact_days_default,
        now=now,
        only_channel=only_channel,
    )
    ttl = int((survey.settings or {}).get("invitation_days", DEFAULT_INVITATION_DAYS))
    salt = secrets.token_hex(16)
    invitation = Invitation(
        workspace_id=bound_workspace(session),
        survey_id=survey.id,
        person_id=person_id,
        email=reach.email,
        language=reach.language,
        channel=reach.channel or "none",
        salt=salt,
        token_hash=hash_secret(f"{reach.status}:{salt}"),
        hidden={k: str(v)[:500] for k, v in (hidden or {}).items()},
        status=reach.status,
        reason=reach.reason,
        requested_by=requested_by[:100],
        dedupe_key=dedupe_key[:200] if dedupe_key else None,
        expires_at=now + timedelta(days=ttl),
        created_at=now,
    )
    session.add(invitation)
    session.flush()
    if reach.status == "pending":
        invitation.token_hash = hash_secret(invitation_token(secret, invitation))
        enqueue_send(session, invitation)
    return invitation
