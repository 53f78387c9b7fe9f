"""What a rule sees: the `Context` of one evaluation (the trigger, its subject as plain dicts,
loop-protection data) and the functions that build it from stored rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.db.types import utcnow
from sada.metrics import catalogue as catalogue_bands


@dataclass
class Context:
    """What a rule sees: the trigger, its subject, and loop-protection data."""

    trigger: str
    key: str  # what this evaluation is about, for dedupe ("interaction:5", "case:3:updated")
    person: dict[str, Any] | None = None
    interaction: dict[str, Any] | None = None
    case: dict[str, Any] | None = None
    conversation: dict[str, Any] | None = None
    sentiment: dict[str, Any] | None = None
    topic: dict[str, Any] | None = None
    health: dict[str, Any] | None = None
    depth: int = 0
    chain: tuple[int, ...] = ()
    now: datetime = field(default_factory=utcnow)

    @property
    def person_id(self) -> int | None:
        return self.person["id"] if self.person else None

    def lookup(self, path: str) -> Any:
        head, _, rest = path.partition(".")
        value: Any = getattr(self, head, None) if head in ROOTS else None
        for part in rest.split(".") if rest else []:
            if isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value


ROOTS = frozenset({"person", "interaction", "case", "conversation", "sentiment", "topic", "health"})


# ---------------------------------------------------------------- contexts


def person_dict(session: Session, person_id: int | None) -> dict[str, Any] | None:
    if person_id is None:
        return None
    from sada.people.models import Person

    p = session.execute(select(Person).where(Person.id == person_id)).scalar_one_or_none()
    if p is None:
        return None
    return {
        "id": p.id,
        "name": p.name,
        "audience": p.audience,
        "segment": p.segment,
        "language": p.language,
        "traits": dict(p.traits or {}),
    }


def interaction_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "person_id": row.person_id,
        "occurred_at": row.occurred_at.isoformat(),
        "channel": row.channel,
        "direction": row.direction,
        "type": row.type,
        "subject": row.subject,
        "text": row.text,
        "language": row.language,
        "rating": row.rating,
        "rating_scale": row.rating_scale,
        # low / mid / high as the metric catalogue bands the rating (detractor = low on NPS)
        "band": (
            catalogue_bands.SCALES[row.rating_scale].band(row.rating)
            if row.rating is not None and row.rating_scale in catalogue_bands.SCALES
            else None
        ),
        "origin": getattr(row, "origin", None),
        "source": row.source,
        "conversation_id": row.conversation_id,
        "attributes": dict(row.attributes or {}),
    }


def sentiment_of(session: Session, interaction_id: int) -> dict[str, Any] | None:
    try:
        from sada.text.models import TextAnalysis
    except ImportError:
        return None
    row = session.execute(
        select(TextAnalysis).where(TextAnalysis.interaction_id == interaction_id)
    ).scalar_one_or_none()
    if row is None:
        return None
    return {
        "label": row.sentiment,
        "score": row.sentiment_score,
        "language": row.language,
        "topics": [t.get("name") for t in row.topics or [] if isinstance(t, dict)],
    }


def interaction_context(
    session: Session, row: Any, trigger: str, *, now: datetime | None = None
) -> Context:
    conv = None
    from sada.cases.models import ConversationItem

    conv_id = session.execute(
        select(ConversationItem.conversation_id).where(ConversationItem.interaction_id == row.id)
    ).scalar_one_or_none()
    if conv_id is not None:
        from sada.cases.conversations import access_conversation, conversation_out

        conv = conversation_out(access_conversation(session, conv_id)).model_dump(mode="json")
    return Context(
        trigger=trigger,
        key=f"interaction:{row.id}",
        person=person_dict(session, row.person_id),
        interaction=interaction_dict(row),
        conversation=conv,
        sentiment=sentiment_of(session, row.id),
        now=now or utcnow(),
    )
