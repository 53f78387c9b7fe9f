"""trust: secrets encrypted at rest need room (webhook and mailbox secrets, IMAP passwords
become text; existing plaintext values are read as they are and sealed by
`sada secrets rotate` or their next write). Survey-source secrets: 0102.

Revision ID: 0101_encrypted_secrets
Revises: 0013_rule_history (after 0005_cases, which made these tables)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101_encrypted_secrets"
down_revision = "0013_rule_history"
branch_labels = None
depends_on = None

COLUMNS = [
    ("webhook_endpoints", "secret", 200, False),
    ("webhook_endpoints", "previous_secret", 200, True),
    ("mailboxes", "secret", 200, False),
    ("mailboxes", "imap_password", 500, True),
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
