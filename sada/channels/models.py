"""The channel accounts a workspace configures (a WhatsApp number, a Telegram bot, an SMS sender).

`secrets` holds the provider's tokens in plaintext: main has no encryption helper yet
(no key management in `sada.core`); they are never logged nor shown again after creation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sada.db.base import Base, Timestamped, WorkspaceOwned
from sada.db.types import BigIntId, JSONType


class ChannelAccount(Base, WorkspaceOwned, Timestamped):
    """One provider account: `kind` whatsapp|telegram|sms, `key` is the webhook URL's secret part."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    secrets: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
