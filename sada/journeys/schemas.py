"""Shapes of audiences, journey maps, mapping rules and analytics answers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.:\-]{0,99}$")
ATTR_KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
MEASURES = ("nps", "enps", "csat", "ces", "custom")


def _check_key(value: str) -> str:
    value = value.strip().lower()
    if not KEY_RE.match(value):
        raise ValueError("use lowercase letters, digits, '_', '.', ':' or '-' (at most 100)")
    return value


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    out = [str(v).strip().lower() for v in items if str(v).strip()]
    return out or None


class Rule(BaseModel):
    """Which interactions count: every field given must match (AND); lists mean any of.

    `touchpoint` names keys of the interaction touchpoint registry; `attributes`
    compares interaction attributes as text (`{"region": "north"}`).
    """

    model_config = ConfigDict(extra="forbid")

    channel: list[str] | None = None
    type: list[str] | None = None
    touchpoint: list[str] | None = None
    direction: Literal["inbound", "outbound"] | None = None
    attributes: dict[str, str] | None = None

    @field_validator("channel", "type", "touchpoint", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> list[str] | None:
        return _as_list(value)

    @field_validator("attributes")
    @classmethod
    def _attr_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key in value or {}:
            if not ATTR_KEY_RE.match(key):
                raise ValueError(f"attribute name {key!r}: use letters, digits, '_' or '-'")
        return value or None

    @model_validator(mode="after")
    def _not_empty(self) -> Rule:
        if not (self.channel or self.type or self.touchpoint or self.direction or self.attributes):
            raise ValueError("a rule needs at least one condition")
        return self


class TouchpointDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    label: str = ""
    labels: dict[str, str] = Field(default_factory=dict)  # per language: {"fa": "..."}
    # No rules: the touchpoint matches interactions whose touchpoint key equals `key`.
    rules: list[Rule] = Field(default_factory=list)

    _k = field_validator("key")(classmethod(lambda cls, v: _check_key(v)))

    def effective_rules(self) -> list[Rule]:
        return self.rules or [Rule(touchpoint=[self.key])]


class StageDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    label: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    touchpoints: list[TouchpointDef] = Field(default_factory=list)

    _k = field_validator("key")(classmethod(lambda cls, v: _check_key(v)))


class JourneyDefinition(BaseModel):
    """Ordered stages, each with touchpoints; first matching touchpoint wins."""

    model_config = ConfigDict(extra="forbid")

    stages: list[StageDef] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _unique(self) -> JourneyDefinition:
        stage_keys = [s.key for s in self.stages]
        if len(set(stage_keys)) != len(stage_keys):
            raise ValueError("stage keys must be unique")
        tp_keys = [t.key for s in self.stages for t in s.touchpoints]
        if len(set(tp_keys)) != len(tp_keys):
            raise ValueError("touchpoint keys must be unique across the map")
        if len(tp_keys) > 200:
            raise ValueError("at most 200 touchpoints per map")
        return self

    def touchpoints(self) -> list[tuple[int, TouchpointDef]]:
        """(stage index, touchpoint) in map order."""
        return [(i, t) for i, s in enumerate(self.stages) for t in s.touchpoints]


class AudienceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    label: str = ""
    rank: int = 100
    owner_user_id: int | None = None
    description: str = ""
    measure: Literal["nps", "enps", "csat", "ces", "custom"] | None = None
    measure_scale: str | None = None
    target: float | None = None

    _k = field_validator("key")(classmethod(lambda cls, v: _check_key(v)))


class AudiencePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    rank: int | None = None
    owner_user_id: int | None = None
    description: str | None = None
    measure: Literal["nps", "enps", "csat", "ces", "custom"] | None = None
    measure_scale: str | None = None
    target: float | None = None


class AudienceOut(BaseModel):
    id: int
    key: str
    label: str
    rank: int
    owner_user_id: int | None
    description: str
    measure: str | None
    measure_scale: str | None
    target: float | None


class JourneyMapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: str
    key: str
    name: str = ""
    template: str | None = None
    definition: JourneyDefinition | None = None
    note: str = ""

    _k = field_validator("key")(classmethod(lambda cls, v: _check_key(v)))

    @model_validator(mode="after")
    def _one_source(self) -> JourneyMapIn:
        if self.definition is None and self.template is None:
            raise ValueError("give a definition or a template")
        return self


class JourneyVersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: JourneyDefinition
    note: str = ""


class JourneyMapOut(BaseModel):
    id: int
    key: str
    name: str
    audience: str
    template: str | None
    version: int
    definition: dict[str, Any]
    versions: list[dict[str, Any]] = Field(default_factory=list)
    updated_at: datetime


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    name: str = ""
    start: Rule
    end: Rule
    error: Rule | None = None
    timeout_minutes: int = Field(30, ge=1, le=7 * 24 * 60)

    _k = field_validator("key")(classmethod(lambda cls, v: _check_key(v)))
