"""Posts in: storing posts, their brand mentions and terms, and the daily rollups.

Posts enter through the interactions service (`ingest_batch`: validation, dedupe by network id,
people by handle, backfill by age), then `record_mentions` finds the brands of the stored
posts in the same transaction and adds their counts to the daily rollup. A brand's mentions are
found again by `rematch_brand`; `rezone` rebuilds the rollups in the workspace's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import delete, literal, select
from sqlalchemy.orm import Session

from sada.db.dialect import chunks, insert_many_ignoring_conflicts, reserve_ids
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.interactions.ingest import ingest_batch
from sada.interactions.models import Interaction
from sada.interactions.schemas import ItemResult
from sada.interactions.service import IngestLimits
from sada.jobs.service import enqueue
from sada.listening import days as local
from sada.listening.brands import matcher_for, spec_of
from sada.listening.matching import Matcher, Mention
from sada.listening.models import ALL_ASPECTS, ListeningBrand, ListeningDay, ListeningMention
from sada.listening.sources import SOURCE_PREFIX

DETECT_JOB = "listening.detect"
BATCH = 1000


def ingest_posts(
    session: Session,
    items: list[dict[str, Any]],
    *,
    matcher: Matcher | None = None,
    found: Sequence[list[Mention]] | None = None,
    terms: Sequence[tuple[str, dict[str, str]]] | None = None,
) -> list[ItemResult]:
    """Store posts (any number, in batches), their mentions and terms; per-item results.

    `found`, `terms`: the items' mentions and terms when they were found already (aligned
    with `items`; the import finds them in worker processes while the previous part is stored).
    """
    matcher = matcher or matcher_for(session)
    out: list[ItemResult] = []
    stored: list[int] = []
    pre: dict[int, list[Mention]] | None = {} if found is not None else None
    new_terms: list[tuple[datetime, str | None, dict[str, str]]] = []
    for start in range(0, len(items), BATCH):
        part = items[start : start + BATCH]
        for r in ingest_batch(session, part, limits=IngestLimits(max_items=BATCH)):
            if r.status == "stored" and r.id is not None:
                stored.append(r.id)
                item = part[r.index]
                if pre is not None and found is not None:
                    pre[r.id] = found[start + r.index]
                new_terms.append(
                    (
                        _when(item.get("occurred_at")),
                        *(
                            terms[start + r.index]
                            if terms is not None
                            else local.post_terms(str(item.get("text") or ""), item.get("language"))
                        ),
                    )
                )
            r.index += start
            out.append(r)
    # Mentions and both rollups once for all the batches: counts of the same day add up
    # before they are written (fewer rows to upsert than one write per batch).
    record_mentions(session, stored, matcher, pre=pre)
    local.add_terms(session, new_terms)
    return out


def record_mentions(
    session: Session,
    interaction_ids: list[int],
    matcher: Matcher,
    *,
    pre: dict[int, list[Mention]] | None = None,
) -> int:
    """Find the brands of these posts (or take `pre`, by interaction id); store mentions and
    add them to the rollup (idempotent: a post already matched to a brand is skipped).
    Returns mentions stored."""
    if not interaction_ids or not matcher.brands:
        return 0
    workspace_id = bound_workspace(session)
    tz = local.keep_zone(session)
    new: list[dict[str, Any]] = []
    if pre is not None:  # only the posts that mention a brand are read back, without text
        interaction_ids = [i for i in interaction_ids if pre.get(i)]
    text = Interaction.text if pre is None else literal(None).label("text")
    for part in chunks(interaction_ids, BATCH):
        rows = session.execute(
            select(
                Interaction.id,
                Interaction.person_id,
                Interaction.occurred_at,
                Interaction.channel,
                text,
                Interaction.language,
                Interaction.attributes,
                Interaction.backfill,
            ).where(Interaction.id.in_(part))
        ).all()
        if pre is not None:
            found = [pre.get(r.id, []) for r in rows]
        else:
            found = matcher.find([r.text or "" for r in rows], [r.language for r in rows])
        mention_rows = [
            mention_row(workspace_id, row._asdict(), m)
            for row, mentions in zip(rows, found, strict=True)
            for m in mentions
        ]
        new.extend(insert_mentions(session, mention_rows))
    return finish_mentions(session, new, tz)


def mention_row(workspace_id: int, post: dict[str, Any], m: Mention) -> dict[str, Any]:
    """A mention's row from its post (`id`, `person_id`, `occurred_at`, `channel`,
    `attributes`, `backfill` of the stored interaction)."""
    attrs = post["attributes"] or {}
    return {
        "workspace_id": workspace_id,
        "interaction_id": post["id"],
        "brand_id": m.brand_id,
        "person_id": post["person_id"],
        "author": str(attrs.get("author") or "")[:200] or None,
        "at": post["occurred_at"],
        "network": post["channel"],
        "language": m.language,
        "sentiment": m.sentiment,
        "aspects": m.aspects,
        "clause": m.clause,
        "reach": _count(attrs.get("reach")),
        "engagement": _count(attrs.get("engagement")),
        "needs_answer": m.needs_answer,
        "backfill": bool(post["backfill"]),
    }


def insert_mentions(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert mention rows (a post already matched to a brand is skipped); the rows stored."""
    if not rows:
        return []
    table = ListeningMention.__table__
    for r, mid in zip(rows, reserve_ids(session, table, len(rows)), strict=True):
        r["id"] = mid
    inserted = insert_many_ignoring_conflicts(
        session, table, rows, ["workspace_id", "interaction_id", "brand_id"]
    )
    return [r for r in rows if r["id"] in inserted]


