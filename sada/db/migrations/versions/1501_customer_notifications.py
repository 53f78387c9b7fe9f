"""automation: the customer notifications rules send (notify_customer), once per key

Revision ID: 1501_customer_notifications
Revises: 1500_channel_secrets_and_sends
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "1501_customer_notifications"
down_revision = "1500_channel_secrets_and_sends"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "customer_notifications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("rule_id", _ID, nullable=True),
        sa.Column("firing_id", _ID, nullable=True),
        sa.Column("person_id", _ID, nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", _JSON, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("run_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("sent_at", sada.db.types.UTCDateTime(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_customer_notifications_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customer_notifications_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_notifications")),
        sa.UniqueConstraint(
            "workspace_id",
            "idempotency_key",
            name=op.f("uq_customer_notifications_workspace_id_idempotency_key"),
        ),
    )
    op.create_index(
        "ix_customer_notifications_person",
        "customer_notifications",
        ["workspace_id", "person_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_customer_notifications_person", table_name="customer_notifications")
    op.drop_table("customer_notifications")
