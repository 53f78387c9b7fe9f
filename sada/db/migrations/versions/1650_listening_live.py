"""listening: the rollups' time zone, the term rollup, network tokens, live X searches

Revision ID: 1650_listening_live
Revises: 0901_listening_indexes
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import sada.db.types

revision = "1650_listening_live"
down_revision = "0901_listening_indexes"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _common(table: str, *, created: bool = False) -> list[Any]:
    items: list[Any] = [
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{table}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]
    if created:
        items.append(
            sa.Column("created_at", sada.db.types.UTCDateTime(timezone=True), nullable=False)
        )
    return items


def upgrade() -> None:
    op.create_table(
        "listening_state",
        *_common("listening_state"),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sada.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_listening_state_workspace_id")),
    )
    op.create_table(
        "listening_terms",
        *_common("listening_terms"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "workspace_id",
            "language",
            "day",
            "term",
            name=op.f("uq_listening_terms_workspace_id_language_day_term"),
        ),
    )
    op.create_index(
        "ix_listening_terms_cover",
        "listening_terms",
        ["workspace_id", "language", "day", "term", "posts"],
        unique=False,
    )
    op.create_table(
        "listening_accounts",
        *_common("listening_accounts", created=True),
        sa.Column("network", sa.String(length=40), nullable=False),
        sa.Column("token", sada.db.types.EncryptedText(), nullable=False),
        sa.Column("api_base", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sada.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "workspace_id", "network", name=op.f("uq_listening_accounts_workspace_id_network")
        ),
    )
    op.create_table(
        "listening_x_searches",
        *_common("listening_x_searches", created=True),
        sa.Column("query", sa.String(length=1024), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("since_id", sa.String(length=40), nullable=True),
        sa.Column("resume_at", sada.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_polled_at", sada.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint(
            "workspace_id", "query", name=op.f("uq_listening_x_searches_workspace_id_query")
        ),
    )


def downgrade() -> None:
    op.drop_table("listening_x_searches")
    op.drop_table("listening_accounts")
    op.drop_index("ix_listening_terms_cover", table_name="listening_terms")
    op.drop_table("listening_terms")
    op.drop_table("listening_state")
