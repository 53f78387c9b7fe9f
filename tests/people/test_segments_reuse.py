"""Segments reused: the people list and its export, rules (condition and trigger), the overview
filter, and the builder pages (form posts without JavaScript, four languages)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.people import membership
from sada.tenants.models import Workspace
from tests.automation.sada_test_servers import drain_jobs
from tests.people.test_segments import _ingest, _item
from tests.web.conftest import csrf_of


def _vip_segment(db: Database, ws: int) -> tuple[list[int], int]:
    """Three gold-plan people in segment `gold`, one silver person outside it."""
    tag = uuid.uuid4().hex[:6]
    gold = []
    for n in range(3):
        stored = _ingest(
            db,
            ws,
            [
                _item(
                    "",
                    1,
                    person={
                        "email": f"g{n}-{tag}@example.com",
                        "name": f"Gold {n} {tag}",
                        "traits": {"plan": "gold"},
                    },
                )
            ],
        )
        gold.append(stored[0].person_id)
    silver = _ingest(
        db,
        ws,
        [_item("", 1, person={"email": f"s-{tag}@example.com", "traits": {"plan": "silver"}})],
    )[0].person_id
    with db.transaction(ws) as session:
        membership.save_segment(
            session,
            key="gold",
            names={"en": "Gold plan", "fa": "طرح طلایی"},
            definition={
                "all": [{"type": "trait", "field": "traits.plan", "op": "eq", "value": "gold"}]
            },
            create=True,
        )
    drain_jobs(db, ws, kinds=["segments.refresh"])
    return gold, silver


def test_people_list_filters_by_segment_with_pages_and_export(
    db: Database, workspace: Workspace, login: Any
) -> None:
    gold, silver = _vip_segment(db, workspace.id)
    client = login("manager")
    page = client.get("/people?in_segment=gold&sort=oldest")
    assert page.status_code == 200
    for pid in gold:
        assert f'/people/{pid}"' in page.text
    assert f'/people/{silver}"' not in page.text
    assert 'id="in-segment"' in page.text
    card = client.get(f"/people/{gold[0]}")
    assert 'id="person-segments"' in card.text and 'href="/segments/gold"' in card.text
    assert 'id="person-segments"' not in client.get(f"/people/{silver}").text
    # Keyset pages keep the filter.
    from sada.people.browse import PeopleQuery, browse

    with db.reader(workspace.id) as session:
        first, after = browse(session, PeopleQuery(in_segment="gold", sort="name"), limit=2)
        assert len(first) == 2 and after
        rest, none = browse(
            session, PeopleQuery(in_segment="gold", sort="name"), after=after, limit=2
        )
        assert len(rest) == 1 and none is None
        assert {r.id for r in first + rest} == set(gold)
    export = client.get("/people/export.csv?in_segment=gold")
    assert export.status_code == 200
    assert export.text.count("\n") == 1 + len(gold)


def test_rules_use_segments_as_condition_and_trigger(
    db: Database, workspace: Workspace, client: Any, make_key: Any
) -> None:
    from sada.automation import rule_conditions, rule_context, rules
    from sada.automation.models import RuleFiring
    from sada.core.errors import Invalid

    gold, silver = _vip_segment(db, workspace.id)
    with db.reader(workspace.id) as session:
        for pid, expected in ((gold[0], True), (silver, False)):
            ctx = rule_context.Context(
                trigger="interaction.ingested",
                key="t",
                person=rule_context.person_dict(session, pid),
            )
            assert (
                rule_conditions.check_condition(
                    session, {"type": "in_segment", "in": ["gold"]}, ctx
                )
                is expected
            )
            assert (
                rule_conditions.check_condition(
                    session, {"type": "not_in_segment", "in": ["gold"]}, ctx
                )
                is not expected
            )
    try:
        rules._validate_condition({"type": "in_segment", "in": "gold"}, "conditions[0]")
    except Invalid as exc:
        assert "conditions[0].in" in exc.message
    else:  # pragma: no cover
        raise AssertionError("a segment condition without a list was accepted")

    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write', 'admin')}"}
    rule = {
        "name": "welcome to gold",
        "triggers": ["segment.entered"],
        "conditions": [{"type": "in_segment", "in": ["gold"]}],
        "actions": [{"type": "tag", "tags": ["gold"]}],
    }
    made = client.post("/api/v1/rules", json=rule, headers=headers)
    assert made.status_code in (200, 201), made.text
    tag = uuid.uuid4().hex[:6]
    newcomer = _ingest(
        db,
        workspace.id,
        [_item("", 0.1, person={"email": f"n-{tag}@example.com", "traits": {"plan": "gold"}})],
    )[0].person_id
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        assert newcomer in {p.id for p in membership.members_page(session, "gold", limit=100)[0]}
        fired = session.execute(select(RuleFiring.person_id)).scalars().all()
    assert newcomer in fired


def test_overview_filters_by_a_defined_segment(
    db: Database, workspace: Workspace, login: Any
) -> None:
    from sada.dashboards import service as dash
    from sada.web.i18n import zone

    _vip_segment(db, workspace.id)
    client = login("manager")
    page = client.get("/overview?segment=gold")
    assert page.status_code == 200
    with db.reader(workspace.id) as session:
        assert "gold" in dash.filter_options(session, zone("UTC"))["segments"]


def test_builder_pages_add_remove_preview_and_save(
    db: Database, workspace: Workspace, login: Any
) -> None:
    _vip_segment(db, workspace.id)
    client = login("manager", language="fa")
    listing = client.get("/segments")
    assert (
        listing.status_code == 200 and 'dir="rtl"' in listing.text and "طرح طلایی" in listing.text
    )
    new = client.get("/segments/new")
    assert new.status_code == 200
    # The hint names each value in the reader's language beside the key to type.
    assert "مشتری (<bdi" in new.text and "در معرض خطر (<bdi" in new.text, new.text
    form = {
        "csrf": csrf_of(new.text),
        "key": "gold-again",
        "name_fa": "طلایی‌ها",
        "match": "all",
        "c0-type": "trait",
        "c0-field": "traits.plan",
        "c0-op": "eq",
        "c0-value": "gold",
    }
    added = client.post("/segments/new", data={**form, "action": "add"})
    assert added.status_code == 200 and 'name="c1-type"' in added.text
    removed = client.post(
        "/segments/new", data={**form, "c1-type": "audience", "action": "remove-1"}
    )
    assert 'name="c1-type"' not in removed.text
    fragment = client.post("/segments/preview", data=form)
    assert fragment.status_code == 200 and 'id="preview-count"' in fragment.text
    bad = client.post(
        "/segments/new", data={**form, "c0-op": "gte", "c0-value": "x", "action": "save"}
    )
    assert bad.status_code == 422 and "value" in bad.text
    saved = client.post("/segments/new", data={**form, "action": "save"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/segments/gold-again?saved=1"
    drain_jobs(db, workspace.id, kinds=["segments.refresh"])
    shown = client.get("/segments/gold-again")
    assert shown.status_code == 200 and 'id="member-count"' in shown.text
    script = client.get("/segment-assets/segments.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    for lang in ("en", "ar", "zh"):
        assert client.get(f"/segments/gold-again?lang={lang}").status_code == 200


def test_agents_see_segments_but_cannot_change_them(
    db: Database, workspace: Workspace, login: Any
) -> None:
    _vip_segment(db, workspace.id)
    client = login("agent")
    page = client.get("/segments/gold")
    assert page.status_code == 200 and 'id="save-segment"' not in page.text
    refused = client.post("/segments/gold/delete", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403
