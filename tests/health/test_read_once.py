"""The demo's one read of the log (`log_read_once`) trains and scores exactly as reading it
for every snapshot does."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select

from sada.db.engine import Database
from sada.health import service
from sada.health.features import log_read_once, snapshot
from sada.health.models import HealthScore
from sada.tenants.models import Workspace


def _scores(db: Database, workspace_id: int) -> list[tuple[int, float, str]]:
    with db.reader(workspace_id) as session:
        return sorted(
            session.execute(select(HealthScore.person_id, HealthScore.risk, HealthScore.band)).all()
        )


def test_training_and_scoring_equal_with_the_log_read_once(
    db: Database, workspace: Workspace, history: datetime
) -> None:
    with db.transaction(workspace.id) as session:
        plain_card = service.train_model(session, history).card
        service.refresh(session, history)
    plain = _scores(db, workspace.id)
    with db.transaction(workspace.id) as session, log_read_once(session, history):
        kept_card = service.train_model(session, history).card
        service.refresh(session, history)
        earlier = history - timedelta(days=120)
        kept_snapshot = snapshot(session, earlier)
    with db.reader(workspace.id) as session:
        read_snapshot = snapshot(session, earlier)
    assert kept_card == plain_card
    assert _scores(db, workspace.id) == plain
    assert plain and kept_snapshot.person_ids == read_snapshot.person_ids
    assert np.array_equal(kept_snapshot.rows, read_snapshot.rows)
