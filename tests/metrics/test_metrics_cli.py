"""`sada metrics nps --json` and `--by week`, in the workspace's time zone."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from typer.testing import CliRunner

from sada.cli.main import app
from sada.feedback import service
from sada.metrics.service import MetricFilter, compare_filters, summarize
from sada.tenants.service import do_create_workspace
from tests.feedback.factories import nps_survey


def _seed(db, tz="Asia/Tehran"):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        ws = do_create_workspace(s, f"cli-{uuid.uuid4().hex[:8]}", timezone=tz)
    with db.transaction(ws.id) as s:
        survey = service.do_create_survey(s, nps_survey())
        # Sunday 2026-03-01 22:00 UTC is Monday 01:30 in Tehran: week 10, not week 9.
        times = [datetime(2026, 3, 1, 22, 0, tzinfo=UTC)] * 3 + [
            datetime(2026, 2, 25, 10, 0, tzinfo=UTC)
        ] * 2
        scores = [10, 9, 3, 8, 0]
        for i, (at, score) in enumerate(zip(times, scores, strict=True)):
            service.do_import_response(
                s,
                survey,
                service.ExternalRecord(
                    source="t",
                    external_id=str(i),
                    answers={"nps": score},
                    submitted_at=at,
                    hidden={"segment": "gold" if i % 2 else "silver"},
                ),
            )
    return ws, survey


def test_nps_json_and_weekly_periods(sqlite_db, monkeypatch):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws, survey = _seed(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(
            app, ["metrics", "nps", "--workspace", ws.name, "--survey", str(survey.id), "--json"]
        )
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert {k: out[k] for k in ("n", "promoters", "passives", "detractors", "nps")} == {
            "n": 5,
            "promoters": 2,
            "passives": 1,
            "detractors": 2,
            "nps": 0.0,
        }
        assert out["ci_low"] < 0 < out["ci_high"] and out["moe"] > 0
        r = runner.invoke(
            app,
            [
                "metrics",
                "nps",
                "--workspace",
                ws.name,
                "--survey",
                str(survey.id),
                "--json",
                "--by",
                "week",
            ],
        )
        weekly = json.loads(r.stdout)["periods"]
        assert [(p["period"], p["n"], p["nps"]) for p in weekly] == [
            ("2026-W09", 2, -50.0),
            ("2026-W10", 3, 33.33),
        ]
        assert set(weekly[0]) >= {
            "n",
            "promoters",
            "passives",
            "detractors",
            "nps",
            "moe",
            "ci_low",
            "ci_high",
        }
        r = runner.invoke(app, ["metrics", "rebuild", "--workspace", ws.name])
        assert r.exit_code == 0 and "rebuilt" in r.stdout
        r = runner.invoke(app, ["metrics", "nps", "--workspace", ws.name, "--group", "segment"])
        assert "gold" in r.stdout and "small sample" in r.stdout
    finally:
        get_settings.cache_clear()


def test_same_instant_lands_on_the_local_day(sqlite_db):  # type: ignore[no-untyped-def]
    ws_utc, s_utc = _seed(sqlite_db, "UTC")
    with sqlite_db.reader(ws_utc.id) as s:
        weeks = summarize(s, MetricFilter("nps", [s_utc.id]), by="week")["periods"]
        assert [p["n"] for p in weeks] == [5]  # in UTC both days are in ISO week 9
        both = compare_filters(
            s,
            MetricFilter("nps", filters={"segment": "gold"}),
            MetricFilter("nps", filters={"segment": "silver"}),
        )
        assert both["verdict"] in ("significant", "not significant") and both["low_sample"]
