"""Team business calendars with split shifts, holidays and time zones; SLA due times across them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from sada.cases import sla
from sada.cases.assignment import do_create_team, do_update_team
from sada.cases.models import Conversation, SlaPolicy, Team
from sada.core.errors import Invalid

SPLIT = {"default": [["09:00", "13:00"], ["14:00", "18:00"]]}


def test_split_shifts_skip_the_lunch_break():
    cal = sla.BusinessCalendar.build("UTC", [5, 6], hours=SPLIT)
    monday_noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    # One hour before lunch, the lunch hour does not count, then one hour after.
    assert cal.add(monday_noon, 120) == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    # Started in the break: the clock starts when the afternoon shift opens.
    assert cal.add(datetime(2026, 3, 2, 13, 30, tzinfo=UTC), 30) == datetime(
        2026, 3, 2, 14, 30, tzinfo=UTC
    )
    # 8 h a day: 10 business hours from Monday 09:00 end Tuesday 11:00 (4 + 4 + 2).
    assert cal.add(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 600) == datetime(
        2026, 3, 3, 11, 0, tzinfo=UTC
    )
    assert cal.minutes_between(
        datetime(2026, 3, 2, 12, 0, tzinfo=UTC), datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    ) == pytest.approx(120)
    # Friday afternoon rolls over the weekend to Monday morning.
    friday_5pm = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
    assert cal.add(friday_5pm, 90) == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


def test_shifts_per_weekday_friday_weekend_and_holiday():
    riyadh = ZoneInfo("Asia/Riyadh")
    # Friday-Saturday weekend; Thursday a short split day; Sunday (first working day) normal.
    cal = sla.BusinessCalendar.build(
        "Asia/Riyadh",
        [4, 5],
        hours={
            "3": ["08:00-10:00", "16:00-18:00"],
            "default": [["08:00", "12:00"], ["13:00", "17:00"]],
        },
        holidays=["2026-03-08"],
    )
    thursday_9am = datetime(2026, 3, 5, 9, 0, tzinfo=riyadh)
    # 1 h Thursday morning + 2 h Thursday evening = 3 h; the 4th hour skips Friday, Saturday and
    # Sunday 8 March (a holiday) to Monday 08:00-09:00.
    assert cal.add(thursday_9am, 4 * 60) == datetime(2026, 3, 9, 9, 0, tzinfo=riyadh)
    assert cal.add(thursday_9am, 3 * 60) == datetime(2026, 3, 5, 18, 0, tzinfo=riyadh)


def test_split_shifts_across_daylight_saving_change():
    berlin = ZoneInfo("Europe/Berlin")
    cal = sla.BusinessCalendar.build("Europe/Berlin", [5, 6], hours=SPLIT)
    # Clocks go forward on Sunday 29 March 2026; Friday is UTC+1, Monday UTC+2.
    friday_5pm = datetime(2026, 3, 27, 17, 0, tzinfo=berlin)
    due = cal.add(friday_5pm, 3 * 60)
    assert due == datetime(2026, 3, 30, 11, 0, tzinfo=berlin)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    # Business minutes over the change count wall-clock shifts, not UTC hours.
    assert cal.minutes_between(friday_5pm, due) == pytest.approx(180)
    # And back in October (UTC+2 -> UTC+1 on Sunday 25 October).
    assert cal.add(datetime(2026, 10, 23, 17, 30, tzinfo=berlin), 60).astimezone(UTC) == datetime(
        2026, 10, 26, 8, 30, tzinfo=UTC
    )


def test_old_single_interval_rows_read_as_before():
    legacy = sla.BusinessCalendar.build(
        "Asia/Tehran", [4], hours={"3": ["08:00", "12:00"], "default": ["08:00", "16:00"]}
    )
    assert legacy.windows[3] == ((480, 720),)
    assert legacy.windows[0] == ((480, 960),)
    # A stored interval that ends before it starts was ignored by the reader; it still is.
    lenient = sla.BusinessCalendar.build("UTC", [], hours={"default": ["18:00", "09:00"]})
    assert lenient.windows == {}
    # The three shapes of split shifts mean the same thing.
    for shape in (
        [["09:00", "13:00"], ["14:00", "18:00"]],
        ["09:00-13:00", "14:00-18:00"],
        "09:00-13:00, 14:00-18:00",
        "14:00 - 18:00، 09:00 - 13:00",
    ):
        assert sla.parse_shifts(shape) == ((540, 780), (840, 1080)), shape
    assert sla.format_shifts(((540, 780), (840, 1440))) == "09:00-13:00, 14:00-24:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hours": {"0": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "hours.0"),
        ({"hours": {"2": ["18:00", "09:00"]}}, "hours.2"),
        ({"hours": {"default": ["09:00", "25:00"]}}, "hours.default"),
        ({"hours": {"4": ["9h", "17h"]}}, "hours.4"),
        ({"hours": {"monday": ["09:00", "17:00"]}}, "hours.monday"),
        ({"holidays": ["2026-02-30"]}, "holidays[0]"),
        ({"holidays": ["2026-03-08", "1405-01-01"]}, "holidays[1]"),  # a Solar Hijri date
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"weekend_days": [7]}, "weekend_days"),
    ],
)
def test_invalid_calendars_are_refused_naming_the_field(db, workspace, changes, field):
    with db.transaction(workspace.id) as session:
        team = do_create_team(session, {"name": f"t-{uuid.uuid4().hex[:6]}"})
        with pytest.raises(Invalid) as caught:
            do_update_team(session, team.id, changes)
        assert caught.value.details == {"field": field}
        assert field.split(".")[0].split("[")[0] in caught.value.message


def test_team_api_updates_split_shifts_and_answers_422(client, db, workspace, make_key):
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'admin')}"}
    name = f"Riyadh-{uuid.uuid4().hex[:6]}"
    r = client.post(
        "/api/v1/teams",
        json={"name": name, "timezone": "Asia/Riyadh", "weekend_days": [4, 5]},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    team_id = r.json()["id"]
    r = client.patch(
        f"/api/v1/teams/{team_id}",
        json={
            "hours": {"default": [["08:00", "12:00"], ["13:00", "17:00"]]},
            "holidays": ["2026-03-08"],
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["hours"]["default"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert r.json()["timezone"] == "Asia/Riyadh"
    bad = client.patch(
        f"/api/v1/teams/{team_id}",
        json={"hours": {"0": [["08:00", "12:00"], ["11:00", "17:00"]]}},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"] == {"field": "hours.0"}
    assert "overlap" in bad.json()["error"]["message"]
    bad = client.post(
        "/api/v1/teams",
        json={"name": f"x-{uuid.uuid4().hex[:6]}", "hours": {"1": ["17:00", "09:00"]}},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"] == {"field": "hours.1"}
    assert client.patch("/api/v1/teams/999999999", json={}, headers=headers).status_code == 404
    unknown = client.patch(f"/api/v1/teams/{team_id}", json={"colour": "red"}, headers=headers)
    assert unknown.status_code == 422


def test_conversation_sla_due_across_split_shifts_and_holiday(db, workspace):
    """A policy on business hours of a Friday-weekend team with split shifts and a holiday."""
    from sada.cases.conversations import access_conversation

    with db.transaction(workspace.id) as session:
        team = do_create_team(
            session,
            {
                "name": f"Gulf-{uuid.uuid4().hex[:6]}",
                "timezone": "Asia/Dubai",
                "weekend_days": [4, 5],
                "hours": {"default": [["09:00", "13:00"], ["16:00", "20:00"]]},
                "holidays": ["2026-03-08"],
            },
        )
        channel = "fax-" + uuid.uuid4().hex[:6]
        sla.do_create_policy(
            session,
            {
                "name": f"split-{uuid.uuid4().hex[:4]}",
                "position": -1000,
                "channels": [channel],
                "priorities": [],
                "audiences": [],
                "segments": [],
                "first_response_minutes": 120,
                "resolution_minutes": 8 * 60,
                "business_hours": True,
                "team_id": team.id,
            },
        )
        dubai = ZoneInfo("Asia/Dubai")
        opened = datetime(2026, 3, 5, 12, 0, tzinfo=dubai)  # Thursday noon
        conv = Conversation(
            workspace_id=workspace.id,
            thread_key=f"bh:{uuid.uuid4().hex}",
            channel=channel,
            status="open",
            priority="normal",
            tags=[],
            opened_at=opened,
            last_message_at=opened,
        )
        session.add(conv)
        session.flush()
        sla.apply_to_conversation(session, conv)
        conv_id = conv.id
    with db.reader(workspace.id) as session:
        conv = access_conversation(session, conv_id)
        # 12:00-13:00 (1 h) + 16:00-17:00 (1 h) on Thursday.
        assert conv.first_response_due_at == datetime(2026, 3, 5, 17, 0, tzinfo=dubai)
        # 8 h: Thursday gives 5 h (1 + 4); Friday-Saturday weekend, Sunday 8 March a holiday;
        # Monday 09:00-12:00 gives the last 3 h.
        assert conv.resolution_due_at == datetime(2026, 3, 9, 12, 0, tzinfo=dubai)
    with db.transaction(workspace.id) as session:
        session.delete(session.get(Conversation, conv_id))
        for p in session.execute(select(SlaPolicy).where(SlaPolicy.team_id == team.id)).scalars():
            session.delete(p)
        session.delete(session.get(Team, team.id))
