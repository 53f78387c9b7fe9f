"""The demo's bulk case writer stores what the case service stores, row for row: cases with
their SLA due times and owners, links, history, notifications, the `case.*` events' jobs,
and the teams' round-robin cursors."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import func, select

from sada.cases import sla
from sada.cases.models import Case, CaseEvent, CaseLink, Team
from sada.db.engine import Database
from sada.demo.cases import CaseSpec, through_service, write_cases
from sada.demo.seed import seed_demo
from sada.interactions.models import Interaction
from sada.jobs.models import Job
from sada.notifications.models import MemberNotification
from sada.tenants.models import Workspace

STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")


class _Rollback(Exception):
    pass


def _plain(value: Any) -> Any:
    """Values with the moment of writing taken out (the service reads the clock per call,
    the bulk writer once): timestamps become a marker, event ids go."""
    if isinstance(value, datetime):
        return "<time>"
    if isinstance(value, str):
        return STAMP.sub("<time>", value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in ("event_id", "id")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _minutes(later: datetime | None, earlier: datetime) -> int | None:
    return None if later is None else round((later - earlier).total_seconds() / 60)


def _written(db: Database, workspace_id: int, specs: list[CaseSpec], bulk: bool) -> dict[str, Any]:
    """What one path writes for `specs`, read back in the same transaction, rolled back."""
    out: dict[str, Any] = {}
    with pytest.raises(_Rollback), db.transaction(workspace_id) as session:
        last_job = session.execute(select(func.coalesce(func.max(Job.id), 0))).scalar_one()
        last_note = session.execute(
            select(func.coalesce(func.max(MemberNotification.id), 0))
        ).scalar_one()
        if bulk:
            write_cases(session, specs)
        else:
            for spec in specs:
                through_service(session, spec)
        session.flush()
        session.expire_all()
        cases = list(
            session.execute(
                select(Case).where(Case.dedupe_key.like("test-%")).order_by(Case.id)
            ).scalars()
        )
        order = {case.id: index for index, case in enumerate(cases)}
        out["cases"] = [
            (
                c.title,
                c.title_key,
                c.title_params,
                c.status,
                c.priority,
                c.person_id,
                c.owner_id,
                c.team_id,
                c.tags,
                c.root_cause,
                c.resolution,
                c.reopen_count,
                c.sla_policy_id,
                c.dedupe_key,
                c.source,
                _minutes(c.due_at, c.created_at),
                _minutes(c.contact_due_at, c.created_at),
                c.contacted_at is None,
                c.resolved_at is None,
                c.closed_at is None,
            )
            for c in cases
        ]
        out["links"] = [
            (order[link.case_id], link.interaction_id, link.role)
            for link in session.execute(
                select(CaseLink).where(CaseLink.case_id.in_(order)).order_by(CaseLink.id)
            ).scalars()
        ]
        out["history"] = [
            (order[e.case_id], e.actor_label, e.kind, _plain(e.details))
            for e in session.execute(
                select(CaseEvent).where(CaseEvent.case_id.in_(order)).order_by(CaseEvent.id)
            ).scalars()
        ]
        out["jobs"] = [
            (j.kind, j.status, j.priority, j.attempts, j.max_attempts, _plain(j.payload))
            for j in session.execute(
                select(Job).where(Job.id > last_job).order_by(Job.id)
            ).scalars()
        ]
        out["notifications"] = [
            (n.user_id, n.kind, n.message, n.link, sorted(n.params))
            for n in session.execute(
                select(MemberNotification)
                .where(MemberNotification.id > last_note)
                .order_by(MemberNotification.id)
            ).scalars()
        ]
        out["cursors"] = sorted(
            tuple(row) for row in session.execute(select(Team.id, Team.rr_last_user_id)).all()
        )
        raise _Rollback
    return out


def test_bulk_cases_equal_the_service(db: Database) -> None:
    seed_demo(
        db,
        people=150,
        reset=True,
        seed=5,
        console=Console(file=io.StringIO()),
        only=("cases",),
        analysis_days=0,
    )
    with db.reader() as session:
        workspace_id = session.execute(
            select(Workspace.id).where(Workspace.name == "demo")
        ).scalar_one()
    with db.transaction(workspace_id) as session:
        fa_team = session.execute(select(Team.id).where(Team.timezone == "Asia/Tehran")).scalar()
        # Urgent cases follow the Persian team's business hours (split shifts, Thursday).
        policy_id = sla.do_create_policy(
            session,
            {
                "name": "Urgent, business hours",
                "position": 1,
                "priorities": ["urgent"],
                "first_response_minutes": 60,
                "resolution_minutes": 16 * 60,
                "business_hours": True,
                "team_id": fa_team,
            },
        ).id
    with db.reader(workspace_id) as session:
        teams = list(session.execute(select(Team.id).order_by(Team.id)).scalars())
        rows = session.execute(
            select(Interaction.id, Interaction.person_id, Interaction.channel)
            .where(Interaction.text.is_not(None))
            .order_by(Interaction.id)
            .limit(24)
        ).all()
    moves: list[list[dict[str, Any]]] = [
        [],
        [{"status": "in_progress", "contacted": True}],
        [
            {"status": "in_progress", "contacted": True},
            {"status": "resolved", "resolution": "Refunded."},
        ],
        [
            {"status": "in_progress", "contacted": True},
            {"status": "resolved", "resolution": "Refunded."},
            {"status": "closed"},
        ],
        [{"status": "resolved", "resolution": "Re-delivered."}, {"status": "open"}],
        [{"status": "in_progress", "contacted": False}, {"status": "in_progress"}],
    ]
    priorities = ["normal", "urgent", "high", "low"]
    specs = [
        CaseSpec(
            create={
                "title": f"  Case {index} about delivery  ",
                "title_key": "complaint",
                "title_params": {"topic": "delivery"},
                "person_id": person_id if index % 5 else None,
                "priority": priorities[index % len(priorities)],
                "team_id": teams[index % len(teams)] if index % 7 else None,
                "due_hours": 48 if index % 3 else None,
                "root_cause": "logistics",
                "tags": ["delivery", " fa ", "delivery"],
                "interaction_ids": [interaction_id],
                "channel": channel if index % 4 else "twitter",
                "source": "demo",
                "dedupe_key": f"test-{interaction_id}",
            },
            updates=moves[index % len(moves)],
        )
        for index, (interaction_id, person_id, channel) in enumerate(rows)
    ]
    service = _written(db, workspace_id, specs, bulk=False)
    bulk = _written(db, workspace_id, specs, bulk=True)
    assert len(service["cases"]) == len(specs) and len(service["jobs"]) > len(specs)
    # The business-hours policy applies (first contact due 60 business minutes after the
    # case: 60 wall minutes inside the team's hours, more outside them; cases are created
    # at the wall clock's time, so which of the two depends on when the test runs).
    assert any(
        row[12] == policy_id and row[16] is not None and row[16] >= 60 for row in service["cases"]
    )
    for part in service:
        assert bulk[part] == service[part], part
