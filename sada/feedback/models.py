"""Surveys, their immutable versions, invitations, responses and answers.

A survey's questions live in `SurveyVersion.definition` (JSON validated by
`sada.feedback.schemas.SurveyDefinition`). Editing a survey that already has
responses writes a new version; each response records the version it answered,
and each answer the question key, so old answers keep their meaning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, EncryptedText, JSONType, UTCDateTime


class Survey(Base, WorkspaceOwned, Timestamped):
    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("workspace_id", "external_source", "external_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # nps, csat, ces, enps or custom: what the survey mainly measures.
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="custom")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    default_language: Mapped[str] = mapped_column(String(16), nullable=False, default="en")
    languages: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    audience: Mapped[str | None] = mapped_column(String(50), nullable=True)
    touchpoint: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Unguessable key of the anonymous link and the embeddable snippet.
    public_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    external_source: Mapped[str | None] = mapped_column(String(100), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class SurveyVersion(Base, WorkspaceOwned, Timestamped):
    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)


class Invitation(Base, WorkspaceOwned, Timestamped):
    """A personal, single-use link. Only a SHA-256 of the token is stored.

    The token itself is HMAC(secret_key, id + salt), so the sender can rebuild it
    for the email and reminders while a database dump alone reveals nothing.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index("ix_survey_invitations_ws_person_sent", "workspace_id", "person_id", "sent_at"),
        Index("ix_survey_invitations_ws_survey", "workspace_id", "survey_id"),
        UniqueConstraint("workspace_id", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    channel: Mapped[str] = mapped_column(String(20), nullable=False, default="email")
    salt: Mapped[str] = mapped_column(String(64), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hidden: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # pending, sent, failed, completed, suppressed; and, for requests that could not become a
    # sent invitation (rules, triggers), unreachable, throttled or unsubscribed, with `reason`
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # who asked: "api", "rule:<id>", "trigger:<id>"
    requested_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # at most one invitation per key (e.g. one CSAT per solved conversation)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminders: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Response(Base, WorkspaceOwned):
    """One respondent's answers to one survey version; partial until completed.

    Dimension columns (segment, audience, channel, ...) are copied at completion
    so metrics and rollups never depend on profiles that change later.
    `scores` maps metric -> [score, scale max] for the rollups.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("workspace_id", "survey_id", "source", "external_id"),
        UniqueConstraint("invitation_id"),
        Index("ix_survey_responses_ws_survey_done", "workspace_id", "survey_id", "completed_at"),
        Index("ix_survey_responses_ws_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    invitation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("survey_invitations.id", ondelete="SET NULL"), nullable=True
    )
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    interaction_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("interactions.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="partial")
    source: Mapped[str] = mapped_column(String(100), nullable=False, default="sada")
    external_id: Mapped[str] = mapped_column(String(200), nullable=False)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(50), nullable=True)
    touchpoint: Mapped[str | None] = mapped_column(String(100), nullable=True)
    segment: Mapped[str | None] = mapped_column(String(100), nullable=True)
    audience: Mapped[str | None] = mapped_column(String(50), nullable=True)
    agent: Mapped[str | None] = mapped_column(String(320), nullable=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    hidden: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # SHA-256 of the secret that lets an anonymous respondent resume a partial response.
    resume_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Answer(Base, WorkspaceOwned):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    response_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("survey_responses.id", ondelete="CASCADE"), nullable=False
    )
    question_key: Mapped[str] = mapped_column(String(100), nullable=False)
    question_type: Mapped[str] = mapped_column(String(20), nullable=False)
    number: Mapped[float | None] = mapped_column(Float, nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    choices: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)


class Suppression(Base, WorkspaceOwned, Timestamped):
    """An address that unsubscribed from survey email; honoured by every send."""

    __tablename__ = "survey_suppressions"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    reason: Mapped[str] = mapped_column(String(50), nullable=False, default="unsubscribe")


class SurveyTrigger(Base, WorkspaceOwned, Timestamped):
    """Send `survey_id` when a catalogued event (a new interaction, a solved conversation, a
    resolved case...) matches `conditions`, after a delay."""

    __tablename__ = "survey_triggers"
    # Events ask whether an active trigger follows them (`feedback.tasks.any_trigger`).
    __table_args__ = (Index("ix_survey_triggers_ws_event", "workspace_id", "event", "active"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # the catalogue event that fires it (sada/events/catalogue.py)
    event: Mapped[str] = mapped_column(
        String(100),
        nullable=False,
        default="interaction.ingested",
        server_default="interaction.ingested",
    )
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    delay_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class SurveySource(Base, WorkspaceOwned, Timestamped):
    """An outside survey tool that posts webhooks here (Formbricks, Typeform)."""

    __tablename__ = "survey_sources"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    # Public part of the webhook URL; finds the workspace and the secret.
    key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    secret: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class WebhookReceipt(Base, WorkspaceOwned):
    """Message ids already processed, so a replayed webhook stores nothing."""

    __tablename__ = "survey_webhook_receipts"
    __table_args__ = (UniqueConstraint("source_id", "message_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("survey_sources.id", ondelete="CASCADE"), nullable=False
    )
    message_id: Mapped[str] = mapped_column(String(200), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
