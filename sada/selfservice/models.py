"""Tables of self-service: articles and their language versions, revisions, attachments,
votes, the query log, synonyms, per-workspace settings, and web chat sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType, UTCDateTime, utcnow

KB_LANGUAGES = ("ar", "fa", "zh", "en")
VERSION_STATUSES = ("draft", "review", "published", "archived")
CHAT_STATUSES = ("bot", "waiting", "human", "offline", "closed")
CHAT_ROLES = ("customer", "assistant", "agent", "system")


class KbCategory(Base, WorkspaceOwned, Timestamped):
    """A help-centre section; `titles` holds its name per language."""

    __tablename__ = "kb_categories"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    titles: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class KbArticle(Base, WorkspaceOwned, Timestamped):
    """One article, identified by a stable key; its text lives in language versions."""

    __tablename__ = "kb_articles"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(100), nullable=False, default="general")
    related: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class KbVersion(Base, WorkspaceOwned, Timestamped):
    """An article in one language: the working copy (`title`, `body`, `status`) and the
    copy readers see (`published_*`), so a draft edit never unpublishes the live text."""

    __tablename__ = "kb_versions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "article_id", "lang"),
        Index("ix_kb_versions_ws_changed", "workspace_id", "changed_at"),
        # Covers the search index's freshness stamp (no row, no blob read per search).
        Index(
            "ix_kb_versions_ws_stamp",
            "workspace_id",
            "published_at",
            "changed_at",
            "embedding_model",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False
    )
    lang: Mapped[str] = mapped_column(String(8), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    published_title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    published_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Embedding of the published text (title and lead), float16, with the model's name.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    embedding_model: Mapped[str | None] = mapped_column(String(100), nullable=True)


class KbRevision(Base, WorkspaceOwned):
    """Every saved state of a version, newest last (history and restore)."""

    __tablename__ = "kb_revisions"
    __table_args__ = (Index("ix_kb_revisions_ws_version", "workspace_id", "version_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("kb_versions.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class KbAttachment(Base, WorkspaceOwned, Timestamped):
    """A file (usually an image) shown in articles, served by Sada with a checked type."""

    __tablename__ = "kb_attachments"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    article_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("kb_articles.id", ondelete="SET NULL"), nullable=True
    )
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class KbVote(Base, WorkspaceOwned):
    """'Was this helpful?' on an article version, with an optional comment."""

    __tablename__ = "kb_votes"
    __table_args__ = (Index("ix_kb_votes_ws_article", "workspace_id", "article_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False
    )
    lang: Mapped[str] = mapped_column(String(8), nullable=False)
    helpful: Mapped[bool] = mapped_column(Boolean, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class KbQuery(Base, WorkspaceOwned):
    """One search or assistant question: what was asked, what was found, what happened.

    Feeds the content-gap report (searches without a good result) and the assistant's
    measures (answered or handed off, and why)."""

    __tablename__ = "kb_queries"
    __table_args__ = (Index("ix_kb_queries_ws_at", "workspace_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # search | assistant
    lang: Mapped[str] = mapped_column(String(8), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    results: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    top_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    top_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    good: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    handoff: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    session_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)


class KbSynonym(Base, WorkspaceOwned, Timestamped):
    """Words a workspace's customers use for the same thing, per language."""

    __tablename__ = "kb_synonyms"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    lang: Mapped[str] = mapped_column(String(8), nullable=False)
    terms: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)


class SelfServiceSettings(Base, WorkspaceOwned, Timestamped):
    """Brand, assistant and widget settings of a workspace (one row)."""

    __tablename__ = "selfservice_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    brand_color: Mapped[str] = mapped_column(String(16), nullable=False, default="#0f766e")
    accent_color: Mapped[str] = mapped_column(String(16), nullable=False, default="#f59e0b")
    logo_attachment_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    titles: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)
    threshold: Mapped[float] = mapped_column(Float, nullable=False, default=0.4)
    widget_secret: Mapped[str] = mapped_column(String(64), nullable=False)
    allowed_origins: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    # The optional generative backend (an OpenAI-compatible endpoint): base_url, model,
    # api_key; nothing leaves the machine unless `generative_enabled`.
    generative_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    generative: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class ChatSession(Base, WorkspaceOwned):
    """A web chat: with the assistant first, then (on handoff) a conversation in the inbox."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        UniqueConstraint("token"),
        Index("ix_chat_sessions_ws_started", "workspace_id", "started_at"),
        Index("ix_chat_sessions_ws_conversation", "workspace_id", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), nullable=False)
    lang: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="bot")
    person_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    anonymous_id: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # verified id
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    page_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    conversation_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    handoff_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    intent: Mapped[str | None] = mapped_column(String(32), nullable=True)
    answered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    csat: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ChatMessage(Base, WorkspaceOwned):
    """One line of a web chat, as the widget shows it."""

    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_ws_session", "workspace_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    interaction_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
