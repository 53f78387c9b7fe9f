"""A view saved on the health page is mailed with health's own figures: people per band, the
value at stake and the at-risk list with reasons in words, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from sada.db.engine import Database
from sada.health import service
from sada.reports.web_report import Reader, build
from sada.tenants.models import Workspace


def test_health_view_reports_the_at_risk_list_in_chinese(
    db: Database, workspace: Workspace, history: datetime
) -> None:
    with db.transaction(workspace.id) as session:
        service.refresh(session, history)
        expected = service.at_risk(session, 100)
        summary = service.summary(session)
    with db.reader(workspace.id) as session:
        report = build(session, name="Health", path="/health", query="", reader=Reader("zh"))
        english = build(session, name="Health", path="/health", query="", reader=Reader("en"))
    assert [t.title for t in english.tables] == ["Customer health", "At-risk customers"]
    bands = english.tables[0].rows
    assert [row[1] for row in bands[:3]] == [
        summary["bands"]["healthy"],
        summary["bands"]["watch"],
        summary["bands"]["at_risk"],
    ]
    at_risk = english.tables[1]
    assert at_risk.header == ["Person", "Segment", "Health score", "Value at stake", "Why"]
    assert expected and [row[2] for row in at_risk.rows] == [r["score"] for r in expected]
    assert all(row[4] for row in at_risk.rows)  # every row says why, in words
    zh = report.tables[1]
    assert zh.header[0] != "Person" and zh.title != "At-risk customers"
    assert zh.rows[0][4] != at_risk.rows[0][4]  # the reasons are translated too
