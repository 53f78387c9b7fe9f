"""The journey analytics query layer: one SQL generator, three engines.

Journey questions (funnels, paths) are compiled to one SQL text per dialect and run
either on the main database (SQLite or PostgreSQL: the fallback, always correct)
or on the columnar DuckDB copy of the interaction log (`columnar.py`: the fast
route for millions of rows). The generated SQL differs only in a handful of
spellings (epoch seconds, integer division, JSON text, quantiles), so both
routes give the same answers; tests check that on hand-computed cases.

Conventions:
- Time is integer epoch seconds (fractions are truncated), so comparisons and
  durations agree across engines.
- An interaction is assigned to the first touchpoint of the map (in map order)
  whose rules it matches; its stage is that touchpoint's stage.
- Funnel: a person enters at their first step-1 event in [since, until); step
  k is their first step-k event at or after step k-1 and at most `window`
  seconds after entry. Steps must be disjoint sets of touchpoints.
- Paths: the person's mapped touchpoints in [since, until) in time order (ties by
  interaction id), consecutive repeats collapsed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sada.core.errors import Invalid
from sada.journeys.schemas import JourneyDefinition, Rule

GROUP_RE = re.compile(r"^(segment|language|(trait|attr):[A-Za-z0-9_\-]{1,64})$")
PERIODS = ("day", "week", "month")


def q(value: str) -> str:
    """A SQL string literal (values come from validated definitions; quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


class Dialect:
    """Spellings that differ between SQLite, PostgreSQL and DuckDB."""

    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql", "duckdb"):
            raise ValueError(f"unsupported dialect {name}")
        self.name = name

    @property
    def columnar(self) -> bool:
        return self.name == "duckdb"

    def epoch(self, alias: str = "i") -> str:
        if self.name == "duckdb":
            return f"{alias}.ts"
        if self.name == "sqlite":
            # unixepoch() rounds fractional seconds; cut them off first (floor, like PG).
            return f"unixepoch(substr({alias}.occurred_at, 1, 19))"
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {alias}.occurred_at)) AS BIGINT)"

    def time_ge(self, when: int, alias: str = "i") -> str:
        return self._time_cmp(">=", when, alias)

    def time_lt(self, when: int, alias: str = "i") -> str:
        return self._time_cmp("<", when, alias)

    def _time_cmp(self, op: str, when: int, alias: str) -> str:
        if self.name == "duckdb":
            return f"{alias}.ts {op} {int(when)}"
        dt = datetime.fromtimestamp(int(when), UTC)
        if self.name == "sqlite":
            # Unary + keeps SQLite off the (workspace, time) index: random row lookups in
            # time order cost far more than reading the audience's rows person by person.
            return f"+{alias}.occurred_at {op} {q(dt.strftime('%Y-%m-%d %H:%M:%S.000000'))}"
        return f"{alias}.occurred_at {op} TIMESTAMPTZ {q(dt.isoformat())}"

    def idiv(self, a: str, b: str) -> str:
        return f"({a}) // ({b})" if self.name == "duckdb" else f"({a}) / ({b})"

    def json_text(self, column: str, key: str) -> str:
        """A JSON member as text ('true'/'false' for booleans, as PostgreSQL's ->>)."""
        if self.name == "postgresql":
            return f"({column} ->> {q(key)})"
        path = q(f'$."{key}"')
        if self.name == "duckdb":
            return f"json_extract_string({column}, {path})"
        return (
            f"(CASE json_type({column}, {path}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            f"ELSE CAST(json_extract({column}, {path}) AS TEXT) END)"
        )

    def month_of(self, ts: str) -> str:
        if self.name == "sqlite":
            return f"strftime('%Y-%m', {ts}, 'unixepoch')"
        if self.name == "duckdb":
            return f"strftime(make_timestamp(CAST({ts} AS BIGINT) * 1000000), '%Y-%m')"
        return f"to_char(to_timestamp({ts}) AT TIME ZONE 'UTC', 'YYYY-MM')"

    def month_of_row(self, alias: str = "i") -> str:
        """The UTC month ('YYYY-MM') of a row's occurred_at; on SQLite read straight from the
        stored UTC text (no date functions per row)."""
        if self.name == "sqlite":
            return f"substr({alias}.occurred_at, 1, 7)"
        return self.month_of(self.epoch(alias))

    def last_epoch(self, alias: str = "i") -> str:
        """MAX of the epoch seconds of a group's rows; on SQLite the latest stored UTC text is
        converted once per group instead of every row (text order is time order there)."""
        if self.name == "sqlite":
            return f"unixepoch(substr(MAX({alias}.occurred_at), 1, 19))"
        return f"MAX({self.epoch(alias)})"

    def materialized(self) -> str:
        return "MATERIALIZED "


