"""Shapes of people in and out of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sada.people.models import AUDIENCE_ALIASES


class PersonRef(BaseModel):
    """Who an event is about: any identities we know, plus optional profile data."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=300)
    external_ids: dict[str, str | int] | None = None
    handles: dict[str, str] | None = None
    anonymous_id: str | None = Field(default=None, max_length=320)
    audience: str | None = Field(default=None, max_length=50)
    traits: dict[str, Any] | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2)

    @field_validator("external_ids", "handles")
    @classmethod
    def _bounded_ids(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if len(value) > 20:
            raise ValueError("at most 20 entries")
        for name, ident in value.items():
            if not 1 <= len(name) <= 100:
                raise ValueError(f"key {name[:40]!r}: 1 to 100 characters")
            if isinstance(ident, str) and not 1 <= len(ident) <= 320:
                raise ValueError(f"{name[:40]}: 1 to 320 characters")
            if isinstance(ident, int) and not -(2**63) <= ident < 2**63:
                raise ValueError(f"{name[:40]}: out of range")
        return value

    @field_validator("traits")
    @classmethod
    def _bounded_traits(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(value) > 200:
            raise ValueError("at most 200 traits")
        return value

    @field_validator("audience")
    @classmethod
    def _audience_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        key = value.strip().lower().replace(" ", "_")
        return AUDIENCE_ALIASES.get(key, key)


class IdentifyRequest(PersonRef):
    source: str = Field(default="api", max_length=100)


class IdentityOut(BaseModel):
    kind: str
    namespace: str
    value: str


class PersonOut(BaseModel):
    id: int
    name: str | None
    audience: str
    language: str | None
    segment: str | None
    traits: dict[str, Any]
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime


class PersonSummary(BaseModel):
    id: int
    name: str | None
    audience: str
    segment: str | None
    language: str | None
    identities: list[IdentityOut]


class IdentifyResult(BaseModel):
    person_id: int
    created: bool
    merged_ids: list[int]


class MergeOut(BaseModel):
    id: int
    survivor_id: int
    merged_id: int
    reason: str
    created_at: datetime
    undone_at: datetime | None
    moved_interactions: int


class AudienceTypeIn(BaseModel):
    label: str = Field(default="", max_length=200)


class AudienceTypeOut(BaseModel):
    key: str
    label: str
    builtin: bool
