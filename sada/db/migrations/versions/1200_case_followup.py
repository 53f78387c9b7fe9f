"""cases: the follow-up survey after resolution and its score ("recovered")

Revision ID: 1200_case_followup
Revises: 0750_canned_responses
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sada.db.types

revision = "1200_case_followup"
down_revision = "0750_canned_responses"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("followup_invitation_id", _ID, nullable=True))
        batch.add_column(sa.Column("followup_scale", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("followup_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("followup_at", sada.db.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("recovered", sa.Boolean(), nullable=True))
    # A follow-up answer finds its case by the invitation it answers.
    op.create_index(
        "ix_cases_ws_followup", "cases", ["workspace_id", "followup_invitation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_cases_ws_followup", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("recovered")
        batch.drop_column("followup_at")
        batch.drop_column("followup_score")
        batch.drop_column("followup_scale")
        batch.drop_column("followup_invitation_id")
