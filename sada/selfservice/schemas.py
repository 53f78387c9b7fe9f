"""Shapes of the self-service API: articles in and out, search hits, assistant answers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sada.interactions.schemas import check_text

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
LANGS = ("ar", "fa", "zh", "en")
Status = Literal["draft", "review", "published", "archived"]


def check_key(value: str, what: str = "key") -> str:
    value = value.strip()
    if not KEY_RE.match(value):
        raise ValueError(
            f"{what} must be 1-100 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def check_langs(value: dict[str, Any]) -> dict[str, Any]:
    unknown = [lang for lang in value if lang not in LANGS]
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}; use ar, fa, zh or en")
    return value


def check_lang(value: str | None) -> str | None:
    if value is not None and value not in LANGS:
        raise ValueError("lang must be one of ar, fa, zh, en")
    return value


def check_related(value: list[str]) -> list[str]:
    for key in value:
        check_key(key, "related key")
    return list(dict.fromkeys(value))


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=200_000)
    status: Status | None = None

    @field_validator("title", "body")
    @classmethod
    def _safe(cls, value: str) -> str:
        return check_text(value) or ""

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is blank")
        return value.strip()


class ArticleIn(BaseModel):
    """An article with its language versions; `status` applies to every version given
    unless a version says otherwise."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="stable identifier: lower-case letters, digits, '.', '_', '-'")
    category: str = Field(default="general", min_length=1, max_length=100)
    status: Status = "draft"
    versions: dict[str, VersionIn] = Field(min_length=1)
    related: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return check_key(value.strip().lower(), "category")

    @field_validator("versions")
    @classmethod
    def _langs(cls, value: dict[str, VersionIn]) -> dict[str, VersionIn]:
        return check_langs(value)

    @field_validator("related")
    @classmethod
    def _related(cls, value: list[str]) -> list[str]:
        return check_related(value)


class ArticleUpdate(BaseModel):
    """PUT: the fields given replace the stored ones; versions not given are left alone."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = None
    category: str | None = Field(default=None, min_length=1, max_length=100)
    status: Status | None = None
    versions: dict[str, VersionIn] = Field(default_factory=dict)
    related: list[str] | None = Field(default=None, max_length=20)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return check_key(value) if value is not None else None

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        return check_key(value.strip().lower(), "category") if value is not None else None

    @field_validator("versions")
    @classmethod
    def _langs(cls, value: dict[str, VersionIn]) -> dict[str, VersionIn]:
        return check_langs(value)

    @field_validator("related")
    @classmethod
    def _related(cls, value: list[str] | None) -> list[str] | None:
        return check_related(value) if value is not None else None


class VersionOut(BaseModel):
    lang: str
    title: str
    body: str
    status: str
    published: bool
    published_title: str | None
    published_at: datetime | None
    revision: int


class ArticleOut(BaseModel):
    id: int
    key: str
    category: str
    related: list[str]
    versions: dict[str, VersionOut]
    updated_at: datetime


class SearchHit(BaseModel):
    key: str
    lang: str
    title: str
    score: float
    cross_lingual: bool
    category: str = ""
    snippet: str = ""


class SearchOut(BaseModel):
    items: list[SearchHit]
    lang: str
    good: bool


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000)
    lang: str | None = None
    session: str | None = Field(default=None, max_length=64)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        checked = check_text(value)
        assert checked is not None
        if not checked.strip():
            raise ValueError("question is blank")
        return checked

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        return check_lang(value)


class Citation(BaseModel):
    key: str
    lang: str
    title: str = ""
    url: str = ""


class AskOut(BaseModel):
    answer: str | None
    citations: list[Citation]
    handoff: bool
    reason: str
    lang: str
    intent: str | None = None
    confidence: float = 0.0
    cross_lingual: bool = False
    generated: bool = False


class SynonymsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: str
    groups: list[list[str]] = Field(max_length=2000)

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        return check_lang(value) or ""


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
