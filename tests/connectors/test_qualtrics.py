"""Qualtrics exports of all three generations, typed from their own metadata, per survey."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.qualtrics import service as qualtrics
from sada.feedback import service
from sada.feedback.models import Response

FIXTURES = Path(__file__).parent / "fixtures" / "qualtrics"


def _types(db, workspace, survey_id):  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, survey_id)
        return {q.key: q.type for q in service.definition_of(s, survey).questions}


def _responses(db, workspace, survey_id):  # type: ignore[no-untyped-def]
    with db.reader(workspace.id) as s:
        rows = (
            s.execute(select(Response).where(Response.survey_id == survey_id).order_by(Response.id))
            .scalars()
            .all()
        )
        return [(r.external_id, service.response_out(s, r)) for r in rows]


def test_current_numeric_export_typed_from_metadata(db, workspace):  # type: ignore[no-untyped-def]
    summary = qualtrics.import_file(db, workspace.id, FIXTURES / "current_numeric.csv")
    assert (summary.imported, summary.rejected) == (3, 0)
    assert summary.skipped == {"preview": 1, "test": 1, "spam": 1}
    types = _types(db, workspace, summary.survey_id)
    # NPS from the _NPS_GROUP sibling; numeric codes and split checkboxes stay choices.
    assert types["Q1"] == "nps"
    assert types["Q2"] == "single_choice"
    assert types["Q3"] == "multiple_choice"
    assert types["Q3_4_TEXT"] == "text" and types["Q6"] == "text"
    assert types["Q4_1"] == types["Q4_2"] == "single_choice"
    assert types["Q5_1_1"] == types["Q5_2_1"] == "single_choice"
    assert "rating" not in types.values() and "csat" not in types.values()
    assert "Q1_NPS_GROUP" not in types and "Q6_DO" not in types
    rows = dict(_responses(db, workspace, summary.survey_id))
    omar = {a.question: a.value for a in rows["R_aA1"].answers}
    assert omar["Q1"] == 9 and omar["Q3"] == ["Website", "Mobile_app"] and omar["Q2"] == "c_2"
    # -99 / -1: seen but not answered: the answer is skipped, the response kept.
    maryam = {a.question: a.value for a in rows["R_aA2"].answers}
    assert "Q1" not in maryam and "Q4_1" not in maryam and "Q5_2_1" not in maryam
    assert maryam["Q3_4_TEXT"] == "Telegram"
    li = {a.question: a.value for a in rows["R_aA6"].answers}
    assert "Q4_2" not in li and li["Q1"] == 6
    assert rows["R_aA1"].scores == {"nps": [9, 10]}
    assert rows["R_aA1"].completed_at.isoformat() == "2026-03-01T06:02:00+00:00"  # Dubai +4


def test_qsf_definition_gives_exact_types_and_choice_labels(db, workspace):  # type: ignore[no-untyped-def]
    summary = qualtrics.import_file(
        db, workspace.id, FIXTURES / "current_numeric.csv", definitions=FIXTURES / "current.qsf"
    )
    assert summary.imported == 3
    with db.reader(workspace.id) as s:
        survey = service.access_survey(s, summary.survey_id)
        assert survey.external_id == "SV_5nakhlTelecom" and "relationship" in survey.name
        d = service.definition_of(s, survey)
        q2 = d.question("Q2")
        assert q2 is not None and [c.label["en"] for c in q2.choices] == [
            "Prepaid",
            "Postpaid",
            "Business",
            "Family",
        ]
        q4 = d.question("Q4_1")
        assert q4 is not None and q4.choices[4].label["en"] == "Excellent"
    rows = dict(_responses(db, workspace, summary.survey_id))
    omar = {a.question: a.value for a in rows["R_aA1"].answers}
    assert omar["Q2"] == "c_2" and omar["Q4_2"] == "c_5" and sorted(omar["Q3"]) == ["c_1", "c_2"]
    # The choice-text export of the same survey maps its labels to the same choices.
    text = qualtrics.import_file(
        db,
        workspace.id,
        FIXTURES / "current_choice_text.csv",
        definitions=FIXTURES / "current.qsf",
    )
    assert text.survey_id == summary.survey_id
    assert (text.imported, text.updated, text.duplicates) == (0, 0, 3)
    assert text.skipped == {"preview": 1, "test": 1, "spam": 1}


def test_2016_export_with_single_quoted_import_ids(db, workspace):  # type: ignore[no-untyped-def]
    parsed = qualtrics.parse_export((FIXTURES / "export_2016.csv").read_text())
    assert parsed.generation == "2016"
    summary = qualtrics.import_file(db, workspace.id, FIXTURES / "export_2016.csv")
    assert (summary.imported, summary.skipped) == (2, {"preview": 1})
    assert _types(db, workspace, summary.survey_id) == {"Q1": "nps", "Q2": "text"}
    rows = dict(_responses(db, workspace, summary.survey_id))
    assert rows["R_3kPq1"].completed_at.isoformat() == "2017-04-03T16:05:01+00:00"  # Denver -6


def test_legacy_two_row_export(db, workspace):  # type: ignore[no-untyped-def]
    parsed = qualtrics.parse_export((FIXTURES / "legacy_two_row.csv").read_text())
    assert parsed.generation == "legacy"
    assert {m.question.key: m.question.type for m in parsed.mapped} == {
        "Q1": "single_choice",  # no metadata without the .qsf: a choice, not a rating
        "Q2": "multiple_choice",
        "Q3": "single_choice",
    }
    summary = qualtrics.import_file(
        db,
        workspace.id,
        FIXTURES / "legacy_two_row.csv",
        definitions=FIXTURES / "legacy_two_row.qsf",
        timezone="Asia/Tehran",
    )
    assert (summary.imported, summary.skipped, summary.rejected) == (3, {"preview": 1}, 0)
    assert _types(db, workspace, summary.survey_id) == {
        "Q1": "nps",
        "Q2": "multiple_choice",
        "Q3": "text",
    }
    rows = dict(_responses(db, workspace, summary.survey_id))
    sina = {a.question: a.value for a in rows["R_1xYz"].answers}
    assert sina["Q1"] == 9 and sina["Q2"] == ["c_1"]
    huda = {a.question: a.value for a in rows["R_2xYz"].answers}
    assert "Q1" not in huda and sorted(huda["Q2"]) == ["c_1", "c_2"]
    assert rows["R_1xYz"].completed_at.isoformat() == "2015-11-02T05:34:00+00:00"


def _wide_export(n: int) -> str:
    """n questions, every one exported under the same column name (a repeated export tag)."""
    out = io.StringIO()
    w = csv.writer(out)
    ids = ["ResponseId", "RecordedDate", "Finished"] + ["Q1"] * n
    texts = ["Response ID", "Recorded Date", "Finished"] + [f"Question {i}" for i in range(n)]
    meta = [{"ImportId": "_recordId"}, {"ImportId": "recordedDate"}, {"ImportId": "finished"}]
    meta += [{"ImportId": f"QID{i + 1}"} for i in range(n)]
    w.writerow(ids)
    w.writerow(texts)
    w.writerow([json.dumps(m) for m in meta])
    for r in range(3):
        w.writerow(
            [f"R_w{r}", "2026-01-02 03:04:05", "1"] + [str(1 + (i + r) % 3) for i in range(n)]
        )
    return out.getvalue()


def test_150_questions_with_repeated_column_names(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "wide.csv"
    path.write_text(_wide_export(150))
    summary = qualtrics.import_file(db, workspace.id, path)
    assert (summary.imported, summary.rejected) == (3, 0)
    types = _types(db, workspace, summary.survey_id)
    assert len(types) == 150 and "Q1" in types and "Q1_150" in types
    rows = _responses(db, workspace, summary.survey_id)
    assert len(rows[0][1].answers) == 150


def test_same_export_under_another_name_changes_no_other_survey(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    first = qualtrics.import_file(db, workspace.id, FIXTURES / "export_2016.csv")
    renamed = tmp_path / "renamed copy.csv"
    shutil.copy(FIXTURES / "export_2016.csv", renamed)
    again = qualtrics.import_file(db, workspace.id, renamed)
    assert again.survey_id == first.survey_id and (again.imported, again.duplicates) == (0, 2)
    # Another survey whose ResponseIds collide (other questions): its own survey, untouched old.
    other = tmp_path / "other.csv"
    lines = (FIXTURES / "export_2016.csv").read_text().splitlines()
    other.write_text(
        "\n".join(
            [
                lines[0].replace("Q1_NPS_GROUP", "Q9_X").replace(",Q2", ",Q8"),
                lines[1],
                lines[2].replace("QID1_NPS_GROUP", "QID9").replace("QID2_TEXT", "QID8_TEXT"),
                *lines[3:],
            ]
        )
    )
    third = qualtrics.import_file(db, workspace.id, other)
    assert third.survey_id != first.survey_id and third.imported == 2
    with db.reader(workspace.id) as s:
        counts = dict(
            s.execute(select(Response.survey_id, func.count()).group_by(Response.survey_id)).all()
        )
    assert counts == {first.survey_id: 2, third.survey_id: 2}
    rows = dict(_responses(db, workspace, first.survey_id))
    assert rows["R_3kPq1"].scores == {"nps": [10, 10]}


def test_cli_summary_and_exit_codes(sqlite_db, make_workspace, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws = make_workspace(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        target = tmp_path / "current_numeric.csv"
        shutil.copy(FIXTURES / "current_numeric.csv", target)
        r = runner.invoke(app, ["import", "qualtrics", str(target), "--workspace", ws.name])
        assert r.exit_code == 0, r.output
        lines = r.stdout.strip().splitlines()
        assert lines[-1].startswith("survey_id=")
        assert "stored=3" in lines[-2] and "skipped=3" in lines[-2]
        assert "skipped preview=1" in lines and "skipped spam=1" in lines
        again = runner.invoke(app, ["import", "qualtrics", str(target), "--workspace", ws.name])
        assert again.exit_code == 0 and "duplicate=3" in again.stdout
        assert again.stdout.strip().splitlines()[-1] == lines[-1]
        # Every row rejected: non-zero exit, reasons counted, survey_id still last.
        bad = tmp_path / "bad_dates.csv"
        rows = (FIXTURES / "export_2016.csv").read_text().splitlines()
        bad.write_text(
            "\n".join(rows[:3] + [r.replace("2017-04-0", "04/31/20x") for r in rows[3:5]])
        )
        r = runner.invoke(app, ["import", "qualtrics", str(bad), "--workspace", ws.name])
        assert r.exit_code == 1
        out = r.stdout.strip().splitlines()
        assert out[-1].startswith("survey_id=") and "rejected=2" in out[-2]
        assert any(line.startswith("rejected unreadable_date") for line in out)
    finally:
        get_settings.cache_clear()


def test_qsf_satisfaction_question_becomes_csat(db, workspace, tmp_path):  # type: ignore[no-untyped-def]
    labels = ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"]
    qsf = {
        "SurveyEntry": {"SurveyID": "SV_csat1", "SurveyName": "Support CSAT"},
        "SurveyElements": [
            {
                "Element": "SQ",
                "PrimaryAttribute": "QID1",
                "Payload": {
                    "QuestionID": "QID1",
                    "DataExportTag": "Q1",
                    "QuestionType": "MC",
                    "Selector": "SAVR",
                    "QuestionText": "How satisfied were you with our support?",
                    "Choices": {str(i + 1): {"Display": lb} for i, lb in enumerate(labels)},
                    "ChoiceOrder": [1, 2, 3, 4, 5],
                },
            }
        ],
    }
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["ResponseId", "RecordedDate", "Finished", "Q1"])
    w.writerow(["Response ID", "Recorded Date", "Finished", "How satisfied were you?"])
    w.writerow(
        [json.dumps({"ImportId": i}) for i in ("_recordId", "recordedDate", "finished", "QID1")]
    )
    w.writerow(["R_c1", "2026-01-01 10:00:00", "1", "Very satisfied"])  # choice-text export
    w.writerow(["R_c2", "2026-01-01 11:00:00", "1", "4"])  # numeric: choice 4 = Dissatisfied
    path, definitions = tmp_path / "csat.csv", tmp_path / "csat.qsf"
    path.write_text(out.getvalue())
    definitions.write_text(json.dumps(qsf))
    summary = qualtrics.import_file(db, workspace.id, path, definitions=definitions)
    assert summary.imported == 2
    assert _types(db, workspace, summary.survey_id) == {"Q1": "csat"}
    rows = dict(_responses(db, workspace, summary.survey_id))
    assert rows["R_c1"].scores == {"csat": [5, 5]} and rows["R_c2"].scores == {"csat": [2, 5]}
