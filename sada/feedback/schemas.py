"""Survey definitions (questions, translations, display logic) and API shapes.

A definition is validated once, when a survey is created or edited, so every
later reader (hosted page, answer validation, exports) can trust it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sada.events.catalogue import EVENTS

QuestionType = Literal[
    "nps",
    "enps",
    "csat",
    "ces",
    "rating",
    "single_choice",
    "multiple_choice",
    "text",
    "hidden",
]
METRIC_TYPES = ("nps", "enps", "csat", "ces")
SURVEY_KINDS = ("nps", "enps", "csat", "ces", "custom")
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "ku", "sd", "ug", "yi", "dv"})

_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

Translations = dict[str, str]


def is_rtl(language: str | None) -> bool:
    return (language or "").split("-")[0].lower() in RTL_LANGUAGES


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    label: Translations

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError(
                "choice keys are 1-64 letters, digits, '_' or '-', starting with a letter"
            )
        return value


class Condition(BaseModel):
    """Show a question only when an earlier answer satisfies this."""

    model_config = ConfigDict(extra="forbid")

    question: str
    op: Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "answered"]
    value: Any = None

    def holds(self, answer: Any) -> bool:
        if self.op == "answered":
            return answer not in (None, "", [])
        if answer is None:
            return False
        if self.op == "in":
            values = self.value if isinstance(self.value, list) else [self.value]
            if isinstance(answer, list):
                return any(a in values for a in answer)
            return answer in values
        if isinstance(answer, list):
            return self.op == "eq" and self.value in answer
        try:
            if self.op == "eq":
                return bool(answer == self.value)
            if self.op == "ne":
                return bool(answer != self.value)
            a, v = float(answer), float(self.value)
        except (TypeError, ValueError):
            return False
        return {"lt": a < v, "lte": a <= v, "gt": a > v, "gte": a >= v}[self.op]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    type: QuestionType
    title: Translations = Field(default_factory=dict)
    description: Translations = Field(default_factory=dict)
    required: bool = False
    scale_min: int | None = None
    scale_max: int | None = None
    low_label: Translations = Field(default_factory=dict)
    high_label: Translations = Field(default_factory=dict)
    choices: list[Choice] = Field(default_factory=list)
    show_if: Condition | None = None

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError(
                "question keys are 1-64 letters, digits, '_' or '-', starting with a letter"
            )
        return value

    @model_validator(mode="after")
    def _scale(self) -> Question:
        fixed = {"nps": (0, 10), "enps": (0, 10), "ces": (1, 7)}
        if self.type in fixed:
            low, high = fixed[self.type]
            if (self.scale_min, self.scale_max) not in ((None, None), (low, high)):
                raise ValueError(f"{self.type} questions use the fixed scale {low}-{high}")
            self.scale_min, self.scale_max = low, high
        elif self.type == "csat":
            self.scale_min = 1
            self.scale_max = self.scale_max or 5
            if self.scale_max not in (5, 7):
                raise ValueError("csat questions use a 1-5 (default) or 1-7 scale")
        elif self.type == "rating":
            self.scale_min = 1 if self.scale_min is None else self.scale_min
            self.scale_max = 5 if self.scale_max is None else self.scale_max
            if not (0 <= self.scale_min < self.scale_max <= 10):
                raise ValueError("rating scales run within 0-10 with min < max")
        elif self.scale_min is not None or self.scale_max is not None:
            raise ValueError(f"{self.type} questions have no scale")
        if self.type in ("single_choice", "multiple_choice"):
            if not self.choices:
                raise ValueError("choice questions need at least one choice")
            keys = [c.key for c in self.choices]
            if len(set(keys)) != len(keys):
                raise ValueError("choice keys must be unique within a question")
        elif self.choices:
            raise ValueError(f"{self.type} questions have no choices")
        return self

    @property
    def is_scale(self) -> bool:
        return self.scale_max is not None

    def text(self, field: str, language: str, default: str) -> str:
        values: Translations = getattr(self, field)
        return values.get(language) or values.get(default) or ""


class SurveyDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intro: Translations = Field(default_factory=dict)
    thank_you: Translations = Field(default_factory=dict)
    questions: list[Question] = Field(
        min_length=1, max_length=1000
    )  # imports of long surveys (Qualtrics matrices)

    def question(self, key: str) -> Question | None:
        for q in self.questions:
            if q.key == key:
                return q
        return None

    def check(self, default_language: str, languages: list[str]) -> list[str]:
        """Problems a builder must fix: missing default texts, unknown languages, bad logic."""
        problems: list[str] = []
        seen: set[str] = set()
        allowed = set(languages) | {default_language}

        def texts(path: str, values: Translations, required: bool) -> None:
            for lang in values:
                if lang not in allowed:
                    problems.append(
                        f"{path}: language {lang!r} is not one of the survey's languages"
                    )
            if required and not (values.get(default_language) or "").strip():
                problems.append(
                    f"{path}: text in the default language {default_language!r} is required"
                )

        for lang in (self.intro, self.thank_you):
            texts("intro" if lang is self.intro else "thank_you", lang, False)
        for i, q in enumerate(self.questions):
            path = f"questions[{i}]"
            if q.key in seen:
                problems.append(f"{path}.key: duplicate key {q.key!r}")
            texts(f"{path}.title", q.title, q.type != "hidden")
            texts(f"{path}.description", q.description, False)
            for j, c in enumerate(q.choices):
                texts(f"{path}.choices[{j}].label", c.label, True)
            if q.show_if is not None and q.show_if.question not in seen:
                problems.append(
                    f"{path}.show_if: refers to {q.show_if.question!r}, which is not an earlier question"
                )
            seen.add(q.key)
        return problems


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["nps", "enps", "csat", "ces", "custom"] = "custom"
    status: Literal["draft", "active", "closed"] = "active"
    default_language: str = "en"
    languages: list[str] = Field(default_factory=lambda: ["en"])
    audience: str | None = Field(default=None, max_length=50)
    touchpoint: str | None = Field(default=None, max_length=100)
    settings: dict[str, Any] = Field(default_factory=dict)
    definition: SurveyDefinition

    @field_validator("default_language")
    @classmethod
    def _lang(cls, value: str) -> str:
        if not _LANG_RE.match(value):
            raise ValueError("language must be a code such as 'fa', 'ar', 'zh' or 'en'")
        return value

    @field_validator("languages")
    @classmethod
    def _langs(cls, value: list[str]) -> list[str]:
        for lang in value:
            if not _LANG_RE.match(lang):
                raise ValueError(f"{lang!r} is not a language code such as 'fa' or 'zh'")
        return list(dict.fromkeys(value))


class SurveyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: Literal["draft", "active", "closed"] | None = None
    default_language: str | None = None
    languages: list[str] | None = None
    audience: str | None = None
    touchpoint: str | None = None
    settings: dict[str, Any] | None = None
    definition: SurveyDefinition | None = None


class SurveyOut(BaseModel):
    id: int
    name: str
    kind: str
    status: str
    default_language: str
    languages: list[str]
    version: int
    audience: str | None
    touchpoint: str | None
    public_key: str
    link: str
    settings: dict[str, Any]
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class AnswerOut(BaseModel):
    question: str
    type: str
    title: str
    value: Any


class ResponseOut(BaseModel):
    id: int
    survey_id: int
    version: int
    status: str
    person_id: int | None
    invitation_id: int | None
    interaction_id: int | None
    language: str | None
    channel: str | None
    touchpoint: str | None
    segment: str | None
    audience: str | None
    agent: str | None
    source: str
    external_id: str
    scores: dict[str, Any]
    hidden: dict[str, Any]
    started_at: datetime
    completed_at: datetime | None
    answers: list[AnswerOut]


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=320)
    person_id: int | None = None
    name: str | None = Field(default=None, max_length=300)
    language: str | None = None
    hidden: dict[str, str] = Field(default_factory=dict)


class DistributeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: list[Recipient] = Field(min_length=1, max_length=1000)
    send_email: bool = True
    expires_in_days: int | None = Field(default=None, ge=1, le=365)


class SegmentInviteIn(BaseModel):
    """Send a survey to the members of a segment on one channel."""

    model_config = ConfigDict(extra="forbid")

    segment: str = Field(min_length=1, max_length=64)
    channel: str = Field(default="email", min_length=1, max_length=20)


class SegmentInviteOut(BaseModel):
    """Members seen; invited now; already invited to this survey (not sent again); the rest
    by reason (no consent, opted out, surveyed recently, no address on the channel)."""

    segment: str
    channel: str
    members: int
    invited: int
    already_invited: int
    skipped: dict[str, int]
    queued: bool = False  # a large segment: sent by a job (members as last counted)


class InvitationOut(BaseModel):
    id: int
    person_id: int | None
    email: str | None
    status: str
    language: str | None
    link: str | None = None  # only when just created (the token is not stored)
    reason: str | None = None
    channel: str | None = None
    requested_by: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None


# Catalogue events a survey trigger can follow: each one is about one person.
TRIGGER_EVENTS = tuple(
    e.name
    for e in EVENTS
    if e.name == "interaction.ingested" or e.name.split(".")[0] in ("conversation", "case")
)
# Conditions per kind of event (all given ones must match).
INTERACTION_CONDITIONS = {"type", "channel", "touchpoint", "attributes", "audience", "language"}
SUBJECT_CONDITIONS = {"channel", "audience", "language", "priority", "tags"}


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    event: str = Field(
        default="interaction.ingested",
        description="the catalogue event that fires it: interaction.ingested, "
        "conversation.solved, case.resolved, ... (docs/events.md)",
    )
    conditions: dict[str, Any] = Field(default_factory=dict)
    delay_seconds: int = Field(default=0, ge=0, le=400 * 86400)
    active: bool = True

    @field_validator("event")
    @classmethod
    def _event(cls, value: str) -> str:
        if value not in TRIGGER_EVENTS:
            raise ValueError(f"a survey trigger follows one of {', '.join(TRIGGER_EVENTS)}")
        return value

    @model_validator(mode="after")
    def _conditions(self) -> TriggerIn:
        interaction = self.event == "interaction.ingested"
        allowed = INTERACTION_CONDITIONS if interaction else SUBJECT_CONDITIONS
        unknown = set(self.conditions) - allowed
        if unknown:
            raise ValueError(
                f"unknown condition(s) {sorted(unknown)} for {self.event}; use {sorted(allowed)}"
            )
        if interaction and not self.conditions:
            raise ValueError("a trigger on new interactions needs at least one condition")
        return self


class TriggerOut(TriggerIn):
    id: int
    survey_id: int
