"""Journey pages in the web shell: scorecard, map view with pain points, verbatims, retention."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sada.db.engine import Database
from sada.journeys.columnar import close_stores
from sada.journeys.demo import seed_demo_journeys

from .conftest import Log

PASSWORD = "correct horse battery"


def _sign_in(client: Any, db: Database, workspace: Any) -> None:
    from sada.tenants.service import do_add_member, do_create_user

    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(workspace.id) as session:
        user = do_create_user(session, email, PASSWORD, name="Owner")
        do_add_member(session, user, "owner")
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:300]


def test_journey_pages(client: Any, db: Database, workspace: Any, log: Log) -> None:
    _sign_in(client, db, workspace)
    seed_demo_journeys(db, workspace.id)
    now = datetime.now(UTC) - timedelta(days=2)
    for i in range(35):
        pid = log.person(language="fa")
        log.events(
            pid,
            {"at": now, "tp": "website_visit"},
            {
                "at": now + timedelta(hours=1),
                "tp": "delivery",
                "type": "complaint",
                "rating": 1,
                "scale": "nps",
                "text": "بسته دیر رسید",
            },
        )
        pid = log.person(language="en")
        log.events(
            pid,
            {"at": now, "tp": "website_visit"},
            {
                "at": now + timedelta(hours=1),
                "tp": "delivery",
                "type": "review",
                "rating": 10,
                "scale": "nps",
                "text": "on time",
            },
        )
    r = client.get("/journeys")
    assert r.status_code == 200, r.text[:500]
    assert "No owner" in r.text and "customer-journey" in r.text
    r = client.get("/journeys/maps/customer-journey?group_by=language&lang=fa")
    assert r.status_code == 200, r.text[:500]
    assert 'dir="rtl"' in r.text and "تحویل سفارش" in r.text
    pains = r.text[r.text.index('id="pain-points"') :]
    assert re.search(r"delivery</a></td>\s*<td><bdi>fa</bdi>", pains)
    r = client.get(
        "/journeys/maps/customer-journey/touchpoints/delivery?group_by=language&group=fa"
    )
    assert r.status_code == 200 and "بسته دیر رسید" in r.text and "on time" not in r.text
    r = client.get("/journeys/audiences/customer/retention")
    assert r.status_code == 200 and 'id="cohorts"' in r.text
    # Every journey page takes the shared period; the map has no inline style (the CSP
    # allows only Sada's stylesheet) and its links keep the period.
    first = (datetime.now(UTC).date() - timedelta(days=6)).isoformat()
    period = f"from={first}&to={datetime.now(UTC).date().isoformat()}&compare=previous_period"
    for path in (
        "/journeys",
        "/journeys/maps/customer-journey",
        "/journeys/maps/customer-journey/touchpoints/delivery",
        "/journeys/audiences/customer/retention",
    ):
        r = client.get(f"{path}?{period}&lang=fa")
        assert r.status_code == 200, (path, r.text[:300])
        assert 'style="' not in r.text, path
    assert (
        f"touchpoints/delivery?from={first}"
        in client.get(f"/journeys/maps/customer-journey?{period}").text
    )
    assert client.get("/journeys/maps/customer-journey?from=soon").status_code == 422
    compared = client.get(f"/journeys/maps/customer-journey?{period}").text
    assert "نسبت به بازهٔ پیشین" in compared and "data-compare" in compared
    assert "data-compare" not in client.get("/journeys/maps/customer-journey").text
    close_stores()
