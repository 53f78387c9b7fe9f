"""Pulling HubSpot history from its API instead of files.

`pull(client, token, base_url=..., refused=...) -> Pulled`: tickets (with their contact
associations), contacts, conversation threads and each thread's messages, and feedback
submissions, page by page through `paging.next.after` until HubSpot gives no next page.
Auth is a private app's access token (`Authorization: Bearer …`); the CLI reads it from an
environment variable the admin sets, and it is never logged. The CLI passes the SSRF-guarded
client (`SADA_WEBHOOK_ALLOWED_HOSTS` admits a private host). 429 and 5xx are retried after
`Retry-After` (at most `attempts` times), then raise RetryableError; 401 raises
PermanentError. Conversations and feedback are optional: a 403 there (the app lacks the
`conversations.read` scope, or the portal has no feedback surveys) is noted and skipped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from sada.connectors.base import PermanentError, get_json

BASE_URL = "https://api.hubapi.com"
MAX_PAGES = 10_000
PAGE = 100
TICKET_PROPERTIES = (
    "subject,content,hs_pipeline,hs_pipeline_stage,hs_ticket_priority,hs_ticket_category,"
    "source_type,createdate,hs_lastmodifieddate,hubspot_owner_id"
)
CONTACT_PROPERTIES = "email,firstname,lastname,phone,mobilephone,hs_language"
FEEDBACK_PROPERTIES = (
    "hs_survey_type,hs_response_value,hs_content,hs_survey_name,hs_survey_id,hs_sentiment,"
    "hs_survey_channel,hs_submission_timestamp,hs_createdate,hs_contact_id"
)


class NoAccess(PermanentError):
    """HubSpot answered 403: the private app lacks the scope for this object."""


@dataclass
class Pulled:
    """What the pull brought back, shaped like the saved files `import_data` reads."""

    tickets: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _denied(response: Any) -> None:
    if response.status_code == 401:
        raise PermanentError("HubSpot refused the access token (check the private app token)")
    raise NoAccess(f"HubSpot answered 403 for {str(response.url).split('?')[0]} (missing scope)")


def _get(
    client: httpx.Client,
    url: str,
    attempts: int,
    sleep: Any,
    refused: tuple[type[BaseException], ...],
) -> dict[str, Any]:
    return get_json(
        client, url, tool="HubSpot", attempts=attempts, sleep=sleep, refused=refused, denied=_denied
    )


def _pages(
    client: httpx.Client,
    url: str,
    params: dict[str, str],
    attempts: int,
    sleep: Any,
    refused: tuple[type[BaseException], ...],
) -> list[dict[str, Any]]:
    """Every object of a list endpoint, following `paging.next.after`."""
    out: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        query = {**params, "limit": str(PAGE), **({"after": after} if after else {})}
        page = _get(client, f"{url}?{urlencode(query, safe=',')}", attempts, sleep, refused)
        out += [r for r in page.get("results") or [] if isinstance(r, dict)]
        following = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not following or str(following) == after:
            break
        after = str(following)
    return out


def pull(
    client: httpx.Client,
    token: str,
    *,
    base_url: str = BASE_URL,
    refused: tuple[type[BaseException], ...] = (),
    attempts: int = 4,
    sleep: Any = time.sleep,
) -> Pulled:
    """`client` is the caller's outbound client (the CLI passes the SSRF-guarded one);
    `refused` are its "destination refused" errors, reported as permanent."""
    base = base_url.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise PermanentError("the HubSpot API URL must start with https://")
    if not token:
        raise PermanentError("no HubSpot access token")
    client.headers["Authorization"] = f"Bearer {token}"
    out = Pulled()

    def pages(path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        return _pages(client, f"{base}{path}", params, attempts, sleep, refused)

    out.tickets = pages(
        "/crm/v3/objects/tickets",
        {"properties": TICKET_PROPERTIES, "associations": "contacts", "archived": "false"},
    )
    out.contacts = pages("/crm/v3/objects/contacts", {"properties": CONTACT_PROPERTIES})
    try:
        out.threads = pages("/conversations/v3/conversations/threads", {})
        for thread in out.threads:
            tid = quote(str(thread.get("id") or ""), safe="")
            if tid:
                found = pages(f"/conversations/v3/conversations/threads/{tid}/messages", {})
                out.messages.append({"threadId": str(thread["id"]), "results": found})
    except NoAccess as exc:
        out.notes.append(f"conversations skipped: {exc.message}")
    try:
        out.feedback = pages(
            "/crm/v3/objects/feedback_submissions",
            {"properties": FEEDBACK_PROPERTIES, "associations": "contacts"},
        )
    except NoAccess as exc:
        out.notes.append(f"feedback submissions skipped: {exc.message}")
    return out
