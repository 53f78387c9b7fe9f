"""What the inbox shows: its views and filters, a conversation's messages, a person's history.

- `InboxFilter` (a view: mine, unassigned, team, all, mentions; and filters), shared by the
  inbox page and `GET /api/v1/conversations`
- `inbox(session, f, *, user_id, limit, offset) -> list[ConversationOut]`
- `view_counts(session, f, *, user_id) -> {view: count}`
- `list_conversations(session, *, status, assignee_id, ...) -> list[ConversationOut]`
- `messages_of(session, conversation_id) -> list[dict]` (with delivery status and files)
- `person_history(session, person_id, ...) -> dict` (the cross-channel history beside it)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, select, type_coerce
from sqlalchemy import case as when
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from sada.cases import attachments as files_store
from sada.cases.conversations import conversation_out
from sada.cases.models import (
    CONVERSATION_STATUSES,
    PRIORITIES,
    Conversation,
    ConversationItem,
    NoteMention,
    TeamMember,
)
from sada.cases.schemas import ConversationOut
from sada.core.errors import Invalid
from sada.db.types import utcnow
from sada.interactions.models import Interaction
from sada.people.models import Person

VIEWS = ("mine", "unassigned", "team", "all", "mentions")
SORTS = ("last_activity", "sla_due")
SLA_STATES = ("due_soon", "breached")
DUE_SOON = timedelta(hours=1)


@dataclass
class InboxFilter:
    """What the inbox page and `GET /api/v1/conversations` share: a view and filters."""

    view: str = "all"
    status: list[str] = field(default_factory=list)
    channel: str | None = None
    language: str | None = None
    audience: str | None = None
    priority: str | None = None
    tag: str | None = None
    sla: str | None = None
    sort: str = "last_activity"
    assignee_id: int | None = None
    team_id: int | None = None
    person_id: int | None = None
    opened_since: datetime | None = None  # a drill-down from the performance page
    opened_until: datetime | None = None
    ids: list[int] | None = None  # the conversations behind a figure (CSAT, NPS)

    def check(self) -> InboxFilter:
        if self.view not in VIEWS:
            raise Invalid(f"view must be one of {', '.join(VIEWS)}")
        bad = [s for s in self.status if s not in CONVERSATION_STATUSES]
        if bad:
            raise Invalid(f"status must be among {', '.join(CONVERSATION_STATUSES)}")
        if self.priority and self.priority not in PRIORITIES:
            raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
        if self.sla and self.sla not in SLA_STATES:
            raise Invalid(f"sla must be one of {', '.join(SLA_STATES)}")
        if self.sort not in SORTS:
            raise Invalid(f"sort must be one of {', '.join(SORTS)}")
        return self


def _next_due() -> Any:
    """The SLA target that runs now: first response until answered, then resolution."""
    return when(
        (Conversation.first_response_at.is_(None), Conversation.first_response_due_at),
        else_=Conversation.resolution_due_at,
    )


def _has_tag(session: Session, tag: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Conversation.tags, JSONB).contains([tag])
    each = func.json_each(Conversation.tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == tag))


def _filtered(session: Session, f: InboxFilter, user_id: int | None, view: str) -> Select[Any]:
    query = select(Conversation)
    if f.status:
        query = query.where(Conversation.status.in_(f.status))
    for column, value in (
        (Conversation.channel, f.channel),
        (Conversation.language, f.language),
        (Conversation.priority, f.priority),
        (Conversation.assignee_id, f.assignee_id),
        (Conversation.team_id, f.team_id),
        (Conversation.person_id, f.person_id),
    ):
        if value is not None and value != "":
            query = query.where(column == value)
    if f.opened_since is not None:
        query = query.where(Conversation.opened_at >= f.opened_since)
    if f.opened_until is not None:
        query = query.where(Conversation.opened_at < f.opened_until)
    if f.ids is not None:
        query = query.where(Conversation.id.in_(f.ids or [-1]))
    if f.audience:
        query = query.where(
            Conversation.person_id.in_(select(Person.id).where(Person.audience == f.audience))
        )
    if f.tag:
        query = query.where(_has_tag(session, f.tag))
    if f.sla:
        now = utcnow()
        due = _next_due()
        running = and_(Conversation.solved_at.is_(None), Conversation.paused_at.is_(None))
        if f.sla == "breached":
            query = query.where(running, due < now)
        else:
            query = query.where(running, due >= now, due < now + DUE_SOON)
    if view == "mine":
        query = query.where(Conversation.assignee_id == (user_id or -1))
    elif view == "unassigned":
        query = query.where(Conversation.assignee_id.is_(None))
    elif view == "team":
        teams = select(TeamMember.team_id).where(TeamMember.user_id == (user_id or -1))
        query = query.where(Conversation.team_id.in_(teams))
    elif view == "mentions":
        mentioned = select(NoteMention.conversation_id).where(
            NoteMention.user_id == (user_id or -1), NoteMention.conversation_id.is_not(None)
        )
        query = query.where(Conversation.id.in_(mentioned))
    return query


def inbox(
    session: Session,
    f: InboxFilter,
    *,
    user_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ConversationOut]:
    """Conversations of a view, filtered and sorted (SLA due first, or latest activity)."""
    query = _filtered(session, f.check(), user_id, f.view)
    if f.sort == "sla_due":
        due = _next_due()
        query = query.order_by(due.is_(None), due, Conversation.id)
    else:
        query = query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    rows = session.execute(query.limit(limit).offset(offset)).scalars()
    return [conversation_out(r) for r in rows]


def view_counts(session: Session, f: InboxFilter, *, user_id: int | None) -> dict[str, int]:
    """How many conversations each view holds under the same filters."""
    f.check()
    out: dict[str, int] = {}
    for view in VIEWS:
        if view in ("mine", "team", "mentions") and user_id is None:
            out[view] = 0
            continue
        inner = _filtered(session, f, user_id, view).with_only_columns(Conversation.id)
        out[view] = int(
            session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()
        )
    return out


def list_conversations(
    session: Session,
    *,
    status: list[str] | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    unassigned: bool = False,
    person_id: int | None = None,
    tag: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ConversationOut]:
    f = InboxFilter(
        view="unassigned" if unassigned else "all",
        status=list(status or []),
        assignee_id=assignee_id,
        team_id=team_id,
        person_id=person_id,
        tag=tag,
    )
    return inbox(session, f, limit=limit, offset=offset)


def messages_of(session: Session, conversation_id: int) -> list[dict[str, Any]]:
    from sada.interactions.service import interactions_out

    items = list(
        session.execute(
            select(ConversationItem)
            .where(ConversationItem.conversation_id == conversation_id)
            .order_by(ConversationItem.at, ConversationItem.id)
        ).scalars()
    )
    by_id = {
        r.id: r
        for r in session.execute(
            select(Interaction).where(Interaction.id.in_([i.interaction_id for i in items]))
        ).scalars()
    }
    outs = {o.id: o for o in interactions_out(session, list(by_id.values()))}
    files = files_store.attachments_of(session, list(by_id))
    return [
        {
            **outs[i.interaction_id].model_dump(mode="json"),
            "message_id": i.message_id,
            "delivery_status": i.delivery_status,
            "files": [f.as_json() for f in files.get(i.interaction_id, [])],
        }
        for i in items
        if i.interaction_id in outs
    ]


def person_history(
    session: Session, person_id: int, *, limit: int = 100, before: datetime | None = None
) -> dict[str, Any]:
    """The person's whole cross-channel history beside a conversation."""
    from sada.interactions.service import timeline

    items, cursor = timeline(session, person_id, limit=limit, until=before)
    convs = list_conversations(session, person_id=person_id, limit=50)
    from sada.cases.service import list_cases

    return {
        "interactions": [i.model_dump(mode="json") for i in items],
        "next_cursor": cursor,
        "conversations": [c.model_dump(mode="json") for c in convs],
        "cases": [c.model_dump(mode="json") for c in list_cases(session, person_id=person_id)],
    }
