"""Posts from X, Telegram, RSS/Atom, CSV and webhooks as ingest items.

Every source gives the same shape: an interaction with `channel` = the network, origin
customer, the author as a person with a handle identity (audience `media` from
`INFLUENCER_REACH` followers or views, else `fan`), reach and engagement as attributes, and
`source` + `external_id` = the network and its id, so importing the same posts twice stores
nothing twice. Parsers never raise on one bad post: they return it as a per-item error.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

INFLUENCER_REACH = 10_000
SOURCE_PREFIX = "listening."
_LANG = re.compile(r"^[a-z]{2,3}$")
NETWORKS = frozenset(
    {
        "x", "twitter", "telegram", "instagram", "facebook", "youtube", "tiktok", "linkedin",
        "reddit", "weibo", "wechat", "douyin", "xiaohongshu", "bilibili", "aparat", "eitaa",
        "rubika", "bale", "threads", "web", "other", "google_reviews", "trustpilot",
        "app_store", "play_store",
    }
)  # fmt: skip


@dataclass
class Parsed:
    items: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)  # {"item": ..., "message": ...}


def _int(value: Any) -> int:
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        return 0


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().lower().split("-")[0]
    return code if _LANG.match(code) and code not in ("und", "qme", "qht", "zxx") else None


def _when(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("needs a date")
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"date {text!r} has no time zone offset")
    return at.astimezone(UTC)


def post_item(
    *,
    network: str,
    post_id: str,
    text: str,
    at: datetime,
    handle: str | None,
    name: str | None = None,
    followers: int = 0,
    engagement: int = 0,
    language: str | None = None,
    url: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One post as an ingest item (see the module docstring)."""
    channel = "x" if network == "twitter" else network
    attributes: dict[str, Any] = {
        "listening": True,
        "reach": followers,
        "engagement": engagement,
        **({"url": url} if url else {}),
        **({"author": handle} if handle else {}),
        **(extra or {}),
    }
    item: dict[str, Any] = {
        "source": SOURCE_PREFIX + channel,
        "external_id": str(post_id)[:200],
        "occurred_at": at.isoformat(),
        "channel": channel if channel in NETWORKS else "other",
        "type": "message",
        "direction": "inbound",
        "text": text,
        "origin": "customer",
        "attributes": attributes,
    }
    if language:
        item["language"] = language
    if handle:
        person: dict[str, Any] = {
            "handles": {channel: handle[:200]},
            "audience": "media" if followers >= INFLUENCER_REACH else "fan",
        }
        if name:
            person["name"] = name[:300]
        item["person"] = person
    return item


# ---------------------------------------------------------------- X (API v2)


def parse_x(payload: Any) -> Parsed:
    """An X API v2 search/stream response (`data` + `includes.users`), or a list of them."""
    out = Parsed()
    pages = payload if isinstance(payload, list) else [payload]
    for page_no, page in enumerate(pages):
        if not isinstance(page, dict):
            out.errors.append({"item": f"[{page_no}]", "message": "expected a response object"})
            continue
        data = page.get("data") or []
        if isinstance(data, dict):  # a single-post lookup or a stream message
            data = [data]
        users = {
            str(u.get("id")): u
            for u in ((page.get("includes") or {}).get("users") or [])
            if isinstance(u, dict)
        }
        for i, post in enumerate(data):
            where = f"[{page_no}].data[{i}]" if isinstance(payload, list) else f"data[{i}]"
            try:
                if not isinstance(post, dict):
                    raise ValueError("expected a post object")
                post_id = str(post.get("id") or "").strip()
                if not post_id:
                    raise ValueError("post without an id")
                text = post.get("text")
                if not isinstance(text, str):
                    raise ValueError("post without text")
                user = users.get(str(post.get("author_id")), {})
                metrics = post.get("public_metrics") or {}
                handle = user.get("username") or (
                    str(post["author_id"]) if post.get("author_id") else None
                )
                followers = _int((user.get("public_metrics") or {}).get("followers_count"))
                engagement = sum(
                    _int(metrics.get(k))
                    for k in ("like_count", "retweet_count", "reply_count", "quote_count")
                )
                extra: dict[str, Any] = {}
                if metrics.get("impression_count") is not None:
                    extra["impressions"] = _int(metrics.get("impression_count"))
                if post.get("conversation_id"):
                    extra["thread"] = str(post["conversation_id"])
                out.items.append(
                    post_item(
                        network="x",
                        post_id=post_id,
                        text=text,
                        at=_when(post.get("created_at")),
                        handle=handle,
                        name=user.get("name"),
                        followers=followers,
                        engagement=engagement,
                        language=_language(post.get("lang")),
                        url=f"https://x.com/{handle}/status/{post_id}" if handle else None,
                        extra=extra,
                    )
                )
            except (ValueError, TypeError) as exc:
                out.errors.append({"item": where, "message": str(exc)})
    return out


