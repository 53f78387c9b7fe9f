"""Metric queries for the API, the CLI and dashboards.

Service functions (Session bound to a workspace):

- `summarize(session, MetricFilter(...), by="week"|"month"|"day"|None, group=DIM|None)
  -> dict`: overall figures (see `sada.metrics.stats.figures`), plus `periods`
  (one per day/week/month in the workspace's time zone) and/or `groups`
  (one per survey, segment, audience, channel, touchpoint, language or agent).
  Served from rollups when the rollup grain can answer (at most one filtered
  dimension, grouped by that dimension or by survey); otherwise recomputed from
  raw responses. `source` in the result says which.
- `compare_filters(session, a, b) -> dict`: two periods or two segments, with the
  metric's significance test, p-value and "significant"/"not significant".
- `funnel(session, survey_id=None, since=None, until=None) -> dict`: invitations
  sent, opened, completed; response rate and completion rate.

Dates are local calendar dates of the workspace: `since` inclusive, `until` exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.metrics.models import MetricRollup
from sada.metrics.rollups import DIMENSIONS, METRICS, add_into, facts_of, workspace_tz
from sada.metrics.stats import Sums, compare, figures

PERIODS = ("day", "week", "month")
GROUPS = ("survey", *DIMENSIONS[1:])
NONE_LABEL = "(none)"


@dataclass
class MetricFilter:
    metric: str
    survey_ids: list[int] | None = None
    since: date | None = None
    until: date | None = None
    filters: dict[str, str] = field(default_factory=dict)

    def check(self) -> None:
        if self.metric not in METRICS:
            raise Invalid(f"unknown metric {self.metric!r}; use one of {', '.join(METRICS)}")
        for dim in self.filters:
            if dim not in DIMENSIONS[1:]:
                raise Invalid(f"cannot filter by {dim!r}; use one of {', '.join(DIMENSIONS[1:])}")
        if self.since and self.until and self.since >= self.until:
            raise Invalid("since must be before until")


def period_start(day: date, by: str) -> date:
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if by == "month":
        return day.replace(day=1)
    raise Invalid(f"unknown period {by!r}; use day, week or month")


def period_label(start: date, by: str) -> str:
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


Record = tuple[Any, ...]  # survey_id, dim value, day, n, hi, mid, lo, total, total_sq


def _rollup_dim(f: MetricFilter, group: str | None) -> tuple[str, str | None] | None:
    """(dim, value) to read from rollups, or None when only raw data can answer."""
    if len(f.filters) > 1:
        return None
    if not f.filters:
        return (group if group in DIMENSIONS else "all"), None
    ((dim, value),) = f.filters.items()
    if group in (None, "survey", dim):
        return dim, value
    return None


def _rollup_records(session: Session, f: MetricFilter, dim: str, value: str | None) -> list[Record]:
    r = MetricRollup
    query = select(r.survey_id, r.value, r.day, r.n, r.hi, r.mid, r.lo, r.total, r.total_sq).where(
        r.metric == f.metric, r.dim == dim
    )
    if value is not None:
        query = query.where(r.value == ("" if value == NONE_LABEL else value))
    if f.survey_ids:
        query = query.where(r.survey_id.in_(f.survey_ids))
    if f.since:
        query = query.where(r.day >= f.since)
    if f.until:
        query = query.where(r.day < f.until)
    return list(session.execute(query).all())


def _utc_bound(day: date, session: Session) -> datetime:
    return datetime.combine(day, time(0), tzinfo=workspace_tz(session)).astimezone(UTC)


def _raw_records(session: Session, f: MetricFilter, group: str | None) -> list[Record]:
    from sada.feedback.models import Response

    query = select(Response).where(
        Response.status == "completed", Response.completed_at.is_not(None)
    )
    if f.survey_ids:
        query = query.where(Response.survey_id.in_(f.survey_ids))
    if f.since:
        query = query.where(Response.completed_at >= _utc_bound(f.since, session))
    if f.until:
        query = query.where(Response.completed_at < _utc_bound(f.until, session))
    for dim, value in f.filters.items():
        column = getattr(Response, dim)
        query = query.where(column.is_(None) if value in ("", NONE_LABEL) else column == value)
    tz = workspace_tz(session)
    records: list[Record] = []
    gdim = group if group in DIMENSIONS else "all"
    for response in session.execute(query.execution_options(yield_per=2000)).scalars():
        facts = facts_of(response)
        if facts is None or f.metric not in facts.scores:
            continue
        acc: dict[Any, list[float]] = {}
        add_into(acc, facts, tz)
        for (survey_id, metric, dim, value, day), vec in acc.items():
            if metric == f.metric and dim == gdim:
                records.append((survey_id, value, day, *vec))
    return records


def summarize(
    session: Session,
    f: MetricFilter,
    *,
    by: str | None = None,
    group: str | None = None,
    source: str = "auto",
) -> dict[str, Any]:
    f.check()
    if by is not None and by not in PERIODS:
        raise Invalid(f"unknown period {by!r}; use day, week or month")
    if group is not None and group not in GROUPS:
        raise Invalid(f"cannot group by {group!r}; use one of {', '.join(GROUPS)}")
    plan = _rollup_dim(f, group) if source in ("auto", "rollup") else None
    if plan is not None:
        records = _rollup_records(session, f, *plan)
        used = "rollup"
    else:
        if source == "rollup":
            raise Invalid("this combination of filters needs raw data; use source=raw")
        records = _raw_records(session, f, group)
        used = "raw"
    return _assemble(f.metric, records, by=by, group=group, source=used)


def _assemble(
    metric: str, records: Iterable[Any], *, by: str | None, group: str | None, source: str
) -> dict[str, Any]:
    """Records are flat (survey_id, value, day, n, hi, mid, lo, total, total_sq)."""
    cells: dict[tuple[str, date | None], list[float]] = {}
    starts: dict[date, date] = {}
    for survey_id, value, day, n, hi, mid, lo, total, total_sq in records:
        if group == "survey":
            label = str(survey_id)
        elif group:
            label = value or NONE_LABEL
        else:
            label = ""
        start = None
        if by:
            start = starts.get(day)
            if start is None:
                start = starts[day] = period_start(day, by)
        cur = cells.get((label, start))
        if cur is None:
            cells[(label, start)] = [n, hi, mid, lo, total, total_sq]
        else:
            cur[0] += n
            cur[1] += hi
            cur[2] += mid
            cur[3] += lo
            cur[4] += total
            cur[5] += total_sq
    total_sums = Sums()
    periods: dict[date, Sums] = {}
    groups: dict[str, Sums] = {}
    group_periods: dict[str, dict[date, Sums]] = {}
    for (label, start), vec in cells.items():
        sums = Sums(int(vec[0]), int(vec[1]), int(vec[2]), int(vec[3]), vec[4], vec[5])
        total_sums.add(sums)
        if start is not None:
            periods.setdefault(start, Sums()).add(sums)
        if group:
            groups.setdefault(label, Sums()).add(sums)
            if start is not None:
                group_periods.setdefault(label, {})[start] = sums
    out: dict[str, Any] = {"metric": metric, **figures(metric, total_sums), "source": source}
    if by:
        out["by"] = by
        out["periods"] = [
            {"period": period_label(start, by), "start": start.isoformat(), **figures(metric, s)}
            for start, s in sorted(periods.items())
        ]
    if group:
        out["group_by"] = group
        out["groups"] = []
        for label, s in sorted(groups.items(), key=lambda kv: (-kv[1].n, kv[0])):
            entry: dict[str, Any] = {"group": label, **figures(metric, s)}
            if by:
                entry["periods"] = [
                    {
                        "period": period_label(start, by),
                        "start": start.isoformat(),
                        **figures(metric, ps),
                    }
                    for start, ps in sorted(group_periods[label].items())
                ]
            out["groups"].append(entry)
    return out


def sums_for(session: Session, f: MetricFilter, source: str = "auto") -> Sums:
    f.check()
    plan = _rollup_dim(f, None) if source != "raw" else None
    records = _rollup_records(session, f, *plan) if plan else _raw_records(session, f, None)
    total = Sums()
    for row in records:
        total.add(tuple(row[3:]))
    return total


def compare_filters(session: Session, a: MetricFilter, b: MetricFilter) -> dict[str, Any]:
    """Is b different from a? Two periods, two segments, two surveys..."""
    if a.metric != b.metric:
        raise Invalid("both sides of a comparison must use the same metric")
    result = compare(a.metric, sums_for(session, a), sums_for(session, b))
    result["a"]["filter"] = _describe(a)
    result["b"]["filter"] = _describe(b)
    return result


def _describe(f: MetricFilter) -> dict[str, Any]:
    return {
        "survey_ids": f.survey_ids,
        "since": f.since.isoformat() if f.since else None,
        "until": f.until.isoformat() if f.until else None,
        **f.filters,
    }


def funnel(
    session: Session,
    survey_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    """Invitations sent vs completed (response rate); responses started vs completed."""
    from sada.feedback.models import Invitation, Response

    inv = select(
        func.count(Invitation.sent_at),
        func.count(Invitation.opened_at),
        func.count(Invitation.completed_at),
    )
    resp = select(func.count(), func.count(Response.completed_at))
    if survey_id is not None:
        inv = inv.where(Invitation.survey_id == survey_id)
        resp = resp.where(Response.survey_id == survey_id)
    if since:
        inv = inv.where(Invitation.sent_at >= _utc_bound(since, session))
        resp = resp.where(Response.started_at >= _utc_bound(since, session))
    if until:
        inv = inv.where(Invitation.sent_at < _utc_bound(until, session))
        resp = resp.where(Response.started_at < _utc_bound(until, session))
    sent, opened, completed_inv = session.execute(inv).one()
    started, completed = session.execute(resp).one()
    return {
        "invitations_sent": int(sent),
        "invitations_opened": int(opened),
        "invitations_completed": int(completed_inv),
        "response_rate": round(100 * completed_inv / sent, 2) if sent else None,
        "responses_started": int(started),
        "responses_completed": int(completed),
        "completion_rate": round(100 * completed / started, 2) if started else None,
        "low_sample": sent < 30 if sent else started < 30,
    }
