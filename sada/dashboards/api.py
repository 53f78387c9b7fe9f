"""The feedback explorer over the API: the customers' verbatims with their analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from sada.core.errors import Invalid
from sada.core.privacy import Surface, sees_raw_pii
from sada.dashboards.explorer import ExplorerQuery, count_feedback, explore_ids
from sada.dashboards.service import Filters
from sada.interactions.models import Interaction
from sada.interactions.service import interactions_out, with_views
from sada.tenants.auth import scoped
from sada.tenants.models import Scope
from sada.tenants.service import AuthenticatedKey
from sada.text.pii import redact

router = APIRouter(prefix="/api/v1", tags=["feedback explorer"])


@router.get("/feedback")
def explore_feedback(
    request: Request,
    since: datetime | None = Query(None, description="from (inclusive), with a UTC offset"),
    until: datetime | None = Query(None, description="to (exclusive), with a UTC offset"),
    q: str = Query("", max_length=200, description="search in the texts (letter-folded)"),
    sentiment: Literal["negative", "neutral", "positive", "mixed"] | None = None,
    band: Literal["low", "mid", "high"] | None = Query(None, description="score band"),
    topic: str | None = Query(None, max_length=200),
    channel: str | None = Query(None, max_length=50),
    language: str | None = Query(None, max_length=16),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=100_000),
    key: AuthenticatedKey = scoped(Scope.READ_PEOPLE),
) -> dict[str, Any]:
    """The customers' verbatims (their voice only), newest first, each with its `analysis`:
    language, sentiment, sentences, aspects, topics, mentions and redaction state."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{name} needs a UTC offset, e.g. 2026-01-01T00:00:00Z")
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=30)
    if start >= end:
        raise Invalid("since must be before until")
    eq = ExplorerQuery(
        filters=Filters(start=start, end=end, channel=channel, language=language),
        q=q,
        sentiment=sentiment,
        band=band,
        topic=topic,
    )
    with request.app.state.services.db.reader(key.workspace_id) as session:
        ids = explore_ids(session, eq, limit=limit, offset=offset)
        rows = list(session.execute(select(Interaction).where(Interaction.id.in_(ids))).scalars())
        rows.sort(key=lambda r: ids.index(r.id))
        items = with_views(session, interactions_out(session, rows))
        total = count_feedback(session, eq)
    out = [i.model_dump(mode="json") for i in items]
    if not sees_raw_pii(Surface.API, scopes=key.scopes):  # the personal-data policy
        for item in out:
            for name in ("text", "subject"):
                if item.get(name):
                    item[name] = redact(item[name])[0]
    return {"items": out, "total": total}
