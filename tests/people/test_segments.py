"""Segments: each condition type compiled to SQL, strict validation, membership kept by jobs
and events, previews equal to refreshed membership, isolation across workspaces, reuse."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sada.core.errors import Invalid
from sada.db.engine import Database
from sada.people import membership
from sada.people.models import SegmentMember
from sada.tenants.models import Workspace
from tests.automation.sada_test_servers import drain_jobs


def _at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def _item(email: str, days_ago: float = 1, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "source": "seg-test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": _at(days_ago),
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": None,
        "person": {"email": email},
    }
    base.update(extra)
    return base


def _ingest(db: Database, ws: int, items: list[dict[str, Any]]) -> list[Any]:
    from sada.interactions.ingest import ingest_batch

    with db.transaction(ws) as session:
        results = ingest_batch(session, items)
    assert all(r.status == "stored" for r in results), results
    return results


def _analysed(db: Database, ws: int, interaction_id: int, sentiment: str) -> None:
    from sada.text.models import TextAnalysis

    with db.transaction(ws) as session:
        session.add(
            TextAnalysis(
                interaction_id=interaction_id,
                language="en",
                script="latin",
                sentiment=sentiment,
                text_hash=uuid.uuid4().hex,
                model_version="test",
            )
        )


def _health(db: Database, ws: int, person_id: int, band: str) -> None:
    from sada.health.models import HealthScore

    with db.transaction(ws) as session:
        session.add(HealthScore(person_id=person_id, score=50.0, risk=0.5, band=band, model="test"))


def _plant(db: Database, ws: int) -> dict[str, int]:
    """Five people, each with one distinguishing feature; returns name -> person id."""
    tag = uuid.uuid4().hex[:6]
    people: dict[str, int] = {}

    def one(name: str, person: dict[str, Any], items: list[dict[str, Any]]) -> None:
        email = f"{name}-{tag}@example.com"
        for it in items:
            it["person"] = {"email": email, "name": f"{name.title()} {tag}", **person}
        stored = _ingest(db, ws, items)
        people[name] = stored[0].person_id

    one(
        "ava",
        {"audience": "customer", "traits": {"plan": "gold", "age": 41, "joined": "2024-03-01"}},
        [
            _item("", 2, channel="whatsapp", type="purchase"),
            _item("", 3, channel="whatsapp", type="purchase"),
            _item("", 4, rating=10, rating_scale="nps", type="survey_response"),
        ],
    )
    one(
        "bob",
        {"audience": "customer", "traits": {"plan": "silver", "age": 25, "language": "fa"}},
        [
            _item("", 40, rating=10, rating_scale="nps", type="survey_response"),
            _item("", 2, rating=3, rating_scale="nps", type="survey_response", text="bad"),
        ],
    )
    one(
        "cyd",
        {"audience": "partner", "traits": {"plan": "Gold Plus", "age": "old"}},
        [_item("", 5, touchpoint=f"checkout-{tag}", text="great")],
    )
    one(
        "dee",
        {"audience": "employee", "traits": {"segment": "vip"}},
        [_item("", 200, channel="phone", rating=4, rating_scale="csat5")],
    )
    one("eve", {"audience": "customer"}, [_item("", 1, channel="chat", type="complaint")])
    return people


@pytest.fixture
def planted(db: Database, workspace: Workspace) -> dict[str, int]:
    people = _plant(db, workspace.id)
    from sada.interactions.models import Interaction

    with db.reader(workspace.id) as session:
        texts = {
            pid: iid
            for iid, pid, text in session.execute(
                select(Interaction.id, Interaction.person_id, Interaction.text).where(
                    Interaction.text.is_not(None)
                )
            ).all()
        }
    _analysed(db, workspace.id, texts[people["bob"]], "negative")
    _analysed(db, workspace.id, texts[people["cyd"]], "positive")
    _health(db, workspace.id, people["ava"], "healthy")
    _health(db, workspace.id, people["eve"], "at_risk")
    return people


def _match(
    db: Database,
    ws: int,
    definition: dict[str, Any],
    within: dict[str, int],
    plan: str = "set",
) -> set[str]:
    with db.reader(ws) as session:
        found = membership.preview(session, definition, sample=100, plan=plan)
        ids = {p.id for p in found.sample}
        assert found.count == len(ids)
    return {name for name, pid in within.items() if pid in ids}


def _all(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"all": list(conditions)}


CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    (
        "trait eq",
        _all({"type": "trait", "field": "traits.plan", "op": "eq", "value": "gold"}),
        {"ava"},
    ),
    (
        "trait contains",
        _all({"type": "trait", "field": "traits.plan", "op": "contains", "value": "GOLD"}),
        {"ava", "cyd"},
    ),
    (
        "trait in",
        _all({"type": "trait", "field": "traits.plan", "op": "in", "value": ["gold", "silver"]}),
        {"ava", "bob"},
    ),
    (
        "trait exists",
        _all({"type": "trait", "field": "traits.age", "op": "exists"}),
        {"ava", "bob", "cyd"},
    ),
    (
        "trait not_exists",
        _all({"type": "trait", "field": "traits.plan", "op": "not_exists"}),
        {"dee", "eve"},
    ),
    (
        "trait number",
        _all({"type": "trait", "field": "traits.age", "op": "gte", "value": 30}),
        {"ava"},
    ),
    (
        "trait number lt",
        _all({"type": "trait", "field": "traits.age", "op": "lt", "value": 30}),
        {"bob"},
    ),
    (
        "trait date",
        _all({"type": "trait", "field": "traits.joined", "op": "before", "value": "2025-01-01"}),
        {"ava"},
    ),
    (
        "trait ne",
        _all({"type": "trait", "field": "traits.plan", "op": "ne", "value": "gold"}),
        {"bob", "cyd", "dee", "eve"},
    ),
    (
        "legacy label",
        _all({"type": "trait", "field": "segment", "op": "eq", "value": "vip"}),
        {"dee"},
    ),
    (
        "person language",
        _all({"type": "trait", "field": "language", "op": "eq", "value": "fa"}),
        {"bob"},
    ),
    (
        "created before",
        _all({"type": "trait", "field": "created_at", "op": "before", "value": "2000-01-01"}),
        set(),
    ),
    ("audience", _all({"type": "audience", "in": ["partner", "employee"]}), {"cyd", "dee"}),
    ("language", _all({"type": "language", "in": ["fa"]}), {"bob"}),
    ("channel", _all({"type": "channel", "in": ["whatsapp", "phone"]}), {"ava", "dee"}),
    ("channel window", _all({"type": "channel", "in": ["whatsapp", "phone"], "days": 30}), {"ava"}),
    (
        "activity twice",
        _all({"type": "activity", "event": "purchase", "op": "gte", "count": 2, "days": 30}),
        {"ava"},
    ),
    (
        "activity thrice",
        _all({"type": "activity", "event": "purchase", "op": "gte", "count": 3, "days": 30}),
        set(),
    ),
    ("activity none", _all({"type": "activity", "op": "eq", "count": 0, "days": 30}), {"dee"}),
    (
        "activity channel",
        _all({"type": "activity", "channel": "chat", "event": "complaint", "days": 7}),
        {"eve"},
    ),
    ("touchpoint", _all({"type": "activity", "touchpoint": "TP", "days": 30}), {"cyd"}),
    ("purchases", _all({"type": "purchases", "days": 30, "op": "gte", "count": 1}), {"ava"}),
    (
        "nps promoter (latest)",
        _all({"type": "score", "metric": "nps", "band": "promoter"}),
        {"ava"},
    ),
    (
        "nps detractor (latest)",
        _all({"type": "score", "metric": "nps", "band": "detractor"}),
        {"bob"},
    ),
    ("nps range", _all({"type": "score", "metric": "nps", "min": 0, "max": 6}), {"bob"}),
    ("csat high", _all({"type": "score", "metric": "csat", "band": "high"}), {"dee"}),
    (
        "sentiment",
        _all({"type": "sentiment", "sentiment": "negative", "op": "gte", "share": 0.5, "days": 30}),
        {"bob"},
    ),
    ("health", _all({"type": "health", "in": ["at_risk", "churned"]}), {"eve"}),
    (
        "any of all",
        {
            "any": [
                _all(
                    {"type": "audience", "in": ["customer"]},
                    {"type": "score", "metric": "nps", "band": "detractor"},
                ),
                {"type": "health", "in": ["at_risk"]},
            ]
        },
        {"bob", "eve"},
    ),
    ("empty root", {"all": []}, {"ava", "bob", "cyd", "dee", "eve"}),
]


@pytest.mark.parametrize("plan", ["per_person", "set"])
@pytest.mark.parametrize(("label", "definition", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_condition_type_compiles_to_one_query(
    db: Database,
    workspace: Workspace,
    planted: dict[str, int],
    label: str,
    definition: dict[str, Any],
    expected: set[str],
    plan: str,
) -> None:
    """Both plans (per-person probes for membership updates, one pass for previews)."""
    from sada.interactions.models import Touchpoint

    if label == "touchpoint":
        with db.reader(workspace.id) as session:
            key = session.execute(select(Touchpoint.key)).scalars().first()
        definition = {"all": [{**definition["all"][0], "touchpoint": key}]}
    assert _match(db, workspace.id, definition, planted, plan) == expected


@pytest.mark.parametrize(
    ("definition", "path"),
    [
        ([], "definition"),
        ({"all": [{"type": "colour"}]}, "definition.all[0].type"),
        ({"all": [{"any": []}]}, "definition.all[0].any"),
        (
            {"all": [{"type": "trait", "field": "traits.a b", "op": "eq", "value": 1}]},
            "definition.all[0].field",
        ),
        (
            {"all": [{"type": "trait", "field": "traits.age", "op": "gte", "value": "x"}]},
            "definition.all[0].value",
        ),
        (
            {"all": [{"type": "trait", "field": "name", "op": "gte", "value": 1}]},
            "definition.all[0].op",
        ),
        ({"any": [{"type": "activity", "days": 0}]}, "definition.any[0].days"),
        ({"all": [{"type": "score", "metric": "nps", "band": "fan"}]}, "definition.all[0].band"),
        (
            {"all": [{"type": "sentiment", "sentiment": "negative", "share": 2, "days": 9}]},
            "definition.all[0].share",
        ),
        ({"all": [{"type": "health", "in": ["ok"]}]}, "definition.all[0].in[0]"),
        ({"all": [{"type": "audience", "in": ["x"], "colour": 1}]}, "definition.all[0].colour"),
    ],
)
def test_bad_definitions_name_the_bad_node(definition: Any, path: str) -> None:
    from sada.people.segments import validate_definition

    with pytest.raises(Invalid) as caught:
        validate_definition(definition)
    assert path in [d["path"] for d in caught.value.details]  # type: ignore[union-attr]


def _members(db: Database, ws: int, key: str) -> set[int]:
    with db.reader(ws) as session:
        segment = membership.get_segment(session, key)
        return set(
            session.execute(
                select(SegmentMember.person_id).where(SegmentMember.segment_id == segment.id)
            ).scalars()
        )


def test_api_preview_equals_membership_after_refresh_and_events_update_it(
    db: Database,
    workspace: Workspace,
    planted: dict[str, int],
    client: Any,
    api_headers: dict[str, str],
) -> None:
    from sada.automation.webhooks import do_create_endpoint
    from sada.core.ssrf import HostPolicy

    # A webhook on segment events, so that each one published records a job to look at
    # (subscribers with nothing to do get none); no delivery runs here.
    with db.transaction(workspace.id) as session:
        do_create_endpoint(
            session, url="https://93.184.216.34/hook", events=["segment.*"], policy=HostPolicy()
        )
    definition = _all(
        {"type": "audience", "in": ["customer"]},
        {"type": "activity", "event": "complaint", "days": 30, "op": "gte", "count": 1},
    )
    preview = client.post(
        "/api/v1/segments:preview", json={"definition": definition}, headers=api_headers
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["count"] == 1
    created = client.post(
        "/api/v1/segments",
        json={
            "key": "complainers",
            "names": {"en": "Complainers", "fa": "شاکیان"},
            "definition": definition,
        },
        headers=api_headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["refresh_state"] == "queued"
    drain_jobs(db, workspace.id, kinds=["segments.refresh"])
    assert _members(db, workspace.id, "complainers") == {planted["eve"]}
    listed = client.get("/api/v1/segments?lang=fa", headers=api_headers).json()["items"]
    mine = next(s for s in listed if s["key"] == "complainers")
    assert (
        mine["name"] == "شاکیان" and mine["member_count"] == 1 and mine["refresh_progress"] == 1.0
    )

    # Ava complains: the event-driven update puts her in, and says so on the event spine.
    _ingest(
        db,
        workspace.id,
        [
            _item(
                "",
                0.1,
                type="complaint",
                person={"email": f"ava-{_tag_of(db, workspace.id, planted['ava'])}"},
            )
        ],
    )
    ran = drain_jobs(db, workspace.id, kinds=["segments.update"])
    assert "segments.update" in ran
    assert _members(db, workspace.id, "complainers") == {planted["eve"], planted["ava"]}
    assert _published(db, workspace.id, "segment.entered", planted["ava"])

    # Eve becomes a partner through the identify API: she leaves.
    with db.reader(workspace.id) as session:
        from sada.people.models import Identity

        eve_email = session.execute(
            select(Identity.value).where(Identity.person_id == planted["eve"])
        ).scalar_one()
    moved = client.post(
        "/api/v1/people:identify",
        json={"email": eve_email, "audience": "partner"},
        headers=api_headers,
    )
    assert moved.status_code == 200, moved.text
    drain_jobs(db, workspace.id, kinds=["segments.update"])
    assert _members(db, workspace.id, "complainers") == {planted["ava"]}
    assert _published(db, workspace.id, "segment.left", planted["eve"])

    # The preview still equals what a full refresh keeps.
    again = client.post(
        "/api/v1/segments:preview", json={"definition": definition}, headers=api_headers
    ).json()
    client.post("/api/v1/segments/complainers:refresh", headers=api_headers)
    drain_jobs(db, workspace.id, kinds=["segments.refresh"])
    assert again["count"] == len(_members(db, workspace.id, "complainers")) == 1

    page1 = client.get("/api/v1/segments/complainers/members?limit=1", headers=api_headers).json()
    assert [m["id"] for m in page1["items"]] == [planted["ava"]] and page1["next_after"] is None

    bad = client.post(
        "/api/v1/segments",
        json={
            "key": "bad",
            "names": {"en": "Bad"},
            "definition": {"all": [{"type": "score", "metric": "nps"}]},
        },
        headers=api_headers,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["path"] == "definition.all[0]"


def _tag_of(db: Database, ws: int, person_id: int) -> str:
    from sada.people.models import Identity

    with db.reader(ws) as session:
        value = session.execute(
            select(Identity.value).where(Identity.person_id == person_id)
        ).scalar_one()
    return value.split("-", 1)[1]


def _published(db: Database, ws: int, event: str, person_id: int) -> bool:
    """Whether a job of some subscriber of `event` names the person (or no subscriber exists;
    a subscriber with nothing to do records none, so the test gives it something)."""
    from sada.events.catalogue import BY_NAME
    from sada.jobs.models import Job
    from sada.jobs.registry import subscriptions

    assert event in BY_NAME
    if not subscriptions(event):
        return True
    with db.reader() as session:
        payloads = session.execute(
            select(Job.payload).where(Job.workspace_id == ws).execution_options(all_workspaces=True)
        ).scalars()
        return any(p.get("event") == event and p.get("person_id") == person_id for p in payloads)


def test_workspaces_do_not_see_each_others_people(
    db: Database, make_workspace: Any, workspace: Workspace
) -> None:
    other = make_workspace(db)
    mine = _plant(db, workspace.id)
    _plant(db, other.id)
    definition = _all(
        {"type": "activity", "event": "purchase", "days": 30, "op": "gte", "count": 2}
    )
    with db.transaction(workspace.id) as session:
        membership.save_segment(
            session, key="buyers", names={"en": "Buyers"}, definition=definition, create=True
        )
    with db.transaction(other.id) as session:
        membership.save_segment(
            session, key="buyers", names={"en": "Buyers"}, definition=definition, create=True
        )
    drain_jobs(db, workspace.id, kinds=["segments.refresh"])
    drain_jobs(db, other.id, kinds=["segments.refresh"])
    assert _members(db, workspace.id, "buyers") == {mine["ava"]}
    assert len(_members(db, other.id, "buyers")) == 1
    assert _members(db, other.id, "buyers") != {mine["ava"]}
    with db.reader(workspace.id) as session:
        assert membership.preview(session, definition).count == 1


def test_the_compiled_query_searches_indexes_and_scans_nothing(sqlite_db: Database) -> None:
    """Every condition type at once: each subquery starts from the workspace and the person."""
    from sqlalchemy import func, text

    from sada.people.segment_sql import matching

    definition = _all(
        {"type": "trait", "field": "traits.age", "op": "gte", "value": 3},
        {"type": "channel", "in": ["email"], "days": 30},
        {"type": "activity", "event": "purchase", "count": 2, "days": 30, "touchpoint": "x"},
        {"type": "score", "metric": "nps", "band": "detractor"},
        {"type": "sentiment", "sentiment": "negative", "op": "gte", "share": 0.5, "days": 30},
        {"type": "purchases", "days": 30, "count": 0, "op": "eq"},
        {"type": "health", "in": ["at_risk"]},
    )
    query = matching(definition, workspace_id=1, now=datetime.now(UTC), dialect="sqlite")
    counted = select(func.count()).select_from(query.subquery())
    sql = counted.compile(dialect=sqlite_db.engine.dialect, compile_kwargs={"literal_binds": True})
    with sqlite_db.engine.connect() as connection:
        plan = [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert sum("ix_interactions_ws_person_at" in step for step in plan) >= 5, plan
