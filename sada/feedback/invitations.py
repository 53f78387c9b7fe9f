"""Personal invitations: unguessable tokens, e-mail suppression, the contact-frequency rule.

do_create_invitations(session, survey, recipients, *, secret, base_url, ...) -> list[InvitationOut]
invitation_by_token(session_unbound, token) -> Invitation | None   (crosses workspaces)
invitation_by_unsubscribe_token / do_unsubscribe / is_suppressed
invitation_token / unsubscribe_token (HMAC of the invitation, for links)
check_reach / do_request_survey (rules and triggers: one person, a recorded outcome) / list_invitations
send_on_channel (the send job for invitations on a messaging channel: WhatsApp, Telegram)

Messaging channels come from the domain manifest's `message_channels` hook (modules named in
`sada.domains`, imported by name), so this lower layer never imports the channels domain.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, SadaError
from sada.core.security import hash_secret
from sada.db.engine import Database
from sada.db.scoping import ALL_WORKSPACES, bound_workspace
from sada.db.types import utcnow
from sada.domains import message_channel_modules
from sada.feedback.models import Invitation, Suppression, Survey
from sada.feedback.respondents import person_ref_for
from sada.feedback.schemas import InvitationOut, Recipient
from sada.feedback.surveys import access_survey
from sada.jobs.service import enqueue
from sada.people import consent
from sada.people.schemas import PersonRef
from sada.settings import Settings

SEND_JOB = "feedback.send_invitation"
DEFAULT_CONTACT_DAYS = 14
DEFAULT_INVITATION_DAYS = 30


def _mac(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_token(secret: str, invitation: Invitation) -> str:
    """256-bit token rebuilt from the secret key; only its SHA-256 is stored."""
    return _mac(secret, f"survey-invitation:{invitation.id}:{invitation.salt}")


def unsubscribe_token(secret: str, invitation: Invitation) -> str:
    return f"{invitation.id}.{_mac(secret, f'survey-unsubscribe:{invitation.id}:{invitation.salt}')[:32]}"


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    """Find an invitation from its token, across workspaces (the token says which)."""
    if not token or len(token) > 100:
        return None
    return session.execute(
        select(Invitation)
        .where(Invitation.token_hash == hash_secret(token))
        .execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()


def invitation_by_unsubscribe_token(session: Session, secret: str, token: str) -> Invitation | None:
    head, _, _sig = token.partition(".")
    if not head.isdigit() or len(token) > 100:
        return None
    invitation = session.execute(
        select(Invitation)
        .where(Invitation.id == int(head))
        .execution_options(**{ALL_WORKSPACES: True})
    ).scalar_one_or_none()
    if invitation is None or not hmac.compare_digest(unsubscribe_token(secret, invitation), token):
        return None
    return invitation


def is_suppressed(session: Session, email: str | None) -> bool:
    if not email:
        return False
    return (
        session.execute(
            select(Suppression.id).where(Suppression.email == email.strip().lower())
        ).first()
        is not None
    )


def do_unsubscribe(session: Session, email: str, reason: str = "unsubscribe") -> None:
    from sada.db.dialect import insert_ignoring_conflicts

    statement = insert_ignoring_conflicts(session, Suppression.__table__, ["workspace_id", "email"])
    session.execute(
        statement.values(
            workspace_id=bound_workspace(session),
            email=email.strip().lower(),
            reason=reason,
            created_at=utcnow(),
        )
    )
    session.execute(
        update(Invitation)
        .where(Invitation.email == email.strip().lower(), Invitation.status == "pending")
        .values(status="suppressed")
        .execution_options(synchronize_session=False)
    )


def contact_days(session: Session, default: int) -> int:
    from sada.tenants.service import get_workspace

    ws = get_workspace(session, bound_workspace(session))
    value = (ws.settings or {}).get("survey_contact_days", default)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def recently_contacted(
    session: Session, person_id: int | None, email: str | None, days: int, now: datetime
) -> bool:
    """Was this person invited to any survey in the last `days` days?"""
    if days <= 0 or (person_id is None and not email):
        return False
    since = now - timedelta(days=days)
    who = []
    if person_id is not None:
        who.append(Invitation.person_id == person_id)
    if email:
        who.append(Invitation.email == email)
    found = session.execute(
        select(Invitation.id)
        .where(
            or_(*who),
            Invitation.status.in_(("pending", "sent", "completed")),
            or_(
                Invitation.sent_at >= since,
                and_(Invitation.sent_at.is_(None), Invitation.created_at >= since),
            ),
        )
        .limit(1)
    ).first()
    return found is not None


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
            enqueue(
                session,
                SEND_JOB,
                {"invitation_id": invitation.id},
                workspace_id=invitation.workspace_id,
                dedupe_key=f"{SEND_JOB}:{invitation.id}:0",
            )
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


def _skipped(person_id: int | None, email: str | None, reason: str) -> InvitationOut:
    return InvitationOut(
        id=0, person_id=person_id, email=email, status="skipped", language=None, reason=reason
    )


# ---------------------------------------------------------------- requests from rules and triggers

# The channels a survey invitation can go out on, in order of preference: email first, then
# the messaging channels the manifest's `message_channels` modules offer (WhatsApp, SMS,
# Telegram).
DELIVERY_CHANNELS = ("email",)


def channel_modules() -> list[Any]:
    """The modules of the manifest's `message_channels` hook, imported by name."""
    return [importlib.import_module(name) for name in message_channel_modules()]


