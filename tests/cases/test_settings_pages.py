"""Settings pages of the closed loop: teams and business hours in the browser, the settings
index linking every settings page, and agents on the performance page (their own teams)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from sada.cases.assignment import do_add_member, do_create_team
from sada.cases.models import Conversation, Team
from sada.db.types import utcnow
from tests.cases.test_workspace import ALLOWED, ENGLISH, _member, _visible
from tests.web.conftest import csrf_of, sign_in


def _team_form(name, **shifts):
    data = {"name": name, "timezone": "Asia/Riyadh", "assignment": "least_loaded", "holidays": ""}
    for day in range(7):
        data[f"shifts_{day}"] = shifts.get(f"d{day}", "")
    return data


def test_admin_edits_split_shifts_and_holidays_in_four_languages(db, workspace, client):
    _uid, email = _member(db, workspace.id, role="admin")
    sign_in(client, email)
    with db.transaction(workspace.id) as session:
        legacy = do_create_team(
            session,
            {
                "name": f"Legacy-{uuid.uuid4().hex[:6]}",
                "timezone": "Asia/Tehran",
                "weekend_days": [4],
                "hours": {"3": ["08:00", "12:00"], "default": ["08:00", "16:00"]},
            },
        )
        legacy_id, legacy_name = legacy.id, legacy.name
    for lang, word in (("ar", "الاثنين"), ("fa", "دوشنبه"), ("zh", "星期一"), ("en", "Monday")):
        page = client.get(f"/settings/teams?lang={lang}")
        assert page.status_code == 200, lang
        assert word in page.text and 'id="team-form"' in page.text
        if lang != "en":
            # No English UI word left (time zone names and team names are data).
            text = _visible(page.text).replace(legacy_name, "")
            words = {w for w in ENGLISH.findall(text) if w not in ALLOWED}
            assert words <= {"UTC", "Asia", "Tehran", "YYYY", "API"}, (lang, words)
    # The old single-interval team shows as shifts per weekday; Friday (its weekend) closed.
    page = client.get(f"/settings/teams?team={legacy_id}")
    assert 'name="shifts_3" dir="ltr"' in page.text
    assert re.search(r'name="shifts_3"[^>]*value="08:00-12:00"', page.text)
    assert re.search(r'name="shifts_0"[^>]*value="08:00-16:00"', page.text)
    assert re.search(r'name="shifts_4"[^>]*value=""', page.text)

    name = f"الرياض-{uuid.uuid4().hex[:4]}"
    split = "08:00-12:00, 13:00-17:00"
    form = _team_form(name, d6=split, d0=split, d1=split, d2=split, d3="08:00-12:00")
    form["holidays"] = "2026-03-08\n2026-03-09"
    # Overlapping shifts on Monday: refused, naming Monday in Arabic, nothing saved.
    bad = client.post(
        "/settings/teams?lang=ar",
        data={**form, "shifts_0": "08:00-12:00, 11:00-17:00", "csrf": csrf_of(page.text)},
    )
    assert bad.status_code == 422
    error = bad.text[bad.text.index('id="team-error"') :]
    assert "الاثنين" in error[: error.index("</p>")]
    assert re.search(r'name="shifts_0"[^>]*aria-invalid="true"', bad.text)
    assert "11:00-17:00" in bad.text  # what was typed stays in the form
    bad = client.post(
        "/settings/teams?lang=fa",
        data={**form, "holidays": "1405-01-01", "csrf": csrf_of(page.text)},
    )
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    bad = client.post(
        "/settings/teams?lang=zh",
        data={**form, "shifts_2": "17:00-09:00", "csrf": csrf_of(page.text)},
    )
    assert bad.status_code == 422 and "星期三" in bad.text
    bad = client.post(
        "/settings/teams",
        data={**form, "timezone": "Asia/Nowhere", "csrf": csrf_of(page.text)},
    )
    assert bad.status_code == 422 and re.search(
        r'name="timezone"[^>]*aria-invalid="true"', bad.text
    )
    with db.reader(workspace.id) as session:
        assert session.execute(select(Team).where(Team.name == name)).first() is None

    ok = client.post(
        "/settings/teams", data={**form, "csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert ok.status_code == 303
    with db.reader(workspace.id) as session:
        team = session.execute(select(Team).where(Team.name == name)).scalar_one()
        assert team.hours["0"] == [["08:00", "12:00"], ["13:00", "17:00"]]
        assert team.hours["3"] == [["08:00", "12:00"]]
        assert sorted(team.weekend_days) == [4, 5]  # days without shifts are closed
        assert team.holidays == ["2026-03-08", "2026-03-09"]
        assert team.assignment == "least_loaded" and team.timezone == "Asia/Riyadh"
        team_id = team.id
    # Change it: Thursday gets an evening shift too.
    page = client.get(f"/settings/teams?team={team_id}")
    again = client.post(
        "/settings/teams",
        data={
            **form,
            "team_id": str(team_id),
            "shifts_3": "08:00-12:00, 16:00-18:00",
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert again.status_code == 303
    with db.reader(workspace.id) as session:
        assert session.get(Team, team_id).hours["3"] == [["08:00", "12:00"], ["16:00", "18:00"]]


def test_settings_pages_need_their_role(db, workspace, client):
    _uid, email = _member(db, workspace.id, role="manager")
    sign_in(client, email)
    assert client.get("/settings/teams", follow_redirects=False).status_code == 403
    assert client.get("/settings/case-followup").status_code == 200


def test_settings_index_links_every_settings_page(db, workspace, client):
    import importlib

    from sada.domains import router_modules

    _uid, email = _member(db, workspace.id, role="owner")
    sign_in(client, email)
    routes = [
        route for name in router_modules() for route in importlib.import_module(name).router.routes
    ]
    pages = sorted(
        {
            route.path
            for route in routes
            if getattr(route, "path", "").startswith("/settings")
            and "GET" in (getattr(route, "methods", None) or set())
            and "{" not in route.path
        }
    )
    assert "/settings/canned-responses" in pages and "/settings/teams" in pages
    index = client.get("/settings")
    assert index.status_code == 200
    nav = index.text[index.text.index('class="subnav"') :]
    nav = nav[: nav.index("</nav>")]
    missing = [path for path in pages if f'href="{path}"' not in nav]
    assert not missing, f"settings pages not linked from the index: {missing}"
    # Each linked page opens for the owner.
    for path in pages:
        assert client.get(path).status_code == 200, path


def _conversations(db, ws_id, assignee, team_id, n=2):
    now = utcnow()
    with db.transaction(ws_id) as session:
        for i in range(n):
            opened = now - timedelta(days=1, hours=i)
            session.add(
                Conversation(
                    workspace_id=ws_id,
                    thread_key=f"perf:{uuid.uuid4().hex}",
                    channel="chat",
                    status="solved",
                    priority="normal",
                    tags=[],
                    opened_at=opened,
                    last_message_at=opened,
                    assignee_id=assignee,
                    team_id=team_id,
                    first_response_at=opened + timedelta(minutes=10),
                    solved_at=opened + timedelta(hours=2),
                )
            )


def test_agents_see_their_own_teams_performance(db, workspace, client):
    me, email = _member(db, workspace.id, role="agent", name="Nasrin Agent")
    mate, _ = _member(db, workspace.id, role="agent", name="Teammate Tara")
    stranger, _ = _member(db, workspace.id, role="agent", name="Other Omid")
    with db.transaction(workspace.id) as session:
        mine = do_create_team(session, {"name": f"mine-{uuid.uuid4().hex[:6]}"})
        theirs = do_create_team(session, {"name": f"theirs-{uuid.uuid4().hex[:6]}"})
        do_add_member(session, mine.id, me)
        do_add_member(session, mine.id, mate)
        do_add_member(session, theirs.id, stranger)
        mine_id, theirs_id, mine_name, theirs_name = mine.id, theirs.id, mine.name, theirs.name
    _conversations(db, workspace.id, me, mine_id)
    _conversations(db, workspace.id, mate, mine_id)
    _conversations(db, workspace.id, stranger, theirs_id)
    _conversations(db, workspace.id, None, None)
    sign_in(client, email)
    r = client.get("/performance")
    assert r.status_code == 200, r.text[:300]
    table = r.text[r.text.index('id="performance"') :]
    assert "Nasrin Agent" in table and "Teammate Tara" in table
    assert "Other Omid" not in table
    assert f'data-row="{stranger}"' not in table and 'data-row=""' not in table
    assert 'id="own-teams"' in r.text
    by_team = client.get("/performance?by=team").text
    by_team = by_team[by_team.index('id="performance"') :]
    assert mine_name in by_team and theirs_name not in by_team
    # The drill-down behind an agent's figure opens for the agent.
    link = re.search(rf'data-row="{mate}".*?href="([^"]+)" data-drill="volume"', table, re.S)
    assert link and client.get(link.group(1).replace("&amp;", "&")).status_code == 200
    # A viewer (dashboards) still sees everyone; an agent without a team sees only themself.
    client.cookies.clear()
    _v, viewer = _member(db, workspace.id, role="viewer")
    sign_in(client, viewer)
    everyone = client.get("/performance").text
    assert "Other Omid" in everyone and 'id="own-teams"' not in everyone
    client.cookies.clear()
    loner, loner_email = _member(db, workspace.id, role="agent", name="Lonely Leila")
    _conversations(db, workspace.id, loner, None)
    sign_in(client, loner_email)
    alone = client.get("/performance").text
    alone = alone[alone.index('id="performance"') :]
    assert "Lonely Leila" in alone and "Nasrin Agent" not in alone
