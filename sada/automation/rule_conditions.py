"""Rule conditions checked against a `Context`: field comparisons, audience and segment
membership, counts of the person's interactions in a window, silence and topic rises
(the condition language is described in `sada.automation.rules`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sada.automation.rule_context import Context
from sada.people.membership import in_segments

# ---------------------------------------------------------------- conditions


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "exists":
        return left is not None
    if op == "not_exists":
        return left is None
    if op == "in":
        return left in (right or [])
    if op == "not_in":
        return left not in (right or [])
    if op == "contains":
        if isinstance(left, list):
            return right in left
        return isinstance(left, str) and str(right).lower() in left.lower()
    if left is None:
        return False
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    try:
        if op == "lt":
            return left < right
        if op == "lte":
            return left <= right
        if op == "gt":
            return left > right
        if op == "gte":
            return left >= right
    except TypeError:
        return False
    return False


def _sentiment_ids(session: Session, ids: list[int], label: str) -> set[int]:
    try:
        from sada.text.models import TextAnalysis
    except ImportError:
        return set()
    return set(
        session.execute(
            select(TextAnalysis.interaction_id).where(
                TextAnalysis.interaction_id.in_(ids), TextAnalysis.sentiment == label
            )
        ).scalars()
    )


def count_interactions(
    session: Session, person_id: int, where: dict[str, Any], since: datetime, until: datetime
) -> int:
    from sada.interactions.models import Interaction

    query = select(Interaction.id).where(
        Interaction.person_id == person_id,
        Interaction.occurred_at >= since,
        Interaction.occurred_at <= until,
        Interaction.source != "sada.automation",
    )
    for key in ("type", "channel", "direction", "rating_scale"):
        if key in where:
            value = where[key]
            column = getattr(Interaction, key)
            query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    if "rating_lte" in where:
        query = query.where(Interaction.rating <= where["rating_lte"])
    if "rating_gte" in where:
        query = query.where(Interaction.rating >= where["rating_gte"])
    ids = list(session.execute(query.limit(10_000)).scalars())
    if "sentiment" in where and ids:
        return len(_sentiment_ids(session, ids, where["sentiment"]))
    return len(ids)


def last_inbound_at(session: Session, person_id: int) -> datetime | None:
    from sada.interactions.models import Interaction

    return session.execute(
        select(func.max(Interaction.occurred_at)).where(
            Interaction.person_id == person_id, Interaction.direction == "inbound"
        )
    ).scalar_one_or_none()


def topic_rises(
    session: Session,
    now: datetime,
    *,
    days: int = 7,
    baseline_days: int = 28,
    factor: float = 2.0,
    min_count: int = 5,
) -> list[dict[str, Any]]:
    """Topics in negative texts, recent window vs the baseline rate before it."""
    try:
        from sada.text.models import TextAnalysis
    except ImportError:
        return []
    from sada.interactions.models import Interaction

    start = now - timedelta(days=days + baseline_days)
    rows = session.execute(
        select(Interaction.occurred_at, TextAnalysis.topics)
        .join(Interaction, Interaction.id == TextAnalysis.interaction_id)
        .where(Interaction.occurred_at >= start, TextAnalysis.sentiment == "negative")
    ).all()
    recent: dict[str, int] = {}
    base: dict[str, int] = {}
    cut = now - timedelta(days=days)
    for at, topics in rows:
        names = cast(
            set[str],
            {t.get("name") for t in topics or [] if isinstance(t, dict) and t.get("name")},
        )
        target = recent if at >= cut else base
        for name in names:
            target[name] = target.get(name, 0) + 1
    out = []
    for name, n in recent.items():
        expected = base.get(name, 0) * days / baseline_days
        if n >= min_count and n >= factor * max(expected, 1.0):
            out.append({"name": name, "recent": n, "expected": round(expected, 2)})
    return sorted(out, key=lambda t: -t["recent"])


def check_condition(session: Session, cond: dict[str, Any], ctx: Context) -> bool:
    if "any" in cond:
        return any(check_condition(session, sub, ctx) for sub in cond["any"])
    if "all" in cond:
        return all(check_condition(session, sub, ctx) for sub in cond["all"])
    kind = cond.get("type", "field" if "field" in cond else None)
    if kind == "field":
        return _compare(cond.get("op", "eq"), ctx.lookup(cond["field"]), cond.get("value"))
    if kind in ("audience", "segment"):
        return ctx.person is not None and ctx.person.get(kind) in cond["in"]
    if kind in ("in_segment", "not_in_segment"):
        if ctx.person_id is None:
            return False
        member = in_segments(session, ctx.person_id, [str(k) for k in cond["in"]])
        return member if kind == "in_segment" else not member
    if kind == "count":
        if ctx.person_id is None:
            return False
        since = ctx.now - timedelta(days=float(cond.get("days", 30)))
        n = count_interactions(session, ctx.person_id, cond.get("where", {}), since, ctx.now)
        return _compare(cond.get("op", "gte"), n, cond["value"])
    if kind == "silence":
        if ctx.person_id is None:
            return False
        last = last_inbound_at(session, ctx.person_id)
        return last is None or last <= ctx.now - timedelta(days=float(cond["days"]))
    if kind == "topic_rise":
        if ctx.topic is not None:
            return True
        rises = topic_rises(
            session,
            ctx.now,
            days=int(cond.get("days", 7)),
            baseline_days=int(cond.get("baseline_days", 28)),
            factor=float(cond.get("factor", 2.0)),
            min_count=int(cond.get("min_count", 5)),
        )
        if rises:
            ctx.topic = rises[0]
        return bool(rises)
    return False
