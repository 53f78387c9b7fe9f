"""health: reporting currency, currency rates, stored workspace reports

Revision ID: 1600_health_money
Revises: 1000_health
Create Date: 2026-11-29 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "1600_health_money"
down_revision = "1000_health"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("health_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reporting_currency", sa.String(length=3), nullable=False, server_default="USD"
            )
        )
    op.create_table(
        "health_currency_rates",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_health_currency_rates_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_currency_rates")),
        sa.UniqueConstraint(
            "workspace_id",
            "currency",
            "valid_from",
            name=op.f("uq_health_currency_rates_workspace_id_currency_valid_from"),
        ),
    )
    op.create_table(
        "health_reports",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("computed_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_health_reports_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_reports")),
        sa.UniqueConstraint(
            "workspace_id", "kind", name=op.f("uq_health_reports_workspace_id_kind")
        ),
    )


def downgrade() -> None:
    op.drop_table("health_reports")
    op.drop_table("health_currency_rates")
    with op.batch_alter_table("health_settings", schema=None) as batch_op:
        batch_op.drop_column("reporting_currency")