class Engine(Protocol):
    dialect: Dialect

    def fetch(self, sql: str) -> list[tuple[Any, ...]]: ...


@dataclass
class SqlEngine:
    """Runs generated SQL on the main database through a bound SQLAlchemy session."""

    session: Any
    dialect: Dialect = field(init=False)

    def __post_init__(self) -> None:
        self.dialect = Dialect(self.session.get_bind().dialect.name)

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        result = self.session.connection().exec_driver_sql(sql)
        return [tuple(r) for r in result.fetchall()]


@dataclass
class Compiled:
    """A journey definition compiled against one workspace's touchpoint registry."""

    definition: JourneyDefinition
    touchpoint_ids: dict[str, int]
    tp_keys: list[str] = field(init=False)
    tp_stage: list[int] = field(init=False)

    def __post_init__(self) -> None:
        pairs = self.definition.touchpoints()
        self.tp_keys = [t.key for _, t in pairs]
        self.tp_stage = [s for s, _ in pairs]

    @property
    def stage_keys(self) -> list[str]:
        return [s.key for s in self.definition.stages]

    def stage_codes(self, stage_key: str) -> list[int]:
        idx = self.stage_keys.index(stage_key)
        return [c for c, s in enumerate(self.tp_stage) if s == idx]

    def step_codes(self, step: str) -> list[int]:
        """A step is a stage key, or a touchpoint key prefixed with 'tp:' (or unique)."""
        if step.startswith("tp:"):
            key = step[3:]
            if key not in self.tp_keys:
                raise Invalid(f"unknown touchpoint {key!r} in this journey")
            return [self.tp_keys.index(key)]
        if step in self.stage_keys:
            return self.stage_codes(step)
        if step in self.tp_keys:
            return [self.tp_keys.index(step)]
        raise Invalid(f"unknown stage or touchpoint {step!r} in this journey")

    def rule_sql(self, rule: Rule, d: Dialect, alias: str = "i") -> str:
        conds: list[str] = []
        if rule.channel:
            conds.append(f"{alias}.channel IN ({', '.join(q(v) for v in rule.channel)})")
        if rule.type:
            conds.append(f"{alias}.type IN ({', '.join(q(v) for v in rule.type)})")
        if rule.direction:
            conds.append(f"{alias}.direction = {q(rule.direction)}")
        if rule.touchpoint:
            ids = sorted(
                {self.touchpoint_ids[k] for k in rule.touchpoint if k in self.touchpoint_ids}
            )
            if not ids:
                return "1 = 0"
            conds.append(f"{alias}.touchpoint_id IN ({', '.join(str(i) for i in ids)})")
        for key, value in (rule.attributes or {}).items():
            conds.append(f"{d.json_text(alias + '.attributes', key)} = {q(value)}")
        return " AND ".join(conds) if conds else "1 = 1"

    def tp_case(self, d: Dialect, alias: str = "i", codes: list[int] | None = None) -> str:
        """CASE giving the touchpoint code of an interaction (NULL: not in the journey)."""
        whens: list[str] = []
        wanted = None if codes is None else set(codes)
        for code, (_stage, tp) in enumerate(self.definition.touchpoints()):
            rules = [self.rule_sql(r, d, alias) for r in tp.effective_rules()]
            rules = [r for r in rules if r != "1 = 0"]
            if not rules:
                continue
            cond = " OR ".join(f"({r})" for r in rules)
            # Earlier touchpoints win even when only later ones are wanted.
            whens.append(f"WHEN {cond} THEN {code if wanted is None or code in wanted else -1}")
        if not whens:
            return "CAST(NULL AS INTEGER)"
        return "CASE " + " ".join(whens) + " END"


@dataclass
class Scope:
    """Which people and which time: a workspace, an audience, optional person filters."""

    workspace_id: int
    audience: str | None
    since: int
    until: int
    segment: str | None = None
    language: str | None = None
    group_by: str | None = None
    # Only these people (`sada.journeys.incremental`: the people changed since a kept result).
    people: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.group_by is not None and not GROUP_RE.match(self.group_by):
            raise Invalid("group by 'segment', 'language', 'trait:<name>' or 'attr:<name>'")
        if self.until <= self.since:
            raise Invalid("'until' must be after 'since'")


