"""First-hour papercuts: the language kept after signing in, survey links on the configured base
URL, human validation messages in the builder, the demo's API key kept across restarts, and
`dev.py run --help` answering without installing anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sada.settings import Settings
from tests.web.conftest import csrf_of, sign_in

ROOT = Path(__file__).resolve().parents[2]


def test_the_sign_in_language_stays_after_signing_in(client: Any, make_user: Any) -> None:
    # A Persian browser, an account that never chose a language (English, the default).
    email = make_user("viewer", language="en")
    client.headers["accept-language"] = "fa-IR,fa;q=0.9"
    assert 'lang="fa"' in client.get("/login").text
    assert sign_in(client, email).status_code == 303
    assert 'lang="fa" dir="rtl"' in client.get("/overview").text


def test_a_saved_language_still_wins_over_an_english_browser(client: Any, make_user: Any) -> None:
    email = make_user("viewer", language="ar")
    client.headers["accept-language"] = "en-US,en;q=0.9"
    assert sign_in(client, email).status_code == 303
    assert 'lang="ar" dir="rtl"' in client.get("/overview").text


def test_survey_links_use_the_configured_base_url(db: Any, workspace: Any, make_user: Any) -> None:
    from fastapi.testclient import TestClient

    from sada.app import create_app

    settings = Settings(
        environment="test", database_url="sqlite:///unused.db", base_url="https://cx.example.com"
    )
    app = create_app(settings, db=db, migrate=False, run_jobs=False)
    with TestClient(app, base_url="https://testserver") as client:
        assert sign_in(client, make_user("owner")).status_code == 303
        csrf = csrf_of(client.get("/surveys/new").text)
        created = client.post(
            "/surveys/new",
            data={
                "csrf": csrf,
                "name": "Link check",
                "kind": "nps",
                "default_language": "en",
                "languages": ["en"],
                "q1_en": "Would you recommend us?",
            },
            follow_redirects=True,
        )
        assert created.status_code == 200, created.text[:500]
        assert "https://cx.example.com/s/" in created.text
        assert ":8000" not in created.text


def test_serve_uses_its_own_address_when_no_base_url_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sada.cli.server import use_base_url
    from sada.settings import get_settings

    monkeypatch.delenv("SADA_BASE_URL", raising=False)
    assert use_base_url("0.0.0.0", 9100) == "http://127.0.0.1:9100"  # noqa: S104
    assert get_settings().base_url == "http://127.0.0.1:9100"
    monkeypatch.setenv("SADA_BASE_URL", "https://cx.example.com/")
    assert use_base_url("127.0.0.1", 9100) == "https://cx.example.com"
    get_settings.cache_clear()


def test_builder_problems_name_the_question_not_a_json_path(
    db: Any, workspace: Any, login: Any
) -> None:
    client = login("owner")
    csrf = csrf_of(client.get("/surveys/new").text)
    form = {
        "csrf": csrf,
        "name": "No main text",
        "kind": "nps",
        "default_language": "en",
        "languages": ["en", "fa"],
        "q1_fa": "چقدر احتمال دارد ما را پیشنهاد کنید؟",
    }
    response = client.post("/surveys/new?lang=en", data=form)
    assert response.status_code == 422
    assert "The main question: write its text in the default language." in response.text
    assert "questions[" not in response.text
    response = client.post("/surveys/new?lang=fa", data=form)
    assert response.status_code == 422
    assert "پرسش اصلی" in response.text and "questions[" not in response.text


def test_the_demo_keeps_its_first_api_key(db: Any, workspace: Any, tmp_path: Path) -> None:
    from sada.demo.seed import demo_api_key
    from sada.tenants.service import list_api_keys

    key_file = tmp_path / "sada.db.demo-key"
    first = demo_api_key(db, workspace.id, None, key_file)
    assert key_file.read_text().strip() == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert demo_api_key(db, workspace.id, key_file, key_file) == first
    assert demo_api_key(db, workspace.id, key_file, key_file) == first
    with db.reader(workspace.id) as session:
        assert len(list_api_keys(session)) == 1
    # A key that no longer works (revoked, another database) is replaced, once.
    key_file.write_text("sada_bogus_key\n")
    second = demo_api_key(db, workspace.id, key_file, key_file)
    assert second != first and key_file.read_text().strip() == second


def test_dev_run_help_answers_without_installing(tmp_path: Path) -> None:
    # A copy of dev.py in an empty folder: no .venv there, and none may be created.
    (tmp_path / "dev.py").write_text((ROOT / "dev.py").read_text())
    done = subprocess.run(
        [sys.executable, "dev.py", "run", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PIP_NO_INDEX": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "--port" in done.stdout and "installing" not in done.stdout
    assert not (tmp_path / ".venv").exists()
