"""The audience scorecard: each audience in rank order, with its measure and its liabilities.

Current value: the audience's measure over the last `days` days, with a 95%
interval; trend: the same over the `days` before, the change and whether it is
significant (normal approximation). Journey coverage: the share of the current
map's touchpoints that received any feedback (a rating or a text) in the period.
Flags: no owner, no measure, no journey (and no people, below target).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.journeys import incremental, pagecache, service
from sada.journeys.analytics import session_ws
from sada.journeys.models import Audience, JourneyMap
from sada.journeys.query import Scope, SqlEngine, events_cte, people_in, q
from sada.journeys.stats import mean_ci, nps_ci, wilson
from sada.metrics import catalogue
from sada.people.models import Person

SCALES = {m: catalogue.scales_of(m) for m in ("nps", "enps", "csat", "ces")}


def _scales(audience: Audience) -> tuple[str, ...]:
    if audience.measure is None:
        return ()
    return SCALES.get(audience.measure) or (
        (audience.measure_scale,) if audience.measure_scale else ()
    )


def _rating_counts(
    session: Session, audiences: list[Audience], since: int, split: int, until: int
) -> dict[tuple[str, bool, str, float], int]:
    """Ratings of the audiences' measures in [since, until), counted per (audience, at or
    after `split`, scale, rating): one pass over the period for every audience and both
    halves (the scorecard compares the last days with the days before)."""
    scales = sorted({s for a in audiences for s in _scales(a)})
    keys = sorted({a.key for a in audiences if _scales(a)})
    if not scales or not keys:
        return {}
    engine = SqlEngine(session)
    d = engine.dialect
    rows = engine.fetch(
        f"SELECT p.audience, CASE WHEN {d.time_ge(split)} THEN 1 ELSE 0 END, i.rating_scale, "
        "i.rating, COUNT(*) FROM interactions i JOIN people p ON p.id = i.person_id "
        f"WHERE i.workspace_id = {session_ws(session)} "
        f"AND p.audience IN ({', '.join(q(k) for k in keys)}) "
        f"AND i.rating IS NOT NULL AND i.rating_scale IN ({', '.join(q(s) for s in scales)}) "
        f"AND {d.time_ge(since)} AND {d.time_lt(until)} GROUP BY 1, 2, 3, 4"
    )
    return {(str(a), bool(h), str(s), float(r)): int(n) for a, h, s, r, n in rows}


def _measure(audience: Audience, counts: dict[tuple[str, float], int]) -> dict[str, Any] | None:
    """{value, ci, n, se} of the audience's measure from counts per (scale, rating)."""
    scales = _scales(audience)
    if not scales:
        return None
    mine = [(s, r, k) for (s, r), k in counts.items() if s in scales]
    n = sum(k for _, _, k in mine)
    if audience.measure in ("nps", "enps"):
        prom = sum(k for sc, r, k in mine if catalogue.SCALES[sc].band(r) == "high")
        det = sum(k for sc, r, k in mine if catalogue.SCALES[sc].band(r) == "low")
        v = nps_ci(prom, det, n)
        if v is None:
            return {"value": None, "ci": None, "n": 0}
        se = (v[2] - v[1]) / (2 * 1.959963984540054)
        return {"value": v[0], "ci": [v[1], v[2]], "n": n, "se": se}
    if audience.measure == "csat":
        sat = sum(k for s, r, k in mine if catalogue.SCALES[s].band(r) == "high")
        ci = wilson(sat, n)
        if not n or ci is None:
            return {"value": None, "ci": None, "n": 0}
        p = sat / n
        return {
            "value": 100 * p,
            "ci": [100 * ci[0], 100 * ci[1]],
            "n": n,
            "se": 100 * math.sqrt(p * (1 - p) / n),
        }
    m = mean_ci(sum(r * k for _, r, k in mine), sum(r * r * k for _, r, k in mine), n)
    if m is None:
        return {"value": None, "ci": None, "n": 0}
    mean_se: float | None = (m[2] - m[1]) / (2 * 1.96) if n > 1 else None
    return {"value": m[0], "ci": [m[1], m[2]], "n": n, "se": mean_se}


