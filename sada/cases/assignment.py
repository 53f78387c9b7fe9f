"""Teams and assignment: manual, round-robin, or least-loaded among agents online.

Picking an agent is a read-then-write: two requests assigning at the same time
could both pick the same "next" or "least loaded" agent. The team row is locked
first (SELECT ... FOR NO KEY UPDATE on PostgreSQL; SQLite writers are already
serialized by BEGIN IMMEDIATE), so concurrent assignments queue and each sees the
last one's result.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.cases.models import ASSIGNMENT_STRATEGIES, Case, Conversation, Team, TeamMember
from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.dialect import dialect_name
from sada.db.scoping import bound_workspace
from sada.tenants.models import Membership, User


def do_create_team(session: Session, data: dict[str, Any]) -> Team:
    name = (data.get("name") or "").strip()
    if not name:
        raise Invalid("a team needs a name")
    if session.execute(select(Team.id).where(Team.name == name)).first():
        raise Conflict(f"team {name!r} already exists")
    if data.get("assignment", "round_robin") not in ASSIGNMENT_STRATEGIES:
        raise Invalid(f"assignment must be one of {', '.join(ASSIGNMENT_STRATEGIES)}")
    defaults: dict[str, Any] = {
        "timezone": "UTC",
        "weekend_days": [5, 6],
        "hours": {},
        "holidays": [],
        "assignment": "round_robin",
        "languages": [],
        "channels": [],
    }
    team = Team(workspace_id=bound_workspace(session), **{**defaults, **data, "name": name})
    check_calendar(team)
    session.add(team)
    session.flush()
    return team


def check_calendar(team: Team) -> None:
    """Refuse a team calendar that cannot be read as meant (422 naming the field): unknown
    time zone, weekday or date; an interval that ends before it starts; overlapping shifts."""
    from sada.cases.sla import BusinessCalendar

    BusinessCalendar.build(team.timezone, team.weekend_days, team.hours, team.holidays, strict=True)


CALENDAR_FIELDS = ("timezone", "weekend_days", "hours", "holidays")
TEAM_FIELDS = (*CALENDAR_FIELDS, "name", "assignment", "languages", "channels")


def do_update_team(session: Session, team_id: int, changes: dict[str, Any]) -> Team:
    """Change a team's name, calendar (split shifts, holidays), assignment or routing."""
    team = access_team(session, team_id)
    unknown = sorted(set(changes) - set(TEAM_FIELDS))
    if unknown:
        raise Invalid(f"{unknown[0]}: not a team field", details={"field": unknown[0]})
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise Invalid("name: a team needs a name", details={"field": "name"})
        other = session.execute(select(Team.id).where(Team.name == name)).scalar_one_or_none()
        if other is not None and other != team.id:
            raise Conflict(f"team {name!r} already exists")
        team.name = name
    if "assignment" in changes and changes["assignment"] not in ASSIGNMENT_STRATEGIES:
        raise Invalid(
            f"assignment must be one of {', '.join(ASSIGNMENT_STRATEGIES)}",
            details={"field": "assignment"},
        )
    for field in TEAM_FIELDS:
        if field != "name" and field in changes and changes[field] is not None:
            setattr(team, field, changes[field])
    check_calendar(team)
    session.flush()
    return team


def access_team(session: Session, team_id: int) -> Team:
    team = session.execute(select(Team).where(Team.id == team_id)).scalar_one_or_none()
    if team is None:
        raise NotFound(f"no team {team_id}")
    return team


def team_by_name(session: Session, name: str) -> Team | None:
    return session.execute(select(Team).where(Team.name == name)).scalar_one_or_none()


def list_teams(session: Session) -> list[Team]:
    return list(session.execute(select(Team).order_by(Team.name)).scalars())


def check_member_user(session: Session, user_id: int) -> None:
    if not session.execute(select(Membership.id).where(Membership.user_id == user_id)).first():
        raise NotFound(f"user {user_id} is not a member of this workspace")


