"""The knowledge base: articles, language versions, the review workflow, revisions,
related articles, categories, attachments, votes, synonyms, and import/export.

A version has a working copy (`title`, `body`, `status`) and the copy readers see
(`published_*`): saving a draft over a published article leaves the live text alone until
the draft is published. Every save is a revision. Publishing announces
`kb.article_published` (the embedding job and webhooks follow it).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sada.core.errors import Conflict, Invalid, NotFound
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.events import publish
from sada.selfservice.models import (
    KbArticle,
    KbAttachment,
    KbCategory,
    KbRevision,
    KbSynonym,
    KbVersion,
    KbVote,
)
from sada.selfservice.schemas import (
    LANGS,
    ArticleIn,
    ArticleOut,
    ArticleUpdate,
    VersionIn,
    VersionOut,
    check_key,
)

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Types served inline: raster images recognised by their first bytes. Anything else is
# served as a download (application/octet-stream); SVG never inline (it can carry script).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


# ---------------------------------------------------------------- reads


def access_article(session: Session, key: str) -> KbArticle:
    article = session.execute(select(KbArticle).where(KbArticle.key == key)).scalar_one_or_none()
    if article is None:
        raise NotFound(f"no article with key {key!r}")
    return article


def find_article(session: Session, key: str) -> KbArticle | None:
    return session.execute(select(KbArticle).where(KbArticle.key == key)).scalar_one_or_none()


def versions_of(session: Session, article_ids: list[int]) -> dict[int, dict[str, KbVersion]]:
    out: dict[int, dict[str, KbVersion]] = {}
    if not article_ids:
        return out
    for version in session.execute(
        select(KbVersion).where(KbVersion.article_id.in_(article_ids))
    ).scalars():
        out.setdefault(version.article_id, {})[version.lang] = version
    return out


def version_out(version: KbVersion) -> VersionOut:
    return VersionOut(
        lang=version.lang,
        title=version.title,
        body=version.body,
        status=version.status,
        published=version.published_at is not None,
        published_title=version.published_title,
        published_at=version.published_at,
        revision=version.revision,
    )


def article_out(session: Session, article: KbArticle) -> ArticleOut:
    versions = versions_of(session, [article.id]).get(article.id, {})
    return ArticleOut(
        id=article.id,
        key=article.key,
        category=article.category,
        related=list(article.related or []),
        versions={lang: version_out(v) for lang, v in sorted(versions.items())},
        updated_at=article.updated_at,
    )


def list_articles(
    session: Session, *, category: str | None = None, limit: int = 500, offset: int = 0
) -> list[ArticleOut]:
    query = select(KbArticle).order_by(KbArticle.category, KbArticle.position, KbArticle.key)
    if category:
        query = query.where(KbArticle.category == category)
    articles = list(session.execute(query.limit(limit).offset(offset)).scalars())
    versions = versions_of(session, [a.id for a in articles])
    return [
        ArticleOut(
            id=a.id,
            key=a.key,
            category=a.category,
            related=list(a.related or []),
            versions={lang: version_out(v) for lang, v in sorted(versions.get(a.id, {}).items())},
            updated_at=a.updated_at,
        )
        for a in articles
    ]


def count_articles(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(KbArticle)).scalar_one())


def revisions_of(session: Session, key: str, lang: str) -> list[KbRevision]:
    article = access_article(session, key)
    version = versions_of(session, [article.id]).get(article.id, {}).get(lang)
    if version is None:
        raise NotFound(f"article {key!r} has no {lang} version")
    return list(
        session.execute(
            select(KbRevision)
            .where(KbRevision.version_id == version.id)
            .order_by(KbRevision.number.desc())
        ).scalars()
    )


# ---------------------------------------------------------------- categories


def ensure_category(session: Session, key: str) -> KbCategory:
    found = session.execute(select(KbCategory).where(KbCategory.key == key)).scalar_one_or_none()
    if found is not None:
        return found
    position = session.execute(select(func.count()).select_from(KbCategory)).scalar_one()
    category = KbCategory(
        workspace_id=bound_workspace(session), key=key, titles={}, position=int(position)
    )
    session.add(category)
    session.flush()
    return category


def list_categories(session: Session) -> list[KbCategory]:
    return list(
        session.execute(select(KbCategory).order_by(KbCategory.position, KbCategory.key)).scalars()
    )


def do_set_category(
    session: Session, key: str, titles: dict[str, str], position: int | None = None
) -> KbCategory:
    check_key(key, "category")
    category = ensure_category(session, key)
    category.titles = {
        lang: t.strip()[:200] for lang, t in titles.items() if lang in LANGS and t.strip()
    }
    if position is not None:
        category.position = position
    return category


# ---------------------------------------------------------------- writes


def _save_version(
    session: Session,
    article: KbArticle,
    version: KbVersion | None,
    lang: str,
    data: VersionIn,
    status: str,
    author: str,
) -> KbVersion:
    now = utcnow()
    if version is None:
        version = KbVersion(
            workspace_id=bound_workspace(session),
            article_id=article.id,
            lang=lang,
            title=data.title,
            body=data.body,
            status=status,
            revision=0,
        )
        session.add(version)
    else:
        version.title = data.title
        version.body = data.body
        version.status = status
    version.revision += 1
    version.changed_at = now
    session.flush()
    session.add(
        KbRevision(
            workspace_id=bound_workspace(session),
            version_id=version.id,
            number=version.revision,
            title=version.title,
            body=version.body,
            status=status,
            author=author[:200],
            at=now,
        )
    )
    _apply_status(session, article, version, status)
    return version


def _apply_status(session: Session, article: KbArticle, version: KbVersion, status: str) -> None:
    now = utcnow()
    version.status = status
    version.changed_at = now
    if status == "published":
        changed = version.published_title != version.title or version.published_body != version.body
        version.published_title = version.title
        version.published_body = version.body
        version.published_at = version.published_at if not changed else now
        if version.published_at is None:
            version.published_at = now
        if changed:
            version.embedding = None
            version.embedding_model = None
        session.flush()
        publish(
            session,
            "kb.article_published",
            {
                "key": article.key,
                "lang": version.lang,
                "title": version.title,
                "category": article.category,
                "version_id": version.id,
            },
        )
    elif status == "archived":
        version.published_title = None
        version.published_body = None
        version.published_at = None
        version.embedding = None
        version.embedding_model = None


def _check_related(session: Session, keys: list[str], own: str) -> list[str]:
    keys = [k for k in keys if k != own]
    if not keys:
        return []
    found = set(session.execute(select(KbArticle.key).where(KbArticle.key.in_(keys))).scalars())
    missing = [k for k in keys if k not in found]
    if missing:
        raise Invalid(
            f"related article {missing[0]!r} does not exist",
            details=[{"path": "related", "message": f"no article with key {missing[0]!r}"}],
        )
    return keys


def do_create_article(session: Session, data: ArticleIn, *, author: str = "") -> KbArticle:
    exists = session.execute(select(KbArticle.id).where(KbArticle.key == data.key)).first()
    if exists is not None:
        raise Conflict(
            f"an article with key {data.key!r} exists; PUT /api/v1/kb/articles/{data.key}"
        )
    related = _check_related(session, data.related, data.key)
    ensure_category(session, data.category)
    article = KbArticle(
        workspace_id=bound_workspace(session),
        key=data.key,
        category=data.category,
        related=related,
        updated_at=utcnow(),
    )
    session.add(article)
    session.flush()
    for lang, version in data.versions.items():
        _save_version(session, article, None, lang, version, version.status or data.status, author)
    return article


def do_update_article(
    session: Session, key: str, data: ArticleUpdate, *, author: str = ""
) -> KbArticle:
    article = access_article(session, key)
    if data.key is not None and data.key != key:
        clash = session.execute(select(KbArticle.id).where(KbArticle.key == data.key)).first()
        if clash is not None:
            raise Conflict(f"an article with key {data.key!r} exists")
        article.key = data.key
    if data.category is not None:
        ensure_category(session, data.category)
        article.category = data.category
    if data.related is not None:
        article.related = _check_related(session, data.related, article.key)
    current = versions_of(session, [article.id]).get(article.id, {})
    for lang, version_in in data.versions.items():
        existing = current.get(lang)
        status = version_in.status or data.status or (existing.status if existing else "draft")
        _save_version(session, article, existing, lang, version_in, status, author)
    if data.status is not None:
        for lang, existing in current.items():
            if lang not in data.versions and existing.status != data.status:
                _apply_status(session, article, existing, data.status)
    article.updated_at = utcnow()
    session.flush()
    return article


def do_set_status(
    session: Session, key: str, lang: str, status: str, *, author: str = ""
) -> KbVersion:
    """Move one language version through the workflow: draft -> review -> published."""
    if status not in ("draft", "review", "published", "archived"):
        raise Invalid("status must be draft, review, published or archived")
    article = access_article(session, key)
    version = versions_of(session, [article.id]).get(article.id, {}).get(lang)
    if version is None:
        raise NotFound(f"article {key!r} has no {lang} version")
    _apply_status(session, article, version, status)
    article.updated_at = utcnow()
    session.add(
        KbRevision(
            workspace_id=bound_workspace(session),
            version_id=version.id,
            number=version.revision,
            title=version.title,
            body=version.body,
            status=status,
            author=author[:200],
            at=utcnow(),
        )
    )
    return version


def do_restore_revision(
    session: Session, key: str, lang: str, number: int, *, author: str = ""
) -> KbVersion:
    """Bring an old revision back as a new draft (the live text is untouched)."""
    revisions = {r.number: r for r in revisions_of(session, key, lang)}
    old = revisions.get(number)
    if old is None:
        raise NotFound(f"no revision {number} of {key!r} ({lang})")
    article = access_article(session, key)
    version = versions_of(session, [article.id])[article.id][lang]
    return _save_version(
        session, article, version, lang, VersionIn(title=old.title, body=old.body), "draft", author
    )


def do_delete_article(session: Session, key: str) -> None:
    article = access_article(session, key)
    session.delete(article)
    session.flush()


# ---------------------------------------------------------------- attachments


def sniff(data: bytes) -> str:
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def do_add_attachment(
    session: Session, filename: str, data: bytes, *, article_key: str | None = None
) -> KbAttachment:
    if not data:
        raise Invalid("the file is empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise Invalid(f"the file is {len(data):,} bytes; the limit is {MAX_ATTACHMENT_BYTES:,}")
    name = "".join(c for c in filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if c.isprintable())
    name = name.strip().replace('"', "")[:200] or "file"
    article_id = access_article(session, article_key).id if article_key else None
    attachment = KbAttachment(
        workspace_id=bound_workspace(session),
        article_id=article_id,
        filename=name,
        content_type=sniff(data),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    session.add(attachment)
    session.flush()
    return attachment


def get_attachment(session: Session, attachment_id: int) -> KbAttachment:
    found = session.execute(
        select(KbAttachment).where(KbAttachment.id == attachment_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no file {attachment_id}")
    return found


def list_attachments(session: Session, article_key: str | None = None) -> list[KbAttachment]:
    query = select(KbAttachment).order_by(KbAttachment.id.desc())
    if article_key:
        query = query.where(KbAttachment.article_id == access_article(session, article_key).id)
    return list(session.execute(query.limit(200)).scalars())


# ---------------------------------------------------------------- votes and synonyms


def do_vote(session: Session, key: str, lang: str, helpful: bool, comment: str = "") -> KbVote:
    article = access_article(session, key)
    vote = KbVote(
        workspace_id=bound_workspace(session),
        article_id=article.id,
        lang=lang if lang in LANGS else "en",
        helpful=helpful,
        comment=" ".join(comment.split())[:2000],
        at=utcnow(),
    )
    session.add(vote)
    session.flush()
    return vote


def synonyms(session: Session) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for row in session.execute(select(KbSynonym).order_by(KbSynonym.id)).scalars():
        out.setdefault(row.lang, []).append(list(row.terms))
    return out


def do_set_synonyms(session: Session, lang: str, groups: list[list[str]]) -> int:
    """Replace a language's synonym groups (each a list of words meaning the same)."""
    if lang not in LANGS:
        raise Invalid("lang must be one of ar, fa, zh, en")
    session.execute(delete(KbSynonym).where(KbSynonym.lang == lang))
    count = 0
    for group in groups:
        words = list(dict.fromkeys(w.strip()[:100] for w in group if w and w.strip()))
        if len(words) >= 2:
            session.add(KbSynonym(workspace_id=bound_workspace(session), lang=lang, terms=words))
            count += 1
    session.flush()
    return count


# ---------------------------------------------------------------- import / export
