"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from sada.db.secretbox import decrypt_secret, encrypt_secret

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")

# JSON everywhere, JSONB where the database has it (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out, whatever the database stores.

    Naive datetimes are refused: a timestamp without an offset is ambiguous and
    the cause of most time-zone bugs in reporting.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Sada stores timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL paths on SQLite
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class EncryptedText(TypeDecorator[str]):
    """A secret (webhook signing secret, IMAP password) encrypted at rest.

    Stored as `enc1:<Fernet token>` under a key derived from SADA_SECRET_KEY (HKDF-SHA256);
    keys listed in SADA_PREVIOUS_SECRET_KEYS still decrypt, so the secret key can be rotated
    and `sada secrets rotate` re-encrypts everything under the current one. Rows written
    before encryption (plaintext) are read as they are and encrypted on their next write or
    rotation. The application always sees plaintext.
    """

    impl = Text()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return encrypt_secret(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return decrypt_secret(str(value))
