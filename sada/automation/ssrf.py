"""Moved to `sada.core.ssrf` (IMAP polling in `cases` uses it too); kept for older imports."""

from __future__ import annotations

from sada.core.ssrf import (
    BlockedDestination,
    GuardedTransport,
    HostPolicy,
    Verdict,
    classify,
    guarded_client,
)

__all__ = [
    "BlockedDestination",
    "GuardedTransport",
    "HostPolicy",
    "Verdict",
    "classify",
    "guarded_client",
]
