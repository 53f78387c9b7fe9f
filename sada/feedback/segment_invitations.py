"""A segment as a survey's audience: each member invited through `do_request_survey` on one
channel, small segments at once, larger ones page by page in a job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.feedback.invitation_rules import DEFAULT_CONTACT_DAYS, DELIVERY_CHANNELS, channel_modules
from sada.feedback.models import Invitation, Survey
from sada.feedback.survey_requests import do_request_survey
from sada.jobs.service import enqueue

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
