"""The demo's cases, written in bulk with what the case service writes for each.

The demo opens a few hundred cases from complaints and moves them through their states.
Through `do_create_case` / `do_update_case` each call costs a dozen queries (dedupe, person,
team lock and rotation, SLA policy, link, history, payload) and one ORM insert per job its
events enqueue: 13 s of CPU for 240 cases, most of the cases demo. Here the same rows are
made with a handful of statements: the cases (explicit ids), their links, their history
(`case_events`), the assignment notifications (through the notification service), and the
jobs of every `case.*` event with the payload the service publishes (the case as `case_out`
renders it at that moment).

Kept from the service: SLA due times (the first matching policy, on its business calendar,
the stricter of policy and `due_hours`), round-robin owners with the team's cursor moved,
merged people followed, the history entries with their details in the same order, one job
per live subscriber that wants each event. What differs: one `now` for the whole batch
instead of one per call. Anything the fast path does not reproduce (an existing dedupe key, a team that
assigns by load or caps members, the procrastinate job backend) goes through the service.
`tests/demo/test_bulk_cases.py` compares both paths row for row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.cases import sla
from sada.cases.models import PRIORITIES, Case, CaseEvent, CaseLink, Team, TeamMember
from sada.cases.service import (
    apply_status,
    case_out,
    clean_tags,
    do_create_case,
    do_update_case,
)
from sada.core.errors import Invalid, NotFound
from sada.core.telemetry import request_id
from sada.db.dialect import chunks
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.demo.bulk import fix_sequences, insert_rows, next_id
from sada.events import UnknownEvent, publish
from sada.events.catalogue import BY_NAME, canonical
from sada.jobs.backend import uses_procrastinate
from sada.jobs.models import Job
from sada.jobs.registry import priority_of, subscriptions
from sada.notifications import service as notifications
from sada.people.merges import live_person_id
from sada.people.models import Person

CREATE_KEYS = frozenset(
    {
        "title",
        "title_key",
        "title_params",
        "person_id",
        "priority",
        "team_id",
        "due_hours",
        "root_cause",
        "tags",
        "interaction_ids",
        "channel",
        "source",
        "dedupe_key",
    }
)
UPDATE_KEYS = frozenset({"status", "contacted", "resolution"})


@dataclass
class CaseSpec:
    """One case: `do_create_case` keyword arguments (those in `CREATE_KEYS`) and the
    `do_update_case` changes (keys in `UPDATE_KEYS`) applied to it in order."""

    create: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)


def through_service(session: Session, spec: CaseSpec) -> Case:
    """The reference path: the case service, call by call."""
    case = do_create_case(session, **spec.create)
    for changes in spec.updates:
        do_update_case(session, case.id, changes)
    return case


def write_cases(session: Session, specs: list[CaseSpec]) -> int:
    """Create and move every case of `specs` in the caller's transaction; returns how many."""
    for spec in specs:
        unknown = (set(spec.create) - CREATE_KEYS) | {
            k for changes in spec.updates for k in changes if k not in UPDATE_KEYS
        }
        if unknown:
            raise ValueError(f"the bulk case writer does not handle {sorted(unknown)}")
    keys = [s.create["dedupe_key"] for s in specs if s.create.get("dedupe_key")]
    taken: set[str | None] = set()
    for part in chunks(keys, 900):
        taken.update(
            session.execute(select(Case.dedupe_key).where(Case.dedupe_key.in_(part))).scalars()
        )
    rotation = _rotation(
        session, {int(s.create["team_id"]) for s in specs if s.create.get("team_id")}
    )
    if rotation is None or uses_procrastinate(session):
        for spec in specs:
            through_service(session, spec)
        return len(specs)
    fast = [s for s in specs if s.create.get("dedupe_key") not in taken]
    for spec in specs:
        if spec.create.get("dedupe_key") in taken:
            through_service(session, spec)
    if fast:
        _write(session, fast, rotation)
    return len(specs)


@dataclass
class _Rotation:
    """Each round-robin team's online members (by user id) and last assignee."""

    members: dict[int, list[int]]
    last: dict[int, int | None]
    teams: dict[int, Team]

    def pick(self, team_id: int) -> int | None:
        ids = self.members[team_id]
        if not ids:
            return None
        last = self.last[team_id]
        chosen = ids[(ids.index(last) + 1) % len(ids)] if last in ids else ids[0]
        self.last[team_id] = chosen
        return chosen