def measure_value(
    session: Session, audience: Audience, since: int, until: int
) -> dict[str, Any] | None:
    """{value, ci, n} of the audience's measure in [since, until), or None without a measure."""
    if not _scales(audience):
        return None
    counts = _rating_counts(session, [audience], since, since, until)
    return _measure(audience, {(s, r): k for (_, _, s, r), k in counts.items()})


def coverage(
    session: Session, map_row: JourneyMap, audience_key: str, since: int, until: int
) -> dict[str, Any]:
    _row, c = service.compile_map(session, map_row.key)
    engine = SqlEngine(session)
    scope = Scope(session_ws(session), audience_key, since, until)
    ev = events_cte(
        c,
        engine.dialect,
        scope,
        upto=until,
        # Feedback rows only, narrowed before the touchpoint rules are evaluated.
        extra_where="i.direction = 'inbound' AND (i.rating IS NOT NULL OR i.text IS NOT NULL)",
    )
    with_feedback = {
        int(r[0]) for r in engine.fetch(f"WITH ev AS ({ev}) SELECT DISTINCT tp FROM ev")
    }
    total = len(c.tp_keys)
    return {
        "map": map_row.key,
        "touchpoints": total,
        "with_feedback": len(with_feedback),
        "share": (len(with_feedback) / total) if total else None,
        "missing": [k for i, k in enumerate(c.tp_keys) if i not in with_feedback],
    }


# What coverage counts as feedback: an inbound rating or text.
_FEEDBACK = "i.direction = 'inbound' AND (i.rating IS NOT NULL OR i.text IS NOT NULL)"


def _one_pass(
    session: Session,
    audiences: list[Audience],
    maps: dict[str, JourneyMap],
    prev: int,
    since: int,
    until: int,
) -> tuple[dict[tuple[str, bool, str, float], int], dict[str, dict[str, Any]]]:
    """The scorecard's reads of the log in one scan: the ratings of `_rating_counts` over
    [prev, until) split at `since`, and `coverage` over [since, until) of each audience's
    map in `maps` (audience key -> its first map). The map's touchpoint rules run only on
    its audience's feedback rows (a CASE per map, as `coverage` evaluates them), and rows
    are counted per (audience, half, scale, rating, touchpoint of each map), kept per person
    and read again only for the people changed since (`sada.journeys.incremental`)."""
    scales = sorted({s for a in audiences for s in _scales(a)})
    keys = sorted({a.key for a in audiences if _scales(a)})
    engine = SqlEngine(session)
    d = engine.dialect
    compiled = {k: service.compile_map(session, m.key)[1] for k, m in sorted(maps.items())}
    rated = (
        f"(p.audience IN ({', '.join(q(k) for k in keys)}) AND i.rating IS NOT NULL "
        f"AND i.rating_scale IN ({', '.join(q(s) for s in scales)}))"
        if scales and keys
        else "1 = 0"
    )
    recent = d.time_ge(since)
    tp_cols = [
        f"CASE WHEN p.audience = {q(k)} AND {recent} AND {_FEEDBACK} THEN {c.tp_case(d)} END"
        for k, c in compiled.items()
    ]
    audience_keys = sorted(set(keys) | set(compiled))
    if not audience_keys:
        return {}, {}
    where = " OR ".join(
        [rated] + [f"(p.audience = {q(k)} AND {recent} AND {_FEEDBACK})" for k in compiled]
    )
    cols = [
        "p.audience",
        f"CASE WHEN {rated} AND {recent} THEN 1 WHEN {rated} THEN 0 END",
        f"CASE WHEN {rated} THEN i.rating_scale END",
        f"CASE WHEN {rated} THEN i.rating END",
        *tp_cols,
    ]

    def sql(people: Sequence[int] | None) -> str:
        # Per person as well: kept per person and summed (`sada.journeys.incremental`).
        return (
            f"SELECT i.person_id, {', '.join(cols)}, COUNT(*) "
            "FROM interactions i JOIN people p ON p.id = i.person_id "
            f"WHERE i.workspace_id = {session_ws(session)} AND i.person_id IS NOT NULL "
            f"AND p.audience IN ({', '.join(q(k) for k in audience_keys)}) "
            f"AND {d.time_ge(min(prev, since))} AND {d.time_lt(until)} AND ({where}) "
            f"AND {people_in(people)} GROUP BY {', '.join(str(n + 1) for n in range(len(cols) + 1))}"
        )

    rows = incremental.summed_rows(
        session,
        ("scorecard", sql(None)),
        lambda people: engine.fetch(sql(people)),
        nkey=len(cols),
    )
    ratings: dict[tuple[str, bool, str, float], int] = {}
    hit: dict[str, set[int]] = {k: set() for k in compiled}
    for row in rows:
        audience, half, scale, rating = row[0], row[1], row[2], row[3]
        if half is not None and rating is not None:
            key = (str(audience), bool(half), str(scale), float(rating))
            ratings[key] = ratings.get(key, 0) + int(row[-1])
        for k, tp in zip(compiled, row[4:-1], strict=True):
            if tp is not None:
                hit[k].add(int(tp))
    cover = {}
    for k, c in compiled.items():
        total = len(c.tp_keys)
        cover[k] = {
            "map": maps[k].key,
            "touchpoints": total,
            "with_feedback": len(hit[k]),
            "share": (len(hit[k]) / total) if total else None,
            "missing": [t for i, t in enumerate(c.tp_keys) if i not in hit[k]],
        }
    return ratings, cover


