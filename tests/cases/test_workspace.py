"""The agent and CSM workspace from the web: reply, notes with @mentions, assign, status,
snooze, priority, tags, the inbox's views and filters (page and API), viewers' redaction,
cases created, contacted, resolved and reopened; and every page in ar/fa/zh without an
English word or a raw enum value left."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sada_test_servers import drain_jobs
from sqlalchemy import select

from sada.automation.models import Notification
from sada.cases import conversations, replies, threads
from sada.cases.canned import do_save_canned
from sada.cases.models import Case, Conversation, NoteMention
from sada.cases.service import Origin
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.jobs.models import Job
from tests.web.conftest import csrf_of, sign_in

ARABIC_MAIL = "مرحباً، لم يصل طلبي رقم ٤٥ بعد. أرجو المساعدة."


def _member(db, ws_id, role="agent", name=None, language="en"):
    from sada.tenants.service import do_add_member, do_create_user

    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(ws_id) as session:
        user = do_create_user(
            session, email, "correct horse battery", name=name or "", language=language
        )
        do_add_member(session, user, role)
        return user.id, email


def _conversation(db, ws_id, *, channel="email", text=ARABIC_MAIL, **extra):
    root = f"<{uuid.uuid4().hex}@customer.example>"
    item = {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": channel,
        "type": "message",
        "direction": "inbound",
        "text": text,
        "language": "ar",
        "subject": "طلبي لم يصل",
        "person": {"email": f"sami-{uuid.uuid4().hex[:6]}@example.com", "name": "سامي"},
    }
    if channel == "email":
        item["attributes"] = {"message_id": root}
    else:
        item["conversation_id"] = f"thread-{uuid.uuid4().hex[:8]}"
    item.update(extra)
    with db.transaction(ws_id) as session:
        (result,) = ingest_batch(session, [item])
        threads.attach_interactions(session, [result.id])
        conv_id = session.execute(
            select(Conversation.id).order_by(Conversation.id.desc()).limit(1)
        ).scalar_one()
    return conv_id, root


def _rating(person, rating, scale="csat5"):
    return {
        "source": "test",
        "external_id": uuid.uuid4().hex,
        "occurred_at": utcnow().isoformat(),
        "channel": "survey",
        "type": "survey_response",
        "direction": "inbound",
        "rating": rating,
        "rating_scale": scale,
        "person": person,
    }


def _post(client, path, data):
    form = client.get("/inbox").text
    return client.post(path, data={**data, "csrf": csrf_of(form)}, follow_redirects=False)


def _watch(db, ws_id):
    """A rule on every change of a case or conversation (never matching): each such event
    published then records a job that `_events` sees (subscribers with nothing to do get
    none)."""
    from sada.automation.models import Rule

    with db.transaction(ws_id) as session:
        session.add(
            Rule(
                name="watch",
                triggers=["case.changed", "conversation.changed"],
                conditions=[{"field": "case.priority", "op": "eq", "value": "none"}],
                actions=[{"type": "tag", "tags": ["x"]}],
            )
        )


def _events(db, ws_id):
    with db.reader(ws_id) as session:
        return [
            p.get("event")
            for p in session.execute(select(Job.payload).where(Job.workspace_id == ws_id))
            .scalars()
            .all()
        ]


def test_agent_replies_by_email_threaded_to_the_customer(db, workspace, client, smtp):
    _uid, email = _member(db, workspace.id, language="fa")
    assert sign_in(client, email).status_code == 303
    conv_id, root = _conversation(db, workspace.id)
    page = client.get(f"/inbox/{conv_id}")
    assert page.status_code == 200
    assert re.search(r'<form method="post"[^>]*id="reply"', page.text)
    assert '<textarea name="body"' in page.text
    r = client.post(
        f"/inbox/{conv_id}",
        data={"body": "سلام، سفارش شما فردا می‌رسد.", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=reply")
    with db.reader(workspace.id) as session:
        reply = session.execute(
            select(Interaction).where(Interaction.direction == "outbound")
        ).scalar_one()
        assert reply.origin == "agent" and reply.channel == "email"
    drain_jobs(db, workspace.id, kinds=["inbox.send_reply"])
    (mail,) = smtp.wait(1)
    assert mail["In-Reply-To"] == root and root in mail["References"]
    assert mail["Subject"] == "Re: طلبي لم يصل"
    assert "فردا" in mail.get_content()
    assert "conversation.replied" in _events(db, workspace.id)
    shown = client.get(f"/inbox/{conv_id}?lang=fa").text
    assert "فرستاده شد" in shown  # the delivery status, in Persian


def test_a_channel_nobody_delivers_is_refused_and_nothing_is_stored(db, workspace, client):
    _uid, email = _member(db, workspace.id)
    sign_in(client, email)
    conv_id, _ = _conversation(db, workspace.id, channel="instagram")
    page = client.get(f"/inbox/{conv_id}").text
    r = client.post(
        f"/inbox/{conv_id}", data={"body": "hello", "csrf": csrf_of(page)}, follow_redirects=False
    )
    assert r.status_code == 409
    assert "cannot be sent" in r.text and "hello" in r.text  # the draft is kept
    with db.reader(workspace.id) as session:
        assert not session.execute(
            select(Interaction.id).where(Interaction.direction == "outbound")
        ).first()


def test_reply_without_csrf_is_refused(db, workspace, client):
    _uid, email = _member(db, workspace.id)
    sign_in(client, email)
    conv_id, _ = _conversation(db, workspace.id)
    r = client.post(f"/inbox/{conv_id}", data={"body": "x"}, follow_redirects=False)
    assert r.status_code == 403


def test_note_mention_notifies_the_colleague_who_sees_it(db, workspace, client):
    _me, email = _member(db, workspace.id, name="Ali Rezaei")
    colleague, colleague_email = _member(db, workspace.id, name="نرگس کریمی")
    sign_in(client, email)
    conv_id, _ = _conversation(db, workspace.id)
    r = _post(
        client,
        f"/inbox/{conv_id}",
        {"action": "note", "note": "@نرگس کریمی لطفاً پیگیری کن"},
    )
    assert r.status_code == 303
    with db.reader(workspace.id) as session:
        (mention,) = session.execute(select(NoteMention)).scalars().all()
        assert mention.user_id == colleague and mention.conversation_id == conv_id
    drain_jobs(db, workspace.id, kinds=["inbox.mention"])
    drain_jobs(db, workspace.id, kinds=["inbox.mention"])  # idempotent
    with db.reader(workspace.id) as session:
        (note,) = session.execute(select(Notification)).scalars().all()
        assert note.user_id == colleague and note.link.startswith(f"/inbox/{conv_id}#note-")
    client.cookies.clear()
    sign_in(client, colleague_email)
    page = client.get("/inbox?view=mentions&status=all")
    assert "پیگیری کن" in page.text and f"/inbox/{conv_id}" in page.text
    counts = re.search(r'data-view="mentions"[^>]*>[^<]*<span class="chip">(\d+)', page.text)
    assert counts and counts.group(1) == "1"


def test_mentions_match_whole_names_only(db, workspace):
    from sada.cases.service import find_mentions

    ali, _ = _member(db, workspace.id, name="Ali")
    alireza, _ = _member(db, workspace.id, name="Alireza")
    with db.reader(workspace.id) as session:
        assert find_mentions(session, "ping @Alireza please") == [alireza]
        assert find_mentions(session, "@ali, look") == [ali]
        assert find_mentions(session, "no mention here") == []


def test_assign_status_snooze_priority_tags_publish_events(db, workspace, client):
    from zoneinfo import ZoneInfo

    from sada.tenants.models import User

    me, email = _member(db, workspace.id)
    with db.transaction(workspace.id) as session:
        session.get(User, me).timezone = "Asia/Tehran"  # the snooze time is read in hers
    other, _ = _member(db, workspace.id)
    sign_in(client, email)
    _watch(db, workspace.id)
    conv_id, _ = _conversation(db, workspace.id)
    assert (
        _post(client, f"/inbox/{conv_id}", {"action": "assign", "assignee": str(other)}).status_code
        == 303
    )
    assert (
        _post(client, f"/inbox/{conv_id}", {"action": "priority", "priority": "urgent"}).status_code
        == 303
    )
    assert (
        _post(client, f"/inbox/{conv_id}", {"action": "tags", "tags": "vip، delivery"}).status_code
        == 303
    )
    assert (
        _post(client, f"/inbox/{conv_id}", {"action": "status", "status": "solved"}).status_code
        == 303
    )
    assert (
        _post(client, f"/inbox/{conv_id}", {"action": "status", "status": "open"}).status_code
        == 303
    )
    wanted = utcnow().replace(second=0, microsecond=0) + timedelta(hours=3)
    later = wanted.astimezone(ZoneInfo("Asia/Tehran")).strftime("%Y-%m-%dT%H:%M")
    assert (
        _post(
            client, f"/inbox/{conv_id}", {"action": "status", "status": "snoozed", "until": later}
        ).status_code
        == 303
    )
    with db.reader(workspace.id) as session:
        conv = session.get(Conversation, conv_id)
        assert conv.assignee_id == other and conv.priority == "urgent"
        assert conv.tags == ["delivery", "vip"]
        assert conv.status == "pending" and conv.snoozed_until == wanted
    events = _events(db, workspace.id)
    for name in ("conversation.assigned", "conversation.solved", "conversation.reopened"):
        assert name in events
    # The snooze ends by itself.
    drain_jobs(db, workspace.id, kinds=["inbox.wake_snoozed"], now=utcnow() + timedelta(hours=4))
    with db.reader(workspace.id) as session:
        conv = session.get(Conversation, conv_id)
        assert conv.status == "open" and conv.snoozed_until is None
    # Bad input: a clear 4xx, never a 500.
    r = _post(
        client, f"/inbox/{conv_id}", {"action": "status", "status": "snoozed", "until": "soon"}
    )
    assert r.status_code == 422
    r = _post(client, f"/inbox/{conv_id}", {"action": "priority", "priority": "whenever"})
    assert r.status_code == 422
    assert me


def test_inbox_views_filters_bulk_and_api(db, workspace, client, api_headers):
    me, email = _member(db, workspace.id)
    sign_in(client, email)
    mine, _ = _conversation(db, workspace.id)
    loose, _ = _conversation(db, workspace.id, channel="whatsapp")
    other_lang, _ = _conversation(db, workspace.id, language="fa")
    with db.transaction(workspace.id) as session:
        conversations.do_assign(session, mine, user_id=me)
        conversations.do_update(session, loose, {"tags": ["vip"], "priority": "high"})
        conv = session.get(Conversation, loose)
        conv.first_response_due_at = utcnow() - timedelta(minutes=5)
    page = client.get("/inbox?view=unassigned")
    assert page.status_code == 200
    assert f"/inbox/{loose}" in page.text and f'/inbox/{mine}"' not in page.text
    mine_page = client.get("/inbox?view=mine").text
    assert f"/inbox/{mine}" in mine_page and f'/inbox/{loose}"' not in mine_page
    for query, expected in (
        ("tag=vip", {loose}),
        ("channel=whatsapp", {loose}),
        ("priority=high", {loose}),
        ("language=fa", {other_lang}),
        ("sla=breached", {loose}),
    ):
        text = client.get(f"/inbox?{query}").text
        shown = {int(i) for i in re.findall(r'data-href="/inbox/(\d+)"', text)}
        assert shown == expected, query
    api = client.get(
        "/api/v1/conversations?view=unassigned&status=open&counts=true", headers=api_headers
    )
    assert api.status_code == 200
    ids = {c["id"] for c in api.json()["items"]}
    assert ids == {loose, other_lang}
    assert api.json()["counts"]["all"] == 3 and api.json()["counts"]["unassigned"] == 2
    sorted_ids = [
        c["id"]
        for c in client.get(
            "/api/v1/conversations?sort=sla_due&status=open", headers=api_headers
        ).json()["items"]
    ]
    assert sorted_ids[0] == loose
    bad = client.get("/api/v1/conversations?view=everything", headers=api_headers)
    assert bad.status_code == 422
    # Bulk: assign the two unassigned ones to me and mark them pending.
    form = client.get("/inbox").text
    r = client.post(
        "/inbox/bulk",
        data={
            "ids": [str(loose), str(other_lang)],
            "assignee": "me",
            "status": "pending",
            "csrf": csrf_of(form),
            "back": "/inbox?view=mine",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/inbox?view=mine")
    with db.reader(workspace.id) as session:
        for cid in (loose, other_lang):
            conv = session.get(Conversation, cid)
            assert conv.assignee_id == me and conv.status == "pending"
    assert client.get("/inbox?lang=fa").status_code == 200


def test_viewer_sees_no_reply_box_and_no_personal_data(db, workspace, client):
    _uid, email = _member(db, workspace.id, role="viewer")
    sign_in(client, email)
    conv_id, _ = _conversation(
        db, workspace.id, text="call me on +44 20 7946 0958 or sami.k@example.org"
    )
    page = client.get(f"/inbox/{conv_id}")
    assert page.status_code == 200
    assert 'name="body"' not in page.text and 'id="note-form"' not in page.text
    assert "7946" not in page.text and "sami.k@example.org" not in page.text
    assert "سامي" not in page.text and "sami-" not in page.text
    listing = client.get("/inbox")
    assert listing.status_code == 200 and "سامي" not in listing.text
    r = client.post(f"/inbox/{conv_id}", data={"body": "x", "csrf": csrf_of(page.text)})
    assert r.status_code == 403


def test_context_panel_shows_scores_cases_sla_and_history(db, workspace, client):
    _uid, email = _member(db, workspace.id)
    sign_in(client, email)
    conv_id, _ = _conversation(db, workspace.id)
    with db.reader(workspace.id) as session:
        person_id = session.get(Conversation, conv_id).person_id
        person_email = session.execute(
            select(Interaction.attributes).where(Interaction.person_id == person_id)
        ).first()
    assert person_email is not None
    from sada.people.service import identities_of

    with db.transaction(workspace.id) as session:
        (ident,) = [i for i in identities_of(session, [person_id])[person_id] if i.kind == "email"]
        ingest_batch(
            session,
            [
                {
                    "source": "test",
                    "external_id": uuid.uuid4().hex,
                    "occurred_at": (utcnow() - timedelta(days=2)).isoformat(),
                    "channel": "survey",
                    "type": "survey_response",
                    "rating": 3.0,
                    "rating_scale": "nps",
                    "person": {"email": ident.value},
                }
            ],
        )
        from sada.cases.service import do_create_case

        do_create_case(
            session,
            title="Follow up with سامي: rated 3.0 (nps)",
            person_id=person_id,
        )
    page = client.get(f"/inbox/{conv_id}?lang=ar").text
    panel = page[page.index('id="context"') :]
    assert "العربية" in panel or "عربي" in panel  # the person's language, in Arabic
    assert ident.value in panel
    assert "متابعة مع سامي: التقييم 3 " in panel  # the case title, rendered, "3" not "3.0"
    assert "3.0" not in panel


def test_case_from_a_conversation_contacted_resolved_reopened(db, workspace, client):
    me, email = _member(db, workspace.id, role="manager")
    sign_in(client, email)
    _watch(db, workspace.id)
    conv_id, _ = _conversation(db, workspace.id)
    form = client.get(f"/cases/new?conversation_id={conv_id}")
    assert form.status_code == 200
    r = client.post(
        "/cases/new",
        data={
            "title": "تأخير التوصيل",
            "conversation_id": str(conv_id),
            "owner": "me",
            "priority": "high",
            "root_cause": "logistics",
            "due": "2030-01-02T10:00",
            "csrf": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    case_id = int(re.search(r"/cases/(\d+)", r.headers["location"]).group(1))
    with db.reader(workspace.id) as session:
        case = session.get(Case, case_id)
        assert case.owner_id == me and case.conversation_id == conv_id
        assert case.root_cause == "logistics" and case.priority == "high"
    r = _post(client, f"/cases/{case_id}", {"action": "resolve", "resolution": ""})
    assert r.status_code == 422
    assert (
        _post(client, f"/cases/{case_id}", {"action": "contacted", "channel": "phone"}).status_code
        == 303
    )
    assert (
        _post(
            client, f"/cases/{case_id}", {"action": "resolve", "resolution": "أعيد الإرسال"}
        ).status_code
        == 303
    )
    page = client.get(f"/cases/{case_id}?lang=fa").text
    assert "بله: تماس گرفته و حل شد" in page
    listing = client.get("/cases?loop=closed").text
    assert f"/cases/{case_id}" in listing
    assert f'/cases/{case_id}"' not in client.get("/cases?loop=open").text
    assert _post(client, f"/cases/{case_id}", {"action": "reopen"}).status_code == 303
    with db.reader(workspace.id) as session:
        case = session.get(Case, case_id)
        assert case.status == "open" and case.reopen_count == 1
        assert case.contact_channel == "phone"
    events = _events(db, workspace.id)
    assert "case.resolved" in events and "case.reopened" in events


# ---------------------------------------------------------------- every word translated


class _Text(HTMLParser):
    """Visible text of a page's <main> (attributes, scripts and user data marked <bdi> aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        if tag in ("script", "style", "bdi", "kbd", "code"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        if tag in ("script", "style", "bdi", "kbd", "code"):
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