def people_in(people: Sequence[int] | None, column: str = "i.person_id") -> str:
    """SQL restricting rows to `people` ('1 = 1' for None: everyone)."""
    if people is None:
        return "1 = 1"
    if not people:
        return "1 = 0"
    return f"{column} IN ({', '.join(str(int(p)) for p in people)})"


def group_expr(d: Dialect, group_by: str | None) -> str:
    if group_by is None:
        return "''"
    if group_by in ("segment", "language"):
        return f"COALESCE(p.{group_by}, '')"
    kind, name = group_by.split(":", 1)
    column = "p.traits" if kind == "trait" else "i.attributes"
    return f"COALESCE({d.json_text(column, name)}, '')"


def events_cte(
    c: Compiled,
    d: Dialect,
    scope: Scope,
    *,
    upto: int,
    codes: list[int] | None = None,
    extra_cols: str = "",
    extra_where: str = "",
) -> str:
    """SELECT of mapped events: pid, iid, ts, tp, grp (+extra) for people in scope.

    `extra_where` (SQL over the interaction alias `i`) narrows the rows before the
    touchpoint rules are evaluated: cheaper than filtering the CTE's output."""
    where = [f"i.workspace_id = {int(scope.workspace_id)}", "i.person_id IS NOT NULL"]
    if extra_where:
        where.append(f"({extra_where})")
    where.append(d.time_ge(scope.since))
    where.append(d.time_lt(upto))
    if scope.audience is not None:
        where.append(f"p.audience = {q(scope.audience)}")
    if scope.segment is not None:
        where.append(f"p.segment = {q(scope.segment)}")
    if scope.language is not None:
        where.append(f"p.language = {q(scope.language)}")
    if scope.people is not None:
        where.append(people_in(scope.people))
    inner = (
        f"SELECT i.person_id AS pid, i.id AS iid, {d.epoch()} AS ts, {c.tp_case(d, codes=codes)} AS tp, "
        f"{group_expr(d, scope.group_by)} AS grp{extra_cols} "
        f"FROM interactions i JOIN people p ON p.id = i.person_id "
        f"WHERE {' AND '.join(where)}"
    )
    keep = "tp IS NOT NULL" if codes is None else "tp >= 0"
    return f"SELECT * FROM ({inner}) x WHERE {keep}"


def period_expr(d: Dialect, period: str | None, ts: str) -> str:
    if period is None:
        return "''"
    if period == "day":
        return f"CAST({d.idiv(ts, '86400')} * 86400 AS BIGINT)"
    if period == "week":
        days = d.idiv(ts, "86400")
        dow = f"(({days}) + 3 - {d.idiv(f'({days}) + 3', '7')} * 7)"
        return f"CAST((({days}) - {dow}) * 86400 AS BIGINT)"
    if period == "month":
        return d.month_of(ts)
    raise Invalid(f"period is one of {', '.join(PERIODS)}")


