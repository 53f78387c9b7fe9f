"""A person merge carries the rows other domains keep about the person, and an unmerge
takes them back: conversations and cases (inbox and case list), rule firings and customer
notifications (per-person throttles), web-chat sessions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from sada.automation.models import CustomerNotification
from sada.cases.models import Case, Conversation
from sada.selfservice.models import ChatSession
from tests.people.test_people import ev, ingest


def test_merge_moves_other_domains_rows_and_unmerge_takes_them_back(
    client, api_headers, db, workspace
):  # type: ignore[no-untyped-def]
    a = ingest(client, api_headers, ev(0, {"email": "mina@example.com"}))[0]["person_id"]
    b = ingest(client, api_headers, ev(1, {"phone": "+989121112233"}))[0]["person_id"]
    other = ingest(client, api_headers, ev(2, {"email": "someone@example.com"}))[0]["person_id"]
    now = datetime.now(UTC)
    with db.transaction(workspace.id) as s:
        conv = Conversation(
            thread_key="t-b", person_id=b, channel="whatsapp", opened_at=now, last_message_at=now
        )
        conv_other = Conversation(
            thread_key="t-o", person_id=other, channel="email", opened_at=now, last_message_at=now
        )
        s.add_all([conv, conv_other])
        s.flush()
        case = Case(title="late delivery", person_id=b, conversation_id=conv.id)
        note = CustomerNotification(
            idempotency_key="k-b",
            person_id=b,
            channel="sms",
            purpose="update",
            language="fa",
            status="sent",
        )
        chat = ChatSession(token="tok-b", person_id=b, lang="fa", anonymous_id="anon-b")
        s.add_all([case, note, chat])
        s.flush()
        ids = {
            "conv": conv.id,
            "conv_other": conv_other.id,
            "case": case.id,
            "note": note.id,
            "chat": chat.id,
        }

    def holders() -> dict[str, int | None]:
        with db.reader(workspace.id) as s:
            return {
                "conv": s.get(Conversation, ids["conv"]).person_id,
                "conv_other": s.get(Conversation, ids["conv_other"]).person_id,
                "case": s.get(Case, ids["case"]).person_id,
                "note": s.get(CustomerNotification, ids["note"]).person_id,
                "chat": s.get(ChatSession, ids["chat"]).person_id,
            }

    r = client.post(
        "/api/v1/people:merge",
        json={"survivor_id": a, "merged_id": b, "reason": "same customer"},
        headers=api_headers,
    )
    assert r.status_code == 200, r.text
    assert holders() == {"conv": a, "conv_other": other, "case": a, "note": a, "chat": a}
    # The survivor's case list shows the moved case.
    cases = client.get(f"/api/v1/cases?person_id={a}", headers=api_headers)
    if cases.status_code == 200:
        assert ids["case"] in [c["id"] for c in cases.json()["items"]]

    undo = client.post(f"/api/v1/merges/{r.json()['id']}:undo", headers=api_headers)
    assert undo.status_code == 200, undo.text
    assert holders() == {"conv": b, "conv_other": other, "case": b, "note": b, "chat": b}
    with db.reader(workspace.id) as s:
        assert s.execute(select(Conversation.id).where(Conversation.person_id == a)).first() is None
