"""feedback: every survey request is recorded (sent, unreachable, throttled), triggers on any event

Revision ID: 0011_survey_requests
Revises: 0003_feedback
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_survey_requests"
down_revision = "0003_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_invitations") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("requested_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_survey_invitations_workspace_id_dedupe_key"), ["workspace_id", "dedupe_key"]
        )
    with op.batch_alter_table("survey_triggers") as batch:
        batch.add_column(
            sa.Column(
                "event",
                sa.String(length=100),
                server_default="interaction.ingested",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_triggers") as batch:
        batch.drop_column("event")
    with op.batch_alter_table("survey_invitations") as batch:
        batch.drop_constraint(op.f("uq_survey_invitations_workspace_id_dedupe_key"), type_="unique")
        batch.drop_column("dedupe_key")
        batch.drop_column("requested_by")
        batch.drop_column("reason")