def funnel_sql(
    c: Compiled,
    d: Dialect,
    scope: Scope,
    steps: list[list[int]],
    window: int,
    period: str | None = None,
    style: str | None = None,
    per_person: bool = False,
) -> str:
    """One row per (group, period): n1..nk, then q50/q90 of the k-1 step durations.

    `per_person`: one row per person who entered instead: pid, grp, per, t1..tk (NULL for
    a step not reached), for `funnel_rows` to count (`sada.journeys.incremental`).

    `style` "join" (default on DuckDB, and on SQLite per person) or "window" (default on
    SQLite and PostgreSQL): the same answer, spelled for each planner. SQLite reads every
    person's step times (the first read of `sada.journeys.incremental`) about 4 times faster
    joined (2.1 -> 0.5 s CPU at the 20,000-people demo; bench/RESULTS.md).
    """
    style = style or ("join" if d.columnar or (per_person and d.name == "sqlite") else "window")
    k = len(steps)
    all_codes = sorted({code for s in steps for code in s})
    ev = events_cte(c, d, scope, upto=scope.until + window, codes=all_codes)
    parts = [f"ev AS {d.materialized()}({ev})"]

    def inn(i: int) -> str:
        return ", ".join(str(x) for x in steps[i])

    parts.append(
        f"s1 AS (SELECT pid, MIN(grp) AS grp, MIN(ts) AS t FROM ev WHERE tp IN ({inn(0)}) "
        f"AND ts >= {int(scope.since)} AND ts < {int(scope.until)} GROUP BY pid)"
    )
    if style == "join":
        # Hash joins of each step's people with the events (DuckDB's strength).
        for i in range(1, k):
            prev = f"s{i}"
            t1 = "p.t" if i == 1 else "p.t1"
            parts.append(
                f"s{i + 1} AS (SELECT p.pid, {t1} AS t1, MIN(e.ts) AS t FROM {prev} p JOIN ev e "
                f"ON e.pid = p.pid WHERE e.tp IN ({inn(i)}) AND e.ts >= p.t AND e.ts <= {t1} + {int(window)} "
                f"GROUP BY p.pid, {t1})"
            )
        cols = ", ".join(f"s{i}.t AS t{i}" for i in range(2, k + 1))
        joins = " ".join(f"LEFT JOIN s{i} ON s{i}.pid = s1.pid" for i in range(2, k + 1))
        per = period_expr(d, period, "s1.t")
        parts.append(
            f"f AS (SELECT s1.pid, s1.grp, {per} AS per, s1.t AS t1{', ' + cols if cols else ''} FROM s1 {joins})"
        )
    else:
        # No joins: one running per-person minimum per step over the same partition
        # (row-store planners misjudge joins of a materialized CTE with itself).
        parts.pop()  # s1 is computed as a window here
        win = "OVER (PARTITION BY pid)"
        parts.append(
            f"w1 AS (SELECT pid, ts, tp, grp, MIN(CASE WHEN tp IN ({inn(0)}) AND ts >= {int(scope.since)} "
            f"AND ts < {int(scope.until)} THEN ts END) {win} AS t1 FROM ev)"
        )
        for i in range(1, k):
            prev_t = f"t{i}"
            parts.append(
                f"w{i + 1} AS (SELECT *, MIN(CASE WHEN tp IN ({inn(i)}) AND ts >= {prev_t} "
                f"AND ts <= t1 + {int(window)} THEN ts END) {win} AS t{i + 1} FROM w{i})"
            )
        tcols = ", ".join(f"MIN(t{i}) AS t{i}" for i in range(1, k + 1))
        parts.append(
            f"g AS (SELECT pid, MIN(grp) AS grp, {tcols} FROM w{k} WHERE t1 IS NOT NULL GROUP BY pid)"
        )
        per = period_expr(d, period, "g.t1")
        tlist = ", ".join(f"t{i}" for i in range(1, k + 1))
        parts.append(f"f AS (SELECT pid, grp, {per} AS per, {tlist} FROM g)")
    if per_person:
        tlist = ", ".join(f"t{i}" for i in range(1, k + 1))
        return "WITH " + ", ".join(parts) + f" SELECT pid, grp, per, {tlist} FROM f"
    counts = ", ".join(["COUNT(*)"] + [f"COUNT(t{i})" for i in range(2, k + 1)])
    if d.name == "sqlite":
        durs = " UNION ALL ".join(
            f"SELECT grp, per, {i} AS step, t{i} - t{i - 1} AS dur FROM f WHERE t{i} IS NOT NULL"
            for i in range(2, k + 1)
        )
        quant = ""
        if k > 1:
            parts.append(f"dd AS ({durs})")
            parts.append(
                "r AS (SELECT grp, per, step, dur, ROW_NUMBER() OVER (PARTITION BY grp, per, step "
                "ORDER BY dur) - 1 AS rn, COUNT(*) OVER (PARTITION BY grp, per, step) AS n FROM dd)"
            )
            qs = []
            for name, p in (("q50", 0.5), ("q90", 0.9)):
                pos = f"((n - 1) * {p})"
                lo = f"CAST({pos} AS INTEGER)"
                qs.append(
                    f"MAX(CASE WHEN rn = {lo} THEN dur END) + ({pos} - MAX({lo})) * "
                    f"(COALESCE(MAX(CASE WHEN rn = {lo} + 1 THEN dur END), MAX(CASE WHEN rn = {lo} THEN dur END))"
                    f" - MAX(CASE WHEN rn = {lo} THEN dur END)) AS {name}"
                )
            parts.append(
                f"qq AS (SELECT grp, per, step, {', '.join(qs)} FROM r GROUP BY grp, per, step)"
            )
            qcols = ", ".join(
                f"(SELECT q50 FROM qq WHERE qq.grp = c.grp AND qq.per = c.per AND qq.step = {i}), "
                f"(SELECT q90 FROM qq WHERE qq.grp = c.grp AND qq.per = c.per AND qq.step = {i})"
                for i in range(2, k + 1)
            )
            quant = ", " + qcols
        parts.append(f"c AS (SELECT grp, per, {counts} FROM f GROUP BY grp, per)")
        return "WITH " + ", ".join(parts) + f" SELECT c.*{quant} FROM c ORDER BY c.grp, c.per"
    qfun = []
    for i in range(2, k + 1):
        dur = f"t{i} - t{i - 1}"
        for p in (0.5, 0.9):
            if d.name == "duckdb":
                qfun.append(f"quantile_cont({dur}, {p})")
            else:
                qfun.append(f"percentile_cont({p}) WITHIN GROUP (ORDER BY {dur})")
    sel = counts + ("" if not qfun else ", " + ", ".join(qfun))
    return (
        "WITH "
        + ", ".join(parts)
        + f" SELECT grp, per, {sel} FROM f GROUP BY grp, per ORDER BY grp, per"
    )


