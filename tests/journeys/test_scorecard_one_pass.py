"""The scorecard reads the log once (`scorecard._one_pass`): its ratings and journey
coverage equal the per-audience computations (`_rating_counts`, `coverage`) on a workspace
with several audiences and maps whose touchpoints match on key, channel, type and an
attribute, with feedback inside and outside the period, outbound rows and unrated rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sada.db.engine import Database
from sada.journeys import scorecard, service
from sada.journeys.query import to_epoch
from sada.journeys.schemas import AudienceIn, JourneyDefinition, JourneyMapIn

from .conftest import Log

NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
DAYS = 30

RULED = {
    "stages": [
        {
            "key": "buy",
            "touchpoints": [
                {"key": "delivery"},
                {"key": "checkout", "rules": [{"channel": ["web"], "type": ["purchase"]}]},
            ],
        },
        {
            "key": "help",
            "touchpoints": [
                {"key": "app_error", "rules": [{"attributes": {"error": "true"}}]},
                {"key": "support_chat"},
                {"key": "billing"},
            ],
        },
    ]
}


def _maps(db: Database, ws: int) -> None:
    with db.transaction(ws) as s:
        for key, rank, measure in (
            ("customer", 1, "nps"),
            ("employee", 2, "enps"),
            ("fan", 3, None),
            ("buyer", 4, "csat"),
        ):
            service.do_create_audience(s, AudienceIn(key=key, rank=rank, measure=measure))
        for key in ("customer", "fan"):
            service.do_create_map(
                s,
                JourneyMapIn(
                    audience=key,
                    key=f"{key}-j",
                    definition=JourneyDefinition.model_validate(RULED),
                ),
            )
        # A second map of the customer: the scorecard covers the first one (by key).
        service.do_create_map(
            s,
            JourneyMapIn(
                audience="customer",
                key="customer-z",
                definition=JourneyDefinition.model_validate(
                    {"stages": [{"key": "x", "touchpoints": [{"key": "billing"}]}]}
                ),
            ),
        )


def _log(log: Log) -> None:
    rng = random.Random(7)
    scales = {"customer": "nps", "employee": "enps", "fan": "nps", "buyer": "csat5"}
    for n in range(60):
        audience = ["customer", "employee", "fan", "buyer"][n % 4]
        pid = log.person(audience=audience)
        items = []
        for _ in range(rng.randrange(1, 6)):
            item: dict[str, Any] = {
                "at": NOW - timedelta(seconds=rng.randrange(1, 2 * DAYS * 86400 + 86400)),
                "tp": rng.choice(["delivery", "support_chat", "billing", None]),
                "channel": rng.choice(["web", "email"]),
                "type": rng.choice(["purchase", "message", "survey_response"]),
                "direction": rng.choice(["inbound", "inbound", "outbound"]),
            }
            if rng.random() < 0.5:
                scale = scales[audience]
                item.update(rating=rng.randrange(1, 6 if scale == "csat5" else 11), scale=scale)
            if rng.random() < 0.4:
                item["text"] = "late again"
            if rng.random() < 0.15:
                item["attributes"] = {"error": True}
            items.append(item)
        log.events(pid, *items)


def test_one_pass_equals_each_read(db: Database, workspace: Any, log: Log) -> None:
    _maps(db, workspace.id)
    _log(log)
    now = to_epoch(NOW)
    since, prev = now - DAYS * 86400, now - 2 * DAYS * 86400
    with db.reader(workspace.id) as s:
        audiences = service.list_audiences(s)
        first = {k: service.access_map(s, f"{k}-j") for k in ("customer", "fan")}
        ratings, covers = scorecard._one_pass(s, audiences, first, prev, since, now)
        assert ratings == scorecard._rating_counts(s, audiences, prev, since, now)
        expected = {k: scorecard.coverage(s, m, k, since, now) for k, m in first.items()}
        assert covers == expected
        rows = scorecard.scorecard(s, now=now, days=DAYS)
    assert covers["customer"]["with_feedback"] > 1 and covers["fan"]["with_feedback"] > 1
    by_key = {r["audience"]: r for r in rows}
    assert by_key["customer"]["coverage"] == expected["customer"]
    assert by_key["fan"]["coverage"] == expected["fan"]
    assert by_key["employee"]["coverage"] is None and by_key["buyer"]["coverage"] is None
    assert by_key["customer"]["journeys"] == ["customer-j", "customer-z"]


def test_kept_scan_follows_new_feedback_and_map_changes(
    db: Database, workspace: Any, log: Log
) -> None:
    """The scan is kept per process (`pagecache`) while the data, period, measures and maps
    are unchanged: a new rating, a new map version and a changed measure each show at once."""
    from sada.journeys import pagecache

    _maps(db, workspace.id)
    _log(log)
    now = to_epoch(NOW)

    def customer() -> dict[str, Any]:
        with db.reader(workspace.id) as s:
            rows = {r["audience"]: r for r in scorecard.scorecard(s, now=now, days=DAYS)}
            audiences = service.list_audiences(s)
            first = {k: service.access_map(s, f"{k}-j") for k in ("customer", "fan")}
            fresh = scorecard._one_pass(s, audiences, first, now - 2 * DAYS * 86400,
                                        now - DAYS * 86400, now)  # fmt: skip
        assert rows["customer"]["coverage"] == fresh[1]["customer"]
        return rows["customer"]

    first = customer()
    hits = pagecache.stats()["hits"]
    assert customer() == first and pagecache.stats()["hits"] > hits  # kept
    pid = log.person(audience="customer")
    log.events(pid, {"at": NOW - timedelta(hours=1), "tp": "billing", "direction": "inbound",
                     "rating": 0, "scale": "nps", "text": "billing is wrong"})  # fmt: skip
    after = customer()
    assert after["current"]["n"] == first["current"]["n"] + 1
    assert "billing" not in after["coverage"]["missing"]
    with db.transaction(workspace.id) as s:
        service.do_new_version(
            s,
            "customer-j",
            JourneyDefinition.model_validate(
                {"stages": [{"key": "x", "touchpoints": [{"key": "billing"}]}]}
            ),
        )
    assert customer()["coverage"]["touchpoints"] == 1
