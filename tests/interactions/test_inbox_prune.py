"""Applied inbox batches are emptied after the retention window, in bounded steps; recent
and pending batches are kept, and `GET /api/v1/batches/{id}` answers 410 once pruned."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from sada.db.types import utcnow
from sada.interactions import inbox
from sada.interactions.inbox import APPLY_JOB, PRUNE_JOB, prune_applied
from sada.interactions.models import IngestBatch
from sada.interactions.tasks import prune_job
from sada.jobs.models import Job
from sada.jobs.service import run_pending

URL = "/api/v1/interactions:batch"


def _batch(client, headers) -> int:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:12]
    items = [
        {
            "source": "prune",
            "external_id": f"{tag}-{i}",
            "occurred_at": "2026-05-01T10:00:00Z",
            "channel": "email",
            "type": "message",
            "direction": "inbound",
            "text": "where is my parcel",
            "person": {"email": f"{tag}-{i}@example.com"},
        }
        for i in range(3)
    ]
    r = client.post(URL, json={"items": items}, headers=headers)
    assert r.status_code == 202, r.text
    return int(r.json()["batch_id"])


def _age(db, workspace, batch_id: int, days: float) -> None:  # type: ignore[no-untyped-def]
    with db.transaction(workspace.id) as s:
        s.execute(
            update(IngestBatch)
            .where(IngestBatch.id == batch_id)
            .values(applied_at=utcnow() - timedelta(days=days))
        )


def test_old_applied_batches_are_pruned_recent_and_pending_kept(  # type: ignore[no-untyped-def]
    client, api_headers, db, workspace, monkeypatch
):
    old, recent = _batch(client, api_headers), _batch(client, api_headers)
    run_pending(db, kinds=[APPLY_JOB])
    pending = _batch(client, api_headers)
    _age(db, workspace, old, 8)
    _age(db, workspace, recent, 2)
    before = client.get(f"/api/v1/batches/{old}", headers=api_headers)
    assert before.status_code == 200 and before.json()["counts"] == {"applied": 3}

    with db.reader(workspace.id) as s:  # the applier booked tomorrow's prune run
        assert s.execute(select(Job.id).where(Job.kind == PRUNE_JOB)).first() is not None

    assert prune_applied(db, workspace.id, keep_days=7) == (1, False)
    gone = client.get(f"/api/v1/batches/{old}", headers=api_headers)
    assert gone.status_code == 410, gone.text
    assert "retention" in gone.json()["error"]["message"]
    assert client.get(f"/api/v1/batches/{recent}", headers=api_headers).json()["status"] == (
        "applied"
    )
    assert client.get(f"/api/v1/batches/{pending}", headers=api_headers).json()["status"] == (
        "pending"
    )
    with db.reader(workspace.id) as s:
        rows = {
            b.id: b
            for b in s.execute(
                select(IngestBatch).where(IngestBatch.id.in_([old, recent, pending]))
            ).scalars()
        }
        assert rows[old].payload == "" and rows[old].results is None
        assert rows[old].item_count == 3 and rows[old].applied_at is not None
        assert rows[recent].payload and rows[pending].payload
    assert client.get("/api/v1/batches/999999999", headers=api_headers).status_code == 404

    # Bounded: one step of one batch leaves the rest for the next run (the job re-enqueues).
    _age(db, workspace, recent, 30)
    pending_old = _batch(client, api_headers)  # pending, however old, is never touched
    with db.transaction(workspace.id) as s:
        s.execute(
            update(IngestBatch)
            .where(IngestBatch.id == pending_old)
            .values(created_at=utcnow() - timedelta(days=30))
        )
    monkeypatch.setattr(inbox, "PRUNE_BATCH", 1)
    prune_job(db, workspace.id, {})
    with db.reader(workspace.id) as s:
        status = dict(
            s.execute(
                select(IngestBatch.id, IngestBatch.status).where(
                    IngestBatch.id.in_([recent, pending, pending_old])
                )
            ).all()
        )
    assert status == {recent: "pruned", pending: "pending", pending_old: "pending"}
