"""Cases: the closed loop. Created by hand, by the API or by rules; owned, due, resolved.

The loop is closed when the customer was contacted and the case resolved.
Every change is recorded in `case_events` and published as an event
(`case.created`, `case.updated`, ...) to webhooks and rules.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sada.cases import assignment, sla
from sada.cases.models import (
    CASE_STATUSES,
    PRIORITIES,
    Case,
    CaseEvent,
    CaseLink,
    InternalNote,
    NoteMention,
)
from sada.cases.schemas import CaseOut, NoteOut
from sada.core.errors import Invalid, NotFound
from sada.db.dialect import insert_ignoring_conflicts
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.notifications import service as notifications


@dataclass(frozen=True)
class Origin:
    """Who or what made a change, and (for rules) the chain that led to it."""

    label: str = "api"
    user_id: int | None = None
    rule_id: int | None = None
    depth: int = 0
    chain: tuple[int, ...] = ()


def _event(session: Session, case: Case, kind: str, origin: Origin, **details: Any) -> None:
    session.add(
        CaseEvent(
            workspace_id=bound_workspace(session),
            case_id=case.id,
            conversation_id=case.conversation_id,
            at=utcnow(),
            actor_label=origin.label,
            kind=kind,
            details=details,
        )
    )


def linked_interactions(session: Session, case_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {cid: [] for cid in case_ids}
    if case_ids:
        for cid, iid in session.execute(
            select(CaseLink.case_id, CaseLink.interaction_id)
            .where(CaseLink.case_id.in_(case_ids))
            .order_by(CaseLink.id)
        ).all():
            out[cid].append(iid)
    return out


def case_out(session: Session, case: Case, links: list[int] | None = None) -> CaseOut:
    now = utcnow()
    if links is None:
        links = linked_interactions(session, [case.id])[case.id]
    return CaseOut(
        id=case.id,
        title=case.title,
        title_key=case.title_key,
        title_params=case.title_params,
        contact_channel=case.contact_channel,
        description=case.description,
        status=case.status,
        priority=case.priority,
        person_id=case.person_id,
        conversation_id=case.conversation_id,
        owner_id=case.owner_id,
        team_id=case.team_id,
        source=case.source,
        rule_id=case.rule_id,
        tags=list(case.tags or []),
        due_at=case.due_at,
        contact_due_at=case.contact_due_at,
        sla_policy_id=case.sla_policy_id,
        root_cause=case.root_cause,
        resolution=case.resolution,
        contacted_at=case.contacted_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        reopen_count=case.reopen_count,
        loop_closed=case.contacted_at is not None and case.resolved_at is not None,
        overdue=case.due_at is not None and case.resolved_at is None and case.due_at < now,
        created_at=case.created_at,
        updated_at=case.updated_at,
        interaction_ids=links,
        followup_invitation_id=case.followup_invitation_id,
        followup_scale=case.followup_scale,
        followup_score=case.followup_score,
        followup_at=case.followup_at,
        recovered=case.recovered,
    )


def _payload(session: Session, case: Case) -> dict[str, Any]:
    return case_out(session, case).model_dump(mode="json")


def clean_tags(tags: list[str]) -> list[str]:
    """Tags trimmed to 60 characters, blanks dropped, each once, sorted."""
    return sorted({t.strip()[:60] for t in tags if t and t.strip()})


def do_link(session: Session, case: Case, interaction_ids: list[int], role: str = "related") -> int:
    from sada.interactions.models import Interaction

    if not interaction_ids:
        return 0
    found = set(
        session.execute(select(Interaction.id).where(Interaction.id.in_(interaction_ids))).scalars()
    )
    missing = sorted(set(interaction_ids) - found)
    if missing:
        raise NotFound(f"no interaction {missing[0]}")
    statement = insert_ignoring_conflicts(
        session, CaseLink.__table__, ["workspace_id", "case_id", "interaction_id"]
    )
    workspace_id = bound_workspace(session)
    added = 0
    for iid in sorted(found):
        result = session.execute(
            statement.values(
                workspace_id=workspace_id, case_id=case.id, interaction_id=iid, role=role
            )
        )
        added += getattr(result, "rowcount", 0) or 0
    if role == "contact" and case.contacted_at is None:
        case.contacted_at = utcnow()
    return added


def do_create_case(
    session: Session,
    *,
    title: str,
    description: str = "",
    person_id: int | None = None,
    conversation_id: int | None = None,
    priority: str = "normal",
    owner_id: int | None = None,
    owner_email: str | None = None,
    team_id: int | None = None,
    due_at: datetime | None = None,
    due_hours: float | None = None,
    root_cause: str | None = None,
    tags: list[str] | None = None,
    interaction_ids: list[int] | None = None,
    channel: str | None = None,
    title_key: str | None = None,
    title_params: dict[str, Any] | None = None,
    source: str = "manual",
    dedupe_key: str | None = None,
    origin: Origin | None = None,
) -> Case:
    """Create, apply the SLA, assign, link and publish `case.created`."""
    origin = origin or Origin()
    if priority not in PRIORITIES:
        raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
    if dedupe_key:
        existing = session.execute(
            select(Case).where(Case.dedupe_key == dedupe_key)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    if person_id is not None:
        from sada.people.merges import live_person_id
        from sada.people.service import access_person

        access_person(session, person_id)
        person_id = live_person_id(session, person_id)
    if conversation_id is not None:
        from sada.cases.conversations import access_conversation

        conv = access_conversation(session, conversation_id)
        person_id = person_id or conv.person_id
        channel = channel or conv.channel
    if owner_id is None and owner_email:
        owner_id = assignment.user_id_for_email(session, owner_email)
        if owner_id is None:
            raise NotFound(f"no workspace member with email {owner_email}")
    if owner_id is not None:
        assignment.check_member_user(session, owner_id)
    if team_id is not None:
        assignment.access_team(session, team_id)
    if owner_id is None and team_id is not None:
        # Lock and pick before inserting a row that references the team.
        owner_id = assignment.pick_assignee(session, team_id)
    now = utcnow()
    if due_at is None and due_hours is not None:
        due_at = now + timedelta(hours=due_hours)
    case = Case(
        workspace_id=bound_workspace(session),
        title=title.strip()[:500],
        title_key=title_key,
        title_params=title_params,
        description=description,
        status="open",
        priority=priority,
        person_id=person_id,
        conversation_id=conversation_id,
        owner_id=owner_id,
        team_id=team_id,
        source=source,
        rule_id=origin.rule_id,
        tags=clean_tags(tags or []),
        due_at=due_at,
        root_cause=root_cause,
        created_at=now,
        updated_at=now,
        dedupe_key=dedupe_key,
    )
    session.add(case)
    session.flush()
    sla.apply_to_case(session, case, channel)
    if interaction_ids:
        do_link(session, case, interaction_ids, "trigger")
    _event(session, case, "created", origin, owner_id=case.owner_id, due_at=str(case.due_at))
    notifications.assigned(
        session, case.owner_id, actor=origin.label, case_id=case.id, actor_id=origin.user_id
    )
    session.flush()
    publish(
        session, "case.created", _payload(session, case), depth=origin.depth, chain=origin.chain
    )
    return case


def access_case(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    case = session.execute(query).scalar_one_or_none()
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def apply_status(
    case: Case, status: str, now: datetime, events: list[str], changed: dict[str, Any]
) -> None:
    """Move `case` to another `status`: a resolution note required to resolve or close, the
    resolved/closed times set or cleared, reopenings counted; appends the `case.*` events the
    move publishes to `events` and the move itself to `changed` (the history's details)."""
    if status not in CASE_STATUSES:
        raise Invalid(f"status must be one of {', '.join(CASE_STATUSES)}")
    previous = case.status
    if previous in ("resolved", "closed") and status in ("open", "in_progress"):
        case.reopen_count += 1
        case.resolved_at = None
        case.closed_at = None
        events.append("case.reopened")
    if status == "resolved":
        if not (case.resolution or "").strip():
            raise Invalid("a resolution note is required to resolve a case")
        case.resolved_at = now
        events.append("case.resolved")
    if status == "closed":
        if case.resolved_at is None:
            if not (case.resolution or "").strip():
                raise Invalid("a resolution note is required to close a case")
            case.resolved_at = now
        case.closed_at = now
        events.append("case.closed")
    case.status = status
    changed["status"] = {"from": previous, "to": status}


def do_update_case(
    session: Session, case_id: int, changes: dict[str, Any], *, origin: Origin | None = None
) -> Case:
    """Apply a partial update; status moves set their timestamps; reopening counts."""
    origin = origin or Origin()
    case = access_case(session, case_id, for_update=True)
    now = utcnow()
    events: list[str] = []
    changed: dict[str, Any] = {}
    for name in ("title", "description", "priority", "root_cause", "resolution", "due_at"):
        if name in changes and changes[name] is not None and getattr(case, name) != changes[name]:
            changed[name] = str(changes[name])[:200]
            setattr(case, name, changes[name])
    if changes.get("priority") is not None and changes["priority"] not in PRIORITIES:
        raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
    if changes.get("tags") is not None:
        case.tags = clean_tags(changes["tags"])
        changed["tags"] = case.tags
    if changes.get("team_id") is not None and changes["team_id"] != case.team_id:
        assignment.access_team(session, changes["team_id"])
        case.team_id = changes["team_id"]
        changed["team_id"] = case.team_id
    if "owner_id" in changes and changes["owner_id"] != case.owner_id:
        if changes["owner_id"] is not None:
            assignment.check_member_user(session, changes["owner_id"])
        case.owner_id = changes["owner_id"]
        changed["owner_id"] = case.owner_id
        events.append("case.assigned")
        notifications.assigned(
            session, case.owner_id, actor=origin.label, case_id=case.id, actor_id=origin.user_id
        )
    if changes.get("contacted") and case.contacted_at is None:
        case.contacted_at = now
        changed["contacted_at"] = now.isoformat()
        if changes.get("contact_channel"):
            case.contact_channel = str(changes["contact_channel"])[:50]
            changed["contact_channel"] = case.contact_channel
    status = changes.get("status")
    if status is not None and status != case.status:
        apply_status(case, str(status), now, events, changed)
    if not changed:
        return case
    case.updated_at = now
    _event(session, case, "updated", origin, **changed)
    session.flush()
    payload = _payload(session, case)
    for event_type in ["case.changed", *events]:
        publish(session, event_type, payload, depth=origin.depth, chain=origin.chain)
    return case


def do_add_note(
    session: Session,
    *,
    body: str,
    case_id: int | None = None,
    conversation_id: int | None = None,
    author_id: int | None = None,
    author_label: str = "",
) -> InternalNote:
    if case_id is not None:
        access_case(session, case_id)
    if conversation_id is not None:
        from sada.cases.conversations import access_conversation

        access_conversation(session, conversation_id)
    note = InternalNote(
        workspace_id=bound_workspace(session),
        case_id=case_id,
        conversation_id=conversation_id,
        author_id=author_id,
        author_label=author_label,
        body=body,
    )
    session.add(note)
    session.flush()
    mentioned = [uid for uid in find_mentions(session, body) if uid != author_id]
    for uid in mentioned:
        session.add(
            NoteMention(
                workspace_id=bound_workspace(session),
                note_id=note.id,
                conversation_id=conversation_id,
                case_id=case_id,
                user_id=uid,
            )
        )
    if mentioned:
        session.flush()
        notifications.mentioned(
            session,
            mentioned,
            note_id=note.id,
            author=author_label,
            body=body,
            conversation_id=conversation_id,
            case_id=case_id,
            author_id=author_id,
        )
        publish(
            session,
            "note.mentioned",
            {
                "note_id": note.id,
                "conversation_id": conversation_id,
                "case_id": case_id,
                "user_ids": mentioned,
                "author_id": author_id,
                "author_label": author_label,
            },
        )
    return note


def find_mentions(session: Session, body: str) -> list[int]:
    """Members named with @ in a note: `@name` (spaces allowed), `@email` or `@email-local-part`.

    Longer names win (`@Sara Ahmadi` is Sara Ahmadi, not Sara), and a mention ends at a
    letter boundary, so `@Ali` does not match `@Alireza`.
    """
    if "@" not in body:
        return []
    from sada.tenants.models import Membership, User

    members = session.execute(
        select(User.id, User.name, User.email).join(Membership, Membership.user_id == User.id)
    ).all()
    folded = body.casefold()
    found: list[int] = []
    for uid, name, email in members:
        keys = {email.casefold(), email.split("@", 1)[0].casefold()}
        if name and name.strip():
            keys.add(name.strip().casefold())
        for key in sorted(keys, key=len, reverse=True):
            start = folded.find("@" + key)
            while start != -1:
                end = start + 1 + len(key)
                if end >= len(folded) or not (folded[end].isalnum() or folded[end] in "._-@"):
                    found.append(uid)
                    break
                start = folded.find("@" + key, end)
            if uid in found:
                break
    return sorted(set(found))


def mentions_of(session: Session, user_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    """The notes that mention a user, newest first, with where they were written."""
    rows = session.execute(
        select(NoteMention, InternalNote)
        .join(InternalNote, InternalNote.id == NoteMention.note_id)
        .where(NoteMention.user_id == user_id)
        .order_by(NoteMention.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "note_id": note.id,
            "conversation_id": mention.conversation_id,
            "case_id": mention.case_id,
            "author_label": note.author_label,
            "body": note.body,
            "created_at": note.created_at,
        }
        for mention, note in rows
    ]


def notes_of(
    session: Session, *, case_id: int | None = None, conversation_id: int | None = None
) -> list[NoteOut]:
    query = select(InternalNote).order_by(InternalNote.id)
    if case_id is not None:
        query = query.where(InternalNote.case_id == case_id)
    if conversation_id is not None:
        query = query.where(InternalNote.conversation_id == conversation_id)
    return [
        NoteOut(
            id=n.id,
            author_id=n.author_id,
            author_label=n.author_label,
            body=n.body,
            created_at=n.created_at,
        )
        for n in session.execute(query).scalars()
    ]


def history(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    ).scalars()
    return [
        {"at": r.at.isoformat(), "kind": r.kind, "actor": r.actor_label, "details": r.details}
        for r in rows
    ]


def list_cases(
    session: Session,
    *,
    status: list[str] | None = None,
    owner_id: int | None = None,
    person_id: int | None = None,
    overdue: bool | None = None,
    unowned: bool = False,
    priority: str | None = None,
    root_cause: str | None = None,
    loop_closed: bool | None = None,
    followup: str | None = None,
    followup_since: datetime | None = None,
    followup_until: datetime | None = None,
    team_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CaseOut]:
    """Cases, newest first. `followup`: `answered` (a follow-up score came back), `recovered`
    or `not_recovered`, answered within `followup_since`..`followup_until` when given."""
    query = select(Case)
    if followup in ("answered", "recovered", "not_recovered"):
        query = query.where(Case.followup_at.is_not(None))
        if followup != "answered":
            query = query.where(Case.recovered.is_(followup == "recovered"))
        if followup_since is not None:
            query = query.where(Case.followup_at >= followup_since)
        if followup_until is not None:
            query = query.where(Case.followup_at < followup_until)
    if team_id is not None:
        query = query.where(Case.team_id == team_id)
    if status:
        query = query.where(Case.status.in_(status))
    if owner_id is not None:
        query = query.where(Case.owner_id == owner_id)
    if unowned:
        query = query.where(Case.owner_id.is_(None))
    if priority:
        query = query.where(Case.priority == priority)
    if root_cause:
        query = query.where(Case.root_cause == root_cause)
    if loop_closed is True:
        query = query.where(Case.contacted_at.is_not(None), Case.resolved_at.is_not(None))
    elif loop_closed is False:
        query = query.where(or_(Case.contacted_at.is_(None), Case.resolved_at.is_(None)))
    if person_id is not None:
        query = query.where(Case.person_id == person_id)
    if overdue:
        query = query.where(Case.resolved_at.is_(None), Case.due_at < utcnow())
    rows = list(
        session.execute(query.order_by(Case.id.desc()).limit(limit).offset(offset)).scalars()
    )
    links = linked_interactions(session, [r.id for r in rows])
    return [case_out(session, r, links[r.id]) for r in rows]


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def closure_report(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Closure rate (loop closed / created) and time to close, by root cause too."""
    query = select(Case)
    if since:
        query = query.where(Case.created_at >= since)
    if until:
        query = query.where(Case.created_at < until)
    cases = list(session.execute(query).scalars())
    now = utcnow()

    def figures(rows: list[Case]) -> dict[str, Any]:
        closed = [c for c in rows if c.contacted_at and c.resolved_at]
        hours = [(c.resolved_at - c.created_at).total_seconds() / 3600 for c in closed]  # type: ignore[operator]
        return {
            "created": len(rows),
            "resolved": sum(1 for c in rows if c.resolved_at),
            "loop_closed": len(closed),
            "closure_rate": round(len(closed) / len(rows), 4) if rows else None,
            "open": sum(1 for c in rows if c.status in ("open", "in_progress")),
            "overdue": sum(
                1 for c in rows if c.resolved_at is None and c.due_at and c.due_at < now
            ),
            "reopened": sum(1 for c in rows if c.reopen_count),
            "hours_to_close_median": round(statistics.median(hours), 2) if hours else None,
            "hours_to_close_p90": round(_quantile(hours, 0.9) or 0, 2) if hours else None,
            "resolved_within_due": sum(
                1 for c in rows if c.resolved_at and (c.due_at is None or c.resolved_at <= c.due_at)
            ),
        }

    by_cause: dict[str, list[Case]] = {}
    for c in cases:
        by_cause.setdefault(c.root_cause or "(none)", []).append(c)
    by_status = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    return {
        **figures(cases),
        "by_root_cause": {k: figures(v) for k, v in sorted(by_cause.items())},
        "by_status_now": {k: int(v) for k, v in by_status.items()},
    }
