"""trust: survey-source secrets encrypted at rest need room (become text; see 0101)

Revision ID: 0102_encrypted_source_secrets
Revises: 0011_survey_requests (after 0003_feedback, which made the table)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0102_encrypted_source_secrets"
down_revision = "0011_survey_requests"
branch_labels = None
depends_on = None

COLUMNS = [
    ("survey_sources", "secret", 300, False),
]


def upgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.String(length), type_=sa.Text(), existing_nullable=nullable
            )


def downgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.Text(), type_=sa.String(length), existing_nullable=nullable
            )
