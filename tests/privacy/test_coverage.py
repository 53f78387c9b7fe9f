"""Every table that can hold a person's data is covered by export and erasure."""

from __future__ import annotations

from sada.db.registry import metadata
from sada.privacy import holdings

# Tables whose rows belong to a person (directly or through one of their rows).
PERSON_TABLES = {"people", "interactions", "cases", "conversations", "survey_responses"}
LINK_COLUMNS = {"person_id", "interaction_id", "survivor_id", "merged_id", "anonymous_id"}


def holding_tables() -> set[str]:
    found = set()
    for name, table in metadata.tables.items():
        for column in table.columns:
            if column.name in LINK_COLUMNS:
                found.add(name)
            for fk in column.foreign_keys:
                if fk.column.table.name in PERSON_TABLES:
                    found.add(name)
    return found


def test_every_table_with_a_person_link_is_covered() -> None:
    covered = holdings.linked_tables() | set(holdings.SCRUBBED)
    missing = sorted(holding_tables() - covered)
    assert not missing, (
        "tables with person data that export and erasure do not cover (add a Link in "
        f"sada/privacy/holdings.py, or a SCRUBBED step): {missing}"
    )


def test_every_linked_table_is_erased_in_order() -> None:
    assert holdings.linked_tables() <= set(holdings.ERASE_ORDER)
    assert set(holdings.ERASE_ORDER) <= set(metadata.tables)
    for link in holdings.LINKS:
        assert link.column in metadata.tables[link.table].c, link
        assert link.source_column in metadata.tables[link.source].c, link
