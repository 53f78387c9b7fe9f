"""Shapes of cases, conversations, teams and SLA policies in and out of the API."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

Priority = Literal["low", "normal", "high", "urgent"]
CaseStatus = Literal["open", "in_progress", "resolved", "closed"]
ConversationStatus = Literal["open", "pending", "solved", "closed"]


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=20_000)
    person_id: int | None = None
    conversation_id: int | None = None
    priority: Priority = "normal"
    owner_id: int | None = None
    owner_email: str | None = Field(default=None, max_length=320)
    team_id: int | None = None
    due_at: AwareDatetime | None = None
    due_hours: float | None = Field(default=None, gt=0, le=24 * 365)
    root_cause: str | None = Field(default=None, max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=50)
    interaction_ids: list[int] = Field(default_factory=list, max_length=500)
    channel: str | None = Field(default=None, max_length=50)


class CaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=20_000)
    status: CaseStatus | None = None
    priority: Priority | None = None
    owner_id: int | None = None
    team_id: int | None = None
    due_at: AwareDatetime | None = None
    root_cause: str | None = Field(default=None, max_length=100)
    resolution: str | None = Field(default=None, max_length=20_000)
    tags: list[str] | None = Field(default=None, max_length=50)
    contacted: bool | None = None
    contact_channel: str | None = Field(default=None, max_length=50)


class CaseOut(BaseModel):
    id: int
    title: str
    title_key: str | None = None
    title_params: dict[str, Any] | None = None
    contact_channel: str | None = None
    description: str
    status: str
    priority: str
    person_id: int | None
    conversation_id: int | None
    owner_id: int | None
    team_id: int | None
    source: str
    rule_id: int | None
    tags: list[str]
    due_at: datetime | None
    contact_due_at: datetime | None
    sla_policy_id: int | None
    root_cause: str | None
    resolution: str | None
    contacted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    loop_closed: bool
    overdue: bool
    created_at: datetime
    updated_at: datetime | None
    interaction_ids: list[int] = Field(default_factory=list)
    # The follow-up survey after resolution (when the workspace sends one): its invitation,
    # the answer's score and scale, and whether the customer left the low band.
    followup_invitation_id: int | None = None
    followup_scale: str | None = None
    followup_score: float | None = None
    followup_at: datetime | None = None
    recovered: bool | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)


class NoteOut(BaseModel):
    id: int
    author_id: int | None
    author_label: str
    body: str
    created_at: datetime


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interaction_ids: list[int] = Field(min_length=1, max_length=500)
    role: Literal["trigger", "response", "related", "contact"] = "related"


class ConversationOut(BaseModel):
    id: int
    thread_key: str
    person_id: int | None
    channel: str
    subject: str | None
    language: str | None
    status: str
    priority: str
    tags: list[str]
    assignee_id: int | None
    team_id: int | None
    opened_at: datetime
    last_message_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    sla_policy_id: int | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    paused: bool
    snoozed_until: datetime | None = None


class ConversationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ConversationStatus | None = None
    priority: Priority | None = None
    tags: list[str] | None = Field(default=None, max_length=50)
    add_tags: list[str] | None = Field(default=None, max_length=50)
    snooze_until: AwareDatetime | None = None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = None
    team_id: int | None = None
    strategy: Literal["manual", "round_robin", "least_loaded"] | None = None


class AttachmentIn(BaseModel):
    """A file given in JSON: its name, declared type and bytes in base64."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=1000)
    content_type: str = Field(
        default="application/octet-stream",
        max_length=200,
        pattern=r"^[A-Za-z0-9!#$&^_.+-]{1,100}/[A-Za-z0-9!#$&^_.+-]{1,100}(;.*)?$",
    )
    data: str = Field(min_length=1, description="the file's bytes in base64")

    @field_validator("data")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64") from None
        return value

    def content(self) -> bytes:
        return base64.b64decode("".join(self.data.split()))


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=64_000)
    agent_email: str | None = Field(default=None, max_length=320)
    status: ConversationStatus | None = None
    # Sent as MIME attachments of the email (other channels refuse them: 409).
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=500)


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"
    weekend_days: list[int] = Field(default_factory=lambda: [5, 6])
    hours: dict[str, Any] = Field(default_factory=dict)
    holidays: list[str] = Field(default_factory=list)
    assignment: Literal["manual", "round_robin", "least_loaded"] = "round_robin"
    languages: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)


class TeamPatch(BaseModel):
    """A partial change of a team; `hours` maps weekday ("0" Monday ... "6" Sunday, or
    "default") to its shifts: `[["09:00", "13:00"], ["14:00", "18:00"]]`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = None
    weekend_days: list[int] | None = None
    hours: dict[str, Any] | None = None
    holidays: list[str] | None = None
    assignment: Literal["manual", "round_robin", "least_loaded"] | None = None
    languages: list[str] | None = None
    channels: list[str] | None = None


class TeamOut(TeamIn):
    model_config = ConfigDict(extra="ignore")

    id: int
    members: list[dict[str, Any]] = Field(default_factory=list)


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = None
    email: str | None = None
    online: bool = True
    max_open: int | None = Field(default=None, ge=1)


class SlaPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    position: int = 100
    enabled: bool = True
    channels: list[str] = Field(default_factory=list)
    priorities: list[Priority] = Field(default_factory=list)
    audiences: list[str] = Field(default_factory=list)
    segments: list[str] = Field(default_factory=list)
    first_response_minutes: int | None = Field(default=None, ge=1)
    resolution_minutes: int | None = Field(default=None, ge=1)
    warn_before_minutes: int = Field(default=0, ge=0)
    business_hours: bool = False
    team_id: int | None = None


class SlaPolicyOut(SlaPolicyIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: int


class SlaEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    conversation_id: int | None
    case_id: int | None
    policy_id: int | None
    metric: str
    kind: str
    due_at: datetime
    at: datetime
    assignee_id: int | None
