"""The demo's dashboard rollups, built once after seeding, equal to `sada metrics rebuild`.

The demo writes its history in bulk, past the write-time rollups, so it builds them once at
the end with the same set-based rebuild as `sada metrics rebuild`
(`sada.dashboards.rollups.rebuild`: the database groups the log, the who-spoke bit masks
included). `tests/demo/test_seed.py` checks that every rollup row equals a rebuild's.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sada.dashboards import rollups as dashboard_rollups


def build(session: Session) -> int:
    """Replace the workspace's interaction, who-spoke and topic rollups (as
    `sada.dashboards.rollups.rebuild`); returns the number of interaction rollup rows."""
    return dashboard_rollups.rebuild(session)
