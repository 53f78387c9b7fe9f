"""Key drivers: which touchpoints, topics and aspects move a score.

Each rated interaction of the audience (NPS/eNPS 0-10, CSAT, CES or a custom
scale) is a respondent. Its indicators: the journey touchpoint the rating is
linked to (by the map's rules) and the topics and aspects found in its text.
The score is regressed on the indicators and R² is split among them with
Johnson's relative weights (robust to correlated indicators); percentile
bootstrap intervals say how sure each weight is. Performance is the mean score
of respondents with the indicator, so importance vs performance gives the
driver quadrant.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.journeys import service
from sada.journeys.analytics import session_ws
from sada.journeys.experience import _has_table
from sada.journeys.query import Scope, SqlEngine, events_cte, q
from sada.journeys.stats import bootstrap_weights
from sada.metrics import catalogue

SCALES = {m: catalogue.scales_of(m) for m in ("nps", "enps", "csat", "ces")}


def respondents(
    session: Session,
    map_key: str,
    measure: str,
    *,
    since: int,
    until: int,
    scale: str | None = None,
) -> tuple[list[str], list[tuple[int, float, str | None]]]:
    """(touchpoint keys, [(interaction id, score, touchpoint)]) for rated interactions."""
    scales = SCALES.get(measure) or ((scale,) if scale else ())
    if not scales:
        raise Invalid("measure is nps, enps, csat, ces, or custom with a scale")
    row, c = service.compile_map(session, map_key)
    engine = SqlEngine(session)
    scope = Scope(session_ws(session), service.map_audience_key(session, row), since, until)
    # Include ratings that map to no touchpoint: wrap the mapping so unmatched rows stay.
    d = engine.dialect
    inner = events_cte(
        c, d, scope, upto=until, extra_cols=", i.rating AS rating, i.rating_scale AS scale"
    )
    # events_cte keeps mapped rows only; ratings without a touchpoint still count below.
    mapped = {
        int(r[0]): int(r[1])
        for r in engine.fetch(
            f"WITH ev AS ({inner}) SELECT iid, tp FROM ev WHERE rating IS NOT NULL"
        )
    }
    audience = service.map_audience_key(session, row)
    scale_list = ", ".join(f"'{s}'" for s in scales)
    rows = engine.fetch(
        "SELECT i.id, i.rating, i.rating_scale FROM interactions i JOIN people p ON p.id = i.person_id "
        f"WHERE i.workspace_id = {int(scope.workspace_id)} AND p.audience = {q(audience)} "
        f"AND i.rating IS NOT NULL AND i.rating_scale IN ({scale_list}) "
        f"AND {d.time_ge(since)} AND {d.time_lt(until)}"
    )
    out = []
    for iid, rating, sc in rows:
        score = float(rating)
        if sc == "csat7":
            score = 1 + (score - 1) * 4 / 6  # put CSAT 7 on the 1-5 scale
        tp = mapped.get(int(iid))
        out.append((int(iid), score, c.tp_keys[tp] if tp is not None else None))
    return c.tp_keys, out


def key_drivers(
    session: Session,
    map_key: str,
    measure: str,
    *,
    since: int,
    until: int,
    scale: str | None = None,
    min_n: int = 20,
    bootstrap: int = 200,
    max_features: int = 30,
) -> dict[str, Any]:
    _keys, rows = respondents(session, map_key, measure, since=since, until=until, scale=scale)
    features: dict[str, set[int]] = {}
    for iid, _score, tp in rows:
        if tp is not None:
            features.setdefault(f"touchpoint:{tp}", set()).add(iid)
    if rows and _has_table(session, "text_analyses"):
        from sada.text.models import TextAnalysis

        ids = [r[0] for r in rows]
        for part in range(0, len(ids), 500):
            for iid, topics, aspects in session.execute(
                select(
                    TextAnalysis.interaction_id, TextAnalysis.topics, TextAnalysis.aspects
                ).where(TextAnalysis.interaction_id.in_(ids[part : part + 500]))
            ):
                for t in topics or []:
                    name = t.get("name") if isinstance(t, dict) else t
                    if name:
                        features.setdefault(f"topic:{name}", set()).add(iid)
                for a in aspects or []:
                    name = a.get("aspect") if isinstance(a, dict) else a
                    if name:
                        features.setdefault(f"aspect:{name}", set()).add(iid)
    n = len(rows)
    usable = sorted(
        (f for f, members in features.items() if min_n <= len(members) <= n - min_n),
        key=lambda f: (-len(features[f]), f),
    )[:max_features]
    result: dict[str, Any] = {
        "map": map_key,
        "measure": measure,
        "respondents": n,
        "min_n": min_n,
        "r2": None,
        "drivers": [],
        "too_rare": sorted(f for f in features if f not in usable),
    }
    if n < max(3 * min_n, 10) or not usable:
        result["note"] = "not enough respondents with each indicator to estimate drivers"
        return result
    y = np.array([r[1] for r in rows], dtype=float)
    index = {r[0]: i for i, r in enumerate(rows)}
    x = np.zeros((n, len(usable)))
    for j, f in enumerate(usable):
        for iid in features[f]:
            x[index[iid], j] = 1.0
    fit = bootstrap_weights(x, y, reps=bootstrap)
    total = fit.r2 or 1.0
    drivers: list[dict[str, Any]] = []
    for j, f in enumerate(usable):
        has = x[:, j] == 1
        perf = float(y[has].mean())
        if measure in ("nps", "enps"):
            bands = catalogue.SCALES[measure]
            promoters = (y[has] >= bands.high_band_min).mean()
            detractors = (y[has] <= bands.low_band_max).mean()
            perf_nps = 100 * float(promoters - detractors)
        else:
            perf_nps = None
        corr = float(np.corrcoef(x[:, j], y)[0, 1])
        drivers.append(
            {
                "driver": f,
                "kind": f.split(":", 1)[0],
                "n": int(has.sum()),
                "weight": float(fit.weights[j]),
                "weight_ci": [float(fit.low[j]), float(fit.high[j])],
                "share": float(fit.weights[j] / total) if fit.r2 else 0.0,
                "direction": "positive" if corr > 0 else "negative",
                "performance": perf,
                "performance_nps": perf_nps,
                "mean_without": float(y[~has].mean()),
            }
        )
    mean_share = float(np.mean([d["share"] for d in drivers]))
    mean_perf = float(np.mean([d["performance"] for d in drivers]))
    for d in drivers:
        high = d["share"] >= mean_share
        good = d["performance"] >= mean_perf
        d["quadrant"] = {
            (True, False): "fix_first",
            (True, True): "maintain",
            (False, False): "monitor",
            (False, True): "secondary",
        }[(high, good)]
    drivers.sort(key=lambda d: -d["weight"])
    result.update(
        {
            "r2": fit.r2,
            "drivers": drivers,
            "quadrant_split": {"share": mean_share, "performance": mean_perf},
        }
    )
    return result
