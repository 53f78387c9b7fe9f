"""What an agent sees beside a conversation: the person, their scores, cases, SLA and history.

One read for the context panel of `/inbox/{id}`. Roles without access to personal data get
the same panel with names, identities and message texts left out or redacted
(`redacted=True`): the shape stays, the personal values do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases.models import Case, Conversation
from sada.cases.schemas import CaseOut
from sada.cases.service import case_out
from sada.db.types import utcnow
from sada.interactions.models import Interaction
from sada.people.models import Person
from sada.people.service import identities_of
from sada.text.pii import redact

SCORE_FAMILIES = {"nps": ("nps",), "csat": ("csat5", "csat7")}
HISTORY_SIZE = 12


@dataclass
class Score:
    family: str
    rating: float
    scale: str
    at: datetime


@dataclass
class SlaClock:
    metric: str  # first_response | resolution
    due_at: datetime
    minutes_left: int  # negative once breached
    paused: bool


@dataclass
class Context:
    person_id: int | None
    name: str | None = None
    language: str | None = None
    audience: str | None = None
    segment: str | None = None
    identities: list[tuple[str, str]] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    open_cases: list[CaseOut] = field(default_factory=list)
    sla: SlaClock | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    redacted: bool = False


def shown_text(text: str | None, pii: bool) -> str:
    """A message as this reader may see it: whole, or with personal data replaced."""
    if not text:
        return ""
    return text if pii else redact(text)[0]


def sla_clock(conv: Conversation, now: datetime | None = None) -> SlaClock | None:
    """The target running now: first response until answered, then resolution."""
    now = now or utcnow()
    if conv.status in ("solved", "closed"):
        return None
    if conv.first_response_at is None and conv.first_response_due_at is not None:
        metric, due = "first_response", conv.first_response_due_at
    elif conv.resolution_due_at is not None:
        metric, due = "resolution", conv.resolution_due_at
    else:
        return None
    minutes = int((due - now).total_seconds() // 60)
    return SlaClock(metric, due, minutes, conv.paused_at is not None)


def latest_scores(session: Session, person_id: int) -> list[Score]:
    out = []
    for family, scales in SCORE_FAMILIES.items():
        row = session.execute(
            select(Interaction.rating, Interaction.rating_scale, Interaction.occurred_at)
            .where(
                Interaction.person_id == person_id,
                Interaction.rating_scale.in_(scales),
                Interaction.rating.is_not(None),
            )
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            out.append(Score(family, float(row[0] or 0), str(row[1]), row[2]))
    return out


def context_for(session: Session, conv: Conversation, *, pii: bool) -> Context:
    ctx = Context(person_id=conv.person_id, redacted=not pii, sla=sla_clock(conv))
    if conv.person_id is None:
        return ctx
    person = session.execute(select(Person).where(Person.id == conv.person_id)).scalar_one_or_none()
    if person is None:
        return ctx
    ctx.language = person.language or conv.language
    ctx.audience = person.audience
    ctx.segment = person.segment
    if pii:
        ctx.name = person.name
        ctx.identities = [
            (i.kind, i.value) for i in identities_of(session, [person.id]).get(person.id, [])
        ]
    ctx.scores = latest_scores(session, person.id)
    ctx.open_cases = [
        case_out(session, c, [])
        for c in session.execute(
            select(Case)
            .where(Case.person_id == person.id, Case.status.in_(("open", "in_progress")))
            .order_by(Case.id.desc())
            .limit(10)
        ).scalars()
    ]
    rows = session.execute(
        select(Interaction)
        .where(Interaction.person_id == person.id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(HISTORY_SIZE)
    ).scalars()
    ctx.history = [
        {
            "id": r.id,
            "at": r.occurred_at,
            "channel": r.channel,
            "type": r.type,
            "direction": r.direction,
            "rating": r.rating,
            "rating_scale": r.rating_scale,
            "text": shown_text(r.text, pii)[:200],
        }
        for r in rows
    ]
    return ctx
