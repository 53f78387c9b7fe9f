"""Normalizing identities so the same identifier always has one spelling."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

from sada.people.models import IdentityKind
from sada.text.normalize import fold_for_search, to_ascii_digits

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{1,63}$")
_NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,99}$")


class IdentityError(ValueError):
    """An identity value that cannot be normalized; the message says why."""


class IdentityKey(NamedTuple):
    """One normalized identity. A named tuple: hashed and compared in C (ingest hashes and
    sorts several per item)."""

    kind: str
    namespace: str
    value: str

    @property
    def search_value(self) -> str:
        if self.kind == IdentityKind.PHONE:
            return self.value.lstrip("+")
        return fold_for_search(self.value)

    def label(self) -> str:
        return (
            f"{self.kind}:{self.namespace}:{self.value}"
            if self.namespace
            else f"{self.kind}:{self.value}"
        )


@lru_cache(maxsize=65_536)
def normalize_email(value: str) -> str:
    email = value.strip().lower()
    if not _EMAIL_RE.match(email) or len(email) > 320:
        raise IdentityError("not a valid email address")
    return email


@lru_cache(maxsize=65_536)
def normalize_phone(value: str, default_region: str | None = None) -> str:
    """E.164. Persian and Arabic-Indic digits are accepted."""
    raw = to_ascii_digits(value.strip())
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, None if raw.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        hint = "" if default_region else "; give it in international format, e.g. +98..."
        raise IdentityError(f"not a valid phone number ({exc._msg}){hint}") from None
    if not phonenumbers.is_possible_number(number):
        raise IdentityError("not a possible phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_namespace(value: str, what: str) -> str:
    namespace = value.strip().lower()
    if not _NAMESPACE_RE.match(namespace):
        raise IdentityError(f"{what} must be 1-100 of a-z, 0-9, '_', '.', '-'")
    return namespace


def normalize_handle(network: str, handle: str) -> IdentityKey:
    value = handle.strip().lstrip("@").lower()
    if not value or len(value) > 320:
        raise IdentityError("handle must be 1-320 characters")
    return IdentityKey(IdentityKind.HANDLE.value, normalize_namespace(network, "network"), value)


def normalize_external_id(system: str, value: str | int) -> IdentityKey:
    text = str(value).strip()
    if not text or len(text) > 320:
        raise IdentityError("external id must be 1-320 characters")
    return IdentityKey(IdentityKind.EXTERNAL_ID.value, normalize_namespace(system, "system"), text)


def anonymous_key(source: str, anonymous_id: str) -> IdentityKey:
    value = anonymous_id.strip()
    if not value or len(value) > 320:
        raise IdentityError("anonymous id must be 1-320 characters")
    return IdentityKey(
        IdentityKind.ANONYMOUS_ID.value, normalize_namespace(source, "source"), value
    )
