"""The overview's metric trends: NPS, CSAT and CES over the period, with 95% intervals, n
and the change against the period before, read from the metrics domain's rollups in one
query where the filters allow (otherwise the metrics service answers).

`metric_trends(session, filters)` is re-exported by `sada.dashboards.service`.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sada.dashboards.service import Filters


def metric_trends(session: Session, f: Filters) -> list[dict[str, Any]] | None:
    """NPS/CSAT/CES over the period from `sada.metrics`, with 95% intervals and n.

    None when the metrics domain is not installed; metrics without responses are left out.
    Each entry: {"metric", "value", "low", "high", "n", "points": [...], "change": {...}}.
    """
    try:
        svc = importlib.import_module("sada.metrics.service")
    except ImportError:
        return None
    if not hasattr(svc, "summarize") or not hasattr(svc, "MetricFilter"):
        return None
    from sada.core.errors import SadaError

    since = f.start.astimezone(f.tz).date()
    until = f.end.astimezone(f.tz).date()
    prev = f.previous()
    dims = {
        k: v
        for k, v in (
            ("channel", f.channel),
            ("audience", f.audience),
            ("segment", f.segment),
            ("language", f.language),
        )
        if v
    }
    by = "day" if f.days <= 14 else "week" if f.days <= 120 else "month"
    prev_since = prev.start.astimezone(f.tz).date()
    batched = _metric_rows(session, svc, dims, prev_since, until)
    out: list[dict[str, Any]] = []
    for metric in METRIC_TRENDS:
        try:
            mf = svc.MetricFilter(metric=metric, since=since, until=until, filters=dict(dims))
            before = svc.MetricFilter(
                metric=metric, since=prev_since, until=since, filters=dict(dims)
            )
            if batched is not None:
                mf.check()
                before.check()
                rows = batched.get(metric, [])
                now_rows = [r for r in rows if since <= r[2] < until]
                result = svc._assemble(metric, now_rows, by=by, group=None, source="rollup")
                if not result.get("n"):
                    continue
                change = _compare(svc, metric, before, mf, rows, prev_since, since, now_rows)
            else:
                result = svc.summarize(session, mf, by=by)
                if not result.get("n"):
                    continue
                change = svc.compare_filters(session, before, mf)
        except (SadaError, ValueError, KeyError):
            continue
        points = [
            {
                "bucket": date.fromisoformat(p["start"]),
                "value": p.get(metric),
                "low": p.get("ci_low"),
                "high": p.get("ci_high"),
                "n": int(p.get("n") or 0),
            }
            for p in result.get("periods", [])
        ]
        out.append(
            {
                "metric": metric,
                "value": result.get(metric),
                "low": result.get("ci_low"),
                "high": result.get("ci_high"),
                "n": int(result.get("n") or 0),
                "points": points,
                "change": change,
            }
        )
    return out


METRIC_TRENDS = ("nps", "csat", "ces")


def _metric_rows(
    session: Session, svc: Any, dims: dict[str, str], since: date, until: date
) -> dict[str, list[tuple[Any, ...]]] | None:
    """Every trend metric's rollup records of both periods (previous and current) in one
    read, per metric, as `summarize` and `compare_filters` read them one metric and one
    period at a time (nine reads); None when the filters need the raw responses (then
    the metrics service answers, as before) or the service has no such rollups."""
    needed = ("_rollup_dim", "_assemble", "sums_for", "MetricFilter")
    if not all(hasattr(svc, name) for name in needed):
        return None
    try:
        from sada.metrics.models import MetricRollup as R
    except ImportError:
        return None
    probe = svc.MetricFilter(metric=METRIC_TRENDS[0], since=since, until=until, filters=dict(dims))
    plan = svc._rollup_dim(probe, None)
    if plan is None:
        return None
    dim, value = plan
    query = select(
        R.metric, R.survey_id, R.value, R.day, R.n, R.hi, R.mid, R.lo, R.total, R.total_sq
    ).where(R.metric.in_(METRIC_TRENDS), R.dim == dim, R.day >= since, R.day < until)
    if value is not None:
        query = query.where(R.value == ("" if value == getattr(svc, "NONE_LABEL", "") else value))
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for metric, survey_id, val, day, *sums in session.execute(query):
        out[metric].append((survey_id, val, day, *sums))
    return out


def _compare(
    svc: Any,
    metric: str,
    before: Any,
    now: Any,
    rows: list[tuple[Any, ...]],
    prev_since: date,
    since: date,
    now_rows: list[tuple[Any, ...]],
) -> dict[str, Any]:
    """`compare_filters(before, now)` from records already read."""
    from sada.metrics.stats import Sums, compare

    a, b = Sums(), Sums()
    for row in rows:
        if prev_since <= row[2] < since:
            a.add(tuple(row[3:]))
    for row in now_rows:
        b.add(tuple(row[3:]))
    result = compare(metric, a, b)
    result["a"]["filter"] = svc._describe(before)
    result["b"]["filter"] = svc._describe(now)
    return result
