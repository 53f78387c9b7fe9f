"""Which pages a saved view may open: the analytic pages of the shell, by path pattern.

A view stores a path and a query string, never a URL: anything else (an absolute URL, a
scheme, `//host`, a backslash, an unknown path) is refused with 422, so opening a view can
never redirect off the site or to a page that is not an analytic page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from sada.core.errors import Invalid

_SEGMENT = r"[A-Za-z0-9_\-.%]{1,120}"
# (pattern, page kind): the kind names the report built for the view (see `web_report`).
ANALYTIC_PAGES: tuple[tuple[str, str], ...] = (
    (r"/overview", "overview"),
    (r"/feedback", "feedback"),
    (r"/themes", "themes"),
    (r"/journeys", "journeys"),
    (rf"/journeys/maps/{_SEGMENT}", "overview"),
    (rf"/journeys/maps/{_SEGMENT}/touchpoints/{_SEGMENT}", "overview"),
    (rf"/journeys/audiences/{_SEGMENT}/retention", "overview"),
    (r"/performance", "performance"),
    (r"/cases", "overview"),
    (r"/listening", "listening"),
    (r"/listening/compare", "listening"),
    (r"/listening/posts", "listening"),
    (r"/health", "health"),
    (r"/surveys/\d{1,18}", "survey"),
)
_COMPILED = tuple((re.compile(f"^{p}$"), kind) for p, kind in ANALYTIC_PAGES)
# Query keys that never belong to a view (language, paging, forms).
DROPPED_KEYS = frozenset({"lang", "page", "cursor", "csrf", "next"})
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_QUERY = 2000


def page_kind(path: str) -> str | None:
    """The kind of an analytic page path, or None when it is not one."""
    for pattern, kind in _COMPILED:
        if pattern.match(path):
            return kind
    return None


def is_analytic(path: str) -> bool:
    return page_kind(path) is not None


def clean_target(path: str, query: str = "") -> tuple[str, str]:
    """(path, query) of a view after checks: a known analytic page, a tidy query string.

    `path` may carry its query (`/overview?period=7d`); `query` may start with `?`.
    """
    raw = (path or "").strip()
    if (
        not raw.startswith("/")
        or raw.startswith("//")
        or "\\" in raw
        or any(ord(c) < 32 for c in raw)
    ):
        raise Invalid(
            "a view opens a page of Sada: give its path, like /overview?period=30d",
            details={"field": "path"},
        )
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.fragment:
        raise Invalid(
            "a view opens a page of Sada: give its path, like /overview?period=30d",
            details={"field": "path"},
        )
    if not is_analytic(parts.path):
        raise Invalid(
            "this page cannot be saved as a view",
            details={"field": "path", "value": parts.path[:100]},
        )
    joined = "&".join(q for q in (parts.query, (query or "").lstrip("?")) if q)
    if len(joined) > MAX_QUERY:
        raise Invalid("the view's filters are too long", details={"field": "query"})
    pairs = []
    for key, value in parse_qsl(joined, keep_blank_values=False):
        if key in DROPPED_KEYS:
            continue
        if not _KEY.match(key) or len(value) > 400 or any(ord(c) < 32 for c in value):
            raise Invalid(
                "a filter of the view is not valid", details={"field": "query", "value": key[:40]}
            )
        pairs.append((key, value))
    return parts.path, urlencode(pairs)


def target_url(path: str, query: str) -> str:
    """The page a view opens (its stored path was checked on the way in)."""
    return path + ("?" + query if query else "")
