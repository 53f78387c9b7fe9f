"""Reviews from Google Play (UTF-16 CSV), App Store, Trustpilot (CSV and JSON), Google."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from sada.cli.main import app
from sada.connectors.reviews import service as reviews
from sada.interactions.models import Interaction

FIXTURES = Path(__file__).parent / "fixtures" / "reviews"


def test_every_review_format(db, workspace):  # type: ignore[no-untyped-def]
    results = {
        name: reviews.import_file(db, workspace.id, FIXTURES / name)
        for name in (
            "play_reviews_202610.csv",
            "app_store_reviews.json",
            "trustpilot_export.csv",
            "trustpilot_api.json",
            "google_reviews.json",
        )
    }
    assert [(s.imported, s.rejected) for s in results.values()] == [
        (2, 1),
        (2, 0),
        (2, 0),
        (1, 0),
        (1, 0),
    ]
    assert "rejected star_rating_N_is_not_N" in results["play_reviews_202610.csv"].lines()[0]
    with db.reader(workspace.id) as s:
        rows = s.execute(select(Interaction)).scalars().all()
    assert {r.type for r in rows} == {"review"} and all(r.backfill for r in rows)
    assert {r.channel for r in rows} == {"play_store", "app_store", "trustpilot", "google_reviews"}
    by_text = {r.text: r for r in rows}
    assert by_text["برنامه مدام بسته می‌شود"].rating == 2
    assert by_text["更新后无法登录"].rating == 1 and by_text["更新后无法登录"].subject == "登录失败"
    assert by_text["کارکنان مؤدب"].rating == 4
    sam = by_text["The parcel arrived a week late"]
    assert sam.rating_scale == "stars5" and sam.person_id is not None
    again = reviews.import_file(db, workspace.id, FIXTURES / "play_reviews_202610.csv")
    assert (again.imported, again.duplicates) == (0, 2)


def test_reviews_cli(sqlite_db, make_workspace, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    from sada.settings import get_settings

    ws = make_workspace(sqlite_db)
    monkeypatch.setenv("SADA_DATABASE_URL", sqlite_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        path = str(FIXTURES / "app_store_reviews.json")
        r = runner.invoke(app, ["import", "reviews", path, "--workspace", ws.name])
        assert r.exit_code == 0 and "stored=2" in r.stdout, r.output
        other = tmp_path / "other.csv"
        other.write_text("a,b\n1,2\n")
        r = runner.invoke(app, ["import", "reviews", str(other), "--workspace", ws.name])
        assert r.exit_code == 1 and "not a review export" in r.output
    finally:
        get_settings.cache_clear()
