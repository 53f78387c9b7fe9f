"""webhook_endpoints, survey_triggers: indexes for the question every event asks them

Publishing an event now records a `webhooks.fanout` job only when an enabled endpoint of the
workspace listens, and a `feedback.match_triggers` job only when an active trigger follows
the event (the handlers' `wanted` predicates, asked in the publishing transaction). Neither
table had an index led by `workspace_id`, so each question read the whole table.

Revision ID: 1960_subscriber_lookups
Revises: 1950_who_spoke_fewer_rows
"""

from __future__ import annotations

from alembic import op

revision = "1960_subscriber_lookups"
down_revision = "1950_who_spoke_fewer_rows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_webhook_endpoints_ws_enabled", "webhook_endpoints", ["workspace_id", "enabled"]
    )
    op.create_index(
        "ix_survey_triggers_ws_event", "survey_triggers", ["workspace_id", "event", "active"]
    )


def downgrade() -> None:
    op.drop_index("ix_survey_triggers_ws_event", table_name="survey_triggers")
    op.drop_index("ix_webhook_endpoints_ws_enabled", table_name="webhook_endpoints")
