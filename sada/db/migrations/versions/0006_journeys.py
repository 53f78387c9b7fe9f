"""journeys: audiences, versioned journey maps, digital tasks

Revision ID: 0006_journeys
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sada.db.types

revision = "0006_journeys"
down_revision = "0001_foundation"
branch_labels = ("journeys",)
depends_on = None


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "journey_audiences",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", _id(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=True),
        sa.Column("measure_scale", sa.String(length=16), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("updated_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_journey_audiences_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        _workspace_fk("journey_audiences"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_audiences")),
        sa.UniqueConstraint(
            "workspace_id", "key", name=op.f("uq_journey_audiences_workspace_id_key")
        ),
    )
    op.create_table(
        "journey_tasks",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_rule", _json(), nullable=False),
        sa.Column("end_rule", _json(), nullable=False),
        sa.Column("error_rule", _json(), nullable=True),
        sa.Column("timeout_minutes", sa.Integer(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        _workspace_fk("journey_tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_tasks")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_journey_tasks_workspace_id_key")),
    )
    op.create_table(
        "journey_maps",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("audience_id", _id(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=50), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audience_id"],
            ["journey_audiences.id"],
            name=op.f("fk_journey_maps_audience_id_journey_audiences"),
            ondelete="CASCADE",
        ),
        _workspace_fk("journey_maps"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_maps")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_journey_maps_workspace_id_key")),
    )
    with op.batch_alter_table("journey_maps") as batch:
        batch.create_index(
            "ix_journey_maps_ws_audience", ["workspace_id", "audience_id"], unique=False
        )
    op.create_table(
        "journey_map_versions",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("map_id", _id(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", _json(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", _id(), nullable=False),
        sa.Column("created_at", sada.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["map_id"],
            ["journey_maps.id"],
            name=op.f("fk_journey_map_versions_map_id_journey_maps"),
            ondelete="CASCADE",
        ),
        _workspace_fk("journey_map_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_map_versions")),
        sa.UniqueConstraint(
            "workspace_id",
            "map_id",
            "version",
            name=op.f("uq_journey_map_versions_workspace_id_map_id_version"),
        ),
    )


def downgrade() -> None:
    op.drop_table("journey_map_versions")
    with op.batch_alter_table("journey_maps") as batch:
        batch.drop_index("ix_journey_maps_ws_audience")
    op.drop_table("journey_maps")
    op.drop_table("journey_tasks")
    op.drop_table("journey_audiences")