def paths_sql(
    c: Compiled,
    d: Dialect,
    scope: Scope,
    *,
    depth: int,
    goal_codes: list[int],
    top: int,
    per_person: bool = False,
) -> str:
    """One statement; rows (kind, pos, tp, nxt, people, reached, longer, p1..p<depth>).

    kind: 'path' (top paths), 'link' (pos -> pos+1), 'end' (path ends at pos),
    'abandon' (last touchpoint of people who never reached the goal), 'people'.

    `per_person`: one row per person instead: pid, p1..p<depth>, n (path length), reached
    (0/1), last touchpoint, for `paths_rows` to count (`sada.journeys.incremental`).
    """
    ev = events_cte(c, d, scope, upto=scope.until)
    goal = ", ".join(str(x) for x in goal_codes) or "-99"
    nulls = ", ".join("NULL" for _ in range(depth))
    plist = ", ".join(f"p{i}" for i in range(1, depth + 1))
    pcols = ", ".join(f"MAX(CASE WHEN pos = {i} THEN tp END) AS p{i}" for i in range(1, depth + 1))
    porder = ", ".join(f"COALESCE(p{i}, -1)" for i in range(1, depth + 1))
    m = d.materialized()
    if per_person:
        return (
            f"WITH ev AS {m}({ev}), "
            "dd AS (SELECT pid, ts, iid, tp, LAG(tp) OVER (PARTITION BY pid ORDER BY ts, iid) AS prev FROM ev), "
            "qp AS (SELECT pid, tp, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts, iid) AS pos "
            "FROM dd WHERE prev IS NULL OR prev <> tp), "
            "q2 AS (SELECT pid, tp, pos, MAX(pos) OVER (PARTITION BY pid) AS n FROM qp) "
            f"SELECT pid, {pcols}, MAX(n), MAX(CASE WHEN tp IN ({goal}) THEN 1 ELSE 0 END), "
            "MAX(CASE WHEN pos = n THEN tp END) FROM q2 GROUP BY pid"
        )
    return (
        f"WITH ev AS {m}({ev}), "
        "dd AS (SELECT pid, ts, iid, tp, LAG(tp) OVER (PARTITION BY pid ORDER BY ts, iid) AS prev FROM ev), "
        "qp AS (SELECT pid, tp, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts, iid) AS pos "
        "FROM dd WHERE prev IS NULL OR prev <> tp), "
        f"q2 AS {m}(SELECT pid, tp, pos, LEAD(tp) OVER (PARTITION BY pid ORDER BY pos) AS nxt, "
        f"MAX(CASE WHEN tp IN ({goal}) THEN 1 ELSE 0 END) OVER (PARTITION BY pid) AS reached FROM qp), "
        f"w AS (SELECT pid, {pcols}, MAX(pos) AS n, MAX(reached) AS reached FROM q2 GROUP BY pid), "
        f"tops AS (SELECT {plist}, COUNT(*) AS people, SUM(reached) AS reached, "
        f"SUM(CASE WHEN n > {depth} THEN 1 ELSE 0 END) AS longer FROM w GROUP BY {plist} "
        f"ORDER BY people DESC, {porder} LIMIT {int(top)}) "
        f"SELECT 'path' AS kind, NULL AS pos, NULL AS tp, NULL AS nxt, people, reached, longer, {plist} FROM tops "
        f"UNION ALL SELECT 'link', pos, tp, nxt, COUNT(*), NULL, NULL, {nulls} FROM q2 "
        f"WHERE pos < {depth} AND nxt IS NOT NULL GROUP BY pos, tp, nxt "
        f"UNION ALL SELECT 'end', pos, tp, NULL, COUNT(*), NULL, NULL, {nulls} FROM q2 "
        f"WHERE pos <= {depth} AND nxt IS NULL GROUP BY pos, tp "
        f"UNION ALL SELECT 'abandon', NULL, tp, NULL, COUNT(*), NULL, NULL, {nulls} FROM q2 "
        "WHERE nxt IS NULL AND reached = 0 GROUP BY tp "
        f"UNION ALL SELECT 'people', NULL, NULL, NULL, COUNT(*), NULL, NULL, {nulls} FROM w"
    )


