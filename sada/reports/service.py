"""Saved views and report schedules: create, list, change, delete, with who may do what.

Who sees a view: its owner; every member when shared with the workspace; the members of its
team when shared with a team. Who changes or deletes it: its owner or an admin (or owner) of
the workspace. Every query runs in a session bound to one workspace, so a view of another
workspace is simply not found.

API keys act as the workspace: they see the views shared with the workspace or a team, and a
key with the write scope schedules them and manages their schedules; a key with the admin scope
sees and changes every view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sada.cases.models import Team, TeamMember
from sada.core.errors import Forbidden, Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.jobs.service import enqueue
from sada.reports import paths, schedule
from sada.reports.models import (
    FREQUENCIES,
    SHARES,
    ZONE_MODES,
    ReportDelivery,
    ReportSchedule,
    SavedView,
)
from sada.tenants.models import Membership, User, Workspace

LANGUAGES = ("en", "ar", "fa", "zh")
EDITOR_ROLES = frozenset({"admin", "owner"})
SCHEDULER_ROLES = frozenset({"analyst", "manager", "admin", "owner"})
SEND_JOB = "reports.send"
MAX_RECIPIENTS = 50
_EMAIL = re.compile(r"^[^@\s,;<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,63}$")


@dataclass(frozen=True)
class Viewer:
    """Who asks: a member (user id, role, teams) or an API key (no user)."""

    user_id: int | None
    role: str
    team_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role in EDITOR_ROLES


def member_viewer(session: Session, user_id: int, role: str) -> Viewer:
    teams = session.execute(select(TeamMember.team_id).where(TeamMember.user_id == user_id))
    return Viewer(user_id, role, frozenset(int(t) for (t,) in teams))


# ---------------------------------------------------------------- views


def _visible(viewer: Viewer) -> Any:
    if viewer.user_id is None and viewer.is_admin:
        return True
    conditions = [SavedView.share == "workspace"]
    if viewer.user_id is not None:
        conditions.append(SavedView.owner_id == viewer.user_id)
    if viewer.team_ids:
        conditions.append((SavedView.share == "team") & SavedView.team_id.in_(viewer.team_ids))
    elif viewer.user_id is None:  # a key sees team views too
        conditions.append(SavedView.share == "team")
    return or_(*conditions)


def list_views(session: Session, viewer: Viewer) -> list[SavedView]:
    query = select(SavedView).order_by(SavedView.name, SavedView.id)
    visible = _visible(viewer)
    if visible is not True:
        query = query.where(visible)
    return list(session.execute(query).scalars())


def get_view(session: Session, viewer: Viewer, view_id: int) -> SavedView:
    view = session.get(SavedView, view_id)
    if view is None or view.workspace_id != bound_workspace(session):
        raise NotFound("no such view")
    if not can_see(viewer, view):
        raise NotFound("no such view")
    return view


def can_see(viewer: Viewer, view: SavedView) -> bool:
    if view.owner_id == viewer.user_id or view.share == "workspace":
        return True
    if viewer.user_id is None:
        return viewer.is_admin or view.share == "team"
    return view.share == "team" and view.team_id in viewer.team_ids


def can_edit(viewer: Viewer, view: SavedView) -> bool:
    return viewer.is_admin or (viewer.user_id is not None and view.owner_id == viewer.user_id)


def _text(value: Any, name: str, limit: int = 200) -> str:
    text = str(value or "").strip()
    if not text:
        raise Invalid("a view needs a name", details={"field": name})
    if len(text) > limit or any(ord(c) < 32 for c in text):
        raise Invalid("the name is too long or has control characters", details={"field": name})
    return text


def _names(value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise Invalid(
            'names are given per language, like {"fa": "..."}', details={"field": "names"}
        )
    out = {}
    for lang, name in value.items():
        if lang not in LANGUAGES:
            raise Invalid("unknown language", details={"field": "names", "value": str(lang)[:8]})
        if str(name or "").strip():
            out[lang] = _text(name, f"names.{lang}")
    return out


def _share(session: Session, viewer: Viewer, share: Any, team_id: Any) -> tuple[str, int | None]:
    share = str(share or "private")
    if share not in SHARES:
        raise Invalid("share is private, team or workspace", details={"field": "share"})
    if share != "team":
        return share, None
    try:
        team = int(team_id)
    except (TypeError, ValueError):
        raise Invalid("choose the team to share with", details={"field": "team_id"}) from None
    row = session.get(Team, team)
    if row is None or row.workspace_id != bound_workspace(session):
        raise Invalid("no such team", details={"field": "team_id"})
    if not viewer.is_admin and viewer.user_id is not None and team not in viewer.team_ids:
        raise Invalid("you can share only with a team you belong to", details={"field": "team_id"})
    return share, team


def do_create_view(
    session: Session, viewer: Viewer, data: dict[str, Any], owner_id: int | None = None
) -> SavedView:
    owner = owner_id if owner_id is not None else viewer.user_id
    if owner is None:
        raise Invalid("a view belongs to a member: give owner_email", details={"field": "owner"})
    path, query = paths.clean_target(
        str(data.get("path") or data.get("url") or ""), str(data.get("query") or "")
    )
    share, team = _share(session, viewer, data.get("share"), data.get("team_id"))
    view = SavedView(
        owner_id=owner,
        name=_text(data.get("name"), "name"),
        names=_names(data.get("names")),
        path=path,
        query=query,
        share=share,
        team_id=team,
    )
    session.add(view)
    session.flush()
    return view


def do_update_view(
    session: Session, viewer: Viewer, view_id: int, data: dict[str, Any]
) -> SavedView:
    view = get_view(session, viewer, view_id)
    if not can_edit(viewer, view):
        raise Forbidden("only the owner of a view or an admin changes it")
    if "name" in data:
        view.name = _text(data["name"], "name")
    if "names" in data:
        view.names = _names(data["names"])
    if "path" in data or "url" in data or "query" in data:
        view.path, view.query = paths.clean_target(
            str(data.get("path") or data.get("url") or view.path),
            str(
                data.get("query")
                if "query" in data
                else ("" if "path" in data or "url" in data else view.query)
            ),
        )
    if "share" in data or "team_id" in data:
        view.share, view.team_id = _share(
            session, viewer, data.get("share", view.share), data.get("team_id", view.team_id)
        )
    view.updated_at = utcnow()
    return view


def do_delete_view(session: Session, viewer: Viewer, view_id: int) -> None:
    view = get_view(session, viewer, view_id)
    if not can_edit(viewer, view):
        raise Forbidden("only the owner of a view or an admin deletes it")
    session.delete(view)


def view_name(view: SavedView, lang: str) -> str:
    return view.names.get(lang) or view.name


def view_out(view: SavedView, viewer: Viewer | None = None) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "names": view.names,
        "path": view.path,
        "query": view.query,
        "url": paths.target_url(view.path, view.query),
        "share": view.share,
        "team_id": view.team_id,
        "owner_id": view.owner_id,
        "editable": can_edit(viewer, view) if viewer else None,
        "created_at": view.created_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
    }


def find_member(session: Session, email: str) -> int:
    row = session.execute(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email == email.strip().lower())
    ).first()
    if row is None:
        raise Invalid(
            "no member of this workspace has this email", details={"field": "owner_email"}
        )
    return int(row[0])


# ---------------------------------------------------------------- schedules


def _recipients(session: Session, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise Invalid("add at least one recipient", details={"field": "recipients"})
    if len(raw) > MAX_RECIPIENTS:
        raise Invalid("at most 50 recipients", details={"field": "recipients"})
    members = {int(uid) for (uid,) in session.execute(select(Membership.user_id))}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"recipients[{index}]"
        if isinstance(item, dict) and item.get("user_id") is not None:
            try:
                uid = int(item["user_id"])
            except (TypeError, ValueError):
                raise Invalid("not a member", details={"field": where}) from None
            if uid not in members:
                raise Invalid("not a member of this workspace", details={"field": where})
            key = f"u{uid}"
            entry: dict[str, Any] = {"user_id": uid}
        elif isinstance(item, dict) and item.get("email"):
            email = str(item["email"]).strip().lower()
            if not _EMAIL.match(email):
                raise Invalid(
                    "this email address is not valid", details={"field": where, "value": email[:80]}
                )
            lang = str(item.get("language") or "en")
            if lang not in LANGUAGES:
                raise Invalid("unknown language", details={"field": where + ".language"})
            key = email
            entry = {"email": email, "language": lang}
        else:
            raise Invalid(
                "a recipient is a member (user_id) or an email address", details={"field": where}
            )
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def _schedule_fields(
    session: Session, data: dict[str, Any], current: ReportSchedule | None = None
) -> dict[str, Any]:
    def get(name: str, default: Any) -> Any:
        if name in data:
            return data[name]
        return getattr(current, name) if current is not None else default

    frequency = str(get("frequency", "weekly"))
    if frequency not in FREQUENCIES:
        raise Invalid("frequency is daily, weekly or monthly", details={"field": "frequency"})
    weekday = day_of_month = None
    if frequency == "weekly":
        try:
            weekday = int(get("weekday", 0))
        except (TypeError, ValueError):
            weekday = -1
        if weekday not in range(7):
            raise Invalid("weekday is 0 (Monday) to 6 (Sunday)", details={"field": "weekday"})
    if frequency == "monthly":
        try:
            day_of_month = int(get("day_of_month", 1))
        except (TypeError, ValueError):
            day_of_month = 0
        if not 1 <= day_of_month <= schedule.MAX_DAY_OF_MONTH:
            raise Invalid("the day of the month is 1 to 28", details={"field": "day_of_month"})
    at_time = str(get("at_time", "08:00")).strip()
    at = schedule.parse_time(at_time)
    zone_mode = str(get("zone_mode", "workspace"))
    if zone_mode not in ZONE_MODES:
        raise Invalid(
            "the time zone is the workspace's or each recipient's", details={"field": "zone_mode"}
        )
    workspace = session.get(Workspace, bound_workspace(session))
    tz_name = str(get("timezone", "") or (workspace.timezone if workspace else "UTC"))
    schedule.zone(tz_name)
    recipients = _recipients(session, get("recipients", []))
    return {
        "frequency": frequency,
        "weekday": weekday,
        "day_of_month": day_of_month,
        "at_time": f"{at.hour:02d}:{at.minute:02d}",
        "zone_mode": zone_mode,
        "timezone": tz_name,
        "recipients": recipients,
        "active": bool(get("active", True)),
    }


def recipient_zones(session: Session, sched: ReportSchedule) -> dict[str, list[dict[str, Any]]]:
    """Recipients grouped by the zone their report runs in."""
    if sched.zone_mode != "recipient":
        return {sched.timezone: list(sched.recipients)}
    ids = [r["user_id"] for r in sched.recipients if "user_id" in r]
    zones = (
        dict(session.execute(select(User.id, User.timezone).where(User.id.in_(ids))).all())
        if ids
        else {}
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in sched.recipients:
        tz = (zones.get(r["user_id"]) if "user_id" in r else None) or sched.timezone
        try:
            schedule.zone(tz)
        except Invalid:
            tz = sched.timezone
        out.setdefault(tz, []).append(r)
    return out


def plan(session: Session, sched: ReportSchedule, after: datetime | None = None) -> None:
    """Compute the next run per zone and queue one job per zone (deduplicated by run)."""
    after = after or utcnow()
    runs: dict[str, str] = {}
    if sched.active:
        for tz in recipient_zones(session, sched):
            at = schedule.next_run(
                after,
                frequency=sched.frequency,
                at_time=sched.at_time,
                timezone=tz,
                weekday=sched.weekday,
                day_of_month=sched.day_of_month,
            )
            runs[tz] = at.isoformat()
            queue_run(session, sched, tz, at)
    sched.next_runs = runs
    sched.next_run_at = min((datetime.fromisoformat(v) for v in runs.values()), default=None)


def version(sched: ReportSchedule) -> str:
    """Which edit of a schedule a queued run belongs to."""
    return f"{sched.updated_at.timestamp():.6f}"


def queue_run(session: Session, sched: ReportSchedule, tz: str, at: datetime) -> None:
    key = schedule.period_key(at, tz)
    enqueue(
        session,
        SEND_JOB,
        {
            "schedule_id": sched.id,
            "zone": tz,
            "period_key": key,
            "run_at": at.isoformat(),
            "version": version(sched),
        },
        workspace_id=bound_workspace(session),
        run_at=at,
        dedupe_key=f"{SEND_JOB}:{sched.id}:{key}:{version(sched)}",
    )


def queue_now(session: Session, viewer: Viewer, schedule_id: int) -> str:
    """Run a schedule now for every recipient (one run per minute at most)."""
    sched = get_schedule(session, viewer, schedule_id)
    now = utcnow()
    key = "now@" + now.strftime("%Y-%m-%dT%H:%M")
    enqueue(
        session,
        SEND_JOB,
        {"schedule_id": sched.id, "zone": None, "period_key": key, "run_at": now.isoformat()},
        workspace_id=bound_workspace(session),
        dedupe_key=f"{SEND_JOB}:{sched.id}:{key}",
    )
    sched.last_status = "queued"
    return key


def get_schedule(session: Session, viewer: Viewer, schedule_id: int) -> ReportSchedule:
    sched = session.get(ReportSchedule, schedule_id)
    if sched is None or sched.workspace_id != bound_workspace(session):
        raise NotFound("no such schedule")
    view = get_view(session, viewer, sched.view_id)
    if viewer.user_id is None:  # a key with the write scope manages the schedules it sees
        return sched
    if not (viewer.is_admin or sched.owner_id == viewer.user_id or can_edit(viewer, view)):
        raise NotFound("no such schedule")
    return sched


def do_create_schedule(
    session: Session, viewer: Viewer, view_id: int, data: dict[str, Any]
) -> ReportSchedule:
    if viewer.role not in SCHEDULER_ROLES:
        raise Forbidden("your role does not schedule reports")
    view = get_view(session, viewer, view_id)
    fields = _schedule_fields(session, data)
    owner = viewer.user_id if viewer.user_id is not None else view.owner_id
    sched = ReportSchedule(view_id=view.id, owner_id=owner, **fields)
    session.add(sched)
    session.flush()
    plan(session, sched)
    return sched


def do_update_schedule(
    session: Session, viewer: Viewer, schedule_id: int, data: dict[str, Any]
) -> ReportSchedule:
    sched = get_schedule(session, viewer, schedule_id)
    for name, value in _schedule_fields(session, data, sched).items():
        setattr(sched, name, value)
    sched.updated_at = utcnow()
    plan(session, sched)
    return sched


def do_delete_schedule(session: Session, viewer: Viewer, schedule_id: int) -> None:
    session.delete(get_schedule(session, viewer, schedule_id))


def schedules_of(session: Session, view_ids: list[int]) -> dict[int, list[ReportSchedule]]:
    out: dict[int, list[ReportSchedule]] = {}
    if not view_ids:
        return out
    rows = session.execute(
        select(ReportSchedule)
        .where(ReportSchedule.view_id.in_(view_ids))
        .order_by(ReportSchedule.id)
    ).scalars()
    for row in rows:
        out.setdefault(row.view_id, []).append(row)
    return out


def recent_deliveries(session: Session, schedule_id: int, limit: int = 20) -> list[ReportDelivery]:
    return list(
        session.execute(
            select(ReportDelivery)
            .where(ReportDelivery.schedule_id == schedule_id)
            .order_by(ReportDelivery.id.desc())
            .limit(limit)
        ).scalars()
    )


def schedule_out(sched: ReportSchedule) -> dict[str, Any]:
    return {
        "id": sched.id,
        "view_id": sched.view_id,
        "frequency": sched.frequency,
        "weekday": sched.weekday,
        "day_of_month": sched.day_of_month,
        "at_time": sched.at_time,
        "zone_mode": sched.zone_mode,
        "timezone": sched.timezone,
        "recipients": sched.recipients,
        "active": sched.active,
        "next_run_at": sched.next_run_at.isoformat() if sched.next_run_at else None,
        "last_run_at": sched.last_run_at.isoformat() if sched.last_run_at else None,
        "last_status": sched.last_status,
        "last_error": sched.last_error,
    }
