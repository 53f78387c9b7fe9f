"""A scheduled report renders the figures of the page its view saved (performance, survey
results, audience scorecard, themes), from that page's own data function, not the overview's."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

from sada.cases.models import Conversation
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.feedback import service as surveys
from sada.reports import document
from sada.reports.web_report import Reader, build
from sada.tenants.models import Workspace
from sada.tenants.service import do_add_member, do_create_user
from tests.feedback.factories import nps_survey


def _agent(db: Database, ws: int, name: str) -> int:
    with db.transaction(ws) as session:
        user = do_create_user(
            session, f"agent-{uuid.uuid4().hex[:8]}@example.com", "x" * 16, name=name
        )
        do_add_member(session, user, "agent")
        return user.id


def _conversations(db: Database, ws: int, agent: int, n: int) -> None:
    now = utcnow()
    with db.transaction(ws) as session:
        for i in range(n):
            opened = now - timedelta(days=1 + i % 3, hours=i)
            session.add(
                Conversation(
                    workspace_id=ws,
                    thread_key=f"t:{uuid.uuid4().hex}",
                    channel="chat",
                    status="solved",
                    priority="normal",
                    tags=[],
                    opened_at=opened,
                    last_message_at=opened,
                    assignee_id=agent,
                    first_response_at=opened + timedelta(minutes=10),
                    solved_at=opened + timedelta(hours=2),
                    reopen_count=0,
                )
            )


def _report(db: Database, ws: int, path: str, query: str, lang: str = "en") -> Any:
    with db.reader(ws) as session:
        return build(
            session, name="View", path=path, query=query, reader=Reader(lang), now=utcnow()
        )


def _titles(report: Any) -> list[str]:
    return [t.title for t in report.tables]


def test_performance_view_reports_performance_figures(db: Database, workspace: Workspace) -> None:
    agent = _agent(db, workspace.id, "Parisa Karimi")
    _conversations(db, workspace.id, agent, 4)
    report = _report(db, workspace.id, "/performance", "period=30d&compare=previous_period")
    assert _titles(report) == ["Team performance"]
    table = report.tables[0]
    assert table.header[:4] == [
        "Agent",
        "Volume",
        "First response (median, minutes)",
        "Resolution (median, minutes)",
    ]
    rows = {row[0]: row for row in table.rows}
    assert rows["Parisa Karimi"][1] == 4
    assert rows["Parisa Karimi"][2] == 10.0 and rows["Parisa Karimi"][3] == 120.0
    # The spreadsheet carries them too; the overview's key figures are not there.
    book = load_workbook(io.BytesIO(document.xlsx(report)))
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "Parisa Karimi" in cells and "Interactions" not in cells
    # By team, in Persian.
    fa = _report(db, workspace.id, "/performance", "period=30d&by=team", lang="fa")
    assert fa.tables[0].title == "عملکرد تیم" and fa.tables[0].header[0] == "تیم"
    # The overview's view still reports the overview.
    assert "Key figures" in _titles(_report(db, workspace.id, "/overview", "period=30d"))


def test_survey_view_reports_its_results(db: Database, workspace: Workspace) -> None:
    with db.transaction(workspace.id) as session:
        survey = surveys.do_create_survey(session, nps_survey())
        survey_id = survey.id
    report = _report(db, workspace.id, f"/surveys/{survey_id}", "period=90d")
    assert _titles(report)[0] == "Results" and "Answers per question" in _titles(report)
    figures = dict((row[0], row[1]) for row in report.tables[0].rows)
    assert figures["Survey"] == "Relationship NPS" and figures["Responses"] == 0
    answers = report.tables[-1].rows
    assert any(row[0] == "How likely are you to recommend us to a friend?" for row in answers)
    zh = _report(db, workspace.id, f"/surveys/{survey_id}", "", lang="zh")
    assert any(row[0] == "您向朋友推荐我们的可能性有多大？" for row in zh.tables[-1].rows)


def test_scorecard_and_themes_views_report_their_tables(db: Database, workspace: Workspace) -> None:
    journeys = _report(db, workspace.id, "/journeys", "period=90d")
    assert _titles(journeys) == ["Audience scorecard"]
    assert journeys.tables[0].header[1] == "Audience"
    themes = _report(db, workspace.id, "/themes", "period=30d&compare=previous_period")
    assert _titles(themes) == ["Themes"]
    assert themes.tables[0].header[-1] == "Previous period"
