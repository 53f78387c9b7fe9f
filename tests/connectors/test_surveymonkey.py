"""SurveyMonkey: API v3 bulk JSON (types from /details, UTC offsets) and CSV time zones."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.surveymonkey import service as surveymonkey
from sada.feedback import service
from sada.feedback.models import Response

FIXTURES = Path(__file__).parent / "fixtures" / "surveymonkey"


def _rows(db, workspace, survey_id):  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as s:
        rows = (
            s.execute(select(Response).where(Response.survey_id == survey_id).order_by(Response.id))
            .scalars()
            .all()
        )
        return {r.external_id: service.response_out(s, r) for r in rows}


def test_bulk_json_with_details(db, workspace):  # type: ignore[no-untyped-def]
    summary = surveymonkey.import_file(
        db,
        workspace.id,
        FIXTURES / "responses_bulk.json",
        details=FIXTURES / "survey_details.json",
    )
    assert (summary.imported, summary.rejected, summary.skipped) == (3, 0, {"disqualified": 1})
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, summary.survey_id)
        assert survey.external_id == "412339870" and survey.kind == "nps"
        types = {q.key: q.type for q in service.definition_of(s, survey).questions}
    assert types == {
        "q700001_7100": "nps",
        "q700002": "multiple_choice",
        "q700002_other": "text",
        "q700003_7201": "single_choice",
        "q700003_7202": "single_choice",
        "q700004": "text",
    }
    rows = _rows(db, workspace, summary.survey_id)
    farid = rows["118800001"]
    values = {a.question: a.value for a in farid.answers}
    assert values["q700001_7100"] == 9 and values["q700002"] == ["c_8101", "c_8102"]
    assert values["q700002_other"] == "WhatsApp" and values["q700003_7202"] == "c_8201"
    assert farid.scores == {"nps": [9, 10]}
    # Offsets kept: 09:18:30-07:00 is 16:18:30 UTC; 14:03:10+03:30 is 10:33:10 UTC.
    assert farid.completed_at.isoformat() == "2026-06-01T16:18:30+00:00"
    assert rows["118800002"].completed_at.isoformat() == "2026-06-02T10:33:10+00:00"
    assert rows["118800003"].status == "partial"
    again = surveymonkey.import_file(
        db,
        workspace.id,
        FIXTURES / "responses_bulk.json",
        details=FIXTURES / "survey_details.json",
    )
    assert (again.imported, again.survey_id) == (0, summary.survey_id)


def test_bulk_json_without_details_keeps_choices(db, workspace):  # type: ignore[no-untyped-def]
    summary = surveymonkey.import_file(db, workspace.id, FIXTURES / "responses_bulk.json")
    assert summary.imported == 3
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, summary.survey_id)
        types = {q.key: q.type for q in service.definition_of(s, survey).questions}
    assert types["q700001_7100"] == "single_choice"  # no details: a choice, not a rating
    assert types["q700002"] == "multiple_choice" and types["q700004"] == "text"


def test_csv_time_zone_and_cli(sqlite_db, make_workspace, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    summary = surveymonkey.import_file(
        sqlite_db,
        make_workspace(sqlite_db).id,
        FIXTURES / "csv_export.csv",
        timezone="Asia/Tehran",
    )
    assert summary.imported == 3
    ws = make_workspace(sqlite_db)
    with sqlite_db.reader(ws.id):
        pass
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        target = tmp_path / "bulk page 1.json"
        shutil.copy(FIXTURES / "responses_bulk.json", target)
        args = ["import", "surveymonkey", str(target), "--workspace", ws.name]
        r = runner.invoke(app, [*args, "--details", str(FIXTURES / "survey_details.json")])
        assert r.exit_code == 0, r.output
        lines = r.stdout.strip().splitlines()
        assert lines[-1].startswith("survey_id=") and "stored=3" in lines[-2]
        assert "skipped disqualified=1" in lines
        csv_path = tmp_path / "export.csv"
        shutil.copy(FIXTURES / "csv_export.csv", csv_path)
        r = runner.invoke(
            app,
            [
                "import",
                "surveymonkey",
                str(csv_path),
                "--workspace",
                ws.name,
                "--timezone",
                "Asia/Dubai",
            ],
        )
        assert r.exit_code == 0, r.output
        sid = int(r.stdout.strip().splitlines()[-1].split("=")[1])
        with sqlite_db.reader(ws.id) as s:
            first = s.execute(
                select(Response).where(
                    Response.survey_id == sid, Response.external_id == "114523456781"
                )
            ).scalar_one()
            assert first.completed_at.isoformat() == "2026-05-01T06:18:02+00:00"  # 10:18 Dubai
        bad = runner.invoke(
            app,
            [
                "import",
                "surveymonkey",
                str(csv_path),
                "--workspace",
                ws.name,
                "--timezone",
                "Mars/Base",
            ],
        )
        assert bad.exit_code == 1 and "time zone" in bad.output
    finally:
        get_settings.cache_clear()


def test_csv_numbers_without_a_metric_question_stay_choices() -> None:
    text = (
        "Respondent ID,Start Date,End Date,How many times did you call us?\n"
        ",,,Response\n"
        "1,05/01/2026 10:00:00 AM,05/01/2026 10:01:00 AM,3\n"
        "2,05/01/2026 10:00:00 AM,05/01/2026 10:01:00 AM,1\n"
    )
    parsed = surveymonkey.parse_export(text)
    assert [q.type for q in parsed.questions] == ["single_choice"]
