"""interactions: rollup rows summed over languages and channels ("*"), indexed by dimension

The overview's reads without a language or channel filter summed every language (and, for
topics, every channel) of every day in the range: a year's topics panel read days x
channels x languages x names rows. Writers now also count each row into its "*" variants
(interaction rollups: language "*"; topic rollups: channel "*", language "*" and both), so
a read takes one row per day and channel (or per day and name). This migration adds those
rows from the rows already kept (the same sums the writers produce) and an index led by
the dimensions, so a read seeks its channel and language instead of walking the range.

Revision ID: 1870_rollups_all_dimensions
Revises: 1850_journey_data_versions
"""

from __future__ import annotations

from alembic import op

revision = "1870_rollups_all_dimensions"
down_revision = "1850_journey_data_versions"
branch_labels = None
depends_on = None

MEASURES = "n, texts, analysed, positive, neutral, negative"
POLARITIES = ("positive", "neutral", "negative", "mixed")


def summed_rows(workspace: str = "") -> list[str]:
    """The statements that add the "*" rows from the kept ones (`workspace`: an extra
    condition such as "AND workspace_id = 7", for tests on a shared database)."""
    sums = ", ".join(f"sum({m})" for m in MEASURES.split(", "))
    statements = [
        f"INSERT INTO interaction_rollups (workspace_id, zone, day, channel, language, voice, "
        f"{MEASURES}) SELECT workspace_id, zone, day, channel, '*', voice, {sums} "
        f"FROM interaction_rollups WHERE language <> '*' {workspace} "
        "GROUP BY workspace_id, zone, day, channel, voice"
    ]
    polarities = ", ".join(POLARITIES)
    topic_sums = ", ".join(f"sum({m})" for m in POLARITIES)
    for channel, language in (("channel", "'*'"), ("'*'", "language"), ("'*'", "'*'")):
        groups = ", ".join(
            ["workspace_id", "zone", "day"]
            + [c for c in (channel, language) if not c.startswith("'")]
            + ["name"]
        )
        statements.append(
            "INSERT INTO topic_rollups (workspace_id, zone, day, channel, language, name, "
            f"{polarities}, example_positive, example_negative) "
            f"SELECT workspace_id, zone, day, {channel}, {language}, name, {topic_sums}, "
            "max(example_positive), max(example_negative) FROM topic_rollups "
            f"WHERE channel <> '*' AND language <> '*' {workspace} GROUP BY {groups}"
        )
    return statements


def upgrade() -> None:
    for statement in summed_rows():
        op.execute(statement)
    op.create_index(
        "ix_interaction_rollups_dims",
        "interaction_rollups",
        ["workspace_id", "zone", "language", "voice", "day", "channel"],
    )
    op.create_index(
        "ix_topic_rollups_dims",
        "topic_rollups",
        ["workspace_id", "zone", "channel", "language", "day", "name"],
    )


def downgrade() -> None:
    op.drop_index("ix_topic_rollups_dims", table_name="topic_rollups")
    op.drop_index("ix_interaction_rollups_dims", table_name="interaction_rollups")
    op.execute("DELETE FROM topic_rollups WHERE channel = '*' OR language = '*'")
    op.execute("DELETE FROM interaction_rollups WHERE language = '*'")
