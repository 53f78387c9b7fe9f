"""The networks' APIs that listening calls: X API v2 and the Telegram Bot API.

Credentials are the workspace's `ListeningAccount` rows (token encrypted at rest with the
project's secret box); every request goes through the SSRF guard (the public API hosts pass;
a loopback or private address only when SADA_LISTENING_ALLOWED_HOSTS lists it). `call`
retries what may pass on a second try (connection errors, 5xx, 429) a few times with
exponential backoff, honouring the wait a 429 announces when it is short; what cannot pass
(another 4xx, a refused destination) raises `Refused` at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid
from sada.core.ssrf import BlockedDestination, HostPolicy, guarded_client
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.listening.models import ListeningAccount

API_BASES = {"x": "https://api.x.com", "telegram": "https://api.telegram.org"}
ATTEMPTS = 3
BACKOFF = 0.5  # seconds before the second attempt; doubled each time
MAX_INLINE_WAIT = 5.0  # a longer announced wait is left to the job runner (or the schedule)
TIMEOUT = 15.0


class Refused(Exception):
    """The network refused the request for good (retrying will not help)."""


class Retryable(Exception):
    """The request may pass later (the job runner retries it with its own backoff)."""

    def __init__(self, message: str, *, reset_at: datetime | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


@dataclass(frozen=True)
class Account:
    network: str
    token: str
    api_base: str


# ---------------------------------------------------------------- accounts


def account_out(row: ListeningAccount) -> dict[str, Any]:
    return {
        "network": row.network,
        "api_base": row.api_base or API_BASES[row.network],
        "token_set": bool(row.token),
        "updated_at": row.updated_at.isoformat(),
    }


def do_set_account(
    session: Session, network: str, data: dict[str, Any], policy: HostPolicy
) -> ListeningAccount:
    """Store (or replace) the workspace's token on X or Telegram; `api_base` optional."""
    if network not in API_BASES:
        raise Invalid("network must be x or telegram", details={"field": "network"})
    token = data.get("token")
    if not isinstance(token, str) or not token.strip() or len(token) > 2000:
        raise Invalid("token: the API token, 1 to 2000 characters", details={"field": "token"})
    base = data.get("api_base") or ""
    if not isinstance(base, str) or len(base) > 500:
        raise Invalid("api_base must be a URL", details={"field": "api_base"})
    base = base.strip().rstrip("/")
    if base:
        verdict = policy.check_url(base)
        if not verdict:
            raise Invalid(
                f"api_base refused by the outbound guard: {verdict.reason}",
                details={"field": "api_base"},
            )
    row = session.execute(
        select(ListeningAccount).where(ListeningAccount.network == network)
    ).scalar_one_or_none()
    if row is None:
        row = ListeningAccount(workspace_id=bound_workspace(session), network=network)
        session.add(row)
    row.token = token.strip()
    row.api_base = base
    row.updated_at = utcnow()
    session.flush()
    return row


def account(session: Session, network: str) -> Account | None:
    row = session.execute(
        select(ListeningAccount).where(ListeningAccount.network == network)
    ).scalar_one_or_none()
    if row is None or not row.token:
        return None
    return Account(network, row.token, (row.api_base or API_BASES[network]).rstrip("/"))


# ---------------------------------------------------------------- calls


def _reset_at(response: httpx.Response) -> datetime | None:
    """When a 429 says the limit resets: X's `x-rate-limit-reset` (epoch seconds), else
    `Retry-After` (seconds), else Telegram's `parameters.retry_after`."""
    raw = response.headers.get("x-rate-limit-reset")
    if raw and raw.strip().isdigit():
        return datetime.fromtimestamp(int(raw.strip()), tz=UTC)
    wait: float | None = None
    after = response.headers.get("retry-after")
    if after and after.strip().isdigit():
        wait = float(after)
    else:
        try:
            wait = float(response.json()["parameters"]["retry_after"])
        except (ValueError, KeyError, TypeError):
            wait = None
    if wait is None:
        return None
    return datetime.fromtimestamp(time.time() + wait, tz=UTC)


def call(
    policy: HostPolicy,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json: Any = None,
    params: dict[str, Any] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = ATTEMPTS,
) -> httpx.Response:
    """One API request, retried with backoff (see the module docstring). Returns a 2xx."""
    delay = BACKOFF
    last = ""
    reset: datetime | None = None
    with guarded_client(policy, timeout=TIMEOUT, follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            try:
                response = client.request(method, url, headers=headers, json=json, params=params)
            except BlockedDestination as exc:
                raise Refused(f"destination refused by the outbound guard: {exc}") from None
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.is_success:
                    return response
                last = f"HTTP {response.status_code}: {response.text[:300]}"
                if response.status_code == 429:
                    reset = _reset_at(response)
                    wait = (reset.timestamp() - time.time()) if reset else delay
                    if wait > MAX_INLINE_WAIT or attempt == attempts:
                        raise Retryable(f"rate limited ({last})", reset_at=reset)
                    sleep(max(wait, 0.0))
                    continue
                if response.status_code < 500:
                    raise Refused(last)
            if attempt < attempts:
                sleep(delay)
                delay *= 2
    raise Retryable(last, reset_at=reset)


def x_headers(acc: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {acc.token}", "User-Agent": "Sada"}


def post_x_reply(policy: HostPolicy, acc: Account, in_reply_to: str, text: str) -> str:
    """POST /2/tweets with `reply.in_reply_to_tweet_id`; the new post's id."""
    response = call(
        policy,
        "POST",
        f"{acc.api_base}/2/tweets",
        headers=x_headers(acc),
        json={"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to}},
    )
    try:
        return str(response.json()["data"]["id"])
    except (ValueError, KeyError, TypeError):
        raise Refused(f"unexpected answer from X: {response.text[:200]}") from None


def post_telegram_reply(
    policy: HostPolicy, acc: Account, chat_id: str, message_id: int, text: str
) -> str:
    """Bot API sendMessage with `reply_to_message_id`; the new message's id."""
    response = call(
        policy,
        "POST",
        f"{acc.api_base}/bot{acc.token}/sendMessage",
        json={
            "chat_id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
            "text": text,
            "reply_to_message_id": message_id,
            "allow_sending_without_reply": False,
        },
    )
    try:
        body = response.json()
        if not body.get("ok"):
            raise Refused(f"Telegram refused: {body.get('description')}")
        return str(body["result"]["message_id"])
    except (ValueError, KeyError, TypeError):
        raise Refused(f"unexpected answer from Telegram: {response.text[:200]}") from None
