"""The funnel and path aggregates, fed people's rows in and out in random order, give the rows
`funnel_rows` / `paths_rows` give for the people in them at the end (which the SQL tests tie to
the engines' own queries)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from sada.journeys.aggregates import Funnel, Paths
from sada.journeys.query import funnel_rows, paths_rows

Row = tuple[Any, ...]


def _funnel_person(rng: random.Random, pid: int, k: int) -> list[Row]:
    times: list[int | None] = [rng.randrange(0, 50)]
    for _ in range(1, k):
        last = times[-1]
        times.append(None if last is None or rng.random() < 0.3 else last + rng.randrange(0, 9))
    return [(pid, rng.choice(["", "fa", "en"]), rng.choice([0, 604800]), *times)]


def _path_person(rng: random.Random, pid: int, depth: int) -> list[Row]:
    n = rng.randrange(1, depth + 3)
    ps = [rng.randrange(0, 4) for _ in range(min(n, depth))]
    ps += [None] * (depth - len(ps))
    return [(pid, *ps, n, rng.randrange(0, 2), rng.randrange(0, 4))]


def _churn(rng: random.Random, make: Any, agg: Any) -> dict[int, list[Row]]:
    """Random people in, out and replaced (as deltas do); returns who is in at the end."""
    people: dict[int, list[Row]] = {}
    for _ in range(400):
        pid = rng.randrange(60)
        before = people.pop(pid, None)
        if before:
            agg.add(before, -1)
        if rng.random() < 0.8:
            people[pid] = make(pid)
            agg.add(people[pid], 1)
    return people


@pytest.mark.parametrize("seed", range(5))
def test_funnel_aggregate_equals_a_recount(seed: int) -> None:
    rng = random.Random(seed)
    k = 3
    agg = Funnel(k)
    people = _churn(rng, lambda pid: _funnel_person(rng, pid, k), agg)
    everyone = [row for rows in people.values() for row in rows]
    assert agg.value() == funnel_rows(everyone, k)


@pytest.mark.parametrize("seed", range(5))
def test_paths_aggregate_equals_a_recount(seed: int) -> None:
    rng = random.Random(seed)
    depth, top = 3, 4
    agg = Paths(depth, top)
    people = _churn(rng, lambda pid: _path_person(rng, pid, depth), agg)
    everyone = [row for rows in people.values() for row in rows]
    assert sorted(agg.value(), key=repr) == sorted(paths_rows(everyone, depth, top), key=repr)


def test_taking_out_what_never_went_in_is_refused() -> None:
    agg = Funnel(2)
    agg.add([(1, "", "", 0, 5)], 1)
    with pytest.raises(ValueError):
        agg.add([(2, "", "", 0, 6)], -1)
