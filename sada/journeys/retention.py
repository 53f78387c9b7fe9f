"""Retention cohorts and churn, with churn compared across risk groups.

Cohort: the month of a person's first start event (signup or purchase by
default). A person is retained in month k when they have any interaction k
months after their cohort month. Churned: an explicit churn/cancel event up to
`as_of`, or (with `inactive_days`) no interaction in the last `inactive_days`.
Risk groups, each compared with everyone else: detractors (any NPS/eNPS rating
of 6 or less), repeat complainers (2+ complaints), SLA breaches (an interaction
attribute `sla_breached` of true, or an SLA breach recorded by cases).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.journeys import incremental as inc
from sada.journeys import readcache
from sada.journeys.analytics import session_ws
from sada.journeys.experience import _has_table
from sada.journeys.query import (
    GROUP_RE,
    Dialect,
    SqlEngine,
    group_expr,
    people_in,
    q,
    to_epoch,
)
from sada.journeys.stats import two_proportions, wilson
from sada.metrics import catalogue

START_TYPES = ("signup", "purchase")
CHURN_TYPES = ("churn", "cancel")
# A detractor: a low NPS or eNPS rating, as the metric catalogue bands them.
DETRACTOR = catalogue.sql_band(
    "low", "i.rating_scale", "i.rating", catalogue.scales_of("nps") + catalogue.scales_of("enps")
)


def _months_between(a: str, b: str) -> int:
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:7]) - int(a[5:7])


def cohorts(
    session: Session,
    audience: str,
    *,
    since: int,
    until: int,
    start_types: tuple[str, ...] = START_TYPES,
    segment: str | None = None,
    max_months: int = 12,
) -> dict[str, Any]:
    """Monthly cohorts of the audience's people who started in [since, until): people, and
    active people and retention k months on (kept while the data is unchanged, readcache)."""
    args = (audience, int(since), int(until), tuple(start_types), segment, int(max_months))
    return readcache.cached(
        session,
        "retention.cohorts",
        args,
        lambda: compute_cohorts(
            session,
            audience,
            since=since,
            until=until,
            start_types=start_types,
            segment=segment,
            max_months=max_months,
        ),
    )


def compute_cohorts(
    session: Session,
    audience: str,
    *,
    since: int,
    until: int,
    start_types: tuple[str, ...] = START_TYPES,
    segment: str | None = None,
    max_months: int = 12,
    incremental: bool = False,
) -> dict[str, Any]:
    """`cohorts` computed from the interaction log, every time (`incremental`: from rows kept
    per person, read again only for the people changed since, `sada.journeys.incremental`)."""
    engine = SqlEngine(session)
    d = engine.dialect
    ws = session_ws(session)
    types = ", ".join(q(t) for t in start_types)
    where = f"i.workspace_id = {ws} AND p.audience = {q(audience)} AND {d.time_lt(until)}"
    if segment is not None:
        where += f" AND p.segment = {q(segment)}"
    month = d.month_of_row()

    def sql(people: Sequence[int] | None) -> str:
        return (
            f"SELECT i.person_id, {month} AS m, MAX(CASE WHEN i.type IN ({types}) THEN 1 ELSE 0 END) "
            f"FROM interactions i JOIN people p ON p.id = i.person_id WHERE {where} "
            f"AND {people_in(people)} GROUP BY i.person_id, {month}"
        )

    rows = _rows(session, engine, "cohorts", sql, incremental)
    first: dict[int, str] = {}
    active: dict[int, set[str]] = {}
    for pid, m, is_start in rows:
        active.setdefault(pid, set()).add(m)
        if is_start and (pid not in first or m < first[pid]):
            first[pid] = m
    lo = engine.fetch(f"SELECT {d.month_of(str(int(since)))}")[0][0]
    table: dict[str, dict[str, Any]] = {}
    for pid, m0 in first.items():
        if m0 < lo:
            continue
        row = table.setdefault(m0, {"cohort": m0, "people": 0, "active": [0] * (max_months + 1)})
        row["people"] += 1
        for m in active[pid]:
            k = _months_between(m0, m)
            if 0 <= k <= max_months:
                row["active"][k] += 1
    last = engine.fetch(f"SELECT {d.month_of(str(int(until) - 1))}")[0][0]
    out = []
    for m0 in sorted(table):
        row = table[m0]
        horizon = _months_between(m0, last)
        row["retention"] = [
            (row["active"][k] / row["people"]) if k <= horizon else None
            for k in range(max_months + 1)
        ]
        row["active"] = [a if k <= horizon else None for k, a in enumerate(row["active"])]
        out.append(row)
    return {"audience": audience, "start_types": list(start_types), "cohorts": out}


def churn(
    session: Session,
    audience: str,
    *,
    as_of: int,
    inactive_days: int | None = None,
    group_by: str | None = None,
) -> dict[str, Any]:
    """Churn rate overall and per group; churn of risk groups vs the rest (with p-values),
    kept while the data is unchanged (readcache)."""
    if inactive_days is not None and inactive_days < 1:
        raise Invalid("inactive_days must be positive")
    if group_by is not None and group_by.startswith("attr:"):
        raise Invalid("churn groups are person fields: segment, language or trait:<name>")
    if group_by is not None and not GROUP_RE.match(group_by):
        raise Invalid("group by 'segment', 'language' or 'trait:<name>'")
    return readcache.cached(
        session,
        "retention.churn",
        (audience, int(as_of), inactive_days, group_by),
        lambda: compute_churn(
            session, audience, as_of=as_of, inactive_days=inactive_days, group_by=group_by
        ),
    )


def compute_churn(
    session: Session,
    audience: str,
    *,
    as_of: int,
    inactive_days: int | None = None,
    group_by: str | None = None,
    incremental: bool = False,
) -> dict[str, Any]:
    """`churn` computed from the interaction log, every time (arguments already checked;
    `incremental`: from rows kept per person, read again only for the people changed since,
    `sada.journeys.incremental`)."""
    engine = SqlEngine(session)
    d: Dialect = engine.dialect
    ws = session_ws(session)
    sla = d.json_text("i.attributes", "sla_breached")
    churn_types = ", ".join(q(t) for t in CHURN_TYPES)

    def sql(people: Sequence[int] | None) -> str:
        return (
            f"SELECT i.person_id, MIN({group_expr(d, group_by)}), "
            f"MAX(CASE WHEN i.type IN ({churn_types}) THEN 1 ELSE 0 END), {d.last_epoch()}, "
            f"SUM(CASE WHEN {DETRACTOR} THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN i.type = 'complaint' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {sla} IN ('true', '1') THEN 1 ELSE 0 END) "
            f"FROM interactions i JOIN people p ON p.id = i.person_id WHERE i.workspace_id = {ws} "
            f"AND p.audience = {q(audience)} AND {d.time_lt(as_of)} AND {people_in(people)} "
            "GROUP BY i.person_id"
        )

    rows = _rows(session, engine, "churn", sql, incremental)
    breached = _sla_breached_people(session, engine, ws)
    people = []
    for pid, grp, explicit, last, detr, complaints, sla_n in rows:
        inactive = inactive_days is not None and int(last) < as_of - inactive_days * 86400
        people.append(
            {
                "grp": grp,
                "churned": bool(explicit) or inactive,
                "detractor": (detr or 0) > 0,
                "repeat_complainer": (complaints or 0) >= 2,
                "sla_breach": (sla_n or 0) > 0 or pid in breached,
            }
        )

    def rate(items: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(items)
        k = sum(p["churned"] for p in items)
        ci = wilson(k, n)
        return {
            "people": n,
            "churned": k,
            "rate": (k / n) if n else None,
            "ci": list(ci) if ci else None,
        }

    groups = {}
    if group_by:
        for g in sorted({p["grp"] for p in people}):
            groups[g] = rate([p for p in people if p["grp"] == g])
    comparisons = []
    for flag in ("detractor", "repeat_complainer", "sla_breach"):
        yes = [p for p in people if p[flag]]
        no = [p for p in people if not p[flag]]
        a, b = rate(yes), rate(no)
        test = two_proportions(a["churned"], a["people"], b["churned"], b["people"])
        comparisons.append(
            {
                "group": flag,
                "with": a,
                "without": b,
                **test,
                "significant": test["p_value"] is not None and test["p_value"] < 0.05,
            }
        )
    return {
        "audience": audience,
        "as_of": as_of,
        "inactive_days": inactive_days,
        "overall": rate(people),
        "groups": groups,
        "comparisons": comparisons,
    }


def cohorts_and_churn(
    session: Session,
    audience: str,
    *,
    since: int,
    until: int,
    max_months: int = 12,
    inactive_days: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`cohorts` over [since, until) and `churn` as of `until` (the retention page), kept
    together under one fingerprint read."""
    if inactive_days is not None and inactive_days < 1:
        raise Invalid("inactive_days must be positive")
    return readcache.cached(
        session,
        "retention.page",
        (audience, int(since), int(until), int(max_months), inactive_days),
        lambda: (
            compute_cohorts(
                session,
                audience,
                since=since,
                until=until,
                max_months=max_months,
                incremental=True,
            ),
            compute_churn(
                session, audience, as_of=until, inactive_days=inactive_days, incremental=True
            ),
        ),
    )


