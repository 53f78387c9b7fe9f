"""The one small protocol every connector follows, and the registry of connectors.

A connector turns what a tool sends or exports into items (`parse`), checks a
webhook's signature when the tool signs (`verify`), and says whether a failure
is permanent (the input is wrong: report it, never retry) or retryable (the
tool or the network failed: try again later). `REGISTRY` lists every connector
by name so the CLI, the API and the registry test find them in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sada.core.errors import Invalid, SadaError


class ConnectorError(SadaError):
    """A failure a connector reports; `retryable` says whether a retry can help."""

    retryable = False


class PermanentError(ConnectorError, Invalid):
    """The input itself is wrong (bad shape, bad values): retrying changes nothing (422)."""


class RetryableError(ConnectorError):
    """The tool or the network failed (timeout, 5xx, rate limit): try again later (503)."""

    status_code = 503
    code = "retryable"
    retryable = True


@dataclass
class Item:
    """One parsed unit: a record to store, or why it was skipped or rejected.

    `outcome` is None for a record to store, `"skipped: reason"` for rows the tool
    itself marks as not real (previews, tests, spam) or `"rejected: reason"`.
    """

    where: str
    record: Any = None
    outcome: str | None = None


class Connector(Protocol):
    """What each `sada/connectors/<tool>/` package offers."""

    name: str
    #: what the tool gives us: "file", "webhook", "api" (one or more)
    kinds: tuple[str, ...]

    def parse(self, data: bytes | str, **options: Any) -> Iterable[Item]:
        """Items from one export file or webhook body; raise PermanentError on a bad shape."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        """True when the request carries the tool's valid signature (or the tool signs nothing)."""
        ...


@dataclass(frozen=True)
class Registered:
    """A connector as the registry knows it."""

    name: str
    kinds: tuple[str, ...]
    parse: Any
    verify: Any


REGISTRY: dict[str, Registered] = {}


def register(name: str, kinds: tuple[str, ...], parse: Any, verify: Any = None) -> Registered:
    """Add a connector (each tool's package calls this once at import)."""
    entry = Registered(name, kinds, parse, verify or unsigned)
    REGISTRY[name] = entry
    return entry


def unsigned(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """For files and tools that sign nothing: there is no signature to check."""
    return True


def decode_text(data: bytes | str, name: str = "the file") -> str:
    """UTF-8 text (a byte-order mark is dropped); a clear permanent error otherwise."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PermanentError(f"{name} is not UTF-8 text (byte {exc.start})") from None


def as_items(rows: Iterable[tuple[str, Any]]) -> list[Item]:
    """Items from (where, record or "skipped: …"/"rejected: …") pairs of the file importers."""
    return [
        Item(where, outcome=value) if isinstance(value, str) else Item(where, record=value)
        for where, value in rows
    ]


def load_json(data: bytes | str) -> Any:
    """A JSON document from a webhook body or file; a clear permanent error otherwise."""
    try:
        return json.loads(decode_text(data))
    except ValueError as exc:
        raise PermanentError(f"not valid JSON: {exc}") from None


def get_json(
    client: Any,
    url: str,
    *,
    tool: str,
    attempts: int,
    sleep: Any,
    refused: tuple[type[BaseException], ...],
    denied: Any,
) -> dict[str, Any]:
    """One JSON object from a tool's REST API (an `httpx.Client` behind the outbound guard):
    transport errors, 429 and 5xx are retried with backoff (honouring `Retry-After`, at most 60 s)
    and end as `RetryableError`; a guard refusal, another 4xx or a body that is not a JSON object
    is a `PermanentError`. `denied(response)` raises the tool's own error for 401 and 403 (a bad
    token, a missing scope)."""
    import httpx  # the connectors' HTTP client; imported here so parsing files needs no network code

    shown = url.split("?")[0]
    for attempt in range(attempts):
        try:
            response = client.get(url)
        except refused as exc:
            raise PermanentError(f"refused by the outbound guard: {exc}") from None
        except httpx.HTTPError as exc:
            if attempt + 1 == attempts:
                raise RetryableError(f"{tool} did not answer: {type(exc).__name__}") from None
            sleep(min(2**attempt, 30))
            continue
        if response.status_code == 429 or response.status_code >= 500:
            if attempt + 1 == attempts:
                raise RetryableError(f"{tool} answered {response.status_code}; try later")
            wait = response.headers.get("retry-after", "")
            sleep(min(float(wait) if wait.replace(".", "", 1).isdigit() else 2**attempt, 60))
            continue
        if response.status_code in (401, 403):
            denied(response)
        if response.status_code >= 400:
            raise PermanentError(f"{tool} answered {response.status_code} for {shown}")
        try:
            body = response.json()
        except ValueError:
            raise PermanentError(f"{tool} answered something that is not JSON") from None
        if not isinstance(body, dict):
            raise PermanentError(f"{tool} answered an unexpected shape")
        return body
    raise RetryableError(f"{tool} did not answer")
