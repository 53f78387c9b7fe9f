"""Experience per touchpoint and stage, ranked into pain points, with verbatims.

Runs on the main database (it joins text analyses, which live there). A pain
point is a touchpoint (optionally within a group such as a language or a
region attribute) that is measurably worse than the journey as a whole:

- each metric (complaint rate, negative-sentiment share, NPS, CSAT, CES) counts
  only with at least `min_n` observations in the cell;
- its deficit is a z statistic against the journey-wide baseline;
- the pain score is the largest deficit; `significant` when it exceeds 1.96.
Cells without enough data are listed apart, never ranked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.interactions.models import Interaction
from sada.journeys import service
from sada.journeys.analytics import EngineChoice, engine_for, session_ws
from sada.journeys.query import Compiled, Engine, Scope, SqlEngine, events_cte, people_in
from sada.journeys.stats import Z95, mean_ci, nps_ci, quantile, wilson
from sada.metrics import catalogue
from sada.text.pii import redact

METRIC_COLS = (
    "n", "complaints", "nps_n", "promoters", "detractors", "csat_n", "satisfied",
    "ces_n", "ces_sum", "ces_sq", "sent_n", "negative",
)  # fmt: skip


def _has_table(session: Session, name: str) -> bool:
    from sqlalchemy import inspect

    return inspect(session.connection()).has_table(name)


def experience_sql(
    c: Compiled, engine: SqlEngine, scope: Scope, with_text: bool, per_person: bool = False
) -> str:
    """Metric sums per (touchpoint, group); `per_person`: per (person, touchpoint, group), the
    person first (`sada.journeys.incremental` sums them per touchpoint and group)."""
    d = engine.dialect
    extra = ", i.type AS itype, i.rating AS rating, i.rating_scale AS scale"
    ev = events_cte(c, d, scope, upto=scope.until, extra_cols=extra)

    def cnt(cond: str) -> str:
        return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    nps_scales = catalogue.scales_of("nps") + catalogue.scales_of("enps")
    csat_scales = catalogue.scales_of("csat")
    nps = catalogue.sql_scale_in("scale", nps_scales)
    promoter = catalogue.sql_band("high", "scale", "rating", nps_scales)
    detractor = catalogue.sql_band("low", "scale", "rating", nps_scales)
    csat = catalogue.sql_scale_in("scale", csat_scales)
    sat = catalogue.sql_band("high", "scale", "rating", csat_scales)
    ces = catalogue.sql_scale_in("scale", catalogue.scales_of("ces"))
    negative = cnt("ta.sentiment = 'negative'")
    complaint = cnt("itype = 'complaint'")
    text_cols = f"COUNT(ta.id), {negative}" if with_text else "0, 0"
    # The workspace in the join lets it use the (workspace_id, interaction_id) unique index;
    # on interaction_id alone it scanned the whole table for every event (minutes per page).
    join = (
        "LEFT JOIN text_analyses ta ON ta.workspace_id = "
        f"{int(scope.workspace_id)} AND ta.interaction_id = ev.iid"
        if with_text
        else ""
    )
    pid = "ev.pid, " if per_person else ""
    return (
        f"WITH ev AS ({ev}) SELECT {pid}ev.tp, ev.grp, COUNT(*), {complaint}, "
        f"{cnt(nps)}, {cnt(promoter)}, {cnt(detractor)}, "
        f"{cnt(csat)}, {cnt(sat)}, {cnt(ces)}, "
        f"SUM(CASE WHEN {ces} THEN rating END), SUM(CASE WHEN {ces} THEN rating * rating END), "
        f"{text_cols} FROM ev {join} GROUP BY {pid}ev.tp, ev.grp"
    )


def _metrics(m: dict[str, float]) -> dict[str, Any]:
    n = int(m["n"])
    out: dict[str, Any] = {"volume": n}
    out["complaint_rate"] = m["complaints"] / n if n else None
    out["complaint_ci"] = wilson(int(m["complaints"]), n)
    sent_n = int(m["sent_n"])
    out["analyzed"] = sent_n
    out["negative_share"] = m["negative"] / sent_n if sent_n else None
    out["negative_ci"] = wilson(int(m["negative"]), sent_n)
    nps = nps_ci(int(m["promoters"]), int(m["detractors"]), int(m["nps_n"]))
    out["nps"] = (
        None if nps is None else {"value": nps[0], "ci": [nps[1], nps[2]], "n": int(m["nps_n"])}
    )
    csat_n = int(m["csat_n"])
    ci = wilson(int(m["satisfied"]), csat_n)
    out["csat"] = (
        None
        if not csat_n
        else {
            "value": 100 * m["satisfied"] / csat_n,
            "ci": [100 * ci[0], 100 * ci[1]] if ci else None,
            "n": csat_n,
        }
    )
    ces = mean_ci(float(m["ces_sum"] or 0), float(m["ces_sq"] or 0), int(m["ces_n"]))
    out["ces"] = (
        None if ces is None else {"value": ces[0], "ci": [ces[1], ces[2]], "n": int(m["ces_n"])}
    )
    return out


def _z_rate_worse(
    k: float, n: float, base_k: float, base_n: float, higher_is_worse: bool
) -> float | None:
    if not n or not base_n:
        return None
    p, p0 = k / n, base_k / base_n
    se = math.sqrt(max(p0 * (1 - p0), 1e-9) / n)
    return (p - p0) / se if higher_is_worse else (p0 - p) / se


def _deficits(m: dict[str, float], base: dict[str, float], min_n: int) -> dict[str, float]:
    """Per metric: how many standard errors worse than the baseline (only with n >= min_n)."""
    z: dict[str, float] = {}
    if m["n"] >= min_n:
        v = _z_rate_worse(m["complaints"], m["n"], base["complaints"], base["n"], True)
        if v is not None:
            z["complaint_rate"] = v
    if m["sent_n"] >= min_n:
        v = _z_rate_worse(m["negative"], m["sent_n"], base["negative"], base["sent_n"], True)
        if v is not None:
            z["negative_share"] = v
    if m["nps_n"] >= min_n and base["nps_n"]:
        n = m["nps_n"]
        p, d = m["promoters"] / n, m["detractors"] / n
        p0, d0 = base["promoters"] / base["nps_n"], base["detractors"] / base["nps_n"]
        var = max(p0 + d0 - (p0 - d0) ** 2, 1e-9)
        z["nps"] = ((p0 - d0) - (p - d)) / math.sqrt(var / n)
    if m["csat_n"] >= min_n and base["csat_n"]:
        v = _z_rate_worse(m["satisfied"], m["csat_n"], base["satisfied"], base["csat_n"], False)
        if v is not None:
            z["csat"] = v
    if m["ces_n"] >= min_n and base["ces_n"] >= 2:
        n0 = base["ces_n"]
        mean0 = base["ces_sum"] / n0
        sd0 = math.sqrt(max((base["ces_sq"] - n0 * mean0 * mean0) / (n0 - 1), 1e-9))
        z["ces"] = (mean0 - m["ces_sum"] / m["ces_n"]) / (sd0 / math.sqrt(m["ces_n"]))
    return z


def experience(
    session: Session,
    map_key: str,
    *,
    since: int,
    until: int,
    group_by: str | None = None,
    segment: str | None = None,
    language: str | None = None,
    min_n: int = 30,
    version: int | None = None,
    choice: EngineChoice | None = None,
    incremental: bool = False,
) -> dict[str, Any]:
    """Metrics per touchpoint and per stage (optionally per group), and the ranked pain points.

    The metrics join text analyses and run on the main database; first-response times
    need only the interaction log and run on `choice`'s engine (the columnar copy when the
    caller reads funnels and paths from it too; the main database by default).

    `incremental`: every row is read per person and kept in the process, and after a write
    only the people it changed are read again (`sada.journeys.incremental`; main database
    only, `choice` is not used); the answer is the same."""
    if min_n < 5:
        raise Invalid("min_n must be at least 5")
    row, c = service.compile_map(session, map_key, version)
    engine = SqlEngine(session)
    scope = Scope(
        session_ws(session),
        service.map_audience_key(session, row),
        since,
        until,
        segment,
        language,
        group_by,
    )
    with_text = _has_table(session, "text_analyses")
    if incremental:
        from sada.journeys import incremental as inc

        def fetch(people: Sequence[int] | None) -> list[tuple[Any, ...]]:
            only = replace(scope, people=None if people is None else tuple(people))
            return engine.fetch(experience_sql(c, engine, only, with_text, per_person=True))

        sql = experience_sql(c, engine, scope, with_text, per_person=True)
        rows = inc.summed_rows(session, ("experience", sql), fetch, nkey=2)
        frt = first_response_times(session, c, engine, scope, incremental=True)
    else:
        rows = engine.fetch(experience_sql(c, engine, scope, with_text))
        frt = first_response_times(session, c, engine_for(session, choice), scope)
    cells: dict[tuple[int, str], dict[str, float]] = {}
    for r in rows:
        cells[(int(r[0]), str(r[1]))] = {
            k: float(v or 0) for k, v in zip(METRIC_COLS, r[2:], strict=True)
        }

    def total(keys: list[tuple[int, str]]) -> dict[str, float]:
        out = dict.fromkeys(METRIC_COLS, 0.0)
        for key in keys:
            for k in METRIC_COLS:
                out[k] += cells[key][k]
        return out

    base = total(list(cells))
    touchpoints = []
    for code, key in enumerate(c.tp_keys):
        keys = [k for k in cells if k[0] == code]
        m = _metrics(total(keys)) if keys else _metrics(dict.fromkeys(METRIC_COLS, 0.0))
        times = [t for k in keys for t in frt.get(k, [])]
        m["first_response_median_seconds"] = quantile(times, 0.5)
        touchpoints.append({"touchpoint": key, "stage": c.stage_keys[c.tp_stage[code]], **m})
    stages = []
    for s_idx, s_key in enumerate(c.stage_keys):
        keys = [k for k in cells if c.tp_stage[k[0]] == s_idx]
        m = _metrics(total(keys)) if keys else _metrics(dict.fromkeys(METRIC_COLS, 0.0))
        stages.append({"stage": s_key, **m})
    ranked, thin = [], []
    for (code, grp), m in cells.items():
        z = _deficits(m, base, min_n)
        entry = {
            "touchpoint": c.tp_keys[code],
            "stage": c.stage_keys[c.tp_stage[code]],
            "group": grp if group_by else None,
            "volume": int(m["n"]),
            **{k: v for k, v in _metrics(m).items() if k != "volume"},
            "first_response_median_seconds": quantile(frt.get((code, grp), []), 0.5),
        }
        if not z:
            thin.append(entry)
            continue
        worst = max(z, key=lambda k: z[k])
        entry.update(
            {
                "pain_score": round(z[worst], 3),
                "worst_metric": worst,
                "deficits": {k: round(v, 3) for k, v in z.items()},
                "significant": z[worst] > Z95,
            }
        )
        ranked.append(entry)
    ranked.sort(key=lambda e: (-e["pain_score"], e["touchpoint"], e["group"] or ""))
    # Ties in a fixed order (the rows of a GROUP BY come in no particular order).
    thin.sort(key=lambda e: (-e["volume"], e["touchpoint"], e["group"] or ""))
    return {
        "map": map_key,
        "group_by": group_by,
        "min_n": min_n,
        "baseline": _metrics(base),
        "touchpoints": touchpoints,
        "stages": stages,
        "pain_points": ranked,
        "insufficient_data": thin,
    }


def first_response_times(
    session: Session, c: Compiled, engine: Engine, scope: Scope, *, incremental: bool = False
) -> dict[tuple[int, str], list[float]]:
    """Seconds from a conversation's first inbound mapped interaction to the first reply
    (an outbound message of the conversation at or after it, whenever it came).

    The rows are read per person: the inbound events of people in scope and the replies of
    every person since the period began (`FirstResponse` pairs them per conversation), and
    the replies without a person (indexed, few) every time. `incremental`: the per-person
    rows and the pairing are kept and brought up to date for the people changed since
    (`sada.journeys.incremental`)."""
    from sada.journeys.aggregates import INBOUND, REPLY, FirstResponse

    d = engine.dialect
    ws = int(scope.workspace_id)
    replies = (
        f"i.workspace_id = {ws} AND i.direction = 'outbound' "
        f"AND i.conversation_id IS NOT NULL AND {d.time_ge(scope.since)}"
    )

    def sql(people: Sequence[int] | None) -> str:
        # Only inbound rows of conversations can start one: narrowed before the touchpoint
        # rules run.
        only = replace(scope, people=None if people is None else tuple(people))
        ev = events_cte(
            c,
            d,
            only,
            upto=scope.until,
            extra_cols=", i.conversation_id AS conv",
            extra_where="i.conversation_id IS NOT NULL AND i.direction = 'inbound'",
        )
        return (
            f"WITH ev AS ({ev}) SELECT pid, {INBOUND}, conv, tp, grp, ts FROM ev UNION ALL "
            f"SELECT i.person_id, {REPLY}, i.conversation_id, NULL, NULL, {d.epoch()} "
            f"FROM interactions i WHERE {replies} AND i.person_id IS NOT NULL "
            f"AND {people_in(people)}"
        )

    def fetch(people: Sequence[int] | None) -> list[tuple[Any, ...]]:
        return engine.fetch(sql(people))

    first: dict[Any, tuple[int, int, str, int | None]]
    if incremental:
        from sada.journeys import incremental as inc

        first = inc.kept(session, ("first_response", sql(None)), fetch, lambda _r: FirstResponse())
    else:
        agg = FirstResponse()
        by_person: dict[int, list[tuple[Any, ...]]] = {}
        for row in fetch(None):
            by_person.setdefault(int(row[0]), []).append(tuple(row))
        for rows in by_person.values():
            agg.add(rows, 1)
        first = agg.value()
    if not first:
        return {}
    # Replies without a person (no change log names them): read every time.
    loose: dict[Any, list[int]] = {}
    for conv, ts in engine.fetch(
        f"SELECT i.conversation_id, {d.epoch()} FROM interactions i "
        f"WHERE {replies} AND i.person_id IS NULL"
    ):
        loose.setdefault(conv, []).append(int(ts))
    out: dict[tuple[int, str], list[float]] = {}
    for conv, (t0, tp, grp, reply) in first.items():
        for ts in loose.get(conv, ()):
            if ts >= t0 and (reply is None or ts < reply):
                reply = ts
        if reply is not None:
            out.setdefault((tp, grp), []).append(float(reply - t0))
    return out


def verbatims(
    session: Session,
    map_key: str,
    touchpoint: str,
    *,
    since: int,
    until: int,
    group_by: str | None = None,
    group: str | None = None,
    limit: int = 20,
    raw_pii: bool = True,
    incremental: bool = False,
) -> list[dict[str, Any]]:
    """The texts behind a touchpoint (complaints and lowest ratings first).

    The touchpoint's texts are ranked from one row each (type, rating, time, sentiment) and
    only the ones shown are loaded. `incremental`: those rows are kept per person and read
    again only for the people changed since (`sada.journeys.incremental`).

    `raw_pii=False` (the personal-data policy, `sada.core.privacy`) gives the texts with
    emails, phones, names and the like replaced by placeholders."""
    row, c = service.compile_map(session, map_key)
    code = c.step_codes("tp:" + touchpoint)[0]
    engine = SqlEngine(session)
    scope = Scope(
        session_ws(session), service.map_audience_key(session, row), since, until, group_by=group_by
    )
    with_text = _has_table(session, "text_analyses")

    def sql(people: Sequence[int] | None) -> str:
        only = replace(scope, people=None if people is None else tuple(people))
        ev = events_cte(
            c,
            engine.dialect,
            only,
            upto=until,
            codes=[code],
            extra_cols=", i.type AS typ, i.rating AS rating",
            extra_where="i.text IS NOT NULL",
        )
        if not with_text:
            return f"WITH ev AS ({ev}) SELECT pid, iid, grp, typ, rating, ts, NULL FROM ev"
        return (
            f"WITH ev AS ({ev}) SELECT ev.pid, ev.iid, ev.grp, ev.typ, ev.rating, ev.ts, "
            "t.sentiment FROM ev LEFT JOIN text_analyses t "
            f"ON t.workspace_id = {int(scope.workspace_id)} AND t.interaction_id = ev.iid"
        )

    def fetch(people: Sequence[int] | None) -> list[tuple[Any, ...]]:
        return engine.fetch(sql(people))

    if incremental:
        from sada.journeys import incremental as inc

        rows = inc.person_rows(session, ("verbatims", sql(None)), fetch)
    else:
        rows = fetch(None)
    if group is not None and group_by is not None:
        rows = [r for r in rows if r[2] == group]

    def rank(r: tuple[Any, ...]) -> tuple[Any, ...]:
        # As `badness` below, to the second (a time's fraction only breaks ties there).
        return (r[3] != "complaint", r[6] != "negative", r[4] if r[4] is not None else 99, -r[5])

    rows.sort(key=rank)
    if len(rows) > limit:
        last = rank(rows[limit - 1])
        rows = [r for r in rows if rank(r) <= last]
    if not rows:
        return []
    sentiment: dict[int, str] = {int(r[1]): r[6] for r in rows if r[6] is not None}
    items: list[Interaction] = []
    ids = [int(r[1]) for r in rows]
    for part in range(0, len(ids), 500):
        items.extend(
            session.execute(
                select(Interaction).where(Interaction.id.in_(ids[part : part + 500]))
            ).scalars()
        )

    def badness(i: Interaction) -> tuple[Any, ...]:
        return (
            i.type != "complaint",
            sentiment.get(i.id) != "negative",
            i.rating if i.rating is not None else 99,
            -i.occurred_at.timestamp(),
        )

    items.sort(key=badness)
    return [
        {
            "interaction_id": i.id,
            "person_id": i.person_id,
            "occurred_at": i.occurred_at.isoformat(),
            "type": i.type,
            "channel": i.channel,
            "language": i.language,
            "rating": i.rating,
            "rating_scale": i.rating_scale,
            "sentiment": sentiment.get(i.id),
            "text": i.text if raw_pii or not i.text else redact(i.text)[0],
        }
        for i in items[:limit]
    ]