def _rows(
    session: Session,
    engine: SqlEngine,
    name: str,
    sql: Callable[[Sequence[int] | None], str],
    incremental: bool,
) -> list[tuple[Any, ...]]:
    """The rows of `sql(None)` (person first): read now, or kept per person and read again
    for the people changed since (`incremental`)."""
    if not incremental:
        return engine.fetch(sql(None))
    return inc.person_rows(session, (name, sql(None)), lambda people: engine.fetch(sql(people)))


def _sla_breached_people(session: Session, engine: SqlEngine, ws: int) -> set[int]:
    """People with an SLA breach recorded by the cases domain, when it is installed."""
    if not (_has_table(session, "sla_events") and _has_table(session, "cases")):
        return set()
    rows = engine.fetch(
        "SELECT c.person_id FROM sla_events e JOIN cases c ON c.id = e.case_id "
        f"WHERE e.workspace_id = {ws} AND e.kind = 'breach' AND c.person_id IS NOT NULL "
        "UNION SELECT v.person_id FROM sla_events e JOIN conversations v ON v.id = e.conversation_id "
        f"WHERE e.workspace_id = {ws} AND e.kind = 'breach' AND v.person_id IS NOT NULL"
    )
    return {int(r[0]) for r in rows}


__all__ = ["churn", "cohorts", "cohorts_and_churn", "compute_churn", "compute_cohorts", "to_epoch"]