def scorecard(session: Session, *, now: int, days: int = 90) -> list[dict[str, Any]]:
    since, prev = now - days * 86400, now - 2 * days * 86400
    audiences = service.list_audiences(session)
    owners = service.owner_names(session, [a.owner_user_id for a in audiences if a.owner_user_id])
    counts = dict(
        session.execute(
            select(Person.audience, func.count(Person.id))
            .where(Person.merged_into_id.is_(None))
            .group_by(Person.audience)
        ).all()
    )
    maps: dict[int, list[JourneyMap]] = {}
    for m in session.execute(select(JourneyMap).order_by(JourneyMap.key)).scalars():
        maps.setdefault(m.audience_id, []).append(m)
    first_maps = {a.key: maps[a.id][0] for a in audiences if maps.get(a.id)}
    # The one scan of the log, kept per process while the data (the workspace's change
    # counter), the period and the audiences' measures and maps are unchanged.
    key = (
        "scorecard",
        prev,
        since,
        now,
        tuple((a.key, a.measure, a.measure_scale) for a in audiences),
        tuple((k, pagecache.map_token(session, m.key)) for k, m in sorted(first_maps.items())),
    )
    ratings, covers = pagecache.cached(
        session, key, lambda: _one_pass(session, audiences, first_maps, prev, since, now)
    )

    def period(a: Audience, recent: bool) -> dict[str, Any] | None:
        return _measure(
            a, {(s, r): k for (ak, h, s, r), k in ratings.items() if ak == a.key and h == recent}
        )

    out = []
    for a in audiences:
        current = period(a, True)
        before = period(a, False)
        trend = None
        if (
            current
            and before
            and current.get("value") is not None
            and before.get("value") is not None
        ):
            change = current["value"] - before["value"]
            se = math.hypot(current.get("se") or 0.0, before.get("se") or 0.0)
            z = change / se if se else None
            trend = {
                "previous": before["value"],
                "previous_n": before["n"],
                "change": change,
                "significant": z is not None and abs(z) > 1.96,
            }
        journeys = maps.get(a.id, [])
        cov = covers.get(a.key) if journeys else None
        flags = []
        if a.owner_user_id is None:
            flags.append("no_owner")
        if a.measure is None:
            flags.append("no_measure")
        if not journeys:
            flags.append("no_journey")
        if not counts.get(a.key):
            flags.append("no_people")
        if (
            a.target is not None
            and current
            and current.get("value") is not None
            and current["ci"]
            and current["ci"][1] < a.target
        ):
            flags.append("below_target")
        out.append(
            {
                "audience": a.key,
                "label": a.label or a.key,
                "rank": a.rank,
                "owner": owners.get(a.owner_user_id) if a.owner_user_id else None,
                "owner_user_id": a.owner_user_id,
                "description": a.description,
                "measure": a.measure,
                "measure_scale": a.measure_scale,
                "target": a.target,
                "current": current,
                "trend": trend,
                "people": int(counts.get(a.key, 0)),
                "journeys": [m.key for m in journeys],
                "coverage": cov,
                "flags": flags,
            }
        )
    return out
