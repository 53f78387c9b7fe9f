"""jobs: a priority per job (claimed lowest first) and cursors of periodic jobs

Revision ID: 0200_job_priority
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sada.db.types import BigIntId, UTCDateTime

revision = "0200_job_priority"
down_revision = "0001_foundation"
branch_labels = ("jobs",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("priority", sa.Integer(), server_default=sa.text("20"), nullable=False)
        )
        batch.drop_index("ix_jobs_claim")
        batch.create_index("ix_jobs_claim", ["status", "priority", "run_at"], unique=False)
    op.create_table(
        "job_cursors",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", BigIntId, nullable=True),
        sa.Column("position", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_job_cursors_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_job_cursors")),
    )


def downgrade() -> None:
    op.drop_table("job_cursors")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_claim")
        batch.create_index("ix_jobs_claim", ["status", "run_at"], unique=False)
        batch.drop_column("priority")
