"""Consent per channel and purpose, recorded with its source and time.

Surveys and notifications ask `allowed(session, person_id, channel, purpose)` before they
reach a person: a withdrawn consent always stops them; a workspace that sets
`settings.privacy.require_consent` (a list of purposes) also stops them when no consent was
recorded for that purpose.

Opt-out per channel: `opt_out(session, person_id, channel, source)` withdraws every purpose
on that channel at once (an SMS/WhatsApp "STOP", a Telegram "/stop", an email's unsubscribe
link); `opt_in` grants them again ("START"). `keyword_of(text)` reads a reply that is only an
opt-out or opt-in keyword, in the four languages (STOP, لغو, إلغاء, 退订...). A refusal that
came from an opt-out reads `opted out`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.people.merges import live_person_id
from sada.people.models import CONSENT_CHANNELS, CONSENT_PURPOSES, Consent
from sada.people.service import access_person
from sada.tenants.models import Workspace
from sada.tenants.service import Actor, record_audit


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


class Purpose(StrEnum):
    SURVEYS = "surveys"
    MARKETING = "marketing"
    NOTIFICATIONS = "notifications"


assert tuple(Channel) == CONSENT_CHANNELS and tuple(Purpose) == CONSENT_PURPOSES


def _out(row: Consent) -> dict[str, Any]:
    return {
        "channel": row.channel,
        "purpose": row.purpose,
        "granted": row.granted,
        "source": row.source,
        "at": row.at.isoformat(),
    }


def record(
    session: Session,
    person_id: int,
    channel: str,
    purpose: str,
    *,
    granted: bool,
    source: str,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """Record (or replace) the person's decision for one channel and purpose."""
    person = access_person(session, live_person_id(session, person_id))
    channel, purpose = str(channel), str(purpose)
    row = session.execute(
        select(Consent).where(
            Consent.person_id == person.id, Consent.channel == channel, Consent.purpose == purpose
        )
    ).scalar_one_or_none()
    if row is None:
        row = Consent(
            workspace_id=bound_workspace(session),
            person_id=person.id,
            channel=channel,
            purpose=purpose,
            granted=granted,
            source=source[:100],
            at=utcnow(),
        )
        session.add(row)
    else:
        row.granted, row.source, row.at = granted, source[:100], utcnow()
    session.flush()
    record_audit(
        session,
        actor,
        "consent.grant" if granted else "consent.withdraw",
        "person",
        person.id,
        {"channel": channel, "purpose": purpose, "source": source[:100]},
    )
    return _out(row)


def consents_of(session: Session, person_id: int) -> list[dict[str, Any]]:
    person = access_person(session, live_person_id(session, person_id))
    rows = session.execute(
        select(Consent)
        .where(Consent.person_id == person.id)
        .order_by(Consent.channel, Consent.purpose)
    ).scalars()
    return [_out(r) for r in rows]


def decision(session: Session, person_id: int, channel: str, purpose: str) -> bool | None:
    """True (granted), False (withdrawn) or None (nothing recorded)."""
    return session.execute(
        select(Consent.granted).where(
            Consent.person_id == person_id, Consent.channel == channel, Consent.purpose == purpose
        )
    ).scalar_one_or_none()


# Whole-message keywords (case and surrounding punctuation ignored). English: the carriers'
# and Twilio's standard list; Persian لغو ("cancel"), Arabic إلغاء / الغاء / ايقاف ("cancel",
# "stop"), Chinese 退订 ("unsubscribe") and TD (the carriers' code in China).
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
    | {"لغو", "توقف", "إلغاء", "الغاء", "ايقاف", "إيقاف", "退订", "td", "取消订阅"}
)
OPT_IN_WORDS = frozenset({"start", "unstop", "subscribe", "شروع", "اشتراك", "订阅"})
OPT_OUT_SOURCE = "opt-out"


def keyword_of(text: str | None) -> str | None:
    """`out` or `in` when the whole message is an opt-out or opt-in keyword, else None."""
    word = (text or "").strip().strip(".!。！؟?،,").lstrip("/").strip().casefold()
    if word in OPT_OUT_WORDS:
        return "out"
    if word in OPT_IN_WORDS:
        return "in"
    return None


def opt_out(
    session: Session, person_id: int, channel: str, source: str, actor: Actor | None = None
) -> None:
    """Withdraw every purpose on `channel` (the person asked for no more messages there)."""
    for purpose in Purpose:
        record(
            session,
            person_id,
            channel,
            purpose,
            granted=False,
            source=f"{OPT_OUT_SOURCE}: {source}",
            actor=actor,
        )


def opt_in(
    session: Session, person_id: int, channel: str, source: str, actor: Actor | None = None
) -> None:
    """Grant again what an opt-out on `channel` withdrew (other withdrawals stay)."""
    rows = session.execute(
        select(Consent).where(
            Consent.person_id == live_person_id(session, person_id),
            Consent.channel == channel,
            Consent.granted.is_(False),
        )
    ).scalars()
    for row in list(rows):
        if row.source.startswith(OPT_OUT_SOURCE):
            record(
                session, person_id, channel, row.purpose, granted=True, source=source, actor=actor
            )


def required_purposes(session: Session) -> set[str]:
    workspace = session.get(Workspace, bound_workspace(session))
    privacy = (workspace.settings or {}).get("privacy") if workspace is not None else None
    wanted = privacy.get("require_consent") if isinstance(privacy, dict) else None
    return {str(p) for p in wanted} if isinstance(wanted, list) else set()


def refusal(session: Session, person_id: int | None, channel: str, purpose: str) -> str | None:
    """`opted out`, `withdrawn` or `no consent` when the person may not be reached this way,
    else None."""
    if person_id is None:
        return None
    row = session.execute(
        select(Consent.granted, Consent.source).where(
            Consent.person_id == person_id, Consent.channel == channel, Consent.purpose == purpose
        )
    ).first()
    granted, source = (None, "") if row is None else (row[0], str(row[1]))
    if granted is False:
        return "opted out" if source.startswith(OPT_OUT_SOURCE) else "withdrawn"
    if granted is None and purpose in required_purposes(session):
        return "no consent"
    return None
