"""Job handlers of people: segment refreshes and membership updates on events.

`segments.update` follows every event that can change who matches a segment (people
identified or changed, interactions stored, survey responses, text analyses, merges), history
included (an imported purchase can put someone in a segment), and re-evaluates just the
people the event names; while the workspace has no segment, events record no such job
(`membership.any_segment`, the handler's `wanted` predicate). `segments.refresh` recomputes
one whole segment with progress, then schedules its next daily run (time windows move with
the clock).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.jobs.registry import Priority, handler
from sada.jobs.service import enqueue
from sada.people import membership

UPDATE_ON = (
    "interaction.ingested",
    "response.received",
    "text.analyzed",
    "person.changed",
    "person.merged",
    "person.unmerged",
)


def _person_ids(session: Any, payload: dict[str, Any]) -> list[int]:
    ids: set[int] = set()
    for key in ("person_ids", "merged_ids", "restored_ids"):
        ids.update(int(p) for p in payload.get(key) or [] if isinstance(p, int))
    for key in ("person_id", "survivor_id"):
        if isinstance(payload.get(key), int):
            ids.add(int(payload[key]))
    interaction_ids = [int(i) for i in payload.get("interaction_ids") or [] if isinstance(i, int)]
    if interaction_ids:
        from sada.people.segment_sql import table_named

        interactions = table_named("interactions")
        for start in range(0, len(interaction_ids), 1000):
            chunk = interaction_ids[start : start + 1000]
            ids.update(
                pid
                for pid in session.execute(
                    select(interactions.c.person_id).where(
                        interactions.c.workspace_id == payload["_workspace_id"],
                        interactions.c.id.in_(chunk),
                    )
                ).scalars()
                if pid is not None
            )
    return sorted(ids)


@handler(
    membership.UPDATE_JOB,
    on=UPDATE_ON,
    history=True,
    priority=Priority.ANALYSIS,
    wanted=lambda session, event, live: membership.any_segment(session),
)
def on_event(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Re-evaluate the segments of the people an event names (no job is recorded while the
    workspace has no segment; a job recorded before the last one went does nothing)."""
    assert workspace_id is not None
    with db.transaction(workspace_id) as session:
        if not membership.any_segment(session):
            return
        ids = _person_ids(session, {**payload, "_workspace_id": workspace_id})
        membership.update_people(session, ids, live=bool(payload.get("live", True)))


@handler(membership.REFRESH_JOB, priority=Priority.BULK)
def on_refresh(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Recompute one segment (a first build publishes its entries as history), then tomorrow's."""
    assert workspace_id is not None
    segment_id = int(payload["segment_id"])
    segment = membership.refresh(db, workspace_id, segment_id, live=not payload.get("first", False))
    if segment is None:
        return
    next_at = utcnow() + timedelta(days=1)
    with db.transaction(workspace_id) as session:
        enqueue(
            session,
            membership.REFRESH_JOB,
            {"segment_id": segment_id, "first": False, "daily": True},
            workspace_id=workspace_id,
            run_at=next_at,
            dedupe_key=f"segments.refresh:{workspace_id}:{segment_id}:{next_at.date().isoformat()}",
        )
