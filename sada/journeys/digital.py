"""Digital task metrics from web and app events.

A task starts with an event matching its start rule and succeeds with the first
later event matching its end rule within `timeout_minutes` of the start. A new
start before success restarts the attempt (the earlier one counts as abandoned);
no success within the timeout is abandonment; an attempt with an event matching
the error rule counts as erroneous. Steps are the person's web/app events from
start to end inclusive; time is end minus start. Attempts still inside their
timeout at `until` are reported as in progress, not as abandoned.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.interactions.models import Interaction, Touchpoint
from sada.journeys import service
from sada.journeys.analytics import rule_matches
from sada.journeys.query import to_epoch
from sada.journeys.stats import quantile, wilson

STEP_CHANNELS = ("web", "app")


def task_metrics(session: Session, task_key: str, *, since: int, until: int) -> dict[str, Any]:
    from datetime import UTC, datetime

    task = service.access_task(session, task_key)
    start_rule, end_rule, error_rule = service.task_rules(task)
    timeout = task.timeout_minutes * 60
    keys = dict(session.execute(select(Touchpoint.id, Touchpoint.key)).all())
    lo = datetime.fromtimestamp(since, UTC)
    hi = datetime.fromtimestamp(until + timeout, UTC)
    rows = session.execute(
        select(Interaction)
        .where(
            Interaction.person_id.is_not(None),
            Interaction.occurred_at >= lo,
            Interaction.occurred_at < hi,
        )
        .order_by(Interaction.person_id, Interaction.occurred_at, Interaction.id)
    ).scalars()
    attempts: list[dict[str, Any]] = []
    in_progress = 0
    current: dict[str, Any] | None = None
    person: int | None = None

    def close(outcome: str) -> None:
        nonlocal current
        if current is not None:
            current["outcome"] = outcome
            attempts.append(current)
        current = None

    for row in rows:
        ts = to_epoch(row.occurred_at)
        if row.person_id != person:
            if current is not None:
                if current["start"] + timeout >= until:
                    in_progress += 1
                    current = None
                else:
                    close("abandoned")
            person = row.person_id
        tp = keys.get(row.touchpoint_id) if row.touchpoint_id else None
        if current is not None and ts - current["start"] > timeout:
            close("abandoned")
        if rule_matches(start_rule, row, tp) and since <= ts < until:
            if current is not None:
                close("abandoned")
            current = {"start": ts, "steps": 1, "errors": 0}
            continue
        if current is None:
            continue
        if row.channel in STEP_CHANNELS:
            current["steps"] += 1
        if error_rule is not None and rule_matches(error_rule, row, tp):
            current["errors"] += 1
        if rule_matches(end_rule, row, tp):
            current["seconds"] = ts - current["start"]
            close("success")
    if current is not None:
        if current["start"] + timeout >= until:
            in_progress += 1
        else:
            close("abandoned")
    n = len(attempts)
    ok = [a for a in attempts if a["outcome"] == "success"]
    err = sum(1 for a in attempts if a["errors"])
    abandoned = n - len(ok)

    def share(k: int) -> dict[str, Any]:
        ci = wilson(k, n)
        return {"count": k, "rate": (k / n) if n else None, "ci": list(ci) if ci else None}

    times = [float(a["seconds"]) for a in ok]
    steps = [float(a["steps"]) for a in ok]
    return {
        "task": task.key,
        "name": task.name,
        "attempts": n,
        "in_progress": in_progress,
        "success": share(len(ok)),
        "error": share(err),
        "abandonment": share(abandoned),
        "time_to_complete": {
            "median_seconds": quantile(times, 0.5),
            "p90_seconds": quantile(times, 0.9),
        },
        "steps_to_complete": {"median": quantile(steps, 0.5), "p90": quantile(steps, 0.9)},
    }
