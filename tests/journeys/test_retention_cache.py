"""Retention cohorts and churn kept while the data is unchanged (`sada.journeys.readcache`):
the kept answer equals the full computation on a seeded workspace, and every kind of write
the answer depends on (new interactions, identities resolved later, audience changes,
merges and unmerges, erasure, SLA breaches) gives a fresh answer, equal to the full
computation again."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.journeys import readcache, retention
from sada.journeys.query import to_epoch
from sada.people.merges import do_merge, do_unmerge
from sada.people.models import Person
from sada.privacy.erase import erase

from .conftest import Log

NOW = datetime(2025, 6, 15, tzinfo=UTC)
UNTIL = to_epoch(NOW)
SINCE = UNTIL - 365 * 86400


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    readcache.clear()
    yield
    readcache.clear()


def _seed(log: Log, people: int = 40) -> list[int]:
    """People over 14 months: a start event, activity, ratings, complaints, SLA flags, churn."""
    rng = random.Random(13)
    ids = []
    for n in range(people):
        pid = log.person(
            audience="customer" if n % 5 else "employee",
            segment=rng.choice(["gold", "silver", None]),
            language=rng.choice(["fa", "ar", "zh", "en"]),
        )
        ids.append(pid)
        start = NOW - timedelta(days=rng.randrange(20, 420))
        items: list[dict[str, Any]] = [{"at": start, "type": rng.choice(["signup", "purchase"])}]
        for _ in range(rng.randrange(0, 8)):
            at = start + timedelta(days=rng.randrange(0, 400))
            kind = rng.choice(["message", "complaint", "survey_response", "churn", "event"])
            item: dict[str, Any] = {"at": at, "type": kind}
            if kind == "survey_response":
                item.update(rating=rng.randrange(0, 11), scale="nps")
            if rng.random() < 0.1:
                item["attributes"] = {"sla_breached": True}
            items.append(item)
        log.events(pid, *items)
    return ids


def _both(db: Database, ws: int, **churn_args: Any) -> tuple[Any, Any, Any, Any]:
    """(cached cohorts, computed cohorts, cached churn, computed churn)."""
    with db.reader(ws) as s:
        args: dict[str, Any] = {"since": SINCE, "until": UNTIL, "max_months": 12}
        kept = retention.cohorts(s, "customer", **args)
        full = retention.compute_cohorts(s, "customer", **args)
        churn_kept = retention.churn(s, "customer", as_of=UNTIL, **churn_args)
        churn_full = retention.compute_churn(s, "customer", as_of=UNTIL, **churn_args)
    return kept, full, churn_kept, churn_full


def _check(db: Database, ws: int, before: Any | None = None) -> Any:
    """The kept answers equal the full computation (twice: the second is served from the
    cache); with `before`, the answer has changed since."""
    for _ in range(2):
        kept, full, churn_kept, churn_full = _both(db, ws, inactive_days=90, group_by="segment")
        assert kept == full
        assert churn_kept == churn_full
        with db.reader(ws) as s:
            page = retention.cohorts_and_churn(
                s, "customer", since=SINCE, until=UNTIL, max_months=12, inactive_days=90
            )
            plain = retention.compute_churn(s, "customer", as_of=UNTIL, inactive_days=90)
        assert page == (full, plain)
    if before is not None:
        assert (kept, churn_kept) != before
    return kept, churn_kept


def test_kept_answers_equal_the_computation_and_follow_every_write(
    db: Database, workspace: Any, log: Log
) -> None:
    ws = workspace.id
    ids = _seed(log)
    state = _check(db, ws)
    assert state[0]["cohorts"] and state[1]["overall"]["people"] > 0
    with db.reader(ws) as s:
        fp = readcache.fingerprint(s)
        assert readcache.fingerprint(s) == fp  # stable while nothing is written

    # A new interaction (a start, a later activity).
    fresh = log.person()
    log.events(fresh, {"at": NOW - timedelta(days=40), "type": "signup"})
    state = _check(db, ws, state)

    # An interaction stored without a person, resolved to one later.
    [late] = log.events(None, {"at": NOW - timedelta(days=5), "type": "churn"})
    with db.transaction(ws) as s:
        s.execute(update(Interaction).where(Interaction.id == late).values(person_id=fresh))
    state = _check(db, ws, state)

    # A person moved to another audience.
    with db.transaction(ws) as s:
        s.execute(
            update(Person)
            .where(Person.id == fresh)
            .values(audience="employee", updated_at=datetime.now(UTC))
        )
    state = _check(db, ws, state)

    # A merge and its undoing.
    a, b = ids[1], ids[2]
    with db.transaction(ws) as s:
        merge_id = do_merge(s, a, b, reason="same person").id
    state = _check(db, ws, state)
    with db.transaction(ws) as s:
        do_unmerge(s, merge_id)
    state = _check(db, ws, state)

    # An erasure (the person and their interactions go).
    with db.transaction(ws) as s:
        erase(s, ids[3])
    _check(db, ws, state)


def test_kept_per_arguments_and_workspace(db: Database, workspace: Any, log: Log) -> None:
    ws = workspace.id
    _seed(log, people=15)
    for group_by, inactive in ((None, None), ("language", 30), ("segment", 365)):
        kept, full, churn_kept, churn_full = _both(
            db, ws, inactive_days=inactive, group_by=group_by
        )
        assert kept == full and churn_kept == churn_full
    with db.reader(ws) as s:
        a = retention.cohorts(s, "customer", since=SINCE, until=UNTIL, max_months=3)
        b = retention.cohorts(s, "customer", since=SINCE, until=UNTIL, max_months=12)
        # What a caller changes in its answer does not change the kept one.
        a["cohorts"].clear()
        again = retention.cohorts(s, "customer", since=SINCE, until=UNTIL, max_months=3)
    assert len(again["cohorts"][0]["active"]) == 4 and len(b["cohorts"][0]["active"]) == 13