def message_reach(session: Session, person_id: int) -> list[tuple[str, str]]:
    """(channel, address) the person can be reached on by a messaging channel, best first."""
    out: list[tuple[str, str]] = []
    for module in channel_modules():
        out.extend(module.reachable(session, person_id))
    return out


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
        enqueue(
            session,
            SEND_JOB,
            {"invitation_id": invitation.id},
            workspace_id=invitation.workspace_id,
            dedupe_key=f"{SEND_JOB}:{invitation.id}:0",
        )
    return invitation


# ---------------------------------------------------------------- a segment as the audience

SEGMENT_PAGE = 500
# Segments larger than this (members as last kept) are sent by the job, not in the request.
SYNC_LIMIT = 300
INVITE_SEGMENT_JOB = "feedback.invite_segment"


@dataclass
class SegmentSend:
    """What sending a survey to a segment did: members seen, invited now, already invited
    before (not sent again), and the other outcomes by reason (consent, throttle, address)."""

    segment: str
    members: int = 0
    invited: int = 0
    already: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def delivery_channels() -> list[str]:
    """Channels a survey can be sent on to a segment: email, then the messaging channels."""
    out = list(DELIVERY_CHANNELS)
    for module in channel_modules():
        out.extend(c for c in getattr(module, "CHANNELS", ()) if c not in out)
    return out


def _already_invited(session: Session, survey_id: int, person_ids: list[int]) -> set[int]:
    """Who of these people has a live invitation to this survey (sent, pending or answered)."""
    return {
        int(pid)
        for pid in session.execute(
            select(Invitation.person_id).where(
                Invitation.survey_id == survey_id,
                Invitation.person_id.in_(person_ids),
                Invitation.status.in_(("pending", "sent", "completed")),
            )
        ).scalars()
        if pid is not None
    }


def _check_segment_send(session: Session, survey: Survey, segment_key: str, channel: str) -> Any:
    from sada.people import membership

    if survey.status != "active":
        raise Conflict("this survey is not active")
    if channel not in delivery_channels():
        raise Invalid(f"channel must be one of {', '.join(delivery_channels())}")
    return membership.get_segment(session, segment_key)


