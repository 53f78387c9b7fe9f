"""jobs: when the latest attempt started (queue wait = started_at - run_at)

Revision ID: 0201_job_started
Revises: 0200_job_priority
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sada.db.types import UTCDateTime

revision = "0201_job_started"
down_revision = "0200_job_priority"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("started_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("started_at")
