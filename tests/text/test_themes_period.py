"""The Themes page respects the period (`from`, `to`, `compare=previous_period`) like the other
analytic pages: each theme's texts are counted in the period, themes without any are left out,
and the comparison shows the previous period's count."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np

from sada.db.engine import Database
from sada.interactions.ingest import ingest_batch
from sada.text.theme_store import store_themes
from tests.web.conftest import sign_in


def _texts(db: Database, ws_id: int, days: list[str]) -> list[int]:
    items = [
        {
            "source": "test",
            "external_id": uuid.uuid4().hex,
            "occurred_at": datetime.fromisoformat(f"{day}T12:00:00")
            .replace(tzinfo=UTC)
            .isoformat(),
            "channel": "survey",
            "type": "survey_response",
            "direction": "inbound",
            "text": "the courier was late",
            "language": "en",
        }
        for day in days
    ]
    with db.transaction(ws_id) as session:
        return [r.id for r in ingest_batch(session, items)]


def test_themes_respect_the_period_and_compare(db: Database, workspace: Any, client: Any) -> None:
    from sada.tenants.service import do_add_member, do_create_user

    late = _texts(db, workspace.id, ["2026-03-05", "2026-03-20", "2026-03-21", "2026-02-10"])
    food = _texts(db, workspace.id, ["2025-06-01"])
    rng = np.random.default_rng(3)
    themes = []
    for label, ids in (("تاخیر پیک", late), ("كيفية الطعام", food)):
        c = rng.normal(size=8)
        themes.append({"label": label, "phrases": [label], "language": "fa", "size": len(ids),
                       "negative_share": 0.5, "examples": ["x"], "interaction_ids": ids,
                       "centroid": c / np.linalg.norm(c)})  # fmt: skip
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
    with db.transaction(workspace.id) as session:
        store_themes(session, themes)
        do_add_member(session, do_create_user(session, email, "correct horse battery"), "viewer")
    sign_in(client, email)

    march = client.get("/themes?from=2026-03-01&to=2026-03-31&lang=fa")
    assert march.status_code == 200
    assert "تاخیر پیک" in march.text and "كيفية الطعام" not in march.text
    assert (
        '<td class="in-period">۳</td>' in march.text or '<td class="in-period">3</td>' in march.text
    )
    assert 'class="before"' not in march.text
    compared = client.get("/themes?from=2026-03-01&to=2026-03-31&compare=previous_period")
    assert '<td class="in-period">3</td>' in compared.text
    assert '<td class="before">1</td>' in compared.text  # 2026-02-10 is in the 31 days before
    assert "2026-03-01" in compared.text  # the picker keeps the dates
    everything = client.get("/themes").text  # no period asked: every kept theme
    assert "تاخیر پیک" in everything and "كيفية الطعام" in everything
    assert client.get("/themes?from=2026-13-01").status_code == 422
