"""feedback: an outside response id is unique per survey and source, not per workspace

Re-importing one tool's export into another survey must never touch the first survey,
so the idempotency key of imported responses includes the survey.

Revision ID: 0300_responses_per_survey
Revises: 0011_survey_requests
"""

from __future__ import annotations

from alembic import op

revision = "0300_responses_per_survey"
down_revision = "0011_survey_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_constraint(
            op.f("uq_survey_responses_workspace_id_source_external_id"), type_="unique"
        )
        batch.create_unique_constraint(
            op.f("uq_survey_responses_workspace_id_survey_id_source_external_id"),
            ["workspace_id", "survey_id", "source", "external_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_constraint(
            op.f("uq_survey_responses_workspace_id_survey_id_source_external_id"), type_="unique"
        )
        batch.create_unique_constraint(
            op.f("uq_survey_responses_workspace_id_source_external_id"),
            ["workspace_id", "source", "external_id"],
        )
