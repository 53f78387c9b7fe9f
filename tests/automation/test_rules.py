"""Rules and alerts: the detractor loop end to end, repeat complainers, silence, dry runs, loops."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sada_test_servers import drain_jobs
from sqlalchemy import select
from standardwebhooks import Webhook

from sada.automation import engine
from sada.automation import rules as R
from sada.automation.models import Notification, Rule, RuleFiring, WebhookDelivery
from sada.automation.rule_conditions import check_condition
from sada.automation.rule_context import Context
from sada.cases.models import Case
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch


def _member(db, ws_id, email, role="agent"):
    from sada.tenants.service import do_add_member, do_create_user

    with db.transaction(ws_id) as session:
        user = do_create_user(session, email, None, name=email.split("@")[0])
        do_add_member(session, user, role)
        return user.id


def _ingest(db, ws_id, items):
    with db.transaction(ws_id) as session:
        results = ingest_batch(session, items)
    assert all(r.status == "stored" for r in results), results
    return [r.id for r in results]


def _item(email, **kw):
    base = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "person": {"email": email},
    }
    base.update(kw)
    return base


def _rule(db, ws_id, builtin):
    with db.reader(ws_id) as session:
        return session.execute(select(Rule).where(Rule.builtin == builtin)).scalar_one()


def test_arabic_detractor_closes_the_loop(
    db, workspace, client, api_headers, smtp, receiver, allow_loopback
):
    """A detractor's Arabic response creates a case for the account owner, due under the SLA,
    emailed through a real SMTP server, and a signed webhook a real receiver verifies."""
    csm = f"csm-{uuid.uuid4().hex[:6]}@example.com"
    csm_id = _member(db, workspace.id, csm)
    client.app.state.services.settings.webhook_allowed_hosts = "127.0.0.1"
    hook = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url(), "events": ["case.created"]},
        headers=api_headers,
    ).json()
    admin = {"Authorization": f"Bearer {_admin_key(db, workspace.id)}"}
    r = client.post(
        "/api/v1/sla/policies",
        json={
            "name": "surveys",
            "channels": ["survey"],
            "resolution_minutes": 24 * 60,
            "first_response_minutes": 4 * 60,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    text = "الخدمة كانت سيئة جداً وانتظرت ساعتين على الهاتف"
    r = client.post(
        "/api/v1/interactions:batch?wait=true",
        json={
            "items": [
                {
                    "source": "survey",
                    "external_id": "resp-1",
                    "occurred_at": utcnow().isoformat(),
                    "channel": "survey",
                    "type": "survey_response",
                    "direction": "inbound",
                    "rating": 3,
                    "rating_scale": "nps",
                    "language": "ar",
                    "text": text,
                    "person": {
                        "email": "layla@example.com",
                        "name": "ليلى",
                        "traits": {"account_owner": csm},
                    },
                }
            ]
        },
        headers=api_headers,
    )
    assert r.status_code == 200, r.text
    ran = drain_jobs(db, workspace.id)
    assert "automation.ingested" in ran and "notify.email" in ran and "webhooks.deliver" in ran

    with db.reader(workspace.id) as session:
        (case,) = session.execute(select(Case)).scalars().all()
        firing = session.execute(select(RuleFiring)).scalars().one()
    assert case.owner_id == csm_id and case.source == "rule" and case.priority == "high"
    # The title is a template the pages render in each reader's language.
    assert case.title_key == "rating_follow_up"
    assert case.title_params == {"name": "ليلى", "rating": "3.0", "scale": "nps"}
    # Due under the SLA: the policy's 24 h is stricter than the rule's 48 h.
    assert case.due_at - case.created_at == timedelta(hours=24)
    assert case.contact_due_at - case.created_at == timedelta(hours=4)
    assert firing.outcome == "fired" and firing.case_id == case.id

    (mail,) = smtp.wait(1)
    assert mail["To"] == csm
    assert "ليلى" in mail["Subject"] and text in mail.get_content()

    (request,) = receiver.requests
    event = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert event["type"] == "case.created"
    assert event["data"]["id"] == case.id and event["data"]["owner_id"] == csm_id

    # In-app notification for the owner, and the firing on the person's timeline.
    with db.reader(workspace.id) as session:
        notes = session.execute(select(Notification)).scalars().all()
    assert [n.user_id for n in notes] == [csm_id]
    timeline = client.get(f"/api/v1/people/{case.person_id}/timeline", headers=api_headers).json()
    kinds = [(i["type"], i["attributes"].get("kind")) for i in timeline["items"]]
    assert ("note", "rule_firing") in kinds and ("survey_response", None) in kinds

    # Replaying the same job does nothing twice.
    with db.transaction(workspace.id) as session:
        from sada.jobs.service import enqueue

        enqueue(
            session,
            "automation.ingested",
            {"interaction_ids": [case_links(db, workspace.id, case.id)[0]]},
            workspace_id=workspace.id,
        )
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        assert len(session.execute(select(Case)).scalars().all()) == 1


def case_links(db, ws_id, case_id):
    from sada.cases.service import linked_interactions

    with db.reader(ws_id) as session:
        return linked_interactions(session, [case_id])[case_id]


def _admin_key(db, ws_id):
    from sada.tenants.service import do_create_api_key

    with db.transaction(ws_id) as session:
        return do_create_api_key(session, name="admin", scopes=["admin"])[1]


def test_detractor_assigned_by_language_team_without_owner(db, workspace):
    from sada.cases.assignment import do_add_member, do_create_team

    agent_id = _member(db, workspace.id, f"ar-{uuid.uuid4().hex[:6]}@example.com")
    with db.transaction(workspace.id) as session:
        team = do_create_team(
            session, {"name": "Arabic", "languages": ["ar"], "weekend_days": [4, 5]}
        )
        do_add_member(session, team.id, agent_id)
    _ingest(
        db,
        workspace.id,
        [
            _item(
                "x@example.com",
                type="survey_response",
                channel="survey",
                rating=5,
                rating_scale="nps",
                language="ar",
                text="سيء",
            )
        ],
    )
    _ingest(
        db,
        workspace.id,
        [
            _item(
                "y@example.com",
                type="survey_response",
                channel="survey",
                rating=9,
                rating_scale="nps",
                language="ar",
                text="ممتاز",
            )
        ],
    )
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        (case,) = session.execute(select(Case)).scalars().all()
    assert case.owner_id == agent_id and case.team_id == team.id
    assert timedelta(hours=47, minutes=59) < case.due_at - case.created_at <= timedelta(hours=48)


def test_repeat_complainer_alerts_account_owner_once(db, workspace, smtp):
    csm = f"csm-{uuid.uuid4().hex[:6]}@example.com"
    csm_id = _member(db, workspace.id, csm)
    person = {"email": "rc@example.com", "traits": {"csm": csm}}
    old = (utcnow() - timedelta(days=45)).isoformat()
    _ingest(
        db,
        workspace.id,
        [_item("rc@example.com", type="complaint", occurred_at=old, person=person)],
    )
    for n in range(2):
        _ingest(
            db,
            workspace.id,
            [_item("rc@example.com", type="complaint", text=f"#{n}", person=person)],
        )
    drain_jobs(db, workspace.id)
    assert smtp.messages == []  # two in the window, one too old
    _ingest(
        db, workspace.id, [_item("rc@example.com", type="complaint", text="third", person=person)]
    )
    _ingest(
        db, workspace.id, [_item("rc@example.com", type="complaint", text="fourth", person=person)]
    )
    drain_jobs(db, workspace.id)
    mails = smtp.wait(1)
    assert len(mails) == 1 and mails[0]["To"] == csm and "Repeat complaints" in mails[0]["Subject"]
    rule = _rule(db, workspace.id, "repeat_complainer")
    with db.reader(workspace.id) as session:
        outcomes = [f.outcome for f in R.firings(session, rule_id=rule.id)]
        notes = session.execute(select(Notification.user_id)).scalars().all()
    assert outcomes == ["fired"]  # the fourth complaint is inside the 30-day cooldown
    assert notes == [csm_id]


def test_high_value_silence_on_schedule(db, workspace):
    csm = f"csm-{uuid.uuid4().hex[:6]}@example.com"
    csm_id = _member(db, workspace.id, csm)
    long_ago = (utcnow() - timedelta(days=120)).isoformat()
    recent = (utcnow() - timedelta(days=3)).isoformat()
    _ingest(
        db,
        workspace.id,
        [
            _item(
                "big@example.com",
                occurred_at=long_ago,
                type="purchase",
                person={
                    "email": "big@example.com",
                    "traits": {"lifetime_value": 50000, "account_owner": csm},
                },
            ),
            _item(
                "small@example.com",
                occurred_at=long_ago,
                type="purchase",
                person={"email": "small@example.com", "traits": {"lifetime_value": 50}},
            ),
            _item(
                "active@example.com",
                occurred_at=recent,
                type="purchase",
                person={"email": "active@example.com", "traits": {"lifetime_value": 90000}},
            ),
        ],
    )
    drain_jobs(db, workspace.id)
    evaluations = engine.run_schedule(db, workspace.id, force=True)
    fired = [e for e in evaluations if e.outcome == "fired"]
    assert len(fired) == 1 and fired[0].rule_name == "High-value customer gone silent"
    assert fired[0].results[0]["user_ids"] == [csm_id]
    # Not again on the next run: cooldown.
    again = engine.run_schedule(db, workspace.id, force=True)
    assert not [e for e in again if e.outcome == "fired"]


def test_dry_run_lists_what_a_rule_would_have_done(db, workspace, client, api_headers):
    days = lambda n: (utcnow() - timedelta(days=n)).isoformat()  # noqa: E731
    _ingest(
        db,
        workspace.id,
        [
            _item(
                "a@example.com",
                type="survey_response",
                channel="survey",
                rating=2,
                rating_scale="nps",
                occurred_at=days(3),
            ),
            _item(
                "b@example.com",
                type="survey_response",
                channel="survey",
                rating=6,
                rating_scale="nps",
                occurred_at=days(10),
            ),
            _item(
                "c@example.com",
                type="survey_response",
                channel="survey",
                rating=10,
                rating_scale="nps",
                occurred_at=days(5),
            ),
            _item(
                "d@example.com",
                type="survey_response",
                channel="survey",
                rating=1,
                rating_scale="nps",
                occurred_at=days(60),
            ),
        ],
    )
    rules = client.get("/api/v1/rules", headers=api_headers).json()["items"]
    detractor = next(r for r in rules if r["builtin"] == "detractor_follow_up")
    r = client.post(
        f"/api/v1/rules/{detractor['id']}/dry-run", json={"days": 30}, headers=api_headers
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["would_fire"] == 2
    assert {f["actions"][0]["action"] for f in report["firings"]} == {"create_case"}
    assert all(f["actions"][0]["due_hours"] == 48 for f in report["firings"])
    r = client.post(
        f"/api/v1/rules/{detractor['id']}/dry-run", json={"days": 90}, headers=api_headers
    )
    assert r.json()["would_fire"] == 3
    with db.reader(workspace.id) as session:  # a dry run writes nothing
        assert session.execute(select(Case)).scalars().all() == []
        assert session.execute(select(RuleFiring)).scalars().all() == []
    # A draft rule (not saved) can be dry-run too.
    draft = {
        "name": "promoters",
        "triggers": ["interaction.ingested"],
        "conditions": [{"field": "interaction.rating", "op": "gte", "value": 9}],
        "actions": [{"type": "tag", "tags": ["promoter"]}],
    }
    r = client.post("/api/v1/rules:dry-run", json={"days": 30, "rule": draft}, headers=api_headers)
    assert r.json()["would_fire"] == 1


def test_loop_protection_stops_rules_feeding_each_other(db, workspace, client, api_headers):
    for name, tag in (("tagger A", "a"), ("tagger B", "b")):
        r = client.post(
            "/api/v1/rules",
            json={
                "name": name,
                "triggers": ["case.changed"],
                "conditions": [{"field": "case.status", "op": "eq", "value": "open"}],
                "actions": [{"type": "tag", "tags": [tag]}],
            },
            headers=api_headers,
        )
        assert r.status_code == 201, r.text
    r = client.post("/api/v1/cases", json={"title": "loop?"}, headers=api_headers)
    case_id = r.json()["id"]
    ran = drain_jobs(db, workspace.id, limit=200)
    assert len(ran) < 50  # it terminates
    with db.reader(workspace.id) as session:
        firings = session.execute(select(RuleFiring)).scalars().all()
        case = session.get(Case, case_id)
    assert sorted(case.tags) == ["a", "b"]
    assert max(f.depth for f in firings) < R.MAX_DEPTH
    by_rule: dict[int, int] = {}
    for f in firings:
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + (f.outcome == "fired")
    assert all(n <= 2 for n in by_rule.values())


def test_rule_validation_and_builtin_protection(client, api_headers):
    bad = [
        ({"name": "x", "triggers": ["whenever"], "actions": [{"type": "tag"}]}, "triggers"),
        (
            {"name": "x", "triggers": ["schedule"], "actions": [{"type": "explode"}]},
            "actions[0].type",
        ),
        (
            {
                "name": "x",
                "triggers": ["schedule"],
                "conditions": [{"field": "secret.x"}],
                "actions": [{"type": "tag"}],
            },
            "conditions[0].field",
        ),
        (
            {
                "name": "x",
                "triggers": ["schedule"],
                "conditions": [{"type": "count", "value": "3"}],
                "actions": [{"type": "tag"}],
            },
            "conditions[0].value",
        ),
    ]
    for body, where in bad:
        r = client.post("/api/v1/rules", json=body, headers=api_headers)
        assert r.status_code == 422 and where in r.json()["error"]["message"], r.text
    rules = client.get("/api/v1/rules", headers=api_headers).json()["items"]
    assert {r["builtin"] for r in rules} >= {
        "detractor_follow_up",
        "repeat_complainer",
        "high_value_silent",
        "negative_topic_rise",
    }
    builtin = rules[0]["id"]
    assert client.delete(f"/api/v1/rules/{builtin}", headers=api_headers).status_code == 422
    r = client.patch(f"/api/v1/rules/{builtin}", json={"enabled": False}, headers=api_headers)
    assert r.json()["enabled"] is False


def test_conditions_unit():
    ctx = Context(
        trigger="interaction.ingested",
        key="k",
        person={"id": None, "audience": "customer", "segment": "vip", "traits": {"ltv": 5}},
        interaction={"rating": 4, "type": "complaint", "text": "Late DELIVERY"},
    )
    check = lambda c: check_condition(None, c, ctx)  # noqa: E731
    assert check({"field": "interaction.rating", "op": "lte", "value": 6})
    assert not check({"field": "interaction.rating", "op": "gt", "value": 6})
    assert check({"field": "interaction.text", "op": "contains", "value": "delivery"})
    assert check({"type": "segment", "in": ["vip"]})
    assert not check({"type": "audience", "in": ["employee"]})
    assert check(
        {
            "any": [
                {"field": "person.traits.ltv", "op": "gt", "value": 10},
                {"field": "interaction.type", "op": "in", "value": ["complaint"]},
            ]
        }
    )
    assert not check({"field": "person.traits.missing", "op": "gt", "value": 1})
    assert check({"field": "person.traits.missing", "op": "not_exists"})


@pytest.mark.parametrize("builtin", ["negative_topic_rise"])
def test_negative_topic_rise_uses_text_analyses(db, workspace, builtin):
    pytest.importorskip("sada.text.models")
    from sada.text.models import TextAnalysis

    ids = _ingest(
        db,
        workspace.id,
        [
            _item(
                f"t{n}@example.com",
                text="late delivery",
                occurred_at=(utcnow() - timedelta(days=n % 6)).isoformat(),
            )
            for n in range(8)
        ],
    )
    with db.transaction(workspace.id) as session:
        for iid in ids:
            session.add(
                TextAnalysis(
                    workspace_id=workspace.id,
                    interaction_id=iid,
                    language="en",
                    script="Latn",
                    sentiment="negative",
                    text_hash=uuid.uuid4().hex,
                    model_version="test",
                    topics=[{"name": "delivery", "score": 1.0}],
                )
            )
    _member(db, workspace.id, f"mgr-{uuid.uuid4().hex[:6]}@example.com", role="manager")
    with db.transaction(workspace.id) as session:
        rule = session.execute(select(Rule).where(Rule.builtin == builtin)).scalar_one_or_none()
        if rule is None:
            from sada.automation.defaults import ensure_default_rules

            ensure_default_rules(session)
    evaluations = engine.run_schedule(db, workspace.id, force=True)
    fired = [e for e in evaluations if e.outcome == "fired" and e.rule_name.startswith("Sudden")]
    assert len(fired) == 1
    assert "delivery" in fired[0].results[0]["subject"]
    with db.reader(workspace.id) as session:
        assert session.execute(select(WebhookDelivery)).scalars().all() == []  # no endpoint


def test_notify_recipients_must_be_members_of_the_rules_workspace(
    db, workspace, make_workspace, make_key, client
):
    """Finding 1: workspace B's keys could name workspace A's users in `notify.to`; a dry run
    listed their emails and a saved rule mailed them."""
    other = make_workspace(db)
    outsider = _member(db, other.id, f"secret-{uuid.uuid4().hex[:6]}@a.example")
    insider = _member(db, workspace.id, f"mine-{uuid.uuid4().hex[:6]}@b.example")
    _ingest(db, workspace.id, [_item("p@example.com", rating=2, rating_scale="nps")])
    read = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}

    def draft(to):
        return {
            "name": "leak?",
            "triggers": ["interaction.ingested"],
            "actions": [{"type": "notify", "to": to, "channels": ["email"]}],
        }

    for to, where in (
        ([insider, outsider], "actions[0].to[1]"),
        (outsider, "actions[0].to"),
        (f"secret@{uuid.uuid4().hex[:6]}.example", "actions[0].to"),
    ):
        r = client.post("/api/v1/rules:dry-run", json={"days": 30, "rule": draft(to)}, headers=read)
        assert r.status_code == 422, r.text
        assert where in r.json()["error"]["message"]
        assert "@a.example" not in r.text
        r = client.post("/api/v1/rules", json=draft(to), headers=admin)
        assert r.status_code == 422 and where in r.json()["error"]["message"], r.text
    r = client.post("/api/v1/rules", json=draft([insider, "role:manager"]), headers=admin)
    assert r.status_code == 201, r.text
    rule_id = r.json()["id"]
    fallback = draft(insider) | {"actions": [{"type": "notify", "to": "x", "fallback": outsider}]}
    assert client.patch(f"/api/v1/rules/{rule_id}", json=fallback, headers=admin).status_code == 422
    # A rule stored before the check (or edited in the database) still reaches members only.
    with db.transaction(workspace.id) as session:
        rule = session.get(Rule, rule_id)
        rule.actions = [{"type": "notify", "to": [insider, outsider], "channels": ["email"]}]
    r = client.post(f"/api/v1/rules/{rule_id}/dry-run", json={"days": 30}, headers=read)
    assert r.status_code == 200, r.text
    assert "@a.example" not in r.text
    actions = [a for f in r.json()["firings"] for a in f["actions"]]
    assert actions and all(a["user_ids"] == [insider] for a in actions)
