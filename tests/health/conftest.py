"""Fixtures of the health tests: a workspace with a year of history where churn follows mood."""

from __future__ import annotations

from datetime import datetime

import pytest

from sada.db.engine import Database
from sada.health.synthetic import seed_history
from sada.tenants.models import Workspace
from tests.web.conftest import login, make_user  # noqa: F401 - fixtures used by the page tests


@pytest.fixture
def history(db: Database, workspace: Workspace) -> datetime:
    return seed_history(db, workspace.id)
