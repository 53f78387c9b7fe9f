"""Pulling Zendesk history from its API instead of files.

`pull(client, base_url, email, token, refused=...) -> (tickets, events, ratings)`: the incremental
ticket export (cursor-based, `include=users`), ticket events with comments, and satisfaction
ratings, page by page until Zendesk says the stream ended. Auth is Zendesk's API token
scheme (HTTP Basic `email/token:TOKEN`); the token comes from the admin (the CLI reads it
from an environment variable) and is never logged. The CLI passes the SSRF-guarded client
(`SADA_WEBHOOK_ALLOWED_HOSTS` admits a private host); 429 and 5xx are retried after
`Retry-After` (at most `attempts` times), then raise RetryableError; other 4xx raise
PermanentError.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from sada.connectors.base import PermanentError, get_json

MAX_PAGES = 10_000


def _denied(response: Any) -> None:
    raise PermanentError("Zendesk refused the credentials (check the email and token)")


def _get(
    client: httpx.Client,
    url: str,
    attempts: int,
    sleep: Any,
    refused: tuple[type[BaseException], ...],
) -> dict[str, Any]:
    return get_json(
        client, url, tool="Zendesk", attempts=attempts, sleep=sleep, refused=refused, denied=_denied
    )


def _pages(
    client: httpx.Client,
    url: str,
    key: str,
    attempts: int,
    sleep: Any,
    refused: tuple[type[BaseException], ...],
) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url and len(pages) < MAX_PAGES:
        page = _get(client, next_url, attempts, sleep, refused)
        pages.append(page)
        if page.get("end_of_stream") is True or not page.get(key):
            break
        following = page.get("after_url") or page.get("next_page")
        next_url = following if isinstance(following, str) and following != next_url else None
    return pages


def pull(
    client: httpx.Client,
    base_url: str,
    email: str,
    token: str,
    *,
    refused: tuple[type[BaseException], ...] = (),
    start_time: int = 0,
    attempts: int = 4,
    sleep: Any = time.sleep,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """`client` is the caller's outbound client (the CLI passes the SSRF-guarded one);
    `refused` are its "destination refused" errors, reported as permanent."""
    base = base_url.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise PermanentError("the Zendesk URL must start with https://")
    client.auth = httpx.BasicAuth(f"{email}/token", token)
    tickets = _pages(
        client,
        f"{base}/api/v2/incremental/tickets/cursor.json?start_time={start_time}&include=users",
        "tickets",
        attempts,
        sleep,
        refused,
    )
    events = _pages(
        client,
        f"{base}/api/v2/incremental/ticket_events.json?start_time={start_time}"
        "&include=comment_events",
        "ticket_events",
        attempts,
        sleep,
        refused,
    )
    ratings = _pages(
        client,
        f"{base}/api/v2/satisfaction_ratings.json",
        "satisfaction_ratings",
        attempts,
        sleep,
        refused,
    )
    return tickets, events, ratings
