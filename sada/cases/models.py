"""Tables of the closed loop: teams, conversations (shared inbox), cases, SLA, mailboxes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, EncryptedText, JSONType, UTCDateTime

CONVERSATION_STATUSES = ("open", "pending", "solved", "closed")
CASE_STATUSES = ("open", "in_progress", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
ASSIGNMENT_STRATEGIES = ("manual", "round_robin", "least_loaded")


class Team(Base, WorkspaceOwned, Timestamped):
    """A group of agents with its own business calendar and assignment strategy.

    `weekend_days` uses Python weekday numbers (Monday 0 ... Sunday 6): [5, 6] for
    Saturday-Sunday, [4] for Friday, [4, 5] for Friday-Saturday. `hours` maps a
    weekday (as text) to ["HH:MM", "HH:MM"] or holds a "default" pair.
    """

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    weekend_days: Mapped[list[int]] = mapped_column(JSONType, nullable=False, default=list)
    hours: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    holidays: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    assignment: Mapped[str] = mapped_column(String(20), nullable=False, default="round_robin")
    languages: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    channels: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    # Round-robin cursor: the member who got the last assignment.
    rr_last_user_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)


class TeamMember(Base, WorkspaceOwned, Timestamped):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("workspace_id", "team_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    team_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    online: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    max_open: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Conversation(Base, WorkspaceOwned, Timestamped):
    """A thread in the shared inbox: the interactions of one exchange, across replies."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "thread_key"),
        Index("ix_conversations_ws_status", "workspace_id", "status", "last_message_at"),
        Index("ix_conversations_ws_assignee", "workspace_id", "assignee_id", "status"),
        Index("ix_conversations_ws_person", "workspace_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    thread_key: Mapped[str] = mapped_column(String(400), nullable=False)
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(50), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    priority: Mapped[str] = mapped_column(String(16), nullable=False, default="normal")
    tags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    assignee_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # SLA: the policy that applies, its due times, and time spent waiting on the customer.
    sla_policy_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paused_minutes: Mapped[float] = mapped_column(nullable=False, default=0.0)
    # Snoozed: pending until this time, then back in the open queue (the inbox shows it open).
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConversationItem(Base, WorkspaceOwned):
    """An interaction that belongs to a conversation (and its email Message-ID)."""

    __tablename__ = "conversation_items"
    __table_args__ = (
        UniqueConstraint("workspace_id", "interaction_id"),
        Index("ix_conversation_items_conv", "conversation_id", "at"),
        Index("ix_conversation_items_ws_msgid", "workspace_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    interaction_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    )
    message_id: Mapped[str | None] = mapped_column(String(400), nullable=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # For replies sent by Sada: queued | sent | failed | handed_off
    delivery_status: Mapped[str | None] = mapped_column(String(16), nullable=True)


class InternalNote(Base, WorkspaceOwned, Timestamped):
    """A note between agents on a conversation or a case; never shown to the customer."""

    __tablename__ = "internal_notes"
    __table_args__ = (
        Index("ix_internal_notes_conv", "conversation_id"),
        Index("ix_internal_notes_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True
    )
    case_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True
    )
    author_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    author_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False)


class NoteMention(Base, WorkspaceOwned, Timestamped):
    """A colleague named with @ in an internal note: their mentions view lists it."""

    __tablename__ = "note_mentions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "note_id", "user_id"),
        Index("ix_note_mentions_user", "workspace_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    note_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("internal_notes.id", ondelete="CASCADE"), nullable=False
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True
    )
    case_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True
    )
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


class Case(Base, WorkspaceOwned, Timestamped):
    """A follow-up owned by someone, due at a time, closed when the loop is closed."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_cases_ws_status", "workspace_id", "status", "due_at"),
        Index("ix_cases_ws_owner", "workspace_id", "owner_id", "status"),
        Index("ix_cases_ws_person", "workspace_id", "person_id"),
        Index("ix_cases_ws_followup", "workspace_id", "followup_invitation_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    # A title made from a template (rules, demo): the key and its values, rendered in the
    # viewer's language; `title` keeps the English text for the API and exports.
    title_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    title_params: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    priority: Mapped[str] = mapped_column(String(16), nullable=False, default="normal")
    person_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    team_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True
    )
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="manual")
    rule_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sla_policy_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    root_cause: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    contact_channel: Mapped[str | None] = mapped_column(String(50), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The follow-up survey after resolution (a case opened from a low score, loop closed, the
    # workspace setting on): its invitation, then the answer's score and whether the customer
    # moved out of the low band ("recovered": NPS 7+, CSAT top-2-box).
    followup_invitation_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    followup_scale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    followup_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recovered: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class CaseLink(Base, WorkspaceOwned):
    """An interaction (message, survey response, ...) linked to a case."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("workspace_id", "case_id", "interaction_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
    )
    interaction_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="related")


class CaseEvent(Base, WorkspaceOwned):
    """History of a case or conversation: who changed what, when."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case", "case_id", "at"),
        Index("ix_case_events_conv", "conversation_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)


class SlaPolicy(Base, WorkspaceOwned, Timestamped):
    """Targets for a slice of work; the first enabled policy (by position) that matches wins.

    Empty match lists match everything. Minutes count business time of `team_id`'s
    calendar when `business_hours` is set, wall-clock time otherwise.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=100)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    channels: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    priorities: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    audiences: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    segments: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    warn_before_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    business_hours: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    team_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True
    )


class SlaEvent(Base, WorkspaceOwned):
    """A warning before a breach, or a breach record, for a conversation or a case."""

    __tablename__ = "sla_events"
    __table_args__ = (
        UniqueConstraint("workspace_id", "subject", "metric", "kind"),
        Index("ix_sla_events_ws_at", "workspace_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(40), nullable=False)  # "conversation:1" / "case:2"
    conversation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True
    )
    case_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True
    )
    policy_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    metric: Mapped[str] = mapped_column(String(20), nullable=False)  # first_response | resolution
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # warning | breach
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    assignee_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)


class Mailbox(Base, WorkspaceOwned, Timestamped):
    """An inbound email address: raw MIME posted to Sada, or an IMAP mailbox polled by it."""

    __tablename__ = "mailboxes"
    __table_args__ = (UniqueConstraint("workspace_id", "address"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(320), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # Standard Webhooks secret that signs raw MIME posted by an inbound-mail service.
    secret: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    team_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("teams.id", ondelete="SET NULL"), nullable=True
    )
    imap_host: Mapped[str | None] = mapped_column(String(300), nullable=True)
    imap_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    imap_tls: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    imap_username: Mapped[str | None] = mapped_column(String(320), nullable=True)
    imap_password: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    imap_folder: Mapped[str] = mapped_column(String(200), nullable=False, default="INBOX")
    uidvalidity: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    last_uid: Mapped[int] = mapped_column(BigIntId, nullable=False, default=0)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CannedResponse(Base, WorkspaceOwned, Timestamped):
    """A saved reply kept in several languages (`bodies`: language -> text), with
    placeholders such as `{{first_name}}`, `{{agent_name}}` and `{{case_id}}` filled when used."""

    __tablename__ = "canned_responses"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    bodies: Mapped[dict[str, str]] = mapped_column(JSONType, nullable=False, default=dict)


# Attachments' tables live with their logic (sada/cases/attachments.py); imported here so the
# table registry and Alembic see them.
from sada.cases import attachments as _attachments  # noqa: E402, F401
