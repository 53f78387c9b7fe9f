"""Funnel and path figures kept as running aggregates of per-person rows.

`sada.journeys.incremental` keeps each query's rows per person; after a write it takes a
changed person's old rows out of an aggregate and puts the new ones in. These are the
aggregates of the journey map's funnel and paths, whose answers are counts and quantiles over
people, so both directions are exact:

- `Funnel`: per (group, period), the people reaching each step and each step's durations as
  a sorted list (a duration is inserted or removed by bisection), from which the quantiles are
  read as `funnel_rows` reads them;
- `Paths`: counts per top path, link, end and abandonment point, and the number of people;
- `FirstResponse`: per conversation, its first inbound mapped event and its replies (sorted),
  from which the first reply at or after that event is read; only the conversations a change
  touched are looked at again.

`value()` gives the rows `query.funnel_rows` / `query.paths_rows` give for the same
per-person rows (tests compare them with the engines' own SQL).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from typing import Any

from sada.journeys.query import quantile_cont

Row = tuple[Any, ...]


class Funnel:
    """`funnel_sql(per_person=True)` rows (pid, grp, per, t1..tk) summed per (grp, per)."""

    def __init__(self, k: int) -> None:
        self.k = k
        # (grp, per) -> people reaching each step.
        self.counts: dict[tuple[Any, Any], list[int]] = {}
        # (grp, per) -> each step's durations (steps 2..k), sorted.
        self.durations: dict[tuple[Any, Any], list[list[int]]] = {}

    def add(self, rows: list[Row], sign: int) -> None:
        k = self.k
        for row in rows:
            key = (row[1], row[2])
            counts = self.counts.get(key)
            if counts is None:
                counts = self.counts[key] = [0] * k
                self.durations[key] = [[] for _ in range(k - 1)]
            durations = self.durations[key]
            counts[0] += sign
            times = row[3:]
            for i in range(1, k):
                if times[i] is None:
                    continue
                counts[i] += sign
                duration = int(times[i]) - int(times[i - 1])
                ordered = durations[i - 1]
                if sign > 0:
                    insort(ordered, duration)
                else:
                    at = bisect_left(ordered, duration)
                    if at == len(ordered) or ordered[at] != duration:
                        raise ValueError("a duration taken out that was never put in")
                    del ordered[at]
            if counts[0] == 0:
                del self.counts[key], self.durations[key]

    def value(self) -> list[Row]:
        out = []
        for key in sorted(self.counts):
            quants: list[float | None] = []
            for ordered in self.durations[key]:
                quants += [quantile_cont(ordered, 0.5), quantile_cont(ordered, 0.9)]
            out.append((*key, *self.counts[key], *quants))
        return out


def _bump(counts: dict[Any, int], key: Any, sign: int) -> None:
    n = counts.get(key, 0) + sign
    if n:
        counts[key] = n
    else:
        del counts[key]


class Paths:
    """`paths_sql(per_person=True)` rows (pid, p1..p<depth>, n, reached, last) counted as
    `paths_sql` counts them: top paths, links by position, ends, abandonment points."""

    def __init__(self, depth: int, top: int) -> None:
        self.depth = depth
        self.top = top
        # path -> [people, reached the goal, continue past depth]
        self.tops: dict[tuple[Any, ...], list[int]] = {}
        self.links: dict[tuple[Any, ...], int] = {}
        self.ends: dict[tuple[Any, ...], int] = {}
        self.abandon: dict[int, int] = {}
        self.people = 0

    def add(self, rows: list[Row], sign: int) -> None:
        depth = self.depth
        for row in rows:
            ps = tuple(None if x is None else int(x) for x in row[1 : 1 + depth])
            n, reached, last = int(row[1 + depth]), int(row[2 + depth] or 0), row[3 + depth]
            self.people += sign
            acc = self.tops.setdefault(ps, [0, 0, 0])
            acc[0] += sign
            acc[1] += sign * reached
            acc[2] += sign if n > depth else 0
            if acc[0] == 0:
                del self.tops[ps]
            for pos in range(1, min(n, depth)):
                _bump(self.links, (pos, ps[pos - 1], ps[pos]), sign)
            if n <= depth:
                _bump(self.ends, (n, ps[n - 1]), sign)
            if not reached:
                _bump(self.abandon, int(last), sign)

    def value(self) -> list[Row]:
        nulls = (None,) * self.depth
        ranked = heapq.nsmallest(
            self.top,
            self.tops.items(),
            key=lambda kv: (-kv[1][0], [-1 if x is None else x for x in kv[0]]),
        )
        out: list[Row] = [
            ("path", None, None, None, n, r, longer, *ps) for ps, (n, r, longer) in ranked
        ]
        out += [
            ("link", pos, tp, nxt, n, None, None, *nulls)
            for (pos, tp, nxt), n in self.links.items()
        ]
        out += [("end", pos, tp, None, n, None, None, *nulls) for (pos, tp), n in self.ends.items()]
        out += [
            ("abandon", None, tp, None, n, None, None, *nulls) for tp, n in self.abandon.items()
        ]
        out.append(("people", None, None, None, self.people, None, None, *nulls))
        return out


INBOUND, REPLY = 0, 1


class FirstResponse:
    """Rows (pid, kind, conversation, tp, grp, ts): kind `INBOUND`, a mapped inbound event of
    a conversation (touchpoint code, group); kind `REPLY`, an outbound message of one. Per
    conversation: the first inbound event (the earliest; ties go to the lowest (tp, grp)) and
    the earliest reply at or after it, as (t0, tp, grp, reply or None)."""

    def __init__(self) -> None:
        # conversation -> person -> that person's first inbound event in it (ts, tp, grp)
        self.inbound: dict[Any, dict[int, tuple[int, int, str]]] = {}
        # conversation -> reply times (sorted, repeated as often as they occur)
        self.replies: dict[Any, list[int]] = {}
        self.first: dict[Any, tuple[int, int, str, int | None]] = {}
        self.dirty: set[Any] = set()

    def add(self, rows: list[Row], sign: int) -> None:
        mine: dict[Any, tuple[int, int, str]] = {}
        pid = int(rows[0][0]) if rows else 0  # one person's rows
        for _pid, kind, conv, tp, grp, ts in rows:
            self.dirty.add(conv)
            if kind == REPLY:
                ordered = self.replies.setdefault(conv, [])
                if sign > 0:
                    insort(ordered, int(ts))
                else:
                    at = bisect_left(ordered, int(ts))
                    if at == len(ordered) or ordered[at] != int(ts):
                        raise ValueError("a reply taken out that was never put in")
                    del ordered[at]
                    if not ordered:
                        del self.replies[conv]
                continue
            event = (int(ts), int(tp), str(grp))
            if conv not in mine or event < mine[conv]:
                mine[conv] = event
        for conv, event in mine.items():
            people = self.inbound.setdefault(conv, {})
            if sign > 0:
                people[pid] = event
            else:
                del people[pid]
                if not people:
                    del self.inbound[conv]

    def value(self) -> dict[Any, tuple[int, int, str, int | None]]:
        for conv in self.dirty:
            people = self.inbound.get(conv)
            if not people:
                self.first.pop(conv, None)
                continue
            t0, tp, grp = min(people.values())
            ordered = self.replies.get(conv, [])
            at = bisect_left(ordered, t0)
            self.first[conv] = (t0, tp, grp, ordered[at] if at < len(ordered) else None)
        self.dirty.clear()
        return dict(self.first)


__all__ = ["INBOUND", "REPLY", "FirstResponse", "Funnel", "Paths"]