def quantile_cont(ordered: list[float] | list[int], p: float) -> float | None:
    """The p-quantile of sorted values with linear interpolation (as PostgreSQL's
    percentile_cont, DuckDB's quantile_cont and the SQLite spelling in `funnel_sql`)."""
    if not ordered:
        return None
    pos = (len(ordered) - 1) * p
    lo = int(pos)
    nxt = ordered[lo + 1] if lo + 1 < len(ordered) else ordered[lo]
    return ordered[lo] + (pos - lo) * (nxt - ordered[lo])


def funnel_rows(person_rows: list[tuple[Any, ...]], k: int) -> list[tuple[Any, ...]]:
    """`funnel_sql`'s rows from its `per_person` rows (pid, grp, per, t1..tk): per (grp, per),
    the people reaching each step and the q50/q90 of each step's duration."""
    groups: dict[tuple[Any, Any], list[tuple[Any, ...]]] = {}
    for row in person_rows:
        groups.setdefault((row[1], row[2]), []).append(row[3:])
    out = []
    for (grp, per), times in sorted(groups.items()):
        counts = [len(times)] + [sum(1 for t in times if t[i] is not None) for i in range(1, k)]
        quants: list[float | None] = []
        for i in range(1, k):
            durs = sorted(int(t[i]) - int(t[i - 1]) for t in times if t[i] is not None)
            quants += [quantile_cont(durs, 0.5), quantile_cont(durs, 0.9)]
        out.append((grp, per, *counts, *quants))
    return out


def paths_rows(person_rows: list[tuple[Any, ...]], depth: int, top: int) -> list[tuple[Any, ...]]:
    """`paths_sql`'s rows from its `per_person` rows (pid, p1..p<depth>, n, reached, last)."""
    nulls = (None,) * depth
    tops: dict[tuple[Any, ...], list[int]] = {}
    links: dict[tuple[Any, ...], int] = {}
    ends: dict[tuple[Any, ...], int] = {}
    abandon: dict[int, int] = {}
    for row in person_rows:
        ps = tuple(None if x is None else int(x) for x in row[1 : 1 + depth])
        n, reached, last = int(row[1 + depth]), int(row[2 + depth] or 0), row[3 + depth]
        acc = tops.setdefault(ps, [0, 0, 0])
        acc[0] += 1
        acc[1] += reached
        acc[2] += 1 if n > depth else 0
        for pos in range(1, min(n, depth)):
            key = (pos, ps[pos - 1], ps[pos])
            links[key] = links.get(key, 0) + 1
        if n <= depth:
            end = (n, ps[n - 1])
            ends[end] = ends.get(end, 0) + 1
        if not reached:
            abandon[int(last)] = abandon.get(int(last), 0) + 1
    ranked = sorted(
        tops.items(), key=lambda kv: (-kv[1][0], [-1 if x is None else x for x in kv[0]])
    )[:top]
    out: list[tuple[Any, ...]] = [
        ("path", None, None, None, n, r, longer, *ps) for ps, (n, r, longer) in ranked
    ]
    out += [("link", pos, tp, nxt, n, None, None, *nulls) for (pos, tp, nxt), n in links.items()]
    out += [("end", pos, tp, None, n, None, None, *nulls) for (pos, tp), n in ends.items()]
    out += [("abandon", None, tp, None, n, None, None, *nulls) for tp, n in abandon.items()]
    out.append(("people", None, None, None, len(person_rows), None, None, *nulls))
    return out


def to_epoch(value: datetime) -> int:
    if value.tzinfo is None:
        raise Invalid("timestamps need a time zone offset")
    return int(value.timestamp() // 1)


def default_range(
    since: datetime | None, until: datetime | None, days: int = 90
) -> tuple[int, int]:
    end = until or datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    start = since or end - timedelta(days=days)
    return to_epoch(start), to_epoch(end)
