"""Sign-in, sessions, CSRF, rate limit, roles enforced on the server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import PASSWORD, csrf_of, sign_in


def test_sign_in_sets_a_secure_session_cookie_and_sign_out_ends_it(
    client: Any, make_user: Any
) -> None:
    email = make_user("analyst")
    response = sign_in(client, email)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "sada_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/feedback").status_code == 200
    stolen = client.cookies.get("sada_session")
    page = client.get("/feedback")
    assert (
        client.post(
            "/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False
        ).status_code
        == 303
    )
    # The server-side session is gone: replaying the old cookie does not sign in.
    client.cookies.set("sada_session", stolen)
    again = client.get("/feedback", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_wrong_password_is_refused_with_the_same_answer_as_unknown_email(
    client: Any, make_user: Any
) -> None:
    email = make_user("viewer")
    wrong = sign_in(client, email, "not the password")
    unknown = sign_in(client, "nobody@example.com", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text and "Wrong email or password." in unknown.text
    assert "sada_session" not in wrong.headers.get("set-cookie", "")


def test_login_is_rate_limited_per_account(client: Any, make_user: Any) -> None:
    email = make_user("viewer")
    codes = [sign_in(client, email, "bad password").status_code for _ in range(12)]
    assert codes[0] == 401
    assert codes[-1] == 429
    # Even the right password waits once the limit is hit.
    assert sign_in(client, email).status_code == 429


def test_forms_without_a_valid_csrf_token_are_refused(login: Any) -> None:
    client = login("owner")
    response = client.post(
        "/settings/api-keys", data={"name": "x", "scopes": "read", "csrf": "0" * 64}
    )
    assert response.status_code == 403
    missing = client.post("/settings/api-keys", data={"name": "x", "scopes": "read"})
    assert missing.status_code == 403
    page = client.get("/settings/api-keys")
    cross = client.post(
        "/settings/api-keys",
        data={"name": "x", "scopes": "read", "csrf": csrf_of(page.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert 'id="new-key"' not in cross.text


def test_login_form_itself_needs_its_csrf_token(client: Any, make_user: Any) -> None:
    email = make_user("viewer")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403


def test_pages_redirect_to_sign_in_and_back(client: Any, make_user: Any) -> None:
    response = client.get("/people?q=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fpeople%3Fq%3Dx"
    email = make_user("agent")
    page = client.get("/login?next=/people")
    done = client.post(
        "/login",
        data={
            "email": email,
            "password": PASSWORD,
            "csrf": csrf_of(page.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/"  # open redirects are refused


ROLE_ACCESS = {
    "viewer": {
        "/overview": 200,
        "/feedback": 403,
        "/people": 403,
        "/settings": 403,
        "/feedback/export.csv": 403,
        "/surveys": 403,
    },
    "analyst": {
        "/overview": 200,
        "/feedback": 200,
        "/people": 403,
        "/settings": 403,
        "/feedback/export.csv": 200,
    },
    "agent": {"/overview": 403, "/feedback": 403, "/people": 200, "/settings": 403},
    "manager": {
        "/overview": 200,
        "/feedback": 200,
        "/people": 200,
        "/surveys": 200,
        "/settings": 403,
    },
    "admin": {
        "/overview": 200,
        "/settings/users": 200,
        "/settings/api-keys": 200,
        "/settings/audit": 200,
    },
}


@pytest.mark.parametrize("role", list(ROLE_ACCESS))
def test_each_role_sees_what_the_issue_says(login: Any, role: str) -> None:
    client = login(role)
    for path, status in ROLE_ACCESS[role].items():
        assert client.get(path).status_code == status, (role, path)
    # The navigation only offers what the role may open.
    nav = client.get("/account").text.split("main-nav")[1].split("</nav>")[0]
    assert ('href="/settings"' in nav) == (role in ("admin", "owner"))


def test_admin_cannot_make_an_owner_and_the_last_owner_stays(
    db: Any, workspace: Any, login: Any, make_user: Any
) -> None:
    from sqlalchemy import select

    from sada.tenants.models import Membership, User

    client = login("admin")
    other = make_user("viewer")
    with db.reader(workspace.id) as session:
        other_id = session.execute(select(User.id).where(User.email == other)).scalar_one()
    page = client.get("/settings/users")
    refused = client.post(
        f"/settings/users/{other_id}/role", data={"role": "owner", "csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 422
    ok = client.post(
        f"/settings/users/{other_id}/role", data={"role": "analyst", "csrf": csrf_of(page.text)}
    )
    assert ok.status_code == 200
    with db.reader(workspace.id) as session:
        role = session.execute(
            select(Membership.role).where(Membership.user_id == other_id)
        ).scalar_one()
    assert role == "analyst"
