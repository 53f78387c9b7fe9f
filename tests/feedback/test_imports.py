"""Qualtrics and SurveyMonkey CSV imports: realistic files, replays, broken headers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.qualtrics import service as qualtrics
from sada.connectors.surveymonkey import service as surveymonkey
from sada.core.errors import Invalid
from sada.feedback import service
from sada.feedback.models import Response
from sada.interactions.models import Interaction

FIXTURES = Path(__file__).parent / "fixtures"


def test_qualtrics_import_is_idempotent(db, workspace):  # type: ignore[no-untyped-def]
    path = FIXTURES / "qualtrics_nps.csv"
    first = qualtrics.import_file(db, workspace.id, path)
    assert (first.imported, first.duplicates, first.rejected) == (5, 0, 1)
    assert "row 8" in first.errors[0] and "outside the scale" in first.errors[0]
    again = qualtrics.import_file(db, workspace.id, path)
    assert again.survey_id == first.survey_id
    assert (again.imported, again.duplicates, again.rejected) == (0, 4, 1)
    assert again.updated == 1  # the unfinished response is re-read, still partial
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, first.survey_id)
        assert survey.kind == "nps"
        d = service.definition_of(s, survey)
        assert [(q.key, q.type) for q in d.questions] == [
            ("Q1", "nps"),
            ("Q2", "single_choice"),  # no type in the file: a choice, never a guessed CSAT
            ("Q3", "single_choice"),
            ("Q4_TEXT", "text"),
        ]
        rows = (
            s.execute(select(Response).where(Response.survey_id == survey.id).order_by(Response.id))
            .scalars()
            .all()
        )
        assert [r.status for r in rows] == ["completed"] * 4 + ["partial"]
        sara = rows[0]
        assert sara.language == "fa" and sara.scores == {"nps": [10, 10]}
        assert sara.completed_at.isoformat() == "2026-05-01T05:44:41+00:00"  # Tehran +03:30
        assert rows[3].language == "zh"
        inter = s.execute(
            select(Interaction).where(Interaction.id == sara.interaction_id)
        ).scalar_one()
        assert (
            inter.text == "پشتیبانی عالی بود، ممنون"
            and inter.rating == 10
            and inter.person_id == sara.person_id
        )


def test_qualtrics_broken_headers(tmp_path):  # type: ignore[no-untyped-def]
    lines = (FIXTURES / "qualtrics_nps.csv").read_text().splitlines()
    two_rows = tmp_path / "two.csv"
    two_rows.write_text("\n".join(lines[:2] + lines[3:]))
    # Without its ImportId row the file reads as a legacy (two-row) export.
    assert qualtrics.parse_export(two_rows.read_text()).generation == "legacy"
    with pytest.raises(Invalid, match="header rows"):
        qualtrics.parse_export(lines[0])
    with pytest.raises(Invalid, match="no ResponseId"):
        qualtrics.parse_export('A,B\nx,y\n"{""ImportId"":""a""}","{""ImportId"":""QID1""}"\n')


def test_surveymonkey_import(db, workspace):  # type: ignore[no-untyped-def]
    path = FIXTURES / "surveymonkey_csat.csv"
    summary = surveymonkey.import_file(db, workspace.id, path)
    assert (summary.imported, summary.duplicates, summary.rejected) == (3, 0, 1)
    assert "unreadable date" in summary.errors[0]
    assert surveymonkey.import_file(db, workspace.id, path).duplicates == 3
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, summary.survey_id)
        types = [q.type for q in service.definition_of(s, survey).questions]
        assert types == ["nps", "multiple_choice", "text", "csat", "text"]
        rows = (
            s.execute(select(Response).where(Response.survey_id == survey.id).order_by(Response.id))
            .scalars()
            .all()
        )
        omar = service.response_out(s, rows[1])
        values = {a.type: a.value for a in omar.answers}
        assert values["multiple_choice"] == ["Mobile_app"] and omar.scores["csat"] == [1, 5]
        assert any(a.value == "Telegram bot" for a in omar.answers)


def test_surveymonkey_broken_headers() -> None:
    with pytest.raises(Invalid, match="Respondent ID"):
        surveymonkey.parse_export("Question,Other\nResponse,\n1,2\n")
    with pytest.raises(Invalid, match="two header rows"):
        surveymonkey.parse_export("Respondent ID,Q\n")


def test_cli_imports_print_counts_and_survey_id(sqlite_db, make_workspace, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws = make_workspace(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        for kind, name in (
            ("qualtrics", "qualtrics_nps.csv"),
            ("surveymonkey", "surveymonkey_csat.csv"),
        ):
            target = tmp_path / name
            shutil.copy(FIXTURES / name, target)
            r = runner.invoke(app, ["import", kind, str(target), "--workspace", ws.name])
            assert r.exit_code == 0, r.output
            lines = r.stdout.strip().splitlines()
            assert lines[-1].startswith("survey_id=") and int(lines[-1].split("=")[1]) > 0
            assert (
                "imported=" in lines[-2]
                and "duplicate=0" in lines[-2]
                and "rejected=1" in lines[-2]
            )
        bad = tmp_path / "bad.csv"
        bad.write_text("a,b\n1,2\n")
        r = runner.invoke(app, ["import", "qualtrics", str(bad), "--workspace", ws.name])
        assert r.exit_code == 1
    finally:
        get_settings.cache_clear()
