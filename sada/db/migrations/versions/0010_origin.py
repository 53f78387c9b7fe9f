"""interactions: who produced each one (origin) and whether it is history (backfill)

Existing rows: Sada's own rule notes become `system`, inbox replies and other outbound
messages written by a known agent become `agent`, survey responses imported from
Qualtrics or SurveyMonkey files become `import` (history); the rest stay `customer`.
Webhook subscriptions move to the event catalogue's names.

Revision ID: 0010_origin
Revises: 0001_foundation (needs 0005_cases for webhook_endpoints)
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_origin"
down_revision = "0001_foundation"
branch_labels = ("interactions",)
depends_on = "0005_cases"

RENAMED = {
    "case.updated": "case.changed",
    "conversation.updated": "conversation.changed",
    "conversation.reply": "conversation.replied",
    "alert.fired": "alert.raised",
}


def upgrade() -> None:
    op.add_column(
        "interactions",
        sa.Column(
            "origin", sa.String(length=16), server_default=sa.text("'customer'"), nullable=False
        ),
    )
    op.add_column(
        "interactions",
        sa.Column("backfill", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute("UPDATE interactions SET origin = 'system' WHERE source = 'sada.automation'")
    op.execute(
        "UPDATE interactions SET origin = 'agent' WHERE origin = 'customer' AND "
        "(source = 'sada.inbox' OR (direction = 'outbound' AND agent_id IS NOT NULL))"
    )
    op.execute(
        "UPDATE interactions SET origin = 'import', backfill = TRUE WHERE "
        "source IN ('survey:qualtrics', 'survey:surveymonkey')"
    )
    bind = op.get_bind()
    endpoints = sa.table("webhook_endpoints", sa.column("id"), sa.column("events", sa.JSON()))
    for endpoint_id, events in bind.execute(sa.select(endpoints.c.id, endpoints.c.events)).all():
        names = json.loads(events) if isinstance(events, str) else list(events or [])
        renamed = sorted({RENAMED.get(name, name) for name in names})
        if renamed != sorted(names):
            bind.execute(
                endpoints.update().where(endpoints.c.id == endpoint_id).values(events=renamed)
            )


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("backfill")
        batch.drop_column("origin")
