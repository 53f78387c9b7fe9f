"""The notification centre: a mention and an assignment notify the colleague, in the same
transaction, rendered in the reader's language (Persian, Chinese); the bell counts the unread;
marking read (one, all); and isolation: another member or workspace can neither read nor mark."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sada.cases import conversations, threads
from sada.cases.models import Conversation
from sada.cases.service import Origin, do_create_case, do_update_case
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.notifications import service
from sada.notifications.models import MemberNotification
from tests.web.conftest import csrf_of, sign_in


def _member(db, ws_id, role="agent", name=""):
    from sada.tenants.service import do_add_member, do_create_user

    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        user = do_create_user(session, email, "correct horse battery", name=name)
        do_add_member(session, user, role)
        return user.id, email


def _conversation(db, ws_id):
    item = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": "chat",
        "type": "message",
        "direction": "inbound",
        "text": "طلبي لم يصل",
        "language": "ar",
        "conversation_id": f"thread-{uuid.uuid4().hex[:8]}",
        "person": {"email": f"sami-{uuid.uuid4().hex[:6]}@example.com", "name": "سامي"},
    }
    with db.transaction(ws_id) as session:
        (result,) = ingest_batch(session, [item])
        threads.attach_interactions(session, [result.id])
        return session.execute(
            select(Conversation.id).order_by(Conversation.id.desc()).limit(1)
        ).scalar_one()


def _post(client, path, data):
    form = client.get("/inbox").text
    return client.post(path, data={**data, "csrf": csrf_of(form)}, follow_redirects=False)


def _mine(db, ws_id, user_id):
    with db.reader(ws_id) as session:
        return service.list_for(session, user_id)


def test_mention_notifies_the_colleague_in_persian_and_chinese(db, workspace, client):
    _me, email = _member(db, workspace.id, name="Ali Rezaei")
    name = f"Narges {uuid.uuid4().hex[:6]}"
    colleague, colleague_email = _member(db, workspace.id, name=name)
    sign_in(client, email)
    conv_id = _conversation(db, workspace.id)
    r = _post(client, f"/inbox/{conv_id}", {"action": "note", "note": f"@{name} لطفاً پیگیری کن"})
    assert r.status_code == 303
    (note,) = _mine(db, workspace.id, colleague)
    assert note.kind == "mention" and note.message == "mention"
    assert note.params["author"] == "Ali Rezaei"  # a key and params, no English sentence
    assert note.link.startswith(f"/inbox/{conv_id}#note-") and note.read_at is None
    assert _mine(db, workspace.id, _me) == []  # the author is not told of their own note

    client.cookies.clear()
    sign_in(client, colleague_email)
    fa = client.get("/notifications?lang=fa").text
    assert "Ali Rezaei در یک یادداشت از شما نام برد" in fa and 'dir="rtl"' in fa
    assert "پیگیری کن" in fa and 'data-unread="1"' in fa
    zh = client.get("/notifications?lang=zh").text
    assert "Ali Rezaei 在备注中提到了您" in zh
    assert "mentioned you" not in fa + zh

    r = client.post(
        "/notifications/read",
        data={"id": str(note.id), "next": note.link, "csrf": csrf_of(zh)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == note.link
    (note,) = _mine(db, workspace.id, colleague)
    assert note.read_at is not None
    assert 'data-unread="' not in client.get("/notifications").text


def test_assignment_notifies_the_assignee_but_not_self_assignment(db, workspace, client):
    me, email = _member(db, workspace.id, name="Lead")
    agent, _ = _member(db, workspace.id, name="Agent")
    sign_in(client, email)
    conv_id = _conversation(db, workspace.id)
    assert (
        _post(client, f"/inbox/{conv_id}", {"action": "assign", "assignee": "me"}).status_code
        == 303
    )
    assert _mine(db, workspace.id, me) == []
    r = _post(client, f"/inbox/{conv_id}", {"action": "assign", "assignee": str(agent)})
    assert r.status_code == 303
    (note,) = _mine(db, workspace.id, agent)
    assert (note.kind, note.message, note.link) == ("assignment", "assignment", f"/inbox/{conv_id}")
    assert note.params == {"actor": "Lead", "id": conv_id}
    # A case given to a member by someone else; the same owner again notifies no one.
    with db.transaction(workspace.id) as session:
        case = do_create_case(session, title="Refund", origin=Origin(label="Lead", user_id=me))
        do_update_case(
            session, case.id, {"owner_id": agent}, origin=Origin(label="Lead", user_id=me)
        )
        do_update_case(
            session, case.id, {"owner_id": agent}, origin=Origin(label="Lead", user_id=me)
        )
        case_id = case.id
    kinds = [(n.message, n.link) for n in _mine(db, workspace.id, agent)]
    assert kinds == [("case_assignment", f"/cases/{case_id}"), ("assignment", f"/inbox/{conv_id}")]
    with db.transaction(workspace.id) as session:
        conversations.do_assign(session, conv_id, user_id=agent, label="api")  # unchanged
    assert len(_mine(db, workspace.id, agent)) == 2


def test_a_member_reads_and_marks_only_their_own(db, workspace, make_workspace, make_key, client):
    alice, alice_email = _member(db, workspace.id, name="Alice")
    bob, bob_email = _member(db, workspace.id, name="Bob")
    other = make_workspace(db)
    stranger, _ = _member(db, other.id, name="Stranger")
    with db.transaction(workspace.id) as session:
        (row,) = service.notify(
            session, [alice], "alert", {"subject": "NPS dropped"}, link="/overview"
        )
        service.notify(session, [bob], "report", {"name": "Weekly"})
    key = make_key(db, workspace.id)
    other_key = make_key(db, other.id)
    auth = {"Authorization": f"Bearer {key}"}

    got = client.get(f"/api/v1/notifications?user_id={alice}", headers=auth).json()
    assert got["unread"] == 1 and [i["id"] for i in got["items"]] == [row.id]
    assert got["items"][0]["params"] == {"subject": "NPS dropped"}
    # Bob cannot mark Alice's; another workspace's key sees neither her nor the row.
    assert (
        client.post(f"/api/v1/notifications/{row.id}:read?user_id={bob}", headers=auth).status_code
        == 404
    )
    r = client.get(
        f"/api/v1/notifications?user_id={alice}", headers={"Authorization": f"Bearer {other_key}"}
    )
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/notifications/{row.id}:read?user_id={stranger}",
        headers={"Authorization": f"Bearer {other_key}"},
    )
    assert r.status_code == 404
    assert _mine(db, workspace.id, alice)[0].read_at is None
    # The pages: Bob does not see Alice's and cannot mark it.
    sign_in(client, bob_email)
    page = client.get("/notifications?lang=ar").text
    assert "NPS dropped" not in page and "Weekly" in page
    r = client.post("/notifications/read", data={"id": str(row.id), "csrf": csrf_of(page)})
    assert r.status_code == 404
    assert _mine(db, workspace.id, alice)[0].read_at is None
    r = client.post("/notifications/read", data={"id": "x", "csrf": csrf_of(page)})
    assert r.status_code == 422
    # Alice marks hers through the API; mark all read empties Bob's bell.
    r = client.post(f"/api/v1/notifications/{row.id}:read?user_id={alice}", headers=auth)
    assert r.status_code == 200 and r.json()["read_at"]
    client.post("/notifications/read", data={"all": "1", "csrf": csrf_of(page)})
    with db.reader(workspace.id) as session:
        assert service.unread_count(session, bob) == 0 and service.unread_count(session, alice) == 0
        rows = session.execute(select(MemberNotification)).scalars().all()
        assert {r.user_id for r in rows} <= {alice, bob}
    client.cookies.clear()
    sign_in(client, alice_email)
    assert client.get("/notifications").status_code == 200


def test_migration_matches_the_model(db) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sada.db.registry import metadata, owned_by_sada

    with db.engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": owned_by_sada}
            ),
            metadata,
        )
    assert [d for d in diffs if "member_notifications" in repr(d)] == []


def test_every_message_renders_in_every_language(db, workspace) -> None:
    from sada.notifications.web import FALLBACK, MESSAGES, text
    from sada.web.i18n import translations

    user, _ = _member(db, workspace.id)
    with db.transaction(workspace.id) as session:
        rows = [
            *service.alerted(session, [user], "NPS < 30", "body", 5),
            *service.sla_hit(session, [user], True, "conversation:9", "first_response"),
            *service.sla_hit(session, [user], False, "case:4", "resolution"),
            *service.notify(session, [user], "report", {"name": "Weekly"}),
        ]
    assert [(r.kind, r.message, r.link) for r in rows] == [
        ("alert", "alert", "/people/5"),
        ("sla_breach", "sla_breach_conversation", "/inbox/9"),
        ("sla_warning", "sla_warning_case", "/cases/4"),
        ("report", "report", None),
    ]
    for lang in ("en", "ar", "fa", "zh"):
        gettext = translations(lang).gettext
        for row in rows:
            shown = text(gettext, row)
            assert shown != gettext(FALLBACK) and "%(" not in shown, (lang, row.message)
        assert all(lang == "en" or gettext(m) != m for m in MESSAGES.values())
    rows[0].params = {}  # a missing parameter never breaks the page
    assert text(translations("fa").gettext, rows[0]) == translations("fa").gettext(FALLBACK)
