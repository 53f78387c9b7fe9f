"""jobs: the id of the request that enqueued each job (logs of both share it)

Revision ID: 0202_job_request_id
Revises: 0201_job_started
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0202_job_request_id"
down_revision = "0201_job_started"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("request_id")
