"""Fixtures of the web tests: users with roles and signed-in test clients."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from sada.db.engine import Database
from sada.tenants.models import Workspace

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def make_user(db: Database, workspace: Workspace) -> Callable[..., str]:
    """Create a member of `workspace` with a role; returns the email."""

    def factory(role: str = "owner", *, ws: Workspace | None = None, language: str = "en") -> str:
        from sada.tenants.service import do_add_member, do_create_user

        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        target = ws or workspace
        with db.transaction(target.id) as session:
            user = do_create_user(
                session, email, PASSWORD, name=f"{role.title()} Tester", language=language
            )
            do_add_member(session, user, role)
        return email

    return factory


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )


@pytest.fixture
def login(client: Any, make_user: Callable[..., str]) -> Callable[..., Any]:
    """Sign the test client in as a new user with `role`; returns the client."""

    def factory(role: str = "owner", **kwargs: Any) -> Any:
        email = make_user(role, **kwargs)
        response = sign_in(client, email)
        assert response.status_code == 303, response.text[:500]
        client.email = email
        return client

    return factory


def ingest(db: Database, workspace_id: int, items: list[dict[str, Any]]) -> list[Any]:
    """Store interactions through the real ingest service."""
    from sada.interactions.ingest import ingest_batch

    with db.transaction(workspace_id) as session:
        results = ingest_batch(session, items)
    assert all(r.status == "stored" for r in results), results
    return results


def item(n: int, text: str | None, **extra: Any) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    base: dict[str, Any] = {
        "source": "test",
        "external_id": f"{uuid.uuid4().hex}-{n}",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=n + 1)).isoformat(),
        "channel": "email",
        "type": "message",
        "direction": "inbound",
        "text": text,
        "person": {"email": f"p{n}-{uuid.uuid4().hex[:6]}@example.com", "name": f"Person {n}"},
    }
    base.update(extra)
    return base
