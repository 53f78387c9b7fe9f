"""Segments as things people can use: save, preview, membership kept up to date, lookups.

Membership lives in `segment_members` (one row per person in a segment). Two paths keep it:

- `refresh` (job `segments.refresh`): the whole segment, a range of person ids per
  transaction, with progress on the segment row (`refresh_done` of `refresh_total` ids) for
  the page; it runs when a segment is saved and once a day (windows like "in the last 30 days"
  move with the clock), and a first build publishes its entries as history (no rule floods);
- `update_people` (job `segments.update`, subscribed to the events that can change who
  matches: people identified or changed, interactions stored, responses, text analyses,
  merges; no job is recorded while the workspace has no segment, `any_segment`): every
  segment of the workspace, re-evaluated for just those people.

Both compare the compiled definition (one SQL query, `sada.people.segment_sql`) with the stored
rows and publish `segment.entered` / `segment.left` for each difference, in the same
transaction, so rules and webhooks see exactly the changes that committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.dialect import dialect_name, insert_ignoring_conflicts
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.jobs.service import enqueue
from sada.people.models import Person, Segment, SegmentMember
from sada.people.segment_sql import matching
from sada.people.segments import validate_definition, validate_key, validate_names

REFRESH_JOB = "segments.refresh"
UPDATE_JOB = "segments.update"
CHUNK = 5000
PREVIEW_SAMPLE = 20


@dataclass
class Preview:
    count: int
    sample: list[Person]


def _dialect(session: Session) -> str:
    return dialect_name(session)


def query_of(
    session: Session,
    definition: dict[str, Any],
    now: datetime | None = None,
    plan: str = "per_person",
) -> Any:
    """The SELECT of the ids of the people a (valid) definition matches now (`plan`: see
    `sada.people.segment_sql.Compiler`)."""
    return matching(
        definition,
        workspace_id=bound_workspace(session),
        now=now or utcnow(),
        dialect=_dialect(session),
        plan=plan,
    )


def preview(
    session: Session, definition: Any, sample: int = PREVIEW_SAMPLE, plan: str | None = None
) -> Preview:
    """How many people match a definition (validated here) and the newest `sample` of them.

    Everyone is evaluated. By default PostgreSQL reads each behaviour and feedback condition
    in one pass over the log (`plan="set"`: hashed semi-joins, 2-3x faster than a probe per
    person at 5,000 people); SQLite probes its person index per person (`"per_person"`: its
    one-pass plans read every row of the workspace and were slower; `bench/segments.py`
    measures both). Either plan gives the same people."""
    definition = validate_definition(definition)
    if plan is None:
        plan = "set" if _dialect(session) == "postgresql" else "per_person"
    ids = query_of(session, definition, plan=plan)
    # One evaluation, not a count and then a sample: every matching id, newest first (people
    # are walked by primary key, so no sort), counted here; ids are small even for 100k people.
    matched = session.execute(ids.order_by(Person.id.desc())).scalars().all()
    count = len(matched)
    newest = list(matched[:sample])
    found = {
        p.id: p for p in session.execute(select(Person).where(Person.id.in_(newest))).scalars()
    }
    people = [found[i] for i in newest if i in found]
    return Preview(count=int(count), sample=people)


def any_segment(session: Session) -> bool:
    """Whether the session's workspace has a segment: the `wanted` predicate of
    `segments.update` (no segment, no job). One probe of the unique key's index."""
    return session.execute(select(Segment.id).limit(1)).first() is not None


# ---------------------------------------------------------------- definitions


def list_segments(session: Session) -> list[Segment]:
    return list(session.execute(select(Segment).order_by(Segment.key)).scalars())


