"""Knowledge-base import and export: every article with its language versions, categories
and synonyms as JSON, or as a zip of Markdown files with front matter (one file per
article and language); the same zip read back, each article validated and created or
updated on its own (a bad article is reported, the others are kept).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.core.validation import field_errors
from sada.selfservice.kb import (
    access_article,
    do_create_article,
    do_update_article,
    list_articles,
    list_categories,
    synonyms,
)
from sada.selfservice.models import KbArticle
from sada.selfservice.schemas import LANGS, ArticleIn, ArticleUpdate


def export_json(session: Session) -> dict[str, Any]:
    articles = list_articles(session, limit=100_000)
    return {
        "format": "sada.kb/1",
        "categories": [
            {"key": c.key, "titles": c.titles, "position": c.position}
            for c in list_categories(session)
        ],
        "articles": [
            {
                "key": a.key,
                "category": a.category,
                "related": a.related,
                "versions": {
                    lang: {"title": v.title, "body": v.body, "status": v.status}
                    for lang, v in a.versions.items()
                },
            }
            for a in articles
        ],
        "synonyms": synonyms(session),
    }


def export_markdown_zip(session: Session) -> bytes:
    """One Markdown file per article version, `<key>.<lang>.md`, with a JSON front matter."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for article in list_articles(session, limit=100_000):
            for lang, version in article.versions.items():
                head = {
                    "key": article.key,
                    "lang": lang,
                    "category": article.category,
                    "title": version.title,
                    "status": version.status,
                    "related": article.related,
                }
                lines = ["---"] + [
                    f"{name}: {json.dumps(value, ensure_ascii=False)}"
                    for name, value in head.items()
                ]
                text = "\n".join(lines) + "\n---\n\n" + version.body.rstrip() + "\n"
                archive.writestr(f"{article.key}.{lang}.md", text.encode("utf-8"))
    return buffer.getvalue()


def parse_markdown_file(name: str, text: str) -> dict[str, Any]:
    """A `<key>.<lang>.md` file -> {key, lang, category, title, status, related, body}."""
    meta: dict[str, Any] = {}
    body = text.lstrip("\ufeff")
    if body.startswith("---\n"):
        head, sep, rest = body[4:].partition("\n---")
        if sep:
            body = rest.lstrip("-").lstrip("\n")
            for line in head.splitlines():
                field, colon, raw = line.partition(":")
                if not colon:
                    continue
                raw = raw.strip()
                try:
                    meta[field.strip()] = json.loads(raw)
                except json.JSONDecodeError:
                    meta[field.strip()] = raw.strip("'\"")
    stem = name.rsplit("/", 1)[-1].removesuffix(".md")
    key, _, lang = stem.rpartition(".")
    meta.setdefault("key", key or stem)
    meta.setdefault("lang", lang if lang in LANGS else "en")
    if "title" not in meta:
        first = next((ln for ln in body.splitlines() if ln.startswith("# ")), "")
        meta["title"] = first[2:].strip() or meta["key"]
    meta["body"] = body
    return meta


def articles_from_markdown_zip(data: bytes) -> list[dict[str, Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Invalid("not a zip archive of Markdown files") from exc
    by_key: dict[str, dict[str, Any]] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith(".md") or info.file_size > 1_000_000:
                continue
            meta = parse_markdown_file(info.filename, archive.read(info).decode("utf-8", "replace"))
            entry = by_key.setdefault(
                str(meta["key"]),
                {
                    "key": str(meta["key"]),
                    "category": str(meta.get("category") or "general"),
                    "related": meta.get("related") or [],
                    "versions": {},
                },
            )
            entry["versions"][str(meta["lang"])] = {
                "title": str(meta["title"]),
                "body": str(meta["body"]),
                "status": str(meta.get("status") or "draft"),
            }
    return list(by_key.values())


def do_import(
    session: Session, articles: list[Any], *, author: str = "import"
) -> list[dict[str, Any]]:
    """Create or update each article; bad ones are reported by index and path, good ones kept.

    Related keys are set after every article exists, so an archive may refer forwards."""
    results: list[dict[str, Any]] = []
    pending_related: list[tuple[str, list[str]]] = []
    for index, raw in enumerate(articles):
        prefix = f"articles[{index}]"
        try:
            if not isinstance(raw, dict):
                raise Invalid(f"{prefix}: expected an object")
            data = ArticleIn.model_validate({**raw, "related": []})
            related = ArticleIn.model_validate({**raw}).related
        except ValidationError as exc:
            results.append(
                {
                    "index": index,
                    "status": "rejected",
                    "errors": [{"path": p, "message": m} for p, m in field_errors(prefix, exc)],
                }
            )
            continue
        except Invalid as exc:
            results.append({"index": index, "status": "rejected", "errors": [exc.message]})
            continue
        nested = session.begin_nested()
        try:
            existing = session.execute(
                select(KbArticle.id).where(KbArticle.key == data.key)
            ).first()
            if existing is None:
                do_create_article(session, data, author=author)
                status = "created"
            else:
                update = ArticleUpdate(category=data.category, versions=data.versions)
                do_update_article(session, data.key, update, author=author)
                status = "updated"
            nested.commit()
        except (Invalid, Conflict, NotFound) as exc:
            nested.rollback()
            results.append({"index": index, "status": "rejected", "errors": [exc.message]})
            continue
        pending_related.append((data.key, related))
        results.append({"index": index, "status": status, "key": data.key})
    for key, related in pending_related:
        if related:
            article = access_article(session, key)
            known = set(
                session.execute(select(KbArticle.key).where(KbArticle.key.in_(related))).scalars()
            )
            article.related = [k for k in related if k in known and k != key]
    session.flush()
    return results