def finish_mentions(session: Session, new: list[dict[str, Any]], tz: tzinfo) -> int:
    """Add stored mentions to the daily rollup (once for every part: a day's counts add up
    before they are written); queue a spike check after live ones. Returns their number."""
    _add_to_days(session, new, tz)
    if any(not r["backfill"] for r in new):
        queue_detection(session)
    return len(new)


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _add_to_days(session: Session, mentions: list[dict[str, Any]], tz: tzinfo) -> None:
    """Add mentions to the daily rollup of local days (upsert: counts add up)."""
    if not mentions:
        return
    sums: dict[tuple[int, date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for m in mentions:
        pos = 1 if m["sentiment"] == "positive" else 0
        neg = 1 if m["sentiment"] == "negative" else 0
        for aspect in (ALL_ASPECTS, *m["aspects"]):
            s = sums[(m["brand_id"], local.local_day(m["at"], tz), m["language"], aspect)]
            s[0] += 1
            s[1] += pos
            s[2] += neg
            s[3] += m["reach"]
    local.upsert_counts(
        session,
        ListeningDay.__tablename__,
        ["brand_id", "day", "language", "aspect"],
        ["mentions", "positive", "negative", "reach"],
        [(b, d, lang, a, *s) for (b, d, lang, a), s in sorted(sums.items())],
    )


def rematch_brand(session: Session, brand_id: int) -> int:
    """Match one brand again over every stored post; rebuild its rollup. Returns mentions."""
    brand = session.execute(
        select(ListeningBrand).where(ListeningBrand.id == brand_id)
    ).scalar_one_or_none()
    if brand is None:
        return 0
    session.execute(delete(ListeningMention).where(ListeningMention.brand_id == brand_id))
    session.execute(delete(ListeningDay).where(ListeningDay.brand_id == brand_id))
    matcher = Matcher([spec_of(brand)])
    total = 0
    last = 0
    while True:
        ids = list(
            session.execute(
                select(Interaction.id)
                .where(Interaction.source.startswith(SOURCE_PREFIX), Interaction.id > last)
                .order_by(Interaction.id)
                .limit(5000)
            ).scalars()
        )
        if not ids:
            break
        last = ids[-1]
        total += record_mentions(session, ids, matcher)
    return total


def queue_rezone(session: Session) -> bool:
    """Queue a rebuild in the workspace's zone when the rollups are kept in another one."""
    if not local.needs_rezone(session):
        return False
    enqueue(
        session,
        local.REZONE_JOB,
        {},
        workspace_id=bound_workspace(session),
        dedupe_key=f"{local.REZONE_JOB}:{bound_workspace(session)}:{local.workspace_zone(session)}",
    )
    return True


def rezone(session: Session) -> bool:
    """Rebuild the daily rollups (brands and terms) in the workspace's current time zone, from
    the stored mentions and posts; then keep that zone. Returns whether anything changed."""
    if not local.needs_rezone(session):
        return False
    name = local.workspace_zone(session)
    tz = local.zone_info(name)
    session.execute(delete(ListeningDay))
    local.clear_terms(session)
    last = 0
    while True:
        rows = session.execute(
            select(
                ListeningMention.id,
                ListeningMention.brand_id,
                ListeningMention.at,
                ListeningMention.language,
                ListeningMention.sentiment,
                ListeningMention.aspects,
                ListeningMention.reach,
            )
            .where(ListeningMention.id > last)
            .order_by(ListeningMention.id)
            .limit(5000)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        _add_to_days(session, [r._asdict() for r in rows], tz)
    last = 0
    while True:
        posts = session.execute(
            select(Interaction.id, Interaction.occurred_at, Interaction.text, Interaction.language)
            .where(Interaction.source.startswith(SOURCE_PREFIX), Interaction.id > last)
            .order_by(Interaction.id)
            .limit(5000)
        ).all()
        if not posts:
            break
        last = posts[-1].id
        local.add_terms(
            session,
            ((p.occurred_at, *local.post_terms(p.text or "", p.language)) for p in posts),
            tz,
        )
    local.set_kept_zone(session, name)
    return True


def queue_detection(session: Session, at: datetime | None = None) -> None:
    """One spike check per workspace every five minutes, after new live mentions."""
    workspace_id = bound_workspace(session)
    at = at or utcnow()
    bucket = int(at.timestamp() // 300) + 1
    enqueue(
        session,
        DETECT_JOB,
        {},
        workspace_id=workspace_id,
        run_at=datetime.fromtimestamp(bucket * 300, tz=UTC),
        dedupe_key=f"{DETECT_JOB}:{workspace_id}:{bucket}",
    )