ENUMS = {
    "open",
    "pending",
    "solved",
    "closed",
    "in_progress",
    "resolved",
    "low",
    "normal",
    "high",
    "urgent",
    "email",
    "whatsapp",
    "chat",
    "inbound",
    "outbound",
    "queued",
    "sent",
    "handed_off",
    "first_response",
    "resolution",
    "logistics",
    "unassigned",
    "mine",
    "mentions",
    "breached",
    "due_soon",
    "customer",
    "nps",
    "csat",
    "created",
    "assigned",
    "status",
    "reply",
    "significant",
    "agent",
    "team",
    "first_response_minutes",
    "resolution_minutes",
    "sla_attainment",
    "reopen_rate",
}
ENGLISH = re.compile(r"[A-Za-z]{3,}")
ALLOWED = {"Sada", "SLA", "WhatsApp", "SMS", "CSAT", "NPS"}  # brands and acronyms


@pytest.mark.parametrize("lang", ["ar", "fa", "zh"])
def test_pages_have_no_english_left(db, workspace, client, smtp, lang):
    me, email = _member(db, workspace.id, role="manager", language=lang)  # works and reads reports
    sign_in(client, email)
    sami = {"email": f"sami-{uuid.uuid4().hex[:6]}@example.com", "name": "سامي"}
    conv_id, _ = _conversation(db, workspace.id, text="٤٥ ١٢٣", person=sami)
    with db.transaction(workspace.id) as session:
        ingest_batch(session, [_rating(sami, 4)])
        do_save_canned(session, "delay", {"ar": "مرحباً {{first_name}}", "fa": "سلام", "zh": "您好"})
        replies.do_reply(session, conv_id, "٤٥", label="ali")
        conversations.do_assign(session, conv_id, user_id=me, label="علی")
        from sada.cases.service import do_add_note, do_create_case, do_update_case

        do_add_note(session, body="٤٥", conversation_id=conv_id, author_label="علی")
        case = do_create_case(
            session,
            title="x",
            title_key="complaint",
            title_params={"topic": "delivery"},
            conversation_id=conv_id,
            root_cause="logistics",
            owner_id=me,
            due_hours=2,
            origin=Origin(label="علی"),
        )
        do_update_case(
            session,
            case.id,
            {"contacted": True, "contact_channel": "phone"},
            origin=Origin(label="علی"),
        )
        case_id = case.id
    drain_jobs(db, workspace.id, kinds=["inbox.send_reply"])
    for path in (
        f"/inbox?lang={lang}&status=all",
        f"/inbox/{conv_id}?lang={lang}",
        f"/cases?lang={lang}",
        f"/cases/{case_id}?lang={lang}",
        f"/settings/canned-responses?lang={lang}",
        f"/settings/case-followup?lang={lang}",
        f"/performance?lang={lang}&compare=previous_period",
        f"/performance?lang={lang}&by=team&period=7d&compare=previous_period",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        text = _visible(r.text)
        words = {w for w in ENGLISH.findall(text) if w not in ALLOWED}
        assert not words, f"{path}: English left: {sorted(words)[:20]}"
        raw = {w for w in re.findall(r"[a-z_]+", text) if w in ENUMS}
        assert not raw, f"{path}: raw values: {raw}"


def test_csat_after_a_solved_conversation_arrives_once(db, workspace, client, smtp):
    from sada.feedback import service as surveys
    from sada.feedback.models import Invitation
    from tests.feedback.factories import csat_survey

    _uid, email = _member(db, workspace.id, role="manager")
    sign_in(client, email)
    with db.transaction(workspace.id) as session:
        data = csat_survey(settings={"ignore_contact_frequency": True})
        data.languages = ["en", "ar"]
        survey_id = surveys.do_create_survey(session, data).id
    page = client.get("/settings/csat?lang=ar")
    assert page.status_code == 200 and "استبيان الرضا" in page.text
    bad = client.post(
        "/settings/csat",
        data={"enabled": "1", "survey_id": "", "delay": "0", "csrf": csrf_of(page.text)},
    )
    assert bad.status_code == 422
    r = client.post(
        "/settings/csat",
        data={
            "enabled": "1",
            "survey_id": str(survey_id),
            "delay": "0",
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    conv_id, _ = _conversation(db, workspace.id)
    with db.transaction(workspace.id) as session:
        from sada.people.models import Person

        person = session.get(Person, session.get(Conversation, conv_id).person_id)
        person.language = "ar"
    for status in ("solved", "open", "solved"):
        assert (
            _post(client, f"/inbox/{conv_id}", {"action": "status", "status": status}).status_code
            == 303
        )
        drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        (invitation,) = session.execute(select(Invitation)).scalars().all()
    assert invitation.hidden["conversation_id"] == str(conv_id)
    assert invitation.language == "ar" and invitation.channel == "email"
    assert len(smtp.wait(1)) == 1
    # Off again: nothing more is sent.
    client.post(
        "/settings/csat",
        data={"survey_id": str(survey_id), "delay": "0", "csrf": csrf_of(page.text)},
    )
    other, _ = _conversation(db, workspace.id)
    _post(client, f"/inbox/{other}", {"action": "status", "status": "solved"})
    drain_jobs(db, workspace.id)
    with db.reader(workspace.id) as session:
        assert len(session.execute(select(Invitation)).scalars().all()) == 1


def test_person_page_card_opens_a_case_for_the_person(db, workspace, client):
    _uid, email = _member(db, workspace.id)
    sign_in(client, email)
    conv_id, _ = _conversation(db, workspace.id)
    with db.reader(workspace.id) as session:
        person_id = session.get(Conversation, conv_id).person_id
    page = client.get(f"/people/{person_id}?lang=zh")
    assert page.status_code == 200
    card = page.text[page.text.index('id="person-cases"') :]
    assert f"/cases/new?person_id={person_id}" in card and "未结会话" in card
    form = client.get(f"/cases/new?person_id={person_id}")
    r = client.post(
        "/cases/new",
        data={
            "title": "回访",
            "person_id": str(person_id),
            "owner": "me",
            "csrf": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with db.reader(workspace.id) as session:
        (case,) = session.execute(select(Case).where(Case.person_id == person_id)).scalars()
        assert case.title == "回访"


def test_an_unassigned_sla_breach_always_reaches_someone(db, workspace):
    from sada.automation import engine
    from sada.cases import sla
    from sada.cases.assignment import do_add_member, do_create_team

    manager, _ = _member(db, workspace.id, role="manager")
    member, _ = _member(db, workspace.id)
    with db.transaction(workspace.id) as session:
        sla.do_create_policy(
            session,
            {
                "name": "social",
                "channels": ["instagram", "email"],
                "first_response_minutes": 30,
                "warn_before_minutes": 10,
            },
        )
        team = do_create_team(session, {"name": f"social-{uuid.uuid4().hex[:4]}"})
        do_add_member(session, team.id, member, online=False)
        team_id = team.id
    earlier = (utcnow() - timedelta(hours=2)).isoformat()
    social, _ = _conversation(db, workspace.id, channel="instagram", occurred_at=earlier)
    mail, _ = _conversation(db, workspace.id, occurred_at=earlier)
    with db.transaction(workspace.id) as session:
        session.get(Conversation, mail).team_id = team_id
        session.get(Conversation, social).assignee_id = None
        session.get(Conversation, social).team_id = None
        session.get(Conversation, mail).assignee_id = None
    hits = engine.check_sla(db, workspace.id)
    assert {(h.subject, h.kind) for h in hits} == {
        (f"conversation:{social}", "breach"),
        (f"conversation:{mail}", "breach"),
    }
    with db.reader(workspace.id) as session:
        got = {(n.link, n.user_id) for n in session.execute(select(Notification)).scalars()}
    # No assignee, no team: the managers. No assignee, a team: its members and the managers.
    assert got == {
        (f"/inbox/{social}", manager),
        (f"/inbox/{mail}", member),
        (f"/inbox/{mail}", manager),
    }


def test_typing_signal_needs_csrf_and_a_working_role(db, workspace, client):
    _uid, email = _member(db, workspace.id)
    sign_in(client, email)
    conv_id, _ = _conversation(db, workspace.id)
    page = client.get(f"/inbox/{conv_id}").text
    assert 'data-events="/inbox/' in page
    assert client.post(f"/inbox/{conv_id}/typing", data={}).status_code == 403
    ok = client.post(f"/inbox/{conv_id}/typing", data={"csrf": csrf_of(page)})
    assert ok.status_code == 204
    assert client.post("/inbox/999999/typing", data={"csrf": csrf_of(page)}).status_code == 404
    client.cookies.clear()
    _v, viewer = _member(db, workspace.id, role="viewer")
    sign_in(client, viewer)
    page = client.get(f"/inbox/{conv_id}").text
    assert client.post(f"/inbox/{conv_id}/typing", data={"csrf": csrf_of(page)}).status_code == 403


def test_performance_page_period_csat_with_n_and_drill_down(db, workspace, client):
    from sada.tenants.models import User

    me, email = _member(db, workspace.id, role="admin", language="fa")
    with db.transaction(workspace.id) as session:
        user = session.get(User, me)
        user.calendar, user.digits = "jalali", "persian"  # what a Persian reader chooses
    sign_in(client, email)
    rated = {"email": f"rated-{uuid.uuid4().hex[:6]}@example.com", "name": "سارا"}
    rated_id, _ = _conversation(db, workspace.id, person=rated)
    other_id, _ = _conversation(db, workspace.id)
    with db.transaction(workspace.id) as session:
        ingest_batch(session, [_rating(rated, 5)])
        for cid in (rated_id, other_id):
            conversations.do_assign(session, cid, user_id=me, label="علی")
    r = client.get("/performance?lang=fa&compare=previous_period")
    assert r.status_code == 200
    row = re.search(rf'<tr data-row="{me}">(.*?)</tr>', r.text, re.S)
    assert row, r.text
    cells = row.group(1)
    shown = re.sub(r"<[^>]+>", "", cells)
    assert "تعداد = ۱" in shown  # CSAT n, in Persian digits
    assert "۱۰۰٪" in shown  # CSAT 100%, one response of five stars
    assert not re.search(r"\b(min|h)\b", shown)
    csat_link = re.search(r'href="([^"]+)" data-drill="csat"', cells).group(1).replace("&amp;", "&")
    volume_link = re.search(r'href="([^"]+)" data-drill="volume"', cells).group(1)
    volume_link = volume_link.replace("&amp;", "&")
    behind = client.get(csat_link)
    assert behind.status_code == 200
    assert f"/inbox/{rated_id}" in behind.text and f"/inbox/{other_id}" not in behind.text
    everything = client.get(volume_link)
    assert f"/inbox/{rated_id}" in everything.text and f"/inbox/{other_id}" in everything.text
    # The shared period parser: Solar Hijri dates accepted, bad ones a clear 422.
    assert client.get("/performance?from=1405/09/01&to=1405/09/08").status_code == 200
    assert client.get("/performance?from=2026-13-40").status_code == 422
    assert client.get("/performance?compare=yesterday").status_code == 422