# ---------------------------------------------------------------- Telegram Desktop export


def telegram_text(value: Any) -> str:
    """A message's text: a string, or a list of strings and entities ({"type", "text"})."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for piece in value:
            if isinstance(piece, str):
                parts.append(piece)
            elif isinstance(piece, dict) and isinstance(piece.get("text"), str):
                parts.append(piece["text"])
        return "".join(parts)
    return ""


def parse_telegram(payload: Any) -> Parsed:
    """A Telegram Desktop JSON export of one chat (`messages`), or of many (`chats.list`)."""
    out = Parsed()
    if not isinstance(payload, dict):
        out.errors.append({"item": "$", "message": "expected the export's JSON object"})
        return out
    chats = (payload.get("chats") or {}).get("list") if "chats" in payload else [payload]
    for c, chat in enumerate(chats or []):
        if not isinstance(chat, dict):
            continue
        chat_id = str(chat.get("id") or chat.get("name") or c)
        chat_name = chat.get("name") if isinstance(chat.get("name"), str) else None
        for i, msg in enumerate(chat.get("messages") or []):
            where = f"messages[{i}]" if len(chats or []) == 1 else f"chats[{c}].messages[{i}]"
            try:
                if not isinstance(msg, dict):
                    raise ValueError("expected a message object")
                if msg.get("type", "message") != "message":
                    continue  # service messages (joins, pins)
                text = telegram_text(msg.get("text"))
                if not text.strip():
                    continue  # media without a caption
                msg_id = msg.get("id")
                if msg_id is None:
                    raise ValueError("message without an id")
                at = _when(msg.get("date_unixtime") or _telegram_date(msg.get("date")))
                author = msg.get("from_id") or msg.get("actor_id") or f"channel{chat_id}"
                name = msg.get("from") if isinstance(msg.get("from"), str) else chat_name
                views = _int(msg.get("views"))
                reactions = sum(
                    _int(r.get("count")) for r in msg.get("reactions") or [] if isinstance(r, dict)
                )
                out.items.append(
                    post_item(
                        network="telegram",
                        post_id=f"{chat_id}:{msg_id}",
                        text=text,
                        at=at,
                        handle=str(author),
                        name=name,
                        followers=views,
                        engagement=reactions + _int(msg.get("forwards")),
                        extra={
                            **({"chat": chat_name} if chat_name else {}),
                            "chat_id": chat_id,
                            **(
                                {"chat_type": chat["type"]}
                                if isinstance(chat.get("type"), str)
                                else {}
                            ),
                        },
                    )
                )
            except (ValueError, TypeError) as exc:
                out.errors.append({"item": where, "message": str(exc)})
    return out


def _telegram_date(value: Any) -> Any:
    # Telegram Desktop writes local time without an offset; only used without date_unixtime.
    if isinstance(value, str) and value and "+" not in value and not value.endswith("Z"):
        return value + "+00:00"
    return value


# ---------------------------------------------------------------- YouTube and Graph comments


def _youtube_comment(comment: dict[str, Any], video: str | None) -> dict[str, Any]:
    snippet = comment.get("snippet") or {}
    text = snippet.get("textOriginal") or snippet.get("textDisplay")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("comment without text")
    if not comment.get("id"):
        raise ValueError("comment without an id")
    channel = (snippet.get("authorChannelId") or {}).get("value")
    handle = channel or snippet.get("authorDisplayName")
    return post_item(
        network="youtube",
        post_id=str(comment["id"]),
        text=re.sub(r"<[^>]+>", " ", text),
        at=_when(snippet.get("publishedAt")),
        handle=str(handle) if handle else None,
        name=snippet.get("authorDisplayName"),
        engagement=_int(snippet.get("likeCount")),
        url=f"https://www.youtube.com/watch?v={video}&lc={comment['id']}" if video else None,
    )


def parse_youtube(payload: Any) -> Parsed:
    """A YouTube Data API v3 `commentThreads.list` (or `comments.list`) response."""
    out = Parsed()
    pages = payload if isinstance(payload, list) else [payload]
    for p, page in enumerate(pages):
        for i, item in enumerate((page or {}).get("items") or [] if isinstance(page, dict) else []):
            where = f"items[{i}]" if len(pages) == 1 else f"[{p}].items[{i}]"
            try:
                if not isinstance(item, dict):
                    raise ValueError("expected a comment thread")
                snippet = item.get("snippet") or {}
                top = snippet.get("topLevelComment")
                video = snippet.get("videoId")
                comments = [top] if isinstance(top, dict) else [item]
                comments += [
                    c
                    for c in (item.get("replies") or {}).get("comments") or []
                    if isinstance(c, dict)
                ]
                for c in comments:
                    out.items.append(_youtube_comment(c, video))
            except (ValueError, TypeError) as exc:
                out.errors.append({"item": where, "message": str(exc)})
    return out


def parse_graph(payload: Any, network: str) -> Parsed:
    """Facebook or Instagram Graph API comments/mentions (`data` list; `paging` ignored)."""
    out = Parsed()
    if network not in ("facebook", "instagram"):
        out.errors.append({"item": "$", "message": "network must be facebook or instagram"})
        return out
    pages = payload if isinstance(payload, list) else [payload]
    for p, page in enumerate(pages):
        rows = page.get("data") if isinstance(page, dict) else None
        for i, row in enumerate(rows or []):
            where = f"data[{i}]" if len(pages) == 1 else f"[{p}].data[{i}]"
            try:
                if not isinstance(row, dict) or not row.get("id"):
                    raise ValueError("expected a comment with an id")
                text = row.get("message") if network == "facebook" else row.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise ValueError("comment without text")
                author = row.get("from") or {}
                handle = row.get("username") or author.get("username") or author.get("id")
                out.items.append(
                    post_item(
                        network=network,
                        post_id=str(row["id"]),
                        text=text,
                        at=_when(row.get("created_time") or row.get("timestamp")),
                        handle=str(handle) if handle else None,
                        name=author.get("name"),
                        engagement=_int(row.get("like_count")),
                        url=row.get("permalink_url") or row.get("permalink"),
                    )
                )
            except (ValueError, TypeError) as exc:
                out.errors.append({"item": where, "message": str(exc)})
    return out


# ---------------------------------------------------------------- generic posts (CSV, webhook)

GENERIC_FIELDS = ("id", "created_at", "text", "network", "author", "name", "followers",
                  "engagement", "language", "url")  # fmt: skip


def generic_item(row: dict[str, Any]) -> dict[str, Any]:
    """A post in Sada's generic shape (CSV columns or webhook JSON, see GENERIC_FIELDS)."""
    post_id = str(row.get("id") or "").strip()
    if not post_id:
        raise ValueError("id is required")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text is required")
    network = str(row.get("network") or "").strip().lower()
    if network not in NETWORKS:
        raise ValueError(f"network {network!r} is not one of {', '.join(sorted(NETWORKS))}")
    author = row.get("author")
    return post_item(
        network=network,
        post_id=post_id,
        text=text,
        at=_when(row.get("created_at")),
        handle=str(author).strip().lstrip("@") or None if author else None,
        name=str(row["name"]) if row.get("name") else None,
        followers=_int(row.get("followers")),
        engagement=_int(row.get("engagement")),
        language=_language(row.get("language")),
        url=str(row["url"]) if row.get("url") else None,
    )