def get_segment(session: Session, key: str) -> Segment:
    found = session.execute(select(Segment).where(Segment.key == key)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no segment {key!r}")
    return found


def save_segment(
    session: Session,
    *,
    key: str,
    names: Any,
    definition: Any,
    description: Any = "",
    create: bool,
) -> Segment:
    """Create (or, with create=False, update) a segment, then queue its full refresh."""
    validate_key(key)
    clean_names = validate_names(names)
    validate_definition(definition)
    if not isinstance(description, str) or len(description) > 2000:
        message = "expected a text of at most 2000 characters"
        raise Invalid(
            f"description: {message}", details=[{"path": "description", "message": message}]
        )
    existing = session.execute(select(Segment).where(Segment.key == key)).scalar_one_or_none()
    now = utcnow()
    if create:
        if existing is not None:
            raise Conflict(f"a segment {key!r} exists already")
        segment = Segment(
            key=key,
            names=clean_names,
            description=description,
            definition=definition,
            updated_at=now,
            member_count=0,
            refresh_state="queued",
            refresh_done=0,
            refresh_total=0,
        )
        session.add(segment)
        session.flush()
    else:
        if existing is None:
            raise NotFound(f"no segment {key!r}")
        segment = existing
        segment.names = clean_names
        segment.description = description
        segment.definition = definition
        segment.updated_at = now
        segment.refresh_state = "queued"
    queue_refresh(session, segment, first=create)
    return segment


def delete_segment(session: Session, key: str) -> None:
    segment = get_segment(session, key)
    session.execute(delete(SegmentMember).where(SegmentMember.segment_id == segment.id))
    session.delete(segment)


def queue_refresh(session: Session, segment: Segment, *, first: bool = False) -> None:
    segment.refresh_state = "queued"
    enqueue(
        session,
        REFRESH_JOB,
        {"segment_id": segment.id, "first": first, "version": segment.updated_at.isoformat()},
        workspace_id=bound_workspace(session),
    )


# ---------------------------------------------------------------- membership


def _sync(
    session: Session,
    segment: Segment,
    want: set[int],
    have: set[int],
    *,
    live: bool,
    now: datetime,
) -> tuple[int, int]:
    entered = sorted(want - have)
    left = sorted(have - want)
    ws = bound_workspace(session)
    if entered:
        table = SegmentMember.__table__
        session.execute(
            insert_ignoring_conflicts(session, table, ["segment_id", "person_id"]),
            [
                {"workspace_id": ws, "segment_id": segment.id, "person_id": pid, "since": now}
                for pid in entered
            ],
        )
    if left:
        session.execute(
            delete(SegmentMember).where(
                SegmentMember.segment_id == segment.id, SegmentMember.person_id.in_(left)
            )
        )
    for name, ids in (("segment.entered", entered), ("segment.left", left)):
        for pid in ids:
            publish(
                session,
                name,
                {"segment": segment.key, "segment_id": segment.id, "person_id": pid},
                live=live,
            )
    return len(entered), len(left)


def _count_members(session: Session, segment_id: int) -> int:
    return int(
        session.execute(
            select(func.count()).where(SegmentMember.segment_id == segment_id)
        ).scalar_one()
    )


def refresh(db: Any, workspace_id: int, segment_id: int, *, live: bool = True) -> Segment | None:
    """Recompute a whole segment, one range of person ids per transaction, with progress."""
    with db.transaction(workspace_id) as session:
        segment = session.get(Segment, segment_id)
        if segment is None:
            return None
        low, high = session.execute(select(func.min(Person.id), func.max(Person.id))).one()
        low = int(low or 0)
        high = int(high or 0)
        segment.refresh_state = "running"
        segment.refresh_done = 0
        segment.refresh_total = max(high - low + 1, 0) if high else 0
        definition = dict(segment.definition)
    now = utcnow()
    start = low
    while True:
        end = start + CHUNK
        with db.transaction(workspace_id) as session:
            segment = session.get(Segment, segment_id)
            if segment is None:
                return None
            want = set(
                session.execute(
                    query_of(session, definition, now).where(Person.id >= start, Person.id < end)
                ).scalars()
            )
            have = set(
                session.execute(
                    select(SegmentMember.person_id).where(
                        SegmentMember.segment_id == segment_id,
                        SegmentMember.person_id >= start,
                        SegmentMember.person_id < end,
                    )
                ).scalars()
            )
            _sync(session, segment, want, have, live=live, now=now)
            segment.refresh_done = min(end - low, segment.refresh_total)
        start = end
        if start > high:
            break
    with db.transaction(workspace_id) as session:
        segment = session.get(Segment, segment_id)
        if segment is None:
            return None
        # Members beyond the last id seen (people removed meanwhile are cascaded away).
        segment.member_count = _count_members(session, segment_id)
        segment.refresh_state = "done"
        segment.refresh_done = segment.refresh_total
        segment.refreshed_at = now
        return segment


def update_people(session: Session, person_ids: list[int], *, live: bool = True) -> int:
    """Re-evaluate every segment of the workspace for these people; returns the changes made."""
    ids = sorted({int(p) for p in person_ids if p is not None})
    if not ids:
        return 0
    changes = 0
    now = utcnow()
    for segment in list_segments(session):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            want = set(
                session.execute(
                    query_of(session, segment.definition, now).where(Person.id.in_(chunk))
                ).scalars()
            )
            have = set(
                session.execute(
                    select(SegmentMember.person_id).where(
                        SegmentMember.segment_id == segment.id,
                        SegmentMember.person_id.in_(chunk),
                    )
                ).scalars()
            )
            entered, left = _sync(session, segment, want, have, live=live, now=now)
            if entered or left:
                changes += entered + left
                session.execute(
                    update(Segment)
                    .where(Segment.id == segment.id)
                    .values(member_count=Segment.member_count + entered - left)
                )
    return changes


# ---------------------------------------------------------------- lookups for other domains


def members_page(
    session: Session, key: str, *, after: int | None = None, limit: int = 100
) -> tuple[list[Person], int | None]:
    """People in a segment by id, a keyset page (`after` = the last id of the previous page)."""
    segment = get_segment(session, key)
    query = (
        select(Person)
        .join(SegmentMember, SegmentMember.person_id == Person.id)
        .where(SegmentMember.segment_id == segment.id)
    )
    if after is not None:
        query = query.where(SegmentMember.person_id > after)
    rows = list(session.execute(query.order_by(SegmentMember.person_id).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def member_condition(keys: list[str]) -> Any:
    """A condition on `people.id`: the person is in at least one of these segments."""
    return Person.id.in_(
        select(SegmentMember.person_id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .where(Segment.key.in_(keys))
    )


def in_segments(session: Session, person_id: int, keys: list[str]) -> bool:
    """Whether the person is (now, as last kept) in at least one of these segments."""
    if not keys:
        return False
    found = session.execute(
        select(SegmentMember.id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .where(SegmentMember.person_id == person_id, Segment.key.in_(keys))
        .limit(1)
    ).first()
    return found is not None


def segments_of(session: Session, person_id: int) -> list[Segment]:
    return list(
        session.execute(
            select(Segment)
            .join(SegmentMember, SegmentMember.segment_id == Segment.id)
            .where(SegmentMember.person_id == person_id)
            .order_by(Segment.key)
        ).scalars()
    )


def known_keys(session: Session) -> set[str]:
    return set(session.execute(select(Segment.key)).scalars())
