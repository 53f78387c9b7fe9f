"""Live X source: recent search polled on a schedule.

A workspace lists searches (`ListeningXSearch`: an X query and how often to run it); the
`listening.x_pull` job (a periodic job: each run queues the next one, one per workspace and
minute) runs the due ones: `GET /2/tweets/search/recent` with `query`, `since_id` (the
newest post seen, so nothing is fetched twice), `expansions=author_id` and the user and post
fields the parser reads, following `next_token` for at most `MAX_PAGES` pages. The posts are
stored like an import (`service.ingest_posts`: dedupe by the post's id, people by handle,
brands, terms), then `since_id` moves to the response's `meta.newest_id`, in the same
transaction.

The bearer token is the workspace's X account (`ListeningAccount`, encrypted at rest).
Rate limits are honoured: a 429 stops the search until `x-rate-limit-reset` (kept as
`resume_at`) and the next run is scheduled then; other refusals (a bad token, a bad query)
are kept as the search's `last_status` for the admin to see. Every request goes through the
SSRF guard.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.ssrf import HostPolicy
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.jobs.registry import handler
from sada.jobs.service import enqueue
from sada.listening import network, service, sources
from sada.listening.models import ListeningXSearch

PULL_JOB = "listening.x_pull"
MAX_PAGES = 10
PAGE_SIZE = 100
TWEET_FIELDS = "created_at,lang,public_metrics,conversation_id,author_id"
USER_FIELDS = "public_metrics,username,name,verified"


def search_out(row: ListeningXSearch) -> dict[str, Any]:
    return {
        "id": row.id,
        "query": row.query,
        "interval_minutes": row.interval_minutes,
        "since_id": row.since_id,
        "resume_at": row.resume_at.isoformat() if row.resume_at else None,
        "last_polled_at": row.last_polled_at.isoformat() if row.last_polled_at else None,
        "last_status": row.last_status,
        "active": row.active,
    }


def list_searches(session: Session) -> list[ListeningXSearch]:
    return list(session.execute(select(ListeningXSearch).order_by(ListeningXSearch.id)).scalars())


def access_search(session: Session, search_id: int) -> ListeningXSearch:
    row = session.execute(
        select(ListeningXSearch).where(ListeningXSearch.id == search_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no X search {search_id}")
    return row


def do_add_search(session: Session, data: dict[str, Any]) -> ListeningXSearch:
    query = data.get("query")
    if not isinstance(query, str) or not query.strip() or len(query.strip()) > 512:
        raise Invalid("query: an X search query, 1 to 512 characters", details={"field": "query"})
    interval = data.get("interval_minutes", 15)
    if not isinstance(interval, int) or isinstance(interval, bool) or not 1 <= interval <= 1440:
        raise Invalid("interval_minutes: 1 to 1440", details={"field": "interval_minutes"})
    query = query.strip()
    if session.execute(select(ListeningXSearch.id).where(ListeningXSearch.query == query)).first():
        raise Conflict("this query is polled already")
    row = ListeningXSearch(
        workspace_id=bound_workspace(session), query=query, interval_minutes=interval
    )
    session.add(row)
    session.flush()
    queue_pull(session, utcnow())
    return row


def queue_pull(session: Session, at: datetime) -> None:
    """The workspace's next pull at `at` (one job per workspace and minute)."""
    workspace_id = bound_workspace(session)
    minute = int(at.timestamp() // 60)
    enqueue(
        session,
        PULL_JOB,
        {},
        workspace_id=workspace_id,
        run_at=at,
        dedupe_key=f"{PULL_JOB}:{workspace_id}:{minute}",
    )


def _due_at(row: ListeningXSearch) -> datetime:
    due = (
        row.last_polled_at + timedelta(minutes=row.interval_minutes)
        if row.last_polled_at
        else datetime.min.replace(tzinfo=UTC)
    )
    if row.resume_at and row.resume_at > due:
        due = row.resume_at
    return due


def _fetch(
    policy: HostPolicy, acc: network.Account, query: str, since_id: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Every page of new posts (newest first) and `meta.newest_id` of the first page."""
    pages: list[dict[str, Any]] = []
    newest: str | None = None
    token: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {
            "query": query,
            "max_results": PAGE_SIZE,
            "expansions": "author_id",
            "tweet.fields": TWEET_FIELDS,
            "user.fields": USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if token:
            params["next_token"] = token
        response = network.call(
            policy,
            "GET",
            f"{acc.api_base}/2/tweets/search/recent",
            headers=network.x_headers(acc),
            params=params,
        )
        try:
            page = response.json()
        except ValueError:
            raise network.Refused(
                f"X answered something else than JSON: {response.text[:200]}"
            ) from None
        if not isinstance(page, dict):
            raise network.Refused("X answered an unexpected shape")
        pages.append(page)
        meta = page.get("meta") or {}
        if newest is None and meta.get("newest_id"):
            newest = str(meta["newest_id"])
        token = meta.get("next_token")
        if not token:
            break
    return pages, newest


def pull(
    db: Database,
    workspace_id: int,
    policy: HostPolicy,
    *,
    search_ids: list[int] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Run the due searches (or the ones named, due or not); one result per search."""
    now = now or utcnow()
    with db.reader(workspace_id) as session:
        rows = [
            r
            for r in list_searches(session)
            if (search_ids is None and r.active and _due_at(r) <= now)
            or (search_ids is not None and r.id in search_ids)
        ]
        acc = network.account(session, "x")
        todo = [(r.id, r.query, r.since_id) for r in rows]
    out: list[dict[str, Any]] = []
    for search_id, query, since_id in todo:
        result: dict[str, Any] = {"id": search_id, "stored": 0, "duplicates": 0, "rejected": 0}
        resume_at: datetime | None = None
        newest: str | None = None
        pages: list[dict[str, Any]] = []
        if acc is None:
            status = "no X token: an admin sets it (PUT /api/v1/listening/accounts/x)"
        else:
            try:
                pages, newest = _fetch(policy, acc, query, since_id)
                status = "ok"
            except network.Retryable as exc:
                resume_at = exc.reset_at or now + timedelta(minutes=1)
                status = f"rate limited until {resume_at.isoformat()}: {exc}"[:500]
            except network.Refused as exc:
                status = f"refused: {exc}"[:500]
        with db.transaction(workspace_id) as session:
            if pages:
                parsed = sources.parse_x(pages)
                results = service.ingest_posts(session, parsed.items)
                result["stored"] = sum(r.status == "stored" for r in results)
                result["duplicates"] = sum(r.status == "duplicate" for r in results)
                result["rejected"] = len(parsed.errors) + sum(
                    r.status == "rejected" for r in results
                )
            row = session.get(ListeningXSearch, search_id)
            if row is not None:
                row.last_polled_at = now
                row.last_status = status
                row.resume_at = resume_at
                if newest:
                    row.since_id = newest
                result.update(search_out(row))
        result["status"] = status
        out.append(result)
    return out


def schedule_next(db: Database, workspace_id: int) -> datetime | None:
    """Queue the next pull at the earliest due time of the active searches."""
    with db.transaction(workspace_id) as session:
        rows = [r for r in list_searches(session) if r.active]
        if not rows:
            return None
        at = max(min(_due_at(r) for r in rows), utcnow() + timedelta(seconds=30))
        queue_pull(session, at)
        return at


@handler(PULL_JOB)
def pull_job(db: Database, workspace_id: int | None, payload: dict[str, Any]) -> None:
    """Pull the due X searches, then schedule the next run (the periodic job)."""
    from sada.listening.tasks import feed_policy

    assert workspace_id is not None
    pull(db, workspace_id, feed_policy())
    schedule_next(db, workspace_id)
