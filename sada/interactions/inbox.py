"""Accept fast, apply durably: the ingest inbox and its applier.

`accept` validates a batch (no database reads), writes the accepted items as one
`ingest_batches` row plus the job that applies it, in the caller's short
transaction, and reports `accepted`/`rejected` per item. The row keeps the accepted items'
validated forms (`checked_form`: values, person reference, normalized identity keys), not
the raw items, so the applier neither parses them nor validates or normalizes identities
again (a batch accepted before the forms existed kept its raw items, validated as always). The applier
(`apply_pending`, run by the `interactions.apply` job) takes pending batches of a
workspace in id order (up to APPLY_ITEMS_PER_TRANSACTION items per transaction),
resolves people and stores interactions set-based through `ingest_results` (`ingest_batch`
with plain tuples for results), one call for
consecutive batches that can share it (`apply_batches`; COPY into a staging table and one
INSERT ... SELECT ... ON CONFLICT per table on PostgreSQL, executemany on SQLite;
`interaction.ingested` published once per EVENT_IDS_PER_PUBLISH items), and marks each batch `applied` with its per-item results in the
same transaction: a crash before the commit applies nothing, a crash after it
leaves nothing to redo, and a second run finds the batch applied. So every
accepted item is applied exactly once, whatever dies when.

Applied batches keep their items and results for `ingest_batch_retention_days`; the
`interactions.prune` job (`prune_applied`, enqueued by the applier for the next day and
re-enqueued while anything is left) then empties them in bounded steps (`pruned`: the row
keeps its count and times, `batch_status` answers 410). Pending batches are never touched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from sada.core.errors import Gone, Invalid, NotFound
from sada.db.engine import Database
from sada.db.retry import retrying
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import coalesced
from sada.interactions.ingest import ingest_results
from sada.interactions.models import IngestBatch
from sada.interactions.schemas import ItemError
from sada.interactions.service import IngestLimits, checked_form, validate_item
from sada.jobs.service import enqueue
from sada.people.schemas import PersonRef
from sada.people.service import Resolver, parse_person
from sada.tenants.service import Actor

APPLY_JOB = "interactions.apply"
PRUNE_JOB = "interactions.prune"
PRUNED = "pruned"
# Batches emptied per transaction, and transactions per prune run (short locks, bounded runs).
PRUNE_BATCH = 500
PRUNE_STEPS = 20
DAY = timedelta(days=1)
# Items applied in one transaction at most (large transactions: fewer commits, same safety).
APPLY_ITEMS_PER_TRANSACTION = 5000
# Ids per `interaction.ingested` event when the applier merges small batches' events.
EVENT_IDS_PER_PUBLISH = 1000


def _actor_data(actor: Actor | None) -> dict[str, Any]:
    if actor is None:
        return {}
    data = asdict(actor)
    data.pop("workspace_id", None)
    data["scopes"] = list(actor.scopes)
    return data


def _actor_of(workspace_id: int, data: dict[str, Any]) -> Actor | None:
    if not data:
        return None
    return Actor(workspace_id=workspace_id, **{**data, "scopes": tuple(data.get("scopes", ()))})


def accept(
    session: Session,
    raw_items: list[Any],
    *,
    limits: IngestLimits,
    actor: Actor | None = None,
    kind: str = "api",
    positions: list[int] | None = None,
    identify: list[tuple[int, dict[str, Any]]] | None = None,
    source: str = "",
    path: str = "items",
) -> tuple[int | None, list[dict[str, Any]]]:
    """Validate and store a batch in the inbox; return its id and per-item results.

    Results are `{"index", "status": "accepted"|"rejected", "errors"}` in input order
    (`positions` maps items to the caller's indices, e.g. a Segment batch that also
    holds identify calls). `identify` lists person references to resolve before the
    items (Segment's identify). The id is None when nothing was accepted.
    """
    if len(raw_items) > limits.max_items:
        raise Invalid(f"a batch holds at most {limits.max_items:,} items; got {len(raw_items):,}")
    where = positions or list(range(len(raw_items)))
    results: list[dict[str, Any]] = []
    accepted: list[Any] = []
    accepted_at: list[int] = []
    forms: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_items):
        checked, errors = validate_item(raw, index, limits)
        position = where[index]
        if checked is None:
            results.append({"index": position, "status": "rejected", "errors": _errors(errors)})
        else:
            accepted.append(raw)
            accepted_at.append(position)
            forms.append(checked_form(checked))
            results.append({"index": position, "status": "accepted", "errors": []})
    people: list[tuple[int, dict[str, Any]]] = []
    for position, ref_data in identify or []:
        try:
            ref = PersonRef.model_validate(ref_data)
        except ValueError as exc:
            results.append(
                {
                    "index": position,
                    "status": "rejected",
                    "errors": [{"path": path, "message": str(exc)}],
                }
            )
            continue
        parsed = parse_person(ref, path=f"{path}[{position}]", source=source)
        if parsed.errors or not parsed.keys:
            problems = [{"path": e.path, "message": e.message} for e in parsed.errors] or [
                {"path": f"{path}[{position}]", "message": "no identity given"}
            ]
            results.append({"index": position, "status": "rejected", "errors": problems})
            continue
        people.append((position, ref_data))
        results.append({"index": position, "status": "accepted", "errors": []})
    results.sort(key=lambda r: r["index"])
    if not accepted and not people:
        return None, results
    workspace_id = bound_workspace(session)
    payload = orjson.dumps(
        {
            # The validated items (`checked_form`) alone: the applier neither validates again
            # nor reads the raw items (batches accepted before the forms kept "items").
            "checked": forms,
            "positions": accepted_at,
            "identify": people,
            "source": source,
            "rejected": [r for r in results if r["status"] == "rejected"],
        }
    ).decode()
    batch_id = session.execute(
        insert(IngestBatch)
        .values(
            workspace_id=workspace_id,
            kind=kind,
            status="pending",
            item_count=len(accepted) + len(people),
            payload=payload,
            actor=_actor_data(actor),
            created_at=utcnow(),
        )
        .returning(IngestBatch.id)
    ).scalar_one()
    enqueue(session, APPLY_JOB, {"batch_id": batch_id}, workspace_id=workspace_id)
    return int(batch_id), results


def _errors(errors: list[ItemError]) -> list[dict[str, str]]:
    return [{"path": e.path, "message": e.message} for e in errors]


def apply_batch(session: Session, batch: IngestBatch, *, limits: IngestLimits) -> None:
    """Apply one pending batch in the caller's transaction and record its results."""
    apply_batches(session, [batch], limits=limits)


Loaded = tuple[IngestBatch, dict[str, Any]]


def _keys(data: dict[str, Any]) -> set[tuple[Any, str]]:
    checked = data.get("checked")
    if checked is not None:
        return {(form["source"], form["external_id"]) for form in checked}
    # As `IngestItem` reads them (an integer external_id is its text).
    return {
        (raw.get("source"), str(raw.get("external_id")))
        for raw in data["items"]
        if isinstance(raw, dict)
    }


def apply_batches(session: Session, batches: list[IngestBatch], *, limits: IngestLimits) -> None:
    """Apply pending batches, in id order, in the caller's transaction; record each one's results.

    Consecutive batches of the same actor, without identify calls, with no
    (source, external_id) in common and of the same payload form (validated forms, or raw
    items as accepted before the forms), go through one `ingest_results` call: one duplicate
    check, one identity pass and one write per table for all of them (the answer per item is
    what applying them one by one gives). Others are applied on their own.
    """
    runs: list[list[Loaded]] = []
    keys: set[tuple[Any, str]] = set()
    for batch in batches:
        data = orjson.loads(batch.payload)
        own = _keys(data)
        run = runs[-1] if runs else None
        if (
            run is None
            or data.get("identify")
            or run[0][1].get("identify")
            or (run[0][0].actor or {}) != (batch.actor or {})
            or ("checked" in data) != ("checked" in run[0][1])
            or not own.isdisjoint(keys)
        ):
            runs.append([])
            keys = set()
        runs[-1].append((batch, data))
        keys |= own
    # Runs of small batches publish one `interaction.ingested` per group of up to
    # EVENT_IDS_PER_PUBLISH items instead of one per run (fewer, fuller jobs); a larger run
    # publishes its own, EVENT_IDS_PER_PUBLISH ids per event.
    groups: list[list[list[Loaded]]] = []
    size = EVENT_IDS_PER_PUBLISH + 1
    for run in runs:
        count = sum(batch.item_count for batch, _data in run)
        if size + count > EVENT_IDS_PER_PUBLISH:
            groups.append([])
            size = 0
        groups[-1].append(run)
        size += count
    for group in groups:
        if len(group) == 1:
            _apply_run(session, group[0], limits)
            continue
        with coalesced(session):
            for run in group:
                _apply_run(session, run, limits)


def _apply_run(session: Session, run: list[Loaded], limits: IngestLimits) -> None:
    first, first_data = run[0]
    actor = _actor_of(first.workspace_id, first.actor or {})
    identified: list[dict[str, Any]] = []
    if first_data.get("identify"):  # then the run is this batch alone
        resolver = Resolver(session, actor=actor)
        for position, ref_data in first_data["identify"]:
            parsed = parse_person(
                PersonRef.model_validate(ref_data),
                path=f"batch[{position}]",
                source=first_data.get("source", ""),
            )
            resolution = resolver.resolve(parsed)
            identified.append(
                {"index": position, "status": "applied", "person_id": resolution.person_id}
            )
    # A run's batches all hold validated forms, or all raw items (accepted before the forms
    # existed: validated again).
    with_forms = "checked" in first_data
    items: list[Any] = []
    arrived: list[datetime] = []
    offsets: list[int] = []
    for batch, data in run:
        offsets.append(len(items))
        own = data["checked"] if with_forms else data["items"]
        items.extend(own)
        arrived.extend([batch.created_at] * len(own))
    forms = items if with_forms else None
    merged = ingest_results(
        session,
        items,
        limits=replace(limits, max_items=max(limits.max_items, len(items))),
        actor=actor,
        received_at=first.created_at,
        arrived=arrived if len(run) > 1 else None,
        checked=True,
        forms=forms,
    )
    assert len(merged) == len(items)
    now = utcnow()
    for (batch, data), offset in zip(run, offsets, strict=True):
        results: list[dict[str, Any]] = list(data.get("rejected", []))
        if batch is first:
            results += identified
        positions: list[int] = data["positions"]
        for index, status, iid, pid, errors in merged[offset : offset + len(positions)]:
            entry: dict[str, Any] = {
                "index": positions[index - offset],
                "status": "applied" if status == "stored" else status,
            }
            if iid is not None:
                entry["id"] = iid
            if pid is not None:
                entry["person_id"] = pid
            if errors:
                entry["errors"] = [_local(e.model_dump(), offset) for e in errors]
            results.append(entry)
        results.sort(key=_by_index)
        batch.results = results
        batch.status = "applied"
        batch.applied_at = now


_by_index = itemgetter("index")


_ITEM_REF = re.compile(r"items\[(\d+)\]")


def _local(error: dict[str, str], offset: int) -> dict[str, str]:
    """An error of a merged run with `items[i]` counted from its own batch's first item."""
    if not offset:
        return error
    shift = lambda m: f"items[{int(m.group(1)) - offset}]"  # noqa: E731
    return {k: _ITEM_REF.sub(shift, v) if isinstance(v, str) else v for k, v in error.items()}


def _apply_some(db: Database, workspace_id: int, limits: IngestLimits) -> int:
    """One transaction: the oldest pending batches of a workspace; returns how many."""
    with db.transaction(workspace_id) as session:
        query = (
            select(IngestBatch)
            .where(IngestBatch.status == "pending")
            .order_by(IngestBatch.id)
            .limit(50)
        )
        if not db.is_sqlite:
            # Two appliers never take the same batch; each skips what the other holds.
            query = query.with_for_update(skip_locked=True)
        taken: list[IngestBatch] = []
        items = 0
        for batch in session.execute(query).scalars():
            if taken and items + batch.item_count > APPLY_ITEMS_PER_TRANSACTION:
                break
            taken.append(batch)
            items += batch.item_count
        apply_batches(session, taken, limits=limits)
        if taken:
            ensure_prune_job(session)
        return len(taken)


def ensure_prune_job(session: Session, at: datetime | None = None) -> None:
    """One prune run per workspace and day, the day after (idempotent by day)."""
    workspace_id = bound_workspace(session)
    at = at or utcnow()
    day = int(at.timestamp() // DAY.total_seconds()) + 1
    enqueue(
        session,
        PRUNE_JOB,
        {},
        workspace_id=workspace_id,
        run_at=datetime.fromtimestamp(day * DAY.total_seconds(), tz=at.tzinfo),
        dedupe_key=f"inbox-prune:{workspace_id}:{day}",
    )


def _prune_step(db: Database, workspace_id: int, cutoff: datetime) -> int:
    """Empty up to PRUNE_BATCH applied batches older than `cutoff` in one short transaction."""
    with db.transaction(workspace_id) as session:
        ids = list(
            session.execute(
                select(IngestBatch.id)
                .where(IngestBatch.status == "applied", IngestBatch.applied_at < cutoff)
                .order_by(IngestBatch.id)
                .limit(PRUNE_BATCH)
            ).scalars()
        )
        if ids:
            session.execute(
                update(IngestBatch)
                .where(IngestBatch.id.in_(ids), IngestBatch.status == "applied")
                .values(status=PRUNED, payload="", results=None)
                .execution_options(synchronize_session=False)
            )
        return len(ids)


def prune_applied(
    db: Database,
    workspace_id: int,
    *,
    keep_days: float,
    now: datetime | None = None,
    steps: int = PRUNE_STEPS,
) -> tuple[int, bool]:
    """Empty the workspace's batches applied more than `keep_days` ago, at most `steps`
    transactions of PRUNE_BATCH; returns (how many, whether some are left)."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    total = 0
    for _ in range(steps):
        done = retrying(lambda: _prune_step(db, workspace_id, cutoff))
        total += done
        if done < PRUNE_BATCH:
            return total, False
    return total, True


def apply_pending(db: Database, workspace_id: int, limits: IngestLimits) -> int:
    """Apply every pending batch of a workspace (in large transactions); returns the count."""
    total = 0
    while True:
        done = retrying(lambda: _apply_some(db, workspace_id, limits))
        if not done:
            return total
        total += done


def batch_status(session: Session, batch_id: int) -> dict[str, Any]:
    """A batch's state: `pending` (items `accepted`) or `applied` (items `applied`/`duplicate`);
    410 once pruned after the retention window."""
    batch = session.execute(
        select(IngestBatch).where(IngestBatch.id == batch_id)
    ).scalar_one_or_none()
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    if batch.status == PRUNED:
        raise Gone(
            f"batch {batch_id} was applied at {_iso(batch.applied_at)}; its items and results "
            "are kept only for the retention window (ingest_batch_retention_days)",
            details={"id": batch.id, "status": PRUNED, "applied_at": _iso(batch.applied_at)},
        )
    if batch.status == "applied" and batch.results is not None:
        results = batch.results
    else:
        data = orjson.loads(batch.payload)
        results = list(data.get("rejected", []))
        results += [{"index": p, "status": "accepted"} for p in data["positions"]]
        results += [{"index": p, "status": "accepted"} for p, _ in data.get("identify", [])]
        results.sort(key=lambda r: r["index"])
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return {
        "id": batch.id,
        "status": batch.status,
        "created_at": _iso(batch.created_at),
        "applied_at": _iso(batch.applied_at),
        "counts": counts,
        "results": results,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
