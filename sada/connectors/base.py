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
