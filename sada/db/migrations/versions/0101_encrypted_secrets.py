"""trust: secrets encrypted at rest need room (webhook, mailbox, survey-source secrets, IMAP
passwords become text; existing plaintext values are read as they are and sealed by
`sada secrets rotate` or their next write)

Revision ID: 0101_encrypted_secrets
Revises: 0100_api_key_origins, 0003_feedback, 0005_cases, 0010_origin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101_encrypted_secrets"
down_revision = ("0100_api_key_origins", "0003_feedback", "0005_cases", "0010_origin")
branch_labels = None
depends_on = None

COLUMNS = [
    ("webhook_endpoints", "secret", 200, False),
    ("webhook_endpoints", "previous_secret", 200, True),
    ("mailboxes", "secret", 200, False),
    ("mailboxes", "imap_password", 500, True),
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
