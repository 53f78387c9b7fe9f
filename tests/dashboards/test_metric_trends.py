"""The overview's metric trends, read in one query for three metrics and two periods,
equal what the metrics service answers one metric and one period at a time."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sada.dashboards import service as dash
from sada.feedback import service
from sada.metrics import service as metrics
from sada.tenants.service import do_create_workspace
from tests.feedback.factories import csat_survey, nps_survey

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _reference(session, f: dash.Filters) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The figures as the service gives them, metric by metric (the page's former path)."""
    since, until = f.start.astimezone(f.tz).date(), f.end.astimezone(f.tz).date()
    prev_since = f.previous().start.astimezone(f.tz).date()
    dims = {k: v for k, v in (("segment", f.segment), ("channel", f.channel)) if v}
    by = "day" if f.days <= 14 else "week" if f.days <= 120 else "month"
    out = []
    for metric in ("nps", "csat", "ces"):
        mf = metrics.MetricFilter(metric=metric, since=since, until=until, filters=dict(dims))
        result = metrics.summarize(session, mf, by=by)
        if not result.get("n"):
            continue
        before = metrics.MetricFilter(
            metric=metric, since=prev_since, until=since, filters=dict(dims)
        )
        out.append(
            {
                "metric": metric,
                "n": result["n"],
                "value": result.get(metric),
                "points": [
                    (date.fromisoformat(p["start"]), p["n"], p.get(metric))
                    for p in result["periods"]
                ],
                "change": metrics.compare_filters(session, before, mf),
            }
        )
    return out


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("period", ["7d", "90d", "365d"])
def test_metric_trends_equal_the_service(db, period):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        ws = do_create_workspace(
            s, f"trends-{period}-{random.randrange(10**9)}", timezone="Asia/Tehran"
        )
    rng = random.Random(4)
    with db.transaction(ws.id) as s:
        nps = service.do_create_survey(s, nps_survey())
        csat = service.do_create_survey(s, csat_survey())
        for i in range(300):
            survey, key, score = (
                (nps, "nps", rng.randrange(11)) if i % 3 else (csat, "csat", rng.randrange(1, 6))
            )
            service.do_import_response(
                s,
                survey,
                service.ExternalRecord(
                    source="t",
                    external_id=str(i),
                    answers={key: score},
                    submitted_at=NOW - timedelta(days=rng.randrange(400), hours=rng.randrange(24)),
                    hidden={"segment": "gold" if i % 2 else "silver"},
                ),
            )
    tz = ZoneInfo("Asia/Tehran")
    for dims in ({}, {"segment": "gold"}):
        f = dash.period_filters(period, tz, now=NOW, **dims)
        with db.reader(ws.id) as s:
            got = dash.metric_trends(s, f)
            want = _reference(s, f)
        assert got is not None
        assert [m["metric"] for m in got] == [m["metric"] for m in want] != []
        for g, w in zip(got, want, strict=True):
            assert g["n"] == w["n"] and _close(g["value"], w["value"]), (period, dims)
            points = [(p["bucket"], p["n"], p["value"]) for p in g["points"]]
            assert _close(points, w["points"]), (period, dims)
            assert _close(g["change"], w["change"]), (period, dims)
