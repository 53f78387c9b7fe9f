"""Shapes of interactions in and out of the API, and the closed vocabularies."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from sada.people.schemas import PersonRef

SOCIAL_CHANNELS = frozenset(
    {
        "twitter", "x", "facebook", "instagram", "linkedin", "tiktok", "youtube", "snapchat",
        "weibo", "wechat", "douyin", "xiaohongshu", "bilibili", "aparat", "eitaa", "rubika",
        "bale", "reddit", "threads",
    }
)  # fmt: skip
REVIEW_SITES = frozenset({"google_reviews", "trustpilot", "app_store", "play_store"})
CHANNELS = (
    frozenset(
        {
            "email",
            "chat",
            "web_chat",
            "phone",
            "voice",
            "sms",
            "whatsapp",
            "telegram",
            "web",
            "app",
            "in_store",
            "survey",
            "other",
        }
    )  # fmt: skip
    | SOCIAL_CHANNELS
    | REVIEW_SITES
)
TYPES = frozenset(
    {
        "message",
        "call",
        "purchase",
        "order",
        "signup",
        "page_view",
        "complaint",
        "review",
        "survey_response",
        "custom",
        "event",
        "cancel",
        "churn",
        "renewal",
        "refund",
        "visit",
        "note",
    }
)
RATING_SCALES = frozenset({"nps", "csat5", "csat7", "ces7", "stars5", "scale10", "enps"})
_SOCIAL_RE = re.compile(r"^social:[a-z0-9_]{1,40}$")
_CUSTOM_RE = re.compile(r"^custom:[a-z0-9_.\-]{1,60}$")
_LANG_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
_SAFE_TEXT_RE = re.compile("[\x00\ud800-\udfff]")


def check_text(value: str | None) -> str | None:
    if value is None:
        return None
    bad = _SAFE_TEXT_RE.search(value)
    if bad:
        what = (
            "a NUL character"
            if bad.group() == "\x00"
            else "an unpaired surrogate (invalid Unicode)"
        )
        raise ValueError(f"contains {what} at character {bad.start()}")
    return value


# The documented range of `occurred_at`: from the Unix epoch to one day ahead of the server
# clock (clock skew). Earlier or later dates are typing mistakes that break reports.
EARLIEST_OCCURRED_AT = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def check_occurred_at(value: datetime) -> datetime:
    latest = datetime.now(UTC) + FUTURE_SLACK
    if not EARLIEST_OCCURRED_AT <= value <= latest:
        raise ValueError(
            f"{value.isoformat()} is outside the accepted range: from 1970-01-01T00:00:00Z "
            "to one day after the server's current time (UTC)"
        )
    return value


class IngestItem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    source: str = Field(min_length=1, max_length=100)
    external_id: str = Field(min_length=1, max_length=200)
    occurred_at: AwareDatetime = Field(
        description="when it happened, with a UTC offset; from 1970-01-01T00:00:00Z to one day "
        "after the server's current time"
    )
    channel: str
    type: str
    direction: Literal["inbound", "outbound"]
    text: str | None = None
    subject: str | None = Field(default=None, max_length=1000)
    rating: float | None = None
    rating_scale: str | None = None
    touchpoint: str | None = Field(default=None, min_length=1, max_length=100)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=200)
    language: str | None = None
    agent: str | None = Field(default=None, max_length=320)
    attributes: dict[str, Any] | None = None
    person: PersonRef | None = None
    anonymous_id: str | None = Field(default=None, min_length=1, max_length=200)
    origin: Literal["customer", "agent", "system", "import"] | None = Field(
        default=None,
        description="who produced it: the outside party (default), an agent (default when "
        "`agent` is given), Sada itself, or a historical import (always backfill)",
    )
    backfill: bool | None = Field(
        default=None,
        description="history that fires no live action; by default true for imports and for "
        "interactions older than the live window (SADA_LIVE_WINDOW_DAYS) when they arrive",
    )

    @field_validator("occurred_at")
    @classmethod
    def _plausible_time(cls, value: datetime) -> datetime:
        return check_occurred_at(value)

    @field_validator("external_id", mode="before")
    @classmethod
    def _external_id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        value = value.strip().lower()
        if value in CHANNELS or _SOCIAL_RE.match(value):
            return "phone" if value == "voice" else value
        raise ValueError(
            f"unknown channel {value!r}; use one of {', '.join(sorted(CHANNELS))} or social:<network>"
        )

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        value = value.strip().lower()
        if value in TYPES or _CUSTOM_RE.match(value):
            return value
        raise ValueError(
            f"unknown type {value!r}; use one of {', '.join(sorted(TYPES))} or custom:<name>"
        )

    @field_validator("rating_scale")
    @classmethod
    def _scale(cls, value: str | None) -> str | None:
        if value is not None and value not in RATING_SCALES:
            raise ValueError(f"unknown rating_scale; use one of {', '.join(sorted(RATING_SCALES))}")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not _LANG_RE.match(value):
            raise ValueError("language must be a BCP 47 tag such as 'fa', 'ar-EG' or 'zh-Hant'")
        return value

    @field_validator("text", "subject")
    @classmethod
    def _valid_unicode(cls, value: str | None) -> str | None:
        return check_text(value)


class ItemError(BaseModel):
    path: str
    message: str


class ItemResult(BaseModel):
    index: int
    status: Literal["stored", "duplicate", "rejected"]
    id: int | None = None
    person_id: int | None = None
    errors: list[ItemError] = Field(default_factory=list)


class BatchResult(BaseModel):
    results: list[ItemResult]
    stored: int
    duplicates: int
    rejected: int


class AcceptedItem(BaseModel):
    index: int
    status: Literal["accepted", "rejected"]
    errors: list[ItemError] = Field(default_factory=list)


class BatchAccepted(BaseModel):
    """The answer of the accept path (202): the batch id and each item's validation."""

    batch_id: int | None
    accepted: int
    rejected: int
    results: list[AcceptedItem]


class AppliedItem(BaseModel):
    index: int
    status: Literal["accepted", "applied", "duplicate", "rejected"]
    id: int | None = None
    person_id: int | None = None
    errors: list[ItemError] = Field(default_factory=list)


class BatchStatus(BaseModel):
    id: int
    status: Literal["pending", "applied"]
    created_at: datetime
    applied_at: datetime | None
    counts: dict[str, int]
    results: list[AppliedItem]


class InteractionOut(BaseModel):
    id: int
    person_id: int | None
    anonymous_id: str | None
    occurred_at: datetime
    received_at: datetime
    channel: str
    touchpoint: str | None
    direction: str
    type: str
    subject: str | None
    text: str | None
    language: str | None
    rating: float | None
    rating_scale: str | None
    agent_id: int | None
    conversation_id: str | None
    attributes: dict[str, Any]
    source: str
    external_id: str
    origin: str
    backfill: bool
    analysis: dict[str, Any] | None = Field(
        default=None,
        description="once analysed: language, sentiment {label, score}, sentences, aspects "
        "[{name, sentiment}], topics, mentions, redaction state and analysts' corrections",
    )


class TimelinePage(BaseModel):
    items: list[InteractionOut]
    next_cursor: str | None