def parse_generic(rows: list[Any]) -> Parsed:
    out = Parsed()
    for i, row in enumerate(rows):
        try:
            if not isinstance(row, dict):
                raise ValueError("expected a post object")
            out.items.append(generic_item(row))
        except (ValueError, TypeError) as exc:
            out.errors.append({"item": f"posts[{i}]", "message": str(exc)})
    return out


def parse_csv(text: str) -> Parsed:
    """CSV with a header row naming GENERIC_FIELDS (id, created_at, text, network required)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "created_at", "text", "network"} - set(reader.fieldnames or [])
    if missing:
        return Parsed(errors=[{"item": "header", "message": f"missing columns {sorted(missing)}"}])
    out = Parsed()
    for line, row in enumerate(reader, start=2):
        try:
            out.items.append(generic_item(dict(row)))
        except (ValueError, TypeError) as exc:
            out.errors.append({"item": f"line {line}", "message": str(exc)})
    return out


# ---------------------------------------------------------------- RSS / Atom entries


def feed_items(parsed: Any, *, feed_url: str, network: str = "web") -> Parsed:
    """Entries of a `feedparser` result as posts (the feed is the author)."""
    out = Parsed()
    feed = parsed.get("feed", {}) or {}
    author_name = feed.get("title") or feed_url
    for i, entry in enumerate(parsed.get("entries") or []):
        try:
            key = entry.get("id") or entry.get("link")
            if not key:
                raise ValueError("entry without an id or link")
            title = entry.get("title") or ""
            summary = re.sub(r"<[^>]+>", " ", entry.get("summary") or "")
            text = " ".join(p for p in (title.strip(), " ".join(summary.split())) if p)
            if not text:
                raise ValueError("entry without text")
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            if stamp:
                year, month, day, hour, minute, second = tuple(stamp)[:6]
                at = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            else:
                at = datetime.now(UTC)
            out.items.append(
                post_item(
                    network=network,
                    post_id=str(key)[:200],
                    text=text,
                    at=at,
                    handle=feed_url[:200],
                    name=str(author_name)[:300],
                    language=_language(feed.get("language")),
                    url=entry.get("link"),
                )
            )
        except (ValueError, TypeError) as exc:
            out.errors.append({"item": f"entries[{i}]", "message": str(exc)})
    return out
