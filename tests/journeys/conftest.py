"""Factories for journey tests: people and interactions written straight to the log."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sada.db.engine import Database
from sada.interactions.models import Interaction
from sada.interactions.service import TouchpointRegistry
from sada.people.models import Person

T0 = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
_ids = itertools.count(1)


class Log:
    """Writes people and interactions of one workspace."""

    def __init__(self, db: Database, workspace_id: int) -> None:
        self.db = db
        self.workspace_id = workspace_id

    def person(
        self,
        audience: str = "customer",
        segment: str | None = None,
        language: str | None = None,
        traits: dict[str, Any] | None = None,
    ) -> int:
        with self.db.transaction(self.workspace_id) as s:
            p = Person(
                audience=audience,
                segment=segment,
                language=language,
                traits=traits or {},
                updated_at=datetime.now(UTC),
            )
            s.add(p)
            s.flush()
            return p.id

    def events(self, person_id: int | None, *items: dict[str, Any]) -> list[int]:
        """Each item: at (seconds after T0 or datetime), tp, type, channel, ... ."""
        out = []
        with self.db.transaction(self.workspace_id) as s:
            reg = TouchpointRegistry(s)
            for item in items:
                at = item.get("at", 0)
                when = at if isinstance(at, datetime) else T0 + timedelta(seconds=at)
                row = Interaction(
                    person_id=person_id,
                    occurred_at=when,
                    received_at=when,
                    channel=item.get("channel", "web"),
                    touchpoint_id=reg.id_for(item["tp"]) if item.get("tp") else None,
                    direction=item.get("direction", "inbound"),
                    type=item.get("type", "event"),
                    text=item.get("text"),
                    rating=item.get("rating"),
                    rating_scale=item.get("scale"),
                    conversation_id=item.get("conversation"),
                    attributes=item.get("attributes", {}),
                    source="test",
                    external_id=f"e{next(_ids)}",
                )
                s.add(row)
                s.flush()
                out.append(row.id)
        return out


@pytest.fixture
def log(db: Database, workspace: Any) -> Log:
    return Log(db, workspace.id)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "analytics.duckdb"
