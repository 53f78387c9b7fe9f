"""Cases, the shared inbox, assignment under concurrency, SLA calendars and breach records."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.automation.models import WebhookDelivery
from sada.cases import assignment, conversations, inbox_views, sla, threads
from sada.cases import service as cases
from sada.cases.models import Case, Conversation, SlaEvent
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch


def _member(db, ws_id, email=None, role="agent"):
    from sada.tenants.service import do_add_member, do_create_user

    email = email or f"agent-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        user = do_create_user(session, email, None)
        do_add_member(session, user, role)
        return user.id


def _ingest(db, ws_id, items):
    with db.transaction(ws_id) as session:
        results = ingest_batch(session, items)
        ids = [r.id for r in results]
        threads.attach_interactions(session, ids)
    return ids


def _msg(email="c@example.com", **kw):
    item = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "person": {"email": email},
    }
    item.update(kw)
    return item


def test_case_api_lifecycle_and_closure_report(db, workspace, client, api_headers):
    owner = _member(db, workspace.id)
    ids = _ingest(db, workspace.id, [_msg(text="broken")])
    r = client.post(
        "/api/v1/cases",
        json={
            "title": "Call back",
            "owner_id": owner,
            "due_hours": 48,
            "interaction_ids": ids,
            "root_cause": "delivery",
        },
        headers=api_headers,
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["status"] == "open" and case["interaction_ids"] == ids
    with db.reader(workspace.id) as session:
        events = session.execute(select(WebhookDelivery.event_type)).scalars().all()
    assert events == []  # no endpoint subscribed; the event still went through publish
    url = f"/api/v1/cases/{case['id']}"
    r = client.patch(url, json={"status": "resolved"}, headers=api_headers)
    assert r.status_code == 422 and "resolution" in r.json()["error"]["message"]
    r = client.patch(
        url, json={"status": "resolved", "resolution": "refunded"}, headers=api_headers
    )
    assert r.json()["resolved_at"] and not r.json()["loop_closed"]
    r = client.patch(url, json={"contacted": True}, headers=api_headers)
    assert r.json()["loop_closed"]
    r = client.patch(url, json={"status": "open"}, headers=api_headers)
    assert r.json()["reopen_count"] == 1 and r.json()["resolved_at"] is None
    r = client.patch(url, json={"status": "closed"}, headers=api_headers)
    assert r.json()["status"] == "closed" and r.json()["loop_closed"]
    client.post(f"{url}/notes", json={"body": "customer happy now"}, headers=api_headers)
    detail = client.get(url, headers=api_headers).json()
    assert detail["notes"][0]["body"] == "customer happy now"
    assert [h["kind"] for h in detail["history"]][:2] == ["created", "updated"]
    client.post("/api/v1/cases", json={"title": "still open"}, headers=api_headers)
    report = client.get("/api/v1/cases:report", headers=api_headers).json()
    assert report["created"] == 2 and report["loop_closed"] == 1
    assert report["closure_rate"] == 0.5 and report["reopened"] == 1
    assert report["hours_to_close_median"] is not None
    assert report["by_root_cause"]["delivery"]["loop_closed"] == 1
    # Other workspaces' cases answer 404.
    assert client.get("/api/v1/cases/999999", headers=api_headers).status_code == 404


def test_case_created_event_reaches_subscribed_endpoints(db, workspace, client, api_headers):
    from sada.automation.webhooks import do_create_endpoint
    from sada.core.ssrf import HostPolicy

    with db.transaction(workspace.id) as session:
        do_create_endpoint(
            session, url="https://93.184.216.34/hook", events=["case.*"], policy=HostPolicy()
        )
    r = client.post("/api/v1/cases", json={"title": "x"}, headers=api_headers)
    client.patch(
        f"/api/v1/cases/{r.json()['id']}", json={"priority": "urgent"}, headers=api_headers
    )
    drain_jobs(db, workspace.id, kinds=["webhooks.fanout"])
    with db.reader(workspace.id) as session:
        events = (
            session.execute(select(WebhookDelivery.event_type).order_by(WebhookDelivery.id))
            .scalars()
            .all()
        )
    assert events == ["case.created", "case.changed"]


def _team(db, ws_id, n, strategy, **kw):
    members = [_member(db, ws_id) for _ in range(n)]
    with db.transaction(ws_id) as session:
        team = assignment.do_create_team(
            session, {"name": f"team-{uuid.uuid4().hex[:6]}", "assignment": strategy, **kw}
        )
        for uid in members:
            assignment.do_add_member(session, team.id, uid)
    return team.id, members


def _assign_concurrently(db, ws_id, team_id, n_threads, per_thread, make_case):
    errors: list[Exception] = []
    barrier = threading.Barrier(n_threads)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                with db.transaction(ws_id) as session:
                    make_case(session, team_id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_concurrent_round_robin_is_even(db, workspace):
    team_id, members = _team(db, workspace.id, 3, "round_robin")

    def make(session, team):
        cases.do_create_case(session, title="rr", team_id=team)

    _assign_concurrently(db, workspace.id, team_id, 6, 5, make)
    with db.reader(workspace.id) as session:
        owners = Counter(session.execute(select(Case.owner_id)).scalars())
    assert owners == {m: 10 for m in members}


def test_concurrent_least_loaded_balances_and_skips_offline(db, workspace):
    team_id, members = _team(db, workspace.id, 3, "least_loaded")
    with db.transaction(workspace.id) as session:
        for _ in range(4):  # members[0] already has work
            cases.do_create_case(session, title="old", owner_id=members[0])
        assignment.do_set_online(session, members[2], False)

    def make(session, team):
        cases.do_create_case(session, title="ll", team_id=team)

    _assign_concurrently(db, workspace.id, team_id, 4, 4, make)
    with db.reader(workspace.id) as session:
        load = assignment.loads(session, members)
    assert load[members[2]] == 0  # offline
    assert abs(load[members[0]] - load[members[1]]) <= 1
    assert load[members[0]] + load[members[1]] == 20


def test_email_threading_by_message_headers(db, workspace):
    root = "<root-1@mail.example>"
    ids = _ingest(
        db,
        workspace.id,
        [
            _msg(channel="email", subject="Order 42", attributes={"message_id": root}),
        ],
    )
    _ingest(
        db,
        workspace.id,
        [
            _msg(
                channel="email",
                subject="Re: Order 42",
                attributes={
                    "message_id": "<r2@mail.example>",
                    "in_reply_to": root,
                    "references": [root],
                },
            ),
        ],
    )
    # A reply from another client that only keeps References.
    _ingest(
        db,
        workspace.id,
        [
            _msg(
                "other@example.com",
                channel="email",
                attributes={"message_id": "<r3@x>", "references": [root, "<r2@mail.example>"]},
            ),
        ],
    )
    _ingest(db, workspace.id, [_msg(channel="email", attributes={"message_id": "<new@x>"})])
    with db.reader(workspace.id) as session:
        convs = session.execute(select(Conversation).order_by(Conversation.id)).scalars().all()
        assert len(convs) == 2
        assert len(inbox_views.messages_of(session, convs[0].id)) == 3
        assert convs[0].thread_key == f"email:{root}" and convs[0].subject == "Order 42"
    assert ids


def test_chat_threading_reopen_and_follow_up(db, workspace):
    _ingest(db, workspace.id, [_msg(conversation_id="chat-1", text="hi")])
    _ingest(db, workspace.id, [_msg(conversation_id="chat-1", direction="outbound", text="hello")])
    with db.transaction(workspace.id) as session:
        (conv,) = session.execute(select(Conversation)).scalars().all()
        assert conv.first_response_at is not None
        conversations.do_set_status(session, conv, "solved")
    _ingest(db, workspace.id, [_msg(conversation_id="chat-1", text="still broken")])
    with db.transaction(workspace.id) as session:
        (conv,) = session.execute(select(Conversation)).scalars().all()
        assert conv.status == "open" and conv.reopen_count == 1
        conversations.do_set_status(session, conv, "closed")
    _ingest(db, workspace.id, [_msg(conversation_id="chat-1", text="new issue")])
    with db.reader(workspace.id) as session:
        convs = session.execute(select(Conversation).order_by(Conversation.id)).scalars().all()
    assert [c.status for c in convs] == ["closed", "open"]
    assert convs[1].thread_key.startswith("chat:chat-1#")


def test_inbox_api_assign_tag_note_and_history(db, workspace, client, api_headers):
    agent = _member(db, workspace.id)
    _ingest(db, workspace.id, [_msg("h@example.com", conversation_id="c9", text="help")])
    _ingest(db, workspace.id, [_msg("h@example.com", channel="email", type="purchase")])
    items = client.get("/api/v1/conversations?unassigned=true", headers=api_headers).json()["items"]
    (conv,) = items
    r = client.post(
        f"/api/v1/conversations/{conv['id']}/assign", json={"user_id": agent}, headers=api_headers
    )
    assert r.json()["assignee_id"] == agent
    r = client.patch(
        f"/api/v1/conversations/{conv['id']}",
        json={"add_tags": ["vip"], "priority": "high", "status": "pending"},
        headers=api_headers,
    )
    assert r.json()["tags"] == ["vip"] and r.json()["paused"] is True
    client.post(
        f"/api/v1/conversations/{conv['id']}/notes", json={"body": "internal"}, headers=api_headers
    )
    detail = client.get(f"/api/v1/conversations/{conv['id']}", headers=api_headers).json()
    assert detail["notes"][0]["body"] == "internal"
    assert [m["text"] for m in detail["messages"]] == ["help"]
    # The person's whole history, across channels, sits beside the conversation.
    assert {i["type"] for i in detail["person_history"]["interactions"]} == {"message", "purchase"}
    assert client.get(f"/api/v1/conversations?assignee_id={agent}", headers=api_headers).json()[
        "items"
    ]


def test_reply_by_email_over_smtp_and_other_channels_by_webhook(
    db, workspace, client, api_headers, smtp
):
    root = "<q-1@mail.example>"
    _ingest(
        db,
        workspace.id,
        [
            _msg(
                "mail@example.com", channel="email", subject="سؤال", attributes={"message_id": root}
            )
        ],
    )
    _ingest(
        db, workspace.id, [_msg("chat@example.com", conversation_id="wa-7", channel="whatsapp")]
    )
    with db.reader(workspace.id) as session:
        email_conv, chat_conv = (
            session.execute(select(Conversation).order_by(Conversation.id)).scalars().all()
        )
    with db.transaction(workspace.id) as session:
        c = cases.do_create_case(session, title="follow", conversation_id=email_conv.id)
        case_id = c.id
    r = client.post(
        f"/api/v1/conversations/{email_conv.id}/reply",
        json={"text": "شكراً، تم الحل", "status": "solved"},
        headers=api_headers,
    )
    assert r.status_code == 202, r.text
    from sada.automation.webhooks import do_create_endpoint
    from sada.core.ssrf import HostPolicy

    with db.transaction(workspace.id) as session:
        do_create_endpoint(
            session,
            url="https://93.184.216.34/",
            events=["conversation.replied"],
            policy=HostPolicy(),
        )
    client.post(
        f"/api/v1/conversations/{chat_conv.id}/reply",
        json={"text": "on our way"},
        headers=api_headers,
    )
    drain_jobs(db, workspace.id, kinds=["inbox.send_reply", "webhooks.fanout"])
    (mail,) = smtp.wait(1)
    assert mail["To"] == "mail@example.com" and mail["Subject"] == "Re: سؤال"
    assert mail["In-Reply-To"] == root and root in mail["References"]
    assert "تم الحل" in mail.get_content()
    with db.reader(workspace.id) as session:
        conv = session.get(Conversation, email_conv.id)
        assert conv.status == "solved" and conv.first_response_at is not None
        assert session.get(Case, case_id).contacted_at is not None
        statuses = [m["delivery_status"] for m in inbox_views.messages_of(session, chat_conv.id)]
        assert statuses == [None, "handed_off"]
        hooks = session.execute(select(WebhookDelivery.event_type)).scalars().all()
    # Both replies are announced: the email one once sent, the WhatsApp one handed to its connector.
    assert hooks == ["conversation.replied", "conversation.replied"]
    # The customer's answer to Sada's reply threads into the same conversation.
    with db.reader(workspace.id) as session:
        sent_id = inbox_views.messages_of(session, email_conv.id)[-1]["message_id"]
    _ingest(
        db,
        workspace.id,
        [
            _msg(
                "mail@example.com",
                channel="email",
                attributes={"message_id": "<a2@x>", "in_reply_to": sent_id},
            )
        ],
    )
    with db.reader(workspace.id) as session:
        conv = session.get(Conversation, email_conv.id)
    assert conv.status == "open" and conv.reopen_count == 1


# ---------------------------------------------------------------- SLA


def test_business_calendar_weekends_and_holidays():
    riyadh = ZoneInfo("Asia/Riyadh")
    thursday_3pm = datetime(2026, 3, 5, 15, 0, tzinfo=riyadh)  # a Thursday
    fri_sat = sla.BusinessCalendar.build("Asia/Riyadh", [4, 5])
    assert fri_sat.add(thursday_3pm, 4 * 60) == datetime(2026, 3, 8, 11, 0, tzinfo=riyadh)
    friday_only = sla.BusinessCalendar.build("Asia/Riyadh", [4])
    assert friday_only.add(thursday_3pm, 4 * 60) == datetime(2026, 3, 7, 11, 0, tzinfo=riyadh)
    with_holiday = sla.BusinessCalendar.build("Asia/Riyadh", [4, 5], holidays=["2026-03-08"])
    assert with_holiday.add(thursday_3pm, 4 * 60) == datetime(2026, 3, 9, 11, 0, tzinfo=riyadh)
    # Before opening time, the clock starts at opening time.
    early = datetime(2026, 3, 8, 6, 0, tzinfo=riyadh)
    assert fri_sat.add(early, 30) == datetime(2026, 3, 8, 9, 30, tzinfo=riyadh)
    assert fri_sat.minutes_between(thursday_3pm, datetime(2026, 3, 8, 11, 0, tzinfo=riyadh)) == 240
    # Tehran keeps its own hours per weekday (Thursday half day).
    tehran = sla.BusinessCalendar.build(
        "Asia/Tehran", [4], hours={"3": ["08:00", "12:00"], "default": ["08:00", "16:00"]}
    )
    wed = datetime(2026, 3, 4, 15, 0, tzinfo=ZoneInfo("Asia/Tehran"))
    assert tehran.add(wed, 3 * 60) == datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Tehran"))
    assert sla.BusinessCalendar.always().add(thursday_3pm, 30) == thursday_3pm + timedelta(
        minutes=30
    )


def _policy(db, ws_id, **kw):
    with db.transaction(ws_id) as session:
        data = {
            "name": f"p-{uuid.uuid4().hex[:4]}",
            "channels": [],
            "priorities": [],
            "audiences": [],
            "segments": [],
            **kw,
        }
        return sla.do_create_policy(session, data).id


def test_policy_matching_by_channel_priority_audience_segment(db, workspace):
    social = _policy(db, workspace.id, channels=["social"], first_response_minutes=30, position=1)
    vip = _policy(db, workspace.id, segments=["vip"], first_response_minutes=60, position=2)
    email = _policy(db, workspace.id, channels=["email"], first_response_minutes=240, position=3)
    with db.reader(workspace.id) as session:

        def m(**kw):
            return getattr(
                sla.match_policy(
                    session,
                    **{  # noqa: E731
                        "channel": None,
                        "priority": None,
                        "audience": None,
                        "segment": None,
                        **kw,
                    },
                ),
                "id",
                None,
            )

        assert m(channel="instagram") == social and m(channel="social:mastodon") == social
        assert m(channel="chat", segment="vip") == vip
        assert m(channel="email") == email and m(channel="chat") is None


def test_pending_pauses_resolution_and_breaches_are_recorded_once(db, workspace):
    _policy(
        db,
        workspace.id,
        channels=["twitter"],
        first_response_minutes=30,
        resolution_minutes=240,
        warn_before_minutes=10,
    )
    opened = utcnow() - timedelta(hours=1)
    _ingest(
        db,
        workspace.id,
        [_msg(channel="twitter", conversation_id="t1", occurred_at=opened.isoformat())],
    )
    with db.transaction(workspace.id) as session:
        (conv,) = session.execute(select(Conversation)).scalars().all()
        assert conv.first_response_due_at == opened + timedelta(minutes=30)
        assert conv.resolution_due_at == opened + timedelta(minutes=240)
        hits = sla.check(session, opened + timedelta(minutes=25))
        assert [(h.metric, h.kind) for h in hits] == [("first_response", "warning")]
        hits = sla.check(session, opened + timedelta(minutes=31))
        assert [(h.metric, h.kind) for h in hits] == [("first_response", "breach")]
        assert sla.check(session, opened + timedelta(minutes=40)) == []
        # Pending on the customer for 2 hours moves the resolution target back by 2 hours.
        conv.paused_at = opened + timedelta(minutes=60)
        conv.status = "pending"
        assert sla.check(session, opened + timedelta(minutes=300)) == []  # paused: no breach
        conv.status = "open"
        sla.resume(session, conv, opened + timedelta(minutes=180))
        assert conv.resolution_due_at == opened + timedelta(minutes=360)
        hits = sla.check(session, opened + timedelta(minutes=361))
        assert [(h.metric, h.kind) for h in hits] == [("resolution", "breach")]
        events = session.execute(select(SlaEvent)).scalars().all()
    assert sorted((e.metric, e.kind) for e in events) == [
        ("first_response", "breach"),
        ("first_response", "warning"),
        ("resolution", "breach"),
    ]


def test_sla_check_job_publishes_and_api_lists(db, workspace, client, api_headers):
    from sada.automation import engine

    agent = _member(db, workspace.id)
    _policy(db, workspace.id, channels=["email"], first_response_minutes=240)
    _ingest(
        db,
        workspace.id,
        [
            _msg(
                channel="email",
                attributes={"message_id": "<s@x>"},
                occurred_at=(utcnow() - timedelta(hours=5)).isoformat(),
            )
        ],
    )
    with db.transaction(workspace.id) as session:
        (conv,) = session.execute(select(Conversation)).scalars().all()
        conv.assignee_id = agent
    hits = engine.check_sla(db, workspace.id)
    assert [(h.metric, h.kind) for h in hits] == [("first_response", "breach")]
    events = client.get("/api/v1/sla/events?kind=breach", headers=api_headers).json()["items"]
    assert events[0]["assignee_id"] == agent and events[0]["metric"] == "first_response"
    from sada.automation.models import Notification

    with db.reader(workspace.id) as session:
        assert session.execute(select(Notification.user_id)).scalars().all() == [agent]


def test_performance_per_agent_with_comparison(db, workspace, client, api_headers):
    fast, slow = _member(db, workspace.id), _member(db, workspace.id)
    now = utcnow()
    with db.transaction(workspace.id) as session:
        for period, offset in (("now", 0), ("before", 30)):
            for i in range(6):
                for agent, minutes in (
                    (fast, 5 + i),
                    (slow, 120 + 10 * i + (30 if period == "now" else 0)),
                ):
                    opened = now - timedelta(days=offset + 1 + i % 5, hours=i)
                    conv = Conversation(
                        workspace_id=workspace.id,
                        thread_key=f"t:{uuid.uuid4().hex}",
                        channel="chat",
                        status="solved",
                        priority="normal",
                        tags=[],
                        opened_at=opened,
                        last_message_at=opened,
                        assignee_id=agent,
                        first_response_at=opened + timedelta(minutes=minutes),
                        solved_at=opened + timedelta(hours=2),
                        reopen_count=1 if i == 0 else 0,
                    )
                    session.add(conv)
    r = client.get("/api/v1/performance?by=agent", headers=api_headers)
    assert r.status_code == 200, r.text
    rows = {row["id"]: row for row in r.json()["rows"]}
    assert rows[fast]["volume"] == 6 and rows[slow]["volume"] == 6
    assert (
        rows[fast]["first_response_minutes"]["median"]
        < rows[slow]["first_response_minutes"]["median"]
    )
    assert rows[fast]["first_response_minutes"]["p90"] is not None
    assert rows[fast]["reopen_rate"] == round(1 / 6, 4)
    comparison = rows[slow]["comparison"]["first_response_minutes"]
    assert comparison["test"] == "Mann-Whitney U" and comparison["verdict"] == "significant"
    assert rows[fast]["comparison"]["first_response_minutes"]["verdict"] == "not significant"
    assert rows[slow]["previous"]["volume"] == 6
