"""Tables of automation: outbound webhooks and their delivery log, rules, firings, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, EncryptedText, JSONType, UTCDateTime


class WebhookEndpoint(Base, WorkspaceOwned, Timestamped):
    """Where events are sent. Secrets follow Standard Webhooks (`whsec_<base64>`).

    During a rotation the previous secret keeps signing (both signatures are sent)
    until `previous_secret_expires_at`, so receivers can switch without a gap.
    """

    __tablename__ = "webhook_endpoints"
    # Every live event asks whether an enabled endpoint listens (`webhooks.listened`).
    __table_args__ = (Index("ix_webhook_endpoints_ws_enabled", "workspace_id", "enabled"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    events: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    secret: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    previous_secret: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    follow_redirects: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Failed attempts since the last success, and when that run of failures began.
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookDelivery(Base, WorkspaceOwned, Timestamped):
    """One event for one endpoint; `msg_id` is the stable `webhook-id` across retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "msg_id"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    msg_id: Mapped[str] = mapped_column(String(100), nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # pending -> delivered | failed (retries exhausted) | blocked (SSRF guard) | cancelled
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookAttempt(Base, WorkspaceOwned):
    """The delivery log: every HTTP attempt, its outcome and timing."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # delivered | retry | failed | blocked
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    response_excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)


class Rule(Base, WorkspaceOwned, Timestamped):
    """When (trigger) + conditions -> actions. `builtin` marks the shipped alerts."""

    __tablename__ = "automation_rules"
    __table_args__ = (UniqueConstraint("workspace_id", "builtin"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    triggers: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    # Minimum minutes between two firings for the same subject (person, or the workspace).
    cooldown_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # For schedule-triggered rules: how often they run.
    schedule_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    builtin: Mapped[str | None] = mapped_column(String(50), nullable=True)
    # History (imports, old interactions) fires no rule unless the rule opts in here.
    include_history: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RuleFiring(Base, WorkspaceOwned):
    """Every time a rule's conditions held and its actions ran (or were skipped)."""

    __tablename__ = "rule_firings"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_rule_firings_rule_subject", "rule_id", "subject", "at"),
        Index("ix_rule_firings_ws_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    rule_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("automation_rules.id", ondelete="CASCADE"), nullable=False
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    trigger: Mapped[str] = mapped_column(String(50), nullable=False)
    subject: Mapped[str] = mapped_column(String(100), nullable=False)
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    interaction_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    case_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    depth: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # fired | skipped (loop protection, cooldown) | error
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False)


class Notification(Base, WorkspaceOwned, Timestamped):
    """An in-app notification for one user."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "workspace_id", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    rule_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    person_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CustomerNotification(Base, WorkspaceOwned, Timestamped):
    """A message a rule's `notify_customer` action sends to a person (once per
    `idempotency_key`): queued, deferred (quiet hours: `run_at` is their end), sending, sent
    (with the provider's message id), skipped (no consent, opted out, throttled, unreachable:
    `reason`; never sent) or failed (the provider refused)."""

    __tablename__ = "customer_notifications"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_customer_notifications_person", "workspace_id", "person_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    rule_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    firing_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="CASCADE"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    subject: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    template: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
