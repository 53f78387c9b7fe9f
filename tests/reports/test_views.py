"""Saved views: save, share, who may see and change them, workspace isolation, the API's
checks of page paths (no open redirect), and the pages (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from sada.cases.models import Team, TeamMember
from sada.core.errors import Forbidden, Invalid, NotFound
from sada.reports import service
from tests.reports.conftest import member
from tests.web.conftest import csrf_of


def _viewer(db: Any, ws: int, user: Any) -> service.Viewer:
    from sada.tenants.service import role_of

    with db.reader(ws) as s:
        return service.member_viewer(s, user.id, role_of(s, user.id) or "viewer")


def test_private_team_and_workspace_sharing(db, workspace) -> None:  # type: ignore[no-untyped-def]
    alice = member(db, workspace.id, "analyst")
    bob = member(db, workspace.id, "viewer")
    carol = member(db, workspace.id, "agent")
    admin = member(db, workspace.id, "admin")
    with db.transaction(workspace.id) as s:
        team = Team(name=f"CX {alice.email}")
        s.add(team)
        s.flush()
        s.add_all(
            [
                TeamMember(team_id=team.id, user_id=alice.id),
                TeamMember(team_id=team.id, user_id=carol.id),
            ]
        )
        team_id = team.id
    va, vb, vc, vadmin = (_viewer(db, workspace.id, u) for u in (alice, bob, carol, admin))
    with db.transaction(workspace.id) as s:
        view = service.do_create_view(
            s,
            va,
            {
                "name": "NPS last quarter",
                "url": "/overview?period=last_quarter&compare=previous_period&lang=fa",
            },
        )
        view_id = view.id
        assert view.query == "period=last_quarter&compare=previous_period"  # lang dropped
    with db.reader(workspace.id) as s:
        assert [v.id for v in service.list_views(s, va) if v.id == view_id] == [view_id]
        assert all(v.id != view_id for v in service.list_views(s, vb))
        with pytest.raises(NotFound):
            service.get_view(s, vb, view_id)
    # Shared with the team: Carol (in it) sees it, Bob (not in it) does not.
    with db.transaction(workspace.id) as s:
        service.do_update_view(s, va, view_id, {"share": "team", "team_id": team_id})
    with db.reader(workspace.id) as s:
        assert service.get_view(s, vc, view_id).id == view_id
        with pytest.raises(NotFound):
            service.get_view(s, vb, view_id)
    # Bob cannot share with a team he is not in.
    with db.transaction(workspace.id) as s:
        mine = service.do_create_view(
            s, vb, {"name": "Mine", "path": "/feedback", "query": "channel=email"}
        )
        with pytest.raises(Invalid):
            service.do_update_view(s, vb, mine.id, {"share": "team", "team_id": team_id})
    # Shared with the workspace: everyone sees it; only the owner or an admin changes it.
    with db.transaction(workspace.id) as s:
        service.do_update_view(s, va, view_id, {"share": "workspace"})
    with db.transaction(workspace.id) as s:
        assert service.get_view(s, vb, view_id).share == "workspace"
        with pytest.raises(Forbidden):
            service.do_update_view(s, vb, view_id, {"name": "taken over"})
        with pytest.raises(Forbidden):
            service.do_delete_view(s, vc, view_id)
        service.do_update_view(
            s, vadmin, view_id, {"name": "Renamed by admin", "names": {"fa": "نمای فصل"}}
        )
    with db.reader(workspace.id) as s:
        view = service.get_view(s, vb, view_id)
        assert view.name == "Renamed by admin"
        assert (
            service.view_name(view, "fa") == "نمای فصل"
            and service.view_name(view, "zh") == view.name
        )
    with db.transaction(workspace.id) as s:
        service.do_delete_view(s, va, view_id)
    with db.reader(workspace.id) as s, pytest.raises(NotFound):
        service.get_view(s, va, view_id)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/overview",
        "//evil.example.com/overview",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "/settings/keys",
        "/overview/../settings",
        "/login?next=//evil.example.com",
        "overview",
        "",
    ],
)
def test_only_analytic_page_paths_are_accepted(target: str) -> None:
    from sada.reports.paths import clean_target

    with pytest.raises(Invalid):
        clean_target(target)


def test_paths_keep_filters_and_drop_paging() -> None:
    from sada.reports.paths import clean_target

    assert clean_target("/surveys/12?period=90d&page=3&cursor=x&question=q1") == (
        "/surveys/12",
        "period=90d&question=q1",
    )
    assert clean_target("/journeys/maps/onboarding", "?from=2026-01-01&to=2026-03-31")[1] == (
        "from=2026-01-01&to=2026-03-31"
    )


def test_api_crud_scopes_and_isolation(db, workspace, make_workspace, make_key, client) -> None:  # type: ignore[no-untyped-def]
    owner = member(db, workspace.id, "analyst")
    write = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write')}"}
    read = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    for bad in ("https://evil.example.com/overview", "//evil.example.com/x", "/settings", "/nope"):
        r = client.post(
            "/api/v1/views",
            json={"name": "x", "url": bad, "owner_email": owner.email},
            headers=write,
        )
        assert r.status_code == 422, (bad, r.text)
    for period in ("from=2026-13-45", "from=2026-05-01&to=2026-01-01", "compare=yesterday"):
        r = client.post(
            "/api/v1/views",
            json={"name": "x", "url": f"/overview?{period}", "owner_email": owner.email},
            headers=write,
        )
        assert r.status_code == 422, (period, r.text)
    r = client.post("/api/v1/views", json={"name": "x", "url": "/overview"}, headers=write)
    assert r.status_code == 422  # no owner
    body = {
        "name": "Weekly NPS",
        "url": "/overview?period=7d&channel=email",
        "share": "workspace",
        "owner_email": owner.email,
        "names": {"fa": "NPS هفتگی"},
    }
    assert client.post("/api/v1/views", json=body, headers=read).status_code == 403
    r = client.post("/api/v1/views", json=body, headers=write)
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["url"] == "/overview?period=7d&channel=email" and view["owner_id"] == owner.id
    listed = client.get("/api/v1/views", headers=read).json()
    assert view["id"] in [v["id"] for v in listed]
    # A write key is not the owner: it cannot rename a member's view (admin keys can).
    r = client.patch(f"/api/v1/views/{view['id']}", json={"name": "no"}, headers=write)
    assert r.status_code == 403
    admin = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    r = client.patch(
        f"/api/v1/views/{view['id']}", json={"name": "Weekly NPS (email)"}, headers=admin
    )
    assert r.status_code == 200 and r.json()["name"] == "Weekly NPS (email)"
    r = client.patch(
        f"/api/v1/views/{view['id']}", json={"url": "https://evil.example.com"}, headers=admin
    )
    assert r.status_code == 422
    # Another workspace's key does not find it.
    other = make_workspace(db)
    foreign = {"Authorization": f"Bearer {make_key(db, other.id, 'admin')}"}
    assert client.get(f"/api/v1/views/{view['id']}", headers=foreign).status_code == 404
    assert client.delete(f"/api/v1/views/{view['id']}", headers=foreign).status_code == 404
    assert all(v["id"] != view["id"] for v in client.get("/api/v1/views", headers=foreign).json())
    assert client.delete(f"/api/v1/views/{view['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/views/{view['id']}", headers=read).status_code == 404


def test_save_control_and_views_page(login) -> None:  # type: ignore[no-untyped-def]
    client = login("manager")
    page = client.get("/overview?period=last_quarter&compare=previous_period")
    assert page.status_code == 200
    assert 'action="/views"' in page.text and "Save this view" in page.text
    assert "Save this view" not in client.get("/account").text  # not an analytic page
    r = client.post(
        "/views",
        data={
            "csrf": csrf_of(page.text),
            "name": "Quarter vs quarter",
            "url": "/overview?period=last_quarter&compare=previous_period",
            "share": "private",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    listing = client.get("/views")
    assert "Quarter vs quarter" in listing.text
    import re

    view_id = int(re.search(r'data-view="(\d+)"', listing.text).group(1))
    opened = client.get(f"/views/{view_id}/open", follow_redirects=False)
    assert opened.headers["location"] == "/overview?period=last_quarter&compare=previous_period"
    bad = client.post(
        "/views",
        data={"csrf": csrf_of(listing.text), "name": "x", "url": "https://evil.example.com/"},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    fa = client.get("/views?lang=fa")
    assert "نماهای ذخیره‌شده" in fa.text


def test_api_schedules_validate_and_run(db, workspace, make_key, client) -> None:  # type: ignore[no-untyped-def]
    owner = member(db, workspace.id, "manager", language="fa")
    write = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read', 'write')}"}
    view = client.post(
        "/api/v1/views",
        json={
            "name": "Daily",
            "url": "/feedback?period=7d",
            "share": "workspace",
            "owner_email": owner.email,
        },
        headers=write,
    ).json()
    url = f"/api/v1/views/{view['id']}/schedules"
    bad = client.post(url, json={"recipients": [{"email": "nobody"}]}, headers=write)
    assert bad.status_code == 422 and "recipients[0]" in bad.text
    bad = client.post(
        url,
        json={"frequency": "weekly", "weekday": 9, "recipients": [{"user_id": owner.id}]},
        headers=write,
    )
    assert bad.status_code == 422
    r = client.post(
        url,
        json={
            "frequency": "daily",
            "at_time": "07:30",
            "timezone": "Asia/Tehran",
            "recipients": [{"user_id": owner.id}, {"email": "Board@Example.org", "language": "zh"}],
        },
        headers=write,
    )
    assert r.status_code == 201, r.text
    sched = r.json()
    assert sched["next_run_at"] and sched["recipients"][1] == {
        "email": "board@example.org",
        "language": "zh",
    }
    assert client.get(url, headers=write).json()[0]["id"] == sched["id"]
    run = client.post(f"{url}/{sched['id']}/run", headers=write)
    assert run.status_code == 202 and run.json()["queued"].startswith("now@")
    assert client.delete(f"{url}/{sched['id']}", headers=write).status_code == 204
    assert client.get(url, headers=write).json() == []
