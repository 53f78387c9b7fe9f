"""Google Forms responses CSV: offsets in the timestamps, stable ids, no guessed ratings."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.googleforms import service as googleforms
from sada.feedback import service
from sada.feedback.models import Response

FIXTURES = Path(__file__).parent / "fixtures" / "googleforms"


def test_google_forms_csv(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    summary = googleforms.import_file(db, workspace.id, FIXTURES / "responses.csv")
    assert (summary.imported, summary.rejected) == (3, 1)
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, summary.survey_id)
        types = [q.type for q in service.definition_of(s, survey).questions]
        rows = s.execute(select(Response).order_by(Response.id)).scalars().all()
        first = service.response_out(s, rows[0])
    assert types == ["single_choice", "single_choice", "single_choice", "text"]
    assert first.completed_at.isoformat() == "2026-10-01T06:45:32+00:00"
    assert first.person_id is not None
    renamed = tmp_path / "copy.csv"
    shutil.copy(FIXTURES / "responses.csv", renamed)
    again = googleforms.import_file(db, workspace.id, renamed)
    assert (again.survey_id, again.imported, again.duplicates) == (summary.survey_id, 0, 3)


def test_google_forms_cli(sqlite_db, make_workspace, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws = make_workspace(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = ["import", "googleforms", str(FIXTURES / "responses.csv"), "--workspace", ws.name]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        lines = r.stdout.strip().splitlines()
        assert lines[-1].startswith("survey_id=") and "stored=3" in lines[-2]
        bad = tmp_path / "bad.csv"
        bad.write_text("Name,Age\nx,1\n")
        r = runner.invoke(app, ["import", "googleforms", str(bad), "--workspace", ws.name])
        assert r.exit_code == 1 and "Timestamp" in r.output
    finally:
        get_settings.cache_clear()