def _rotation(session: Session, team_ids: set[int]) -> _Rotation | None:
    """The teams' rotation as `assignment.pick_assignee` runs it; None when a team assigns
    otherwise (by load, capped members): the service decides those."""
    teams = {t.id: t for t in session.execute(select(Team).where(Team.id.in_(team_ids))).scalars()}
    missing = sorted(team_ids - set(teams))
    if missing:
        raise NotFound(f"no team {missing[0]}")
    members: dict[int, list[int]] = {team_id: [] for team_id in teams}
    for member in session.execute(
        select(TeamMember)
        .where(TeamMember.team_id.in_(team_ids), TeamMember.online.is_(True))
        .order_by(TeamMember.user_id)
    ).scalars():
        if member.max_open is not None:
            return None
        members[member.team_id].append(member.user_id)
    if any(t.assignment not in ("round_robin", "manual") for t in teams.values()):
        return None
    return _Rotation(
        members={k: v if teams[k].assignment != "manual" else [] for k, v in members.items()},
        last={k: t.rr_last_user_id for k, t in teams.items()},
        teams=teams,
    )


def _write(session: Session, specs: list[CaseSpec], rotation: _Rotation) -> None:
    workspace_id = bound_workspace(session)
    now = utcnow()
    people = _people(session, {s.create["person_id"] for s in specs if s.create.get("person_id")})
    first_id = next_id(session, Case)
    policies: dict[tuple[Any, ...], Any] = {}
    calendars: dict[int, Any] = {}
    cases: list[Case] = []
    for index, spec in enumerate(specs):
        c = spec.create
        priority = c.get("priority", "normal")
        if priority not in PRIORITIES:
            raise Invalid(f"priority must be one of {', '.join(PRIORITIES)}")
        person_id, audience, segment = people.get(c.get("person_id") or 0, (None, None, None))
        team_id = c.get("team_id")
        due_hours = c.get("due_hours")
        case = Case(
            id=first_id + index,
            workspace_id=workspace_id,
            title=c["title"].strip()[:500],
            title_key=c.get("title_key"),
            title_params=c.get("title_params"),
            description="",
            status="open",
            priority=priority,
            person_id=person_id,
            conversation_id=None,
            owner_id=rotation.pick(team_id) if team_id is not None else None,
            team_id=team_id,
            source=c.get("source", "manual"),
            rule_id=None,
            tags=clean_tags(c.get("tags") or []),
            due_at=now + timedelta(hours=due_hours) if due_hours is not None else None,
            root_cause=c.get("root_cause"),
            created_at=now,
            updated_at=now,
            dedupe_key=c.get("dedupe_key"),
            reopen_count=0,
        )
        # `sla.apply_to_case`, with the policy and calendar looked up once per combination.
        slice_ = (c.get("channel"), priority, audience, segment)
        if slice_ not in policies:
            policies[slice_] = sla.match_policy(
                session, channel=slice_[0], priority=priority, audience=audience, segment=segment
            )
        policy = policies[slice_]
        case.sla_policy_id = policy.id if policy else None
        if policy is not None:
            if policy.id not in calendars:
                calendars[policy.id] = sla.calendar_of(session, policy)
            cal = calendars[policy.id]
            if policy.first_response_minutes is not None:
                case.contact_due_at = cal.add(now, policy.first_response_minutes)
            if policy.resolution_minutes is not None:
                due = cal.add(now, policy.resolution_minutes)
                case.due_at = min(case.due_at, due) if case.due_at else due
        cases.append(case)
    for team_id, last in rotation.last.items():
        if last is not None and rotation.teams[team_id].rr_last_user_id != last:
            rotation.teams[team_id].rr_last_user_id = last
    session.add_all(cases)
    session.flush()
    fix_sequences(session, ["cases"])
    links: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    events: list[tuple[str, dict[str, Any]]] = []
    for case, spec in zip(cases, specs, strict=True):
        linked = sorted(set(spec.create.get("interaction_ids") or []))
        for interaction_id in linked:
            links.append(
                {
                    "workspace_id": workspace_id,
                    "case_id": case.id,
                    "interaction_id": interaction_id,
                    "role": "trigger",
                }
            )
        history.append(
            _history(case, now, "created", {"owner_id": case.owner_id, "due_at": str(case.due_at)})
        )
        notifications.assigned(session, case.owner_id, actor="api", case_id=case.id)
        events.append(("case.created", _payload(session, case, linked)))
        for changes in spec.updates:
            changed, names = _update(case, changes, now)
            if not changed:
                continue
            history.append(_history(case, now, "updated", changed))
            payload = _payload(session, case, linked)
            events.extend((name, payload) for name in ["case.changed", *names])
    _check_interactions(session, [row["interaction_id"] for row in links])
    insert_rows(session, CaseLink.__table__, links)  # type: ignore[arg-type]
    insert_rows(session, CaseEvent.__table__, history)  # type: ignore[arg-type]
    session.flush()  # the cases' new states
    publish_many(session, events, workspace_id)


