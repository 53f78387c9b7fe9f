"""RSS and Atom feeds: polled on a schedule with conditional requests, through the SSRF guard.

Each poll sends the feed's last `ETag` (If-None-Match) and `Last-Modified`
(If-Modified-Since); a 304 costs nothing. The body is parsed by `feedparser` (every RSS and
Atom dialect, dates, encodings); entries become posts, idempotent by their id or link.
Requests go through `sada.core.ssrf` (public addresses only, unless the admin allows a
range in SADA_LISTENING_ALLOWED_HOSTS), without following redirects to other schemes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import feedparser
import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.listening.ingest import ingest_posts
from sada.listening.models import ListeningFeed
from sada.listening.sources import NETWORKS, feed_items

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 15.0


@dataclass
class PollResult:
    feed_id: int
    status: str  # fetched | not_modified | error
    stored: int = 0
    duplicates: int = 0
    errors: int = 0
    message: str = ""


def feed_out(feed: ListeningFeed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "name": feed.name,
        "network": feed.network,
        "interval_minutes": feed.interval_minutes,
        "active": feed.active,
        "last_polled_at": feed.last_polled_at.isoformat() if feed.last_polled_at else None,
        "last_status": feed.last_status,
    }


def do_add_feed(session: Session, data: dict[str, Any], policy: HostPolicy) -> ListeningFeed:
    url = str(data.get("url") or "").strip()
    if not url or len(url) > 2000:
        raise Invalid("url: an http(s) address", details={"field": "url"})
    verdict = policy.check_url(url)
    if not verdict:
        raise Invalid(f"url: {verdict.reason}", details={"field": "url"})
    network = str(data.get("network") or "web")
    if network not in NETWORKS:
        raise Invalid(f"network {network!r} is not known", details={"field": "network"})
    try:
        interval = int(data.get("interval_minutes") or 30)
    except (TypeError, ValueError):
        raise Invalid("interval_minutes: a number", details={"field": "interval_minutes"}) from None
    if not 5 <= interval <= 1440:
        raise Invalid("interval_minutes: 5 to 1440", details={"field": "interval_minutes"})
    if session.execute(select(ListeningFeed.id).where(ListeningFeed.url == url)).first():
        raise Conflict("this feed is listed already")
    feed = ListeningFeed(
        workspace_id=bound_workspace(session),
        url=url,
        name=str(data.get("name") or "")[:200],
        network=network,
        interval_minutes=interval,
    )
    session.add(feed)
    session.flush()
    return feed


def list_feeds(session: Session) -> list[ListeningFeed]:
    return list(session.execute(select(ListeningFeed).order_by(ListeningFeed.id)).scalars())


def access_feed(session: Session, feed_id: int) -> ListeningFeed:
    feed = session.execute(
        select(ListeningFeed).where(ListeningFeed.id == feed_id)
    ).scalar_one_or_none()
    if feed is None:
        raise NotFound(f"no feed {feed_id}")
    return feed


def due_feeds(session: Session) -> list[ListeningFeed]:
    now = utcnow()
    return [
        f
        for f in list_feeds(session)
        if f.active
        and (
            f.last_polled_at is None
            or f.last_polled_at + timedelta(minutes=f.interval_minutes) <= now
        )
    ]


@dataclass
class Fetched:
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str


def fetch(feed: ListeningFeed, policy: HostPolicy) -> Fetched:
    """One conditional GET (raises httpx errors and BlockedDestination)."""
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml, text/xml"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    with (
        guarded_client(policy, timeout=TIMEOUT, follow_redirects=True) as client,
        client.stream("GET", feed.url, headers=headers) as response,
    ):
        body = b""
        if response.status_code == 200:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise Invalid("the feed is larger than 5 MB")
        return Fetched(
            response.status_code,
            body,
            response.headers.get("etag"),
            response.headers.get("last-modified"),
            response.headers.get("content-type", ""),
        )


def parse(body: bytes, url: str, content_type: str, network: str) -> Any:
    parsed = feedparser.parse(body, response_headers={"content-type": content_type})
    return feed_items(parsed, feed_url=url, network=network)


def record_poll(feed: ListeningFeed, fetched: Fetched | None, message: str) -> None:
    feed.last_polled_at = utcnow()
    feed.last_status = message[:500]
    if fetched is not None and fetched.status == 200:
        feed.etag = (fetched.etag or "")[:500] or None
        feed.last_modified = (fetched.last_modified or "")[:200] or None


def poll(
    db: Database, workspace_id: int, policy: HostPolicy, *, feed_ids: list[int] | None = None
) -> list[PollResult]:
    """Poll the due feeds (or these ones); network calls happen outside any transaction."""
    with db.reader(workspace_id) as session:
        feeds = (
            [access_feed(session, i) for i in feed_ids]
            if feed_ids is not None
            else due_feeds(session)
        )
        plans = [(f.id, f.url, f.network, f.etag, f.last_modified) for f in feeds]
    out: list[PollResult] = []
    for feed_id, url, network, etag, last_modified in plans:
        probe = ListeningFeed(url=url, etag=etag, last_modified=last_modified)
        fetched: Fetched | None = None
        try:
            fetched = fetch(probe, policy)
            error = ""
        except BlockedDestination as exc:
            error = f"refused: {exc}"
        except (httpx.HTTPError, Invalid) as exc:
            error = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
        result = PollResult(feed_id, "error", message=error)
        with db.transaction(workspace_id) as session:
            feed = access_feed(session, feed_id)
            if fetched is not None and fetched.status == 304:
                result = PollResult(feed_id, "not_modified", message="not modified (304)")
            elif fetched is not None and fetched.status == 200:
                parsed = parse(fetched.body, url, fetched.content_type, network)
                results = ingest_posts(session, parsed.items)
                result = PollResult(
                    feed_id,
                    "fetched",
                    stored=sum(r.status == "stored" for r in results),
                    duplicates=sum(r.status == "duplicate" for r in results),
                    errors=len(parsed.errors) + sum(r.status == "rejected" for r in results),
                )
                result.message = (
                    f"{result.stored} new, {result.duplicates} known, {result.errors} skipped"
                )
            elif fetched is not None:
                result = PollResult(feed_id, "error", message=f"HTTP {fetched.status}")
            record_poll(feed, fetched, result.message)
        out.append(result)
    return out


__all__ = [
    "BlockedDestination",
    "Fetched",
    "PollResult",
    "access_feed",
    "do_add_feed",
    "due_feeds",
    "feed_out",
    "fetch",
    "httpx",
    "list_feeds",
    "parse",
    "poll",
    "record_poll",
]
