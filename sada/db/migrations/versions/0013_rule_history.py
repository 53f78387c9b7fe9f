"""automation: rules opt in to fire on history

Revision ID: 0013_rule_history
Revises: 0005_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_rule_history"
down_revision = "0005_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("automation_rules") as batch:
        batch.add_column(
            sa.Column("include_history", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("automation_rules") as batch:
        batch.drop_column("include_history")
