"""Finding 4: interactions stored before the date checks existed, in year 1 or 9999, must not
turn the overview, the person page or the timeline into 500s on either database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from sada.interactions.models import Interaction
from sada.tenants.models import Workspace
from tests.web.conftest import ingest, item


def test_pages_survive_year_one_and_9999(db, workspace, login, make_key):  # type: ignore[no-untyped-def]
    results = ingest(
        db,
        workspace.id,
        [
            item(1, "old", rating=3, rating_scale="nps"),
            item(2, "future", rating=9, rating_scale="nps"),
            item(3, "normal"),
        ],
    )
    odd = {
        results[0].id: datetime(1, 1, 1, tzinfo=UTC),
        results[1].id: datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    }
    with db.transaction(workspace.id) as session:
        for iid, at in odd.items():
            session.execute(update(Interaction).where(Interaction.id == iid).values(occurred_at=at))
    client = login("owner", language="fa")
    # Year 1 shown west of UTC and 9999 shown east of it fall outside what datetime can hold.
    for tz in ("America/Los_Angeles", "Asia/Tehran"):
        with db.transaction() as session:
            session.get(Workspace, workspace.id).timezone = tz
        for result in results:
            r = client.get(f"/people/{result.person_id}")
            assert r.status_code == 200, (tz, r.status_code, r.text[-2000:])
        for url in (
            "/overview",
            "/overview?period=all",
            "/feedback",
            "/people",
            "/journeys",
            "/inbox",
            "/cases",
        ):
            r = client.get(url)
            assert r.status_code == 200, (tz, url, r.status_code, r.text[-2000:])
    headers = {"Authorization": f"Bearer {make_key(db, workspace.id, 'read')}"}
    for result in results:
        r = client.get(f"/api/v1/people/{result.person_id}/timeline", headers=headers)
        assert r.status_code == 200, r.text
        r = client.get(f"/api/v1/interactions/{result.id}", headers=headers)
        assert r.status_code == 200, r.text
    r = client.get("/api/v1/feedback", headers=headers)
    assert r.status_code == 200, r.text
