"""The closed loop's pages in the web shell: team performance, inbox, cases, rules."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sada.cases.models import Conversation
from sada.db.types import utcnow

PASSWORD = "correct horse battery"


def _sign_in(client, db, workspace, role="owner"):
    from sada.tenants.service import do_add_member, do_create_user

    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(workspace.id) as session:
        user = do_create_user(session, email, PASSWORD, name=f"{role} tester")
        do_add_member(session, user, role)
        user_id = user.id
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:300]
    return user_id


def test_team_performance_page_shows_each_agent(db, workspace, client):
    me = _sign_in(client, db, workspace)
    from sada.tenants.service import do_add_member, do_create_user

    with db.transaction(workspace.id) as session:
        other = do_create_user(
            session, f"agent-{uuid.uuid4().hex[:6]}@example.com", None, name="نرگس"
        )
        do_add_member(session, other, "agent")
        now = utcnow()
        for agent, minutes in ((me, 12), (other.id, 95)):
            for i in range(3):
                opened = now - timedelta(days=2, hours=i)
                session.add(
                    Conversation(
                        workspace_id=workspace.id,
                        thread_key=f"p:{uuid.uuid4().hex}",
                        channel="chat",
                        status="solved",
                        priority="normal",
                        tags=[],
                        opened_at=opened,
                        last_message_at=opened,
                        assignee_id=agent,
                        first_response_at=opened + timedelta(minutes=minutes),
                        solved_at=opened + timedelta(hours=3),
                    )
                )
    r = client.get("/performance")
    assert r.status_code == 200, r.text[:500]
    table = r.text[r.text.index('id="performance"') :]
    assert "owner tester" in table and "نرگس" in table
    assert "<bdi>12 min</bdi> / <bdi>12 min</bdi>" in table  # fmt.duration, one piece each
    assert "<bdi>1.6 h</bdi> / <bdi>1.6 h</bdi>" in table
    assert client.get("/performance?by=team").status_code == 200
    assert client.get("/inbox?status=solved").status_code == 200
    assert client.get("/cases").status_code == 200
    assert client.get("/rules?dry=30").status_code == 200


def test_pages_require_sign_in(client):
    r = client.get("/performance", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