def _people(session: Session, ids: set[int]) -> dict[int, tuple[int, str | None, str | None]]:
    """Each person's live id and SLA slice (audience, segment); NotFound for an unknown id."""
    found: dict[int, tuple[int, str | None, str | None]] = {}
    for part in chunks(sorted(ids), 900):
        for pid, merged, audience, segment in session.execute(
            select(Person.id, Person.merged_into_id, Person.audience, Person.segment).where(
                Person.id.in_(part)
            )
        ).all():
            found[pid] = (pid, audience, segment)
            if merged is not None:
                live = live_person_id(session, pid)
                row = session.execute(
                    select(Person.audience, Person.segment).where(Person.id == live)
                ).one()
                found[pid] = (live, row[0], row[1])
    missing = sorted(ids - set(found))
    if missing:
        raise NotFound(f"no person {missing[0]}")
    return found


def _check_interactions(session: Session, ids: list[int]) -> None:
    from sada.interactions.models import Interaction

    found: set[int] = set()
    for part in chunks(sorted(set(ids)), 900):
        found.update(
            session.execute(select(Interaction.id).where(Interaction.id.in_(part))).scalars()
        )
    missing = sorted(set(ids) - found)
    if missing:
        raise NotFound(f"no interaction {missing[0]}")


def _update(case: Case, changes: dict[str, Any], now: datetime) -> tuple[dict[str, Any], list[str]]:
    """`do_update_case` for the keys in `UPDATE_KEYS`: the changes it records and the
    events it publishes besides `case.changed`."""
    changed: dict[str, Any] = {}
    events: list[str] = []
    resolution = changes.get("resolution")
    if resolution is not None and case.resolution != resolution:
        changed["resolution"] = str(resolution)[:200]
        case.resolution = resolution
    if changes.get("contacted") and case.contacted_at is None:
        case.contacted_at = now
        changed["contacted_at"] = now.isoformat()
    status = changes.get("status")
    if status is not None and status != case.status:
        apply_status(case, str(status), now, events, changed)
    if changed:
        case.updated_at = now
    return changed, events


def _history(case: Case, at: datetime, kind: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "workspace_id": case.workspace_id,
        "case_id": case.id,
        "conversation_id": case.conversation_id,
        "at": at,
        "actor_label": "api",
        "kind": kind,
        "details": details,
    }


def _payload(session: Session, case: Case, links: list[int]) -> dict[str, Any]:
    return case_out(session, case, links=list(links)).model_dump(mode="json")


def publish_many(
    session: Session, events: list[tuple[str, dict[str, Any]]], workspace_id: int
) -> int:
    """`publish(session, name, data)` for each (name, data), live, in order: one job per
    live subscriber that wants it (`Subscription.wants`), the rows written at once.
    Returns how many jobs were recorded."""
    if uses_procrastinate(session):
        return sum(publish(session, name, data) for name, data in events)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    # Whether a subscriber wants an event (`Subscription.wants`: e.g. no webhook, no job) is
    # asked once per (subscriber, event) for the batch: nothing it reads changes in between.
    wanted: dict[tuple[str, str], bool] = {}
    for raw_name, data in events:
        name = canonical(raw_name)
        if name not in BY_NAME:
            raise UnknownEvent(f"{name!r} is not in the event catalogue")
        payload = {
            **data,
            "event": name,
            "event_id": uuid.uuid4().hex,
            "published_at": now.isoformat(),
            "live": True,
            "depth": 0,
            "chain": [],
        }
        for subscription in subscriptions(name):
            key = (subscription.kind, name)
            if key not in wanted:
                wanted[key] = subscription.wants(session, name, True)
            if not wanted[key]:
                continue
            rows.append(
                {
                    "dedupe_key": None,
                    "workspace_id": workspace_id,
                    "kind": subscription.kind,
                    "payload": payload,
                    "status": "queued",
                    "priority": priority_of(subscription.kind),
                    "run_at": now,
                    "attempts": 0,
                    "max_attempts": 5,
                    "created_at": now,
                    "request_id": request_id.get(),
                }
            )
    insert_rows(session, Job.__table__, rows)  # type: ignore[arg-type]
    return len(rows)