def invite_segment_page(
    session: Session,
    survey: Survey,
    segment_key: str,
    out: SegmentSend,
    *,
    channel: str,
    secret: str,
    requested_by: str,
    after: int | None = None,
    contact_days_default: int = DEFAULT_CONTACT_DAYS,
    now: datetime | None = None,
) -> int | None:
    """Invite one keyset page of the segment's members (after person id `after`), adding to
    `out`; returns the last person id of the page when more members follow, else None."""
    from sada.people import membership

    people, more = membership.members_page(session, segment_key, after=after, limit=SEGMENT_PAGE)
    ids = [p.id for p in people]
    out.members += len(ids)
    done = _already_invited(session, survey.id, ids) if ids else set()
    for pid in ids:
        if pid in done:
            out.already += 1
            continue
        row = do_request_survey(
            session,
            survey,
            pid,
            secret=secret,
            requested_by=requested_by,
            contact_days_default=contact_days_default,
            now=now,
            only_channel=channel,
        )
        if row.status == "pending":
            out.invited += 1
        else:
            reason = row.reason or row.status
            out.skipped[reason] = out.skipped.get(reason, 0) + 1
    session.flush()
    return more


def do_invite_segment(
    session: Session,
    survey: Survey,
    segment_key: str,
    *,
    channel: str,
    secret: str,
    requested_by: str,
    contact_days_default: int = DEFAULT_CONTACT_DAYS,
    now: datetime | None = None,
) -> SegmentSend:
    """Invite every member of a segment (as kept in `segment_members`) on `channel`, now.

    Each member goes through `do_request_survey` on that channel alone, so consent, opt-outs,
    suppression, the contact-frequency rule and the survey's throttle decide as for any other
    request, and the invitation is in the person's language when the survey has it. A member
    who already has a live invitation to this survey is not invited again: sending the same
    segment twice sends nothing new. Members are read by keyset pages of person ids. Segments
    over `SYNC_LIMIT` members go through `queue_segment_send` instead.
    """
    segment = _check_segment_send(session, survey, segment_key, channel)
    now = now or utcnow()
    out = SegmentSend(segment=segment.key)
    after: int | None = None
    while True:
        after = invite_segment_page(
            session,
            survey,
            segment.key,
            out,
            channel=channel,
            secret=secret,
            requested_by=requested_by,
            after=after,
            contact_days_default=contact_days_default,
            now=now,
        )
        if after is None:
            return out


def queue_segment_send(
    session: Session, survey: Survey, segment_key: str, *, channel: str, requested_by: str
) -> SegmentSend:
    """Check the request and queue `feedback.invite_segment` (a page of members per
    transaction, see `sada.feedback.tasks`); returns the members counted so far."""
    segment = _check_segment_send(session, survey, segment_key, channel)
    enqueue(
        session,
        INVITE_SEGMENT_JOB,
        {
            "survey_id": survey.id,
            "segment": segment.key,
            "channel": channel,
            "requested_by": requested_by,
        },
        workspace_id=bound_workspace(session),
    )
    return SegmentSend(segment=segment.key, members=segment.member_count)


def send_to_segment(
    session: Session,
    survey: Survey,
    segment_key: str,
    *,
    channel: str,
    secret: str,
    requested_by: str,
    contact_days_default: int = DEFAULT_CONTACT_DAYS,
) -> tuple[SegmentSend, bool]:
    """(what was done, queued?): small segments at once, larger ones (over `SYNC_LIMIT`
    members, as last kept) by a job, so no request waits on thousands of invitations."""
    segment = _check_segment_send(session, survey, segment_key, channel)
    if segment.member_count > SYNC_LIMIT:
        return (
            queue_segment_send(
                session, survey, segment.key, channel=channel, requested_by=requested_by
            ),
            True,
        )
    sent = do_invite_segment(
        session,
        survey,
        segment.key,
        channel=channel,
        secret=secret,
        requested_by=requested_by,
        contact_days_default=contact_days_default,
    )
    return sent, False


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
