"""channels: provider secrets encrypted at rest; the ledger of outbound sends

`channel_accounts.secrets` becomes text holding one `enc1:` token (the secret box of
`sada.db.secretbox`); every existing row is sealed here under the current SADA_SECRET_KEY
(values are never printed). `channel_sends` records one send per idempotency key.

Revision ID: 1500_channel_secrets_and_sends
Revises: 1100_channels
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types
from sada.db.secretbox import decrypt_secret, encrypt_secret, is_encrypted

revision = "1500_channel_secrets_and_sends"
down_revision = "1100_channels"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_accounts = sa.table("channel_accounts", sa.column("id", _ID), sa.column("secrets", sa.Text()))


def _retype(old: Any, new: Any, using: str) -> None:
    with op.batch_alter_table("channel_accounts") as batch:
        if op.get_bind().dialect.name == "postgresql":
            batch.alter_column(
                "secrets",
                existing_type=old,
                type_=new,
                existing_nullable=False,
                postgresql_using=using,
            )
        else:
            batch.alter_column("secrets", existing_type=old, type_=new, existing_nullable=False)


def upgrade() -> None:
    _retype(_JSON, sa.Text(), "secrets::text")
    bind = op.get_bind()
    for row_id, stored in bind.execute(sa.select(_accounts.c.id, _accounts.c.secrets)).all():
        if stored is None or is_encrypted(stored):
            continue
        bind.execute(
            sa.update(_accounts)
            .where(_accounts.c.id == row_id)
            .values(secrets=encrypt_secret(stored))
        )
    op.create_table(
        "channel_sends",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("account_id", _ID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_channel_sends_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_sends")),
        sa.UniqueConstraint(
            "workspace_id",
            "idempotency_key",
            name=op.f("uq_channel_sends_workspace_id_idempotency_key"),
        ),
    )


def downgrade() -> None:
    op.drop_table("channel_sends")
    bind = op.get_bind()
    for row_id, stored in bind.execute(sa.select(_accounts.c.id, _accounts.c.secrets)).all():
        if stored is not None and is_encrypted(stored):
            plain = json.dumps(json.loads(decrypt_secret(stored)))
            bind.execute(sa.update(_accounts).where(_accounts.c.id == row_id).values(secrets=plain))
    _retype(sa.Text(), _JSON, "secrets::jsonb")
