"""What a rule sees: the `Context` of one evaluation (the trigger, its subject as plain dicts,
loop-protection data) and the functions that build it from stored rows."""

from __future__ import annotations

import copy
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


def _person_out(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "audience": p.audience,
        "segment": p.segment,
        "language": p.language,
        "traits": dict(p.traits or {}),
    }


def person_dict(session: Session, person_id: int | None) -> dict[str, Any] | None:
    if person_id is None:
        return None
    from sada.people.models import Person

    p = session.execute(select(Person).where(Person.id == person_id)).scalar_one_or_none()
    return None if p is None else _person_out(p)


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


def _sentiment_out(row: Any) -> dict[str, Any]:
    return {
        "label": row.sentiment,
        "score": row.sentiment_score,
        "language": row.language,
        "topics": [t.get("name") for t in row.topics or [] if isinstance(t, dict)],
    }


def sentiment_of(session: Session, interaction_id: int) -> dict[str, Any] | None:
    return _sentiments(session, [interaction_id]).get(interaction_id)


def _sentiments(session: Session, interaction_ids: list[int]) -> dict[int, dict[str, Any]]:
    try:
        from sada.text.models import TextAnalysis
    except ImportError:
        return {}
    return {
        row.interaction_id: _sentiment_out(row)
        for row in session.execute(
            select(TextAnalysis).where(TextAnalysis.interaction_id.in_(interaction_ids))
        ).scalars()
    }


def interaction_context(
    session: Session, row: Any, trigger: str, *, now: datetime | None = None
) -> Context:
    return interaction_contexts(session, [row], trigger, now=now)[0]


def interaction_contexts(
    session: Session, rows: list[Any], trigger: str, *, now: datetime | None = None
) -> list[Context]:
    """The contexts of many interactions (one per row, in order), read with one query per
    kind of fact (conversation items, people, analyses) instead of one per row."""
    from sada.cases.models import ConversationItem
    from sada.people.models import Person

    if not rows:
        return []
    ids = [row.id for row in rows]
    conv_of: dict[int, int] = {
        iid: conv_id
        for iid, conv_id in session.execute(
            select(ConversationItem.interaction_id, ConversationItem.conversation_id).where(
                ConversationItem.interaction_id.in_(ids)
            )
        )
    }
    conversations: dict[int, dict[str, Any]] = {}
    if conv_of:
        from sada.cases.conversations import access_conversation, conversation_out

        for conv_id in sorted(set(conv_of.values())):
            conversations[conv_id] = conversation_out(
                access_conversation(session, conv_id)
            ).model_dump(mode="json")
    person_ids = sorted({row.person_id for row in rows if row.person_id is not None})
    people = (
        {
            p.id: p
            for p in session.execute(select(Person).where(Person.id.in_(person_ids))).scalars()
        }
        if person_ids
        else {}
    )
    sentiments = _sentiments(session, ids)
    at = now or utcnow()
    return [
        Context(
            trigger=trigger,
            key=f"interaction:{row.id}",
            # each context its own dicts, as when they were read one interaction at a time
            person=_person_out(people[row.person_id]) if row.person_id in people else None,
            interaction=interaction_dict(row),
            conversation=copy.deepcopy(conversations[conv_of[row.id]])
            if row.id in conv_of
            else None,
            sentiment=sentiments.get(row.id),
            now=at,
        )
        for row in rows
    ]
