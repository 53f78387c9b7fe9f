"""The overview's open loop counts and lists the workspace's own open cases and the user's
own unread alerts of that workspace, after its queries were folded into fewer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sada.automation.models import Notification
from sada.cases.service import do_create_case
from sada.dashboards import panels
from sada.tenants.service import do_create_user


def test_open_loop_counts_only_its_workspace_and_user(db, make_workspace):  # type: ignore[no-untyped-def]
    mine, other = make_workspace(db), make_workspace(db)
    with db.transaction() as s:
        me = do_create_user(s, f"me-{uuid.uuid4().hex[:8]}@example.com", None).id
        them = do_create_user(s, f"them-{uuid.uuid4().hex[:8]}@example.com", None).id
    past = datetime.now(UTC) - timedelta(days=1)
    for ws, cases, alerts in ((mine, 7, 3), (other, 2, 4)):
        with db.transaction(ws.id) as s:
            for i in range(cases):
                do_create_case(
                    s,
                    title=f"case {i}",
                    priority="urgent" if i % 3 == 0 else "normal",
                    due_at=past if i % 2 == 0 else None,
                )
            for i in range(alerts):
                s.add(Notification(user_id=me, title=f"alert {i}", link=f"/x/{i}"))
            s.add(Notification(user_id=them, title="not mine"))
            s.add(Notification(user_id=me, title="read", read_at=past))
    with db.reader(mine.id) as s:
        loop = panels.open_loop(s, me)
    assert loop is not None
    assert (loop.open_cases, loop.overdue, loop.urgent, loop.unread_alerts) == (7, 4, 3, 3)
    assert [c.title for c in loop.latest] == ["case 6", "case 5", "case 4", "case 3", "case 2"]
    assert [c.overdue for c in loop.latest] == [True, False, True, False, True]
    assert loop.alerts == [("alert 2", "/x/2"), ("alert 1", "/x/1"), ("alert 0", "/x/0")]
