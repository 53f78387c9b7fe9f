"""Finding 7 (sessions): reset links are single-use and retired by any newer one; failed
sign-ins slow the guesser without locking the owner out; Secure cookies and HSTS in
production."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sada.web import service as web
from tests.web.conftest import PASSWORD, sign_in


def test_an_older_reset_link_dies_when_a_newer_one_exists_or_is_used(
    db: Any, make_user: Any
) -> None:
    email = make_user("viewer")
    _user, first = web.do_request_password_reset(db, email, minutes=60)  # type: ignore[misc]
    _user, second = web.do_request_password_reset(db, email, minutes=60)  # type: ignore[misc]
    web.access_password_reset(db, second)
    for token in (first,):
        try:
            web.do_reset_password(db, token, "attacker-chosen-1")
        except Exception as exc:  # noqa: BLE001 - NotFound, checked below
            assert "invalid or has expired" in str(exc)
        else:
            raise AssertionError("an older reset link still worked")
    _user, third = web.do_request_password_reset(db, email, minutes=60)  # type: ignore[misc]
    _user, fourth = web.do_request_password_reset(db, email, minutes=60)  # type: ignore[misc]
    web.do_reset_password(db, fourth, "owner-chosen-1")
    for token in (second, third, fourth):
        try:
            web.do_reset_password(db, token, "attacker-chosen-2")
        except Exception as exc:  # noqa: BLE001
            assert "invalid or has expired" in str(exc)
        else:
            raise AssertionError("a reset link worked after another was used")


def test_failed_sign_ins_slow_the_guesser_but_not_the_owner(app: Any, make_user: Any) -> None:
    email = make_user("owner")
    with TestClient(app, client=("203.0.113.7", 4000)) as attacker:
        codes = [sign_in(attacker, email, "guess-guess").status_code for _ in range(10)]
        assert codes[:3] == [401, 401, 401] and codes[-1] == 429
        refused = sign_in(attacker, email, "guess-guess")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    with TestClient(app, client=("198.51.100.2", 4000)) as owner:
        assert sign_in(owner, email, PASSWORD).status_code == 303


def test_production_sets_secure_cookies_and_hsts(db: Any, settings: Any, make_user: Any) -> None:
    from sada.app import create_app

    prod = settings.model_copy(
        update={"environment": "production", "secret_key": "s" * 40, "base_url": "http://x"}
    )
    app = create_app(prod, db=db, migrate=False, run_jobs=False)
    email = make_user("viewer")
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
        assert "max-age=63072000" in page.headers["strict-transport-security"]
        response = sign_in(client, email)
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]
