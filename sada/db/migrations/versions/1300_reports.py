"""reports: saved views, report schedules and their deliveries

Revision ID: 1300_reports
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "1300_reports"
down_revision = "0001_foundation"
branch_labels = ("reports",)
depends_on = ("0005_cases",)  # saved views may be shared with a team

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_AT = sada.db.types.UTCDateTime


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("names", _JSON, nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("share", sa.String(length=16), nullable=False),
        sa.Column("team_id", _ID, nullable=True),
        sa.Column("updated_at", _AT(), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", _AT(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_views_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_saved_views_team_id_teams"),
            ondelete="SET NULL",
        ),
        _workspace_fk("saved_views"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    op.create_index("ix_saved_views_workspace_owner", "saved_views", ["workspace_id", "owner_id"])
    op.create_table(
        "report_schedules",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("view_id", _ID, nullable=False),
        sa.Column("owner_id", _ID, nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("day_of_month", sa.Integer(), nullable=True),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("zone_mode", sa.String(length=16), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("recipients", _JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_runs", _JSON, nullable=False),
        sa.Column("next_run_at", _AT(), nullable=True),
        sa.Column("last_run_at", _AT(), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", _AT(), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.Column("created_at", _AT(), nullable=False),
        sa.ForeignKeyConstraint(
            ["view_id"],
            ["saved_views.id"],
            name=op.f("fk_report_schedules_view_id_saved_views"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_report_schedules_owner_id_users"),
            ondelete="CASCADE",
        ),
        _workspace_fk("report_schedules"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )
    op.create_index(
        "ix_report_schedules_workspace_view", "report_schedules", ["workspace_id", "view_id"]
    )
    op.create_table(
        "report_deliveries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("schedule_id", _ID, nullable=False),
        sa.Column("period_key", sa.String(length=100), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attachments", _JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", _AT(), nullable=False),
        sa.Column("workspace_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["report_schedules.id"],
            name=op.f("fk_report_deliveries_schedule_id_report_schedules"),
            ondelete="CASCADE",
        ),
        _workspace_fk("report_deliveries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deliveries")),
        sa.UniqueConstraint(
            "workspace_id",
            "schedule_id",
            "period_key",
            "recipient",
            name=op.f("uq_report_deliveries_workspace_id_schedule_id_period_key_recipient"),
        ),
    )
    op.create_index(
        "ix_report_deliveries_workspace_schedule_at",
        "report_deliveries",
        ["workspace_id", "schedule_id", "at"],
    )


def downgrade() -> None:
    op.drop_table("report_deliveries")
    op.drop_table("report_schedules")
    op.drop_table("saved_views")
