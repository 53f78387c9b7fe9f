"""Panels beside the dashboards: a person's history (the person 360), the open loop of the
home page (open cases, unread alerts) and the background work still to do.

Every function takes a session bound to a workspace. The cases and text domains are
optional: a panel whose source is not installed says so (`None`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.dashboards.service import text_model
from sada.interactions import rollup_reads, rollups
from sada.interactions.models import Interaction

# ---------------------------------------------------------------- person 360


def person_sentiment(session: Session, person_id: int) -> list[tuple[datetime, str, float]] | None:
    analysis = text_model()
    if analysis is None:
        return None
    rows = session.execute(
        select(Interaction.occurred_at, analysis.sentiment, analysis.sentiment_score)
        .join(analysis, analysis.interaction_id == Interaction.id)
        .where(Interaction.person_id == person_id)
        .order_by(Interaction.occurred_at.desc())
        .limit(60)
    ).all()
    return [(at, label, float(score)) for at, label, score in reversed(rows)]


def person_scores(session: Session, person_id: int) -> list[Interaction]:
    return list(
        session.execute(
            select(Interaction)
            .where(Interaction.person_id == person_id, Interaction.rating.is_not(None))
            .order_by(Interaction.occurred_at.desc())
            .limit(30)
        ).scalars()
    )


def person_channels(session: Session, person_id: int) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Interaction.channel, func.count())
        .where(Interaction.person_id == person_id)
        .group_by(Interaction.channel)
    ).all()
    return sorted(((c, int(n)) for c, n in rows), key=lambda r: -r[1])


# ---------------------------------------------------------------- the open loop


@dataclass
class OpenCase:
    id: int
    title: str
    priority: str
    due_at: datetime | None
    overdue: bool


@dataclass
class OpenLoop:
    open_cases: int
    overdue: int
    urgent: int
    latest: list[OpenCase]
    unread_alerts: int
    alerts: list[tuple[str, str | None]]


def open_loop(session: Session, user_id: int) -> OpenLoop | None:
    """Open cases and this user's unread alerts, when the cases domain is installed."""
    try:
        case_model = importlib.import_module("sada.cases.models").Case
        notification = importlib.import_module("sada.automation.models").Notification
    except (ModuleNotFoundError, AttributeError):
        return None
    now = datetime.now(UTC)
    is_open = case_model.status.in_(["open", "in_progress"])
    unread_filter = (notification.user_id == user_id, notification.read_at.is_(None))
    # The counts in one statement, the latest rows as the columns shown (three round trips).
    unread_count = select(func.count()).select_from(notification).where(*unread_filter)
    open_cases, overdue, urgent, unread = session.execute(
        select(
            func.count(),
            func.count().filter(case_model.due_at < now),
            func.count().filter(case_model.priority == "urgent"),
            unread_count.scalar_subquery(),
        ).where(is_open)
    ).one()
    latest = [
        OpenCase(cid, title, priority, due_at, bool(due_at and due_at < now))
        for cid, title, priority, due_at in session.execute(
            select(case_model.id, case_model.title, case_model.priority, case_model.due_at)
            .where(is_open)
            .order_by(case_model.id.desc())
            .limit(5)
        ).all()
    ]
    alerts = [
        (title, link)
        for title, link in session.execute(
            select(notification.title, notification.link)
            .where(*unread_filter)
            .order_by(notification.id.desc())
            .limit(5)
        ).all()
    ]
    return OpenLoop(int(open_cases), int(overdue), int(urgent), latest, int(unread), alerts)


# ---------------------------------------------------------------- background work


@dataclass
class BackgroundWork:
    """What the job runner still has to do for a workspace, so pages can say so."""

    waiting_jobs: int
    texts: int
    analysed: int | None


def background_work(session: Session, workspace_id: int) -> BackgroundWork:
    from sada.jobs.models import Job

    waiting = session.execute(
        select(func.count()).where(
            Job.workspace_id == workspace_id, Job.status.in_(["queued", "running"])
        )
    ).scalar_one()
    analysis = text_model()
    if "UTC" in rollups.zones(session):
        sums = rollup_reads.totals(session, "UTC")
        texts, analysed = sums[1], (sums[2] if analysis is not None else None)
    else:  # a workspace whose rollups were never built: count the log
        texts = session.execute(
            select(func.count()).select_from(Interaction).where(Interaction.text.is_not(None))
        ).scalar_one()
        analysed = (
            session.execute(select(func.count()).select_from(analysis)).scalar_one()
            if analysis is not None
            else None
        )
    return BackgroundWork(int(waiting), int(texts), None if analysed is None else int(analysed))