def do_add_member(
    session: Session,
    team_id: int,
    user_id: int,
    *,
    online: bool = True,
    max_open: int | None = None,
) -> TeamMember:
    access_team(session, team_id)
    check_member_user(session, user_id)
    member = session.execute(
        select(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    ).scalar_one_or_none()
    if member is None:
        member = TeamMember(workspace_id=bound_workspace(session), team_id=team_id, user_id=user_id)
        session.add(member)
    member.online = online
    member.max_open = max_open
    session.flush()
    return member


def do_set_online(session: Session, user_id: int, online: bool) -> int:
    rows = list(session.execute(select(TeamMember).where(TeamMember.user_id == user_id)).scalars())
    for row in rows:
        row.online = online
    return len(rows)


def agents_online(session: Session) -> bool:
    """Whether someone can answer live: any team member online, or no teams set up at all
    (then the inbox has no presence to go by and is taken as staffed)."""
    members = session.execute(select(TeamMember.online)).scalars().all()
    return not members or any(members)


def user_id_for_email(session: Session, email: str | None) -> int | None:
    if not email or "@" not in str(email):
        return None
    return session.execute(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email == str(email).strip().lower())
    ).scalar_one_or_none()


def loads(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Open work per agent: open/pending conversations plus open cases."""
    out = dict.fromkeys(user_ids, 0)
    if not user_ids:
        return out
    for uid, n in session.execute(
        select(Conversation.assignee_id, func.count())
        .where(
            Conversation.assignee_id.in_(user_ids),
            Conversation.status.in_(("open", "pending")),
        )
        .group_by(Conversation.assignee_id)
    ).all():
        if uid is not None:
            out[uid] += int(n)
    for uid, n in session.execute(
        select(Case.owner_id, func.count())
        .where(Case.owner_id.in_(user_ids), Case.status.in_(("open", "in_progress")))
        .group_by(Case.owner_id)
    ).all():
        if uid is not None:
            out[uid] += int(n)
    return out


def pick_assignee(session: Session, team_id: int, strategy: str | None = None) -> int | None:
    """Choose an online agent of the team and move the team's cursor; None if nobody fits."""
    query = select(Team).where(Team.id == team_id)
    if dialect_name(session) == "postgresql":
        # NO KEY UPDATE: serializes pickers without conflicting with the KEY SHARE locks
        # that inserting rows referencing the team takes (which would deadlock).
        query = query.with_for_update(key_share=True)  # renders FOR NO KEY UPDATE
    team = session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if team is None:
        raise NotFound(f"no team {team_id}")
    strategy = strategy or team.assignment
    if strategy == "manual":
        return None
    members = list(
        session.execute(
            select(TeamMember)
            .where(TeamMember.team_id == team_id, TeamMember.online.is_(True))
            .order_by(TeamMember.user_id)
        ).scalars()
    )
    if not members:
        return None
    ids = [m.user_id for m in members]
    # Rotation order starts after the member who got the previous assignment.
    start = 0
    if team.rr_last_user_id in ids:
        start = ids.index(team.rr_last_user_id) + 1
    rotation = members[start:] + members[:start]
    load = loads(session, ids)
    eligible = [m for m in rotation if m.max_open is None or load[m.user_id] < m.max_open]
    if not eligible:
        return None
    if strategy == "least_loaded":
        chosen = min(eligible, key=lambda m: load[m.user_id])  # ties: rotation order
    else:
        chosen = eligible[0]
    team.rr_last_user_id = chosen.user_id
    session.flush()
    return chosen.user_id


def route_team(
    session: Session, *, channel: str | None, language: str | None, preferred: int | None = None
) -> Team | None:
    """The team for new work: the preferred one, else the best match on channel and language."""
    if preferred is not None:
        team = session.get(Team, preferred)
        if team is not None:
            return team
    best: tuple[int, Team] | None = None
    for team in list_teams(session):
        score = 0
        if team.channels:
            if channel not in team.channels:
                continue
            score += 2
        if team.languages:
            base = (language or "").split("-")[0]
            if base not in team.languages:
                continue
            score += 1
        if best is None or score > best[0]:
            best = (score, team)
    return best[1] if best else None
