"""Reviews from Google Play, the App Store, Trustpilot and Google reviews, as `review` interactions.

Formats, detected from the file itself (or `site=`):
- Google Play Console review export CSV (UTF-16 or UTF-8): `Review Submit Date and Time`,
  `Star Rating`, `Review Title`, `Review Text`, `Reviewer Language`, `Review Link`, ...;
- App Store Connect API `customerReviews` JSON (`data[].attributes.rating/title/body`);
- Trustpilot: business review export CSV (`Review ID`, `Review Stars`, `Review Content`, ...)
  or the API's `{"reviews": [{"id", "stars", "title", "text", "consumer", ...}]}`;
- Google Business Profile API `{"reviews": [{"reviewId", "starRating": "FIVE", ...}]}`.

Every review is history (origin import, backfill) with its star rating on `stars5`; the
review id (or, for Play exports without one, the review link or a hash of author and
time) keeps re-imports from storing anything twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sada.connectors.base import Item, PermanentError, register
from sada.connectors.history import history, import_items, iso
from sada.db.engine import Database
from sada.feedback.imports import ImportSummary
from sada.metrics.catalogue import RANGES

SITES = ("play_store", "app_store", "trustpilot", "google_reviews")
_GOOGLE_STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}


def decode(data: bytes | str) -> str:
    """Play exports are UTF-16; others UTF-8 (either may start with a byte-order mark)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PermanentError(f"not UTF-8 or UTF-16 text (byte {exc.start})") from None


def _item(
    site: str,
    rid: str,
    *,
    when: Any,
    stars: Any,
    title: Any = None,
    text: Any = None,
    language: Any = None,
    person: dict[str, Any] | None = None,
    attributes: dict[str, Any] | None = None,
) -> Item:
    where = f"{site} review {rid}"
    try:
        rating = int(float(str(stars).strip()))
    except ValueError:
        return Item(where, outcome=f"rejected: star rating {str(stars)[:20]!r} is not 1-5")
    low, high = RANGES["stars5"]
    if not low <= rating <= high:
        return Item(where, outcome=f"rejected: star rating {rating} is not 1-5")
    lang = str(language or "").replace("_", "-").split("-")[0].lower() or None
    item: dict[str, Any] = {
        "source": site,
        "external_id": f"review:{rid}"[:200],
        "occurred_at": iso(when),
        "channel": site,
        "type": "review",
        "direction": "inbound",
        "rating": rating,
        "rating_scale": "stars5",
        "subject": str(title)[:1000] if title else None,
        "text": str(text) if text else None,
        "language": lang if lang and lang.isalpha() and len(lang) <= 3 else None,
        "attributes": {k: v for k, v in (attributes or {}).items() if v not in (None, "")},
    }
    if person:
        item["person"] = person
    return Item(where, history(item))


def _hash(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:24]


def play_items(rows: list[dict[str, str]]) -> Iterator[Item]:
    for row in rows:
        when = row.get("Review Submit Date and Time") or row.get("Review Last Update Date and Time")
        rid = row.get("Review Link") or _hash(
            row.get("Package Name"), when, row.get("Device"), row.get("Review Text")
        )
        yield _item(
            "play_store",
            rid,
            when=when,
            stars=row.get("Star Rating", ""),
            title=row.get("Review Title"),
            text=row.get("Review Text"),
            language=row.get("Reviewer Language"),
            attributes={
                "package": row.get("Package Name"),
                "app_version": row.get("App Version Name"),
                "device": row.get("Device"),
                "reply": row.get("Developer Reply Text"),
            },
        )


def trustpilot_csv_items(rows: list[dict[str, str]]) -> Iterator[Item]:
    for row in rows:
        rid = row.get("Review ID") or _hash(row.get("Review Created (UTC)"), row.get("Email"))
        email = (row.get("Email") or "").strip()
        yield _item(
            "trustpilot",
            rid,
            when=row.get("Review Created (UTC)") or row.get("Review Created"),
            stars=row.get("Review Stars", ""),
            title=row.get("Review Title"),
            text=row.get("Review Content"),
            language=row.get("Review Language"),
            person={"email": email, "name": row.get("Name") or None} if email else None,
            attributes={"reply": row.get("Reply Content"), "reference": row.get("Reference Id")},
        )


def json_items(data: Any) -> Iterator[Item]:
    if isinstance(data, dict) and isinstance(data.get("data"), list):  # App Store Connect
        for r in data["data"]:
            a = r.get("attributes") or {}
            yield _item(
                "app_store",
                str(r.get("id")),
                when=a.get("createdDate"),
                stars=a.get("rating", ""),
                title=a.get("title"),
                text=a.get("body"),
                attributes={"nickname": a.get("reviewerNickname"), "territory": a.get("territory")},
            )
        return
    reviews = data.get("reviews") if isinstance(data, dict) else data
    if not isinstance(reviews, list):
        raise PermanentError("not a review export: expected {'reviews': [...]} or {'data': [...]}")
    for r in reviews:
        if not isinstance(r, dict):
            continue
        if "starRating" in r:  # Google Business Profile
            yield _item(
                "google_reviews",
                str(r.get("reviewId") or r.get("name")),
                when=r.get("createTime"),
                stars=_GOOGLE_STARS.get(str(r.get("starRating")), r.get("starRating")),
                text=r.get("comment"),
                attributes={"reviewer": (r.get("reviewer") or {}).get("displayName")},
            )
            continue
        consumer = r.get("consumer") or {}
        yield _item(
            "trustpilot",
            str(r.get("id")),
            when=r.get("createdAt"),
            stars=r.get("stars", ""),
            title=r.get("title"),
            text=r.get("text"),
            language=r.get("language"),
            person={"external_ids": {"trustpilot": str(consumer["id"])}}
            if consumer.get("id")
            else None,
            attributes={
                "consumer": consumer.get("displayName"),
                "reference": r.get("referenceId"),
                "reply": (r.get("companyReply") or {}).get("text"),
            },
        )


def items(data: bytes | str) -> list[Item]:
    text = decode(data)
    if text.lstrip()[:1] in ("{", "["):
        try:
            return list(json_items(json.loads(text)))
        except ValueError as exc:
            raise PermanentError(f"not valid JSON: {exc}") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    header = set(rows[0]) if rows else set(next(csv.reader(io.StringIO(text)), []))
    if "Star Rating" in header:
        return list(play_items(rows))
    if "Review Stars" in header:
        return list(trustpilot_csv_items(rows))
    raise PermanentError(
        "not a review export: expected a Google Play CSV (Star Rating), a Trustpilot CSV "
        "(Review Stars), App Store Connect or Trustpilot/Google JSON"
    )


def import_file(db: Database, workspace_id: int, path: Path) -> ImportSummary:
    return import_items(db, workspace_id, items(path.read_bytes()))


register("reviews", ("file",), lambda data, **_: items(data))
