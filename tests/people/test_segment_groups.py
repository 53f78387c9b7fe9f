"""Nested groups in the segment builder (form posts, no JavaScript): rows put in a group become
one `{"any": [...]}` (or all) condition of the main list; a saved segment shows its groups again;
errors point at the right row; deeper nesting stays API-only; four languages."""

from __future__ import annotations

from typing import Any

from sada.db.engine import Database
from sada.people import membership
from sada.people.web import _layout, _row_errors, rows_of_definition
from sada.tenants.models import Workspace
from tests.automation.sada_test_servers import drain_jobs
from tests.people.test_segments import _ingest, _item
from tests.web.conftest import csrf_of

GOLD = {"type": "trait", "field": "traits.plan", "op": "eq", "value": "gold"}


def test_rows_and_definitions_round_trip() -> None:
    definition = {
        "all": [
            {"type": "audience", "in": ["customer"]},
            {"any": [GOLD, {"type": "language", "in": ["fa", "ar"]}]},
            {"all": [{"type": "health", "in": ["at_risk"]}]},
        ]
    }
    shown = rows_of_definition(definition)
    assert shown is not None
    match, rows, groups = shown
    assert match == "all" and groups == {1: "any", 2: "all"}
    assert [r["group"] for r in rows] == ["", "1", "1", "2"]
    again, paths = _layout(match, rows, groups)
    assert again == definition
    assert paths["definition.all[1].any[1]"] == 2
    by_row, general = _row_errors(
        [{"path": "definition.all[1].any[1].in", "message": "bad"}, {"path": "x", "message": "y"}],
        paths,
    )
    assert by_row == {2: ["in: bad"]} and general == ["x: y"]
    deeper = {"all": [{"any": [{"all": [GOLD]}]}]}
    assert rows_of_definition(deeper) is None


def test_builder_saves_a_segment_with_a_group(
    db: Database, workspace: Workspace, login: Any
) -> None:
    tag = "grp"
    people = {}
    for name, plan, audience in (
        ("gold-customer", "gold", "customer"),
        ("silver-customer", "silver", "customer"),
        ("vip-customer", "vip", "customer"),
        ("gold-partner", "gold", "partner"),
    ):
        people[name] = _ingest(
            db,
            workspace.id,
            [
                _item(
                    "",
                    1,
                    person={
                        "email": f"{name}-{tag}@example.com",
                        "audience": audience,
                        "traits": {"plan": plan},
                    },
                )
            ],
        )[0].person_id
    client = login("manager", language="fa")
    new = client.get("/segments/new")
    form = {
        "csrf": csrf_of(new.text),
        "key": "paying-customers",
        "name_fa": "مشتریان پولی",
        "match": "all",
        "c0-type": "audience",
        "c0-value": "customer",
        "c0-group": "",
        "c1-type": "trait",
        "c1-field": "traits.plan",
        "c1-op": "eq",
        "c1-value": "gold",
        "c1-group": "1",
        "c2-type": "trait",
        "c2-field": "traits.plan",
        "c2-op": "eq",
        "c2-value": "vip",
        "c2-group": "1",
        "g1-match": "any",
    }
    counted = client.post("/segments/new", data={**form, "action": "preview"})
    assert counted.status_code == 200 and 'id="condition-groups"' in counted.text
    assert 'name="g1-match"' in counted.text and "گروه" in counted.text
    # A bad value in the group is shown on its row (the third one).
    bad = client.post(
        "/segments/new", data={**form, "c2-op": "gte", "c2-value": "x", "action": "save"}
    )
    assert bad.status_code == 422
    third = bad.text.split('data-index="2"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in third and "value" in third
    saved = client.post("/segments/new", data={**form, "action": "save"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with db.reader(workspace.id) as session:
        definition = membership.get_segment(session, "paying-customers").definition
    assert definition == {
        "all": [
            {"type": "audience", "in": ["customer"]},
            {
                "any": [
                    {"type": "trait", "field": "traits.plan", "op": "eq", "value": "gold"},
                    {"type": "trait", "field": "traits.plan", "op": "eq", "value": "vip"},
                ]
            },
        ]
    }
    drain_jobs(db, workspace.id, kinds=["segments.refresh"])
    with db.reader(workspace.id) as session:
        members, _after = membership.members_page(session, "paying-customers")
    assert {p.id for p in members} == {people["gold-customer"], people["vip-customer"]}
    for lang in ("fa", "en", "ar", "zh"):
        page = client.get(f"/segments/paying-customers?lang={lang}")
        assert page.status_code == 200
        assert 'name="c2-group"' in page.text and 'id="g1-match"' in page.text
        assert 'value="1" selected' in page.text
    # Groups inside groups are still edited through the API.
    with db.transaction(workspace.id) as session:
        membership.save_segment(
            session,
            key="deep",
            names={"en": "Deep"},
            definition={"all": [{"any": [{"all": [GOLD]}]}]},
            create=True,
        )
    deep = client.get("/segments/deep")
    assert deep.status_code == 200 and 'id="segment-form"' not in deep.text
