"""The channel accounts a workspace configures (a WhatsApp number, a Telegram bot, an SMS
sender), and the ledger of outbound sends that makes each send happen once.

`ChannelAccount.secrets` (provider tokens, app secrets) is encrypted at rest with the secret
box (`sada.db.secretbox`, keys from SADA_SECRET_KEY, rotated by `sada secrets rotate`); the
application reads plaintext, the database column holds `enc1:<token>` only. Secrets are never
logged nor shown again after creation.

`ChannelSend` records one outbound send per idempotency key (an agent's reply, a survey
invitation, a rule's customer notification): a retried job finds the provider's message id
there and sends nothing twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.secretbox import decrypt_secret, encrypt_secret
from sada.db.types import BigIntId, EncryptedText, JSONType, UTCDateTime


class EncryptedJSON(EncryptedText):
    """A JSON object encrypted at rest as one `enc1:` token (an `EncryptedText`, so `sada
    secrets rotate` and the plaintext check find it). Plaintext JSON written before
    encryption is read as it is and sealed on its next write or rotation."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):  # already serialized (or sealed)
            return encrypt_secret(value)
        return encrypt_secret(json.dumps(value, sort_keys=True, ensure_ascii=False))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        loaded = json.loads(decrypt_secret(str(value)))
        return loaded if isinstance(loaded, dict) else {}


class ChannelAccount(Base, WorkspaceOwned, Timestamped):
    """One provider account: `kind` whatsapp|telegram|sms, `key` is the webhook URL's secret part."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    secrets: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, nullable=False, default=dict)


class ChannelSend(Base, WorkspaceOwned):
    """One outbound send, once per `idempotency_key` in a workspace.

    `status`: sending (claimed; the provider may or may not have it: the at-least-once
    window), sent (with the provider's message id, committed with the outbound interaction),
    failed (the provider refused; not retried).
    """

    __tablename__ = "channel_sends"
    __table_args__ = (UniqueConstraint("workspace_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    account_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="sending")
    provider_message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
