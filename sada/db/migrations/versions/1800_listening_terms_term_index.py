"""listening: an index on the term rollup by term (rising terms' seeks per term)

Revision ID: 1800_listening_terms_term_index
Revises: 1650_listening_live
"""

from __future__ import annotations

from alembic import op

revision = "1800_listening_terms_term_index"
down_revision = "1650_listening_live"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_listening_terms_term",
        "listening_terms",
        ["workspace_id", "language", "term", "day", "posts"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_listening_terms_term", table_name="listening_terms")
