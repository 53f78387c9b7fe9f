"""Synthetic history for tests and the benchmark: churn that truly depends on experience.

Each person has a hidden mood in [-1, 1]; it drives their ratings, how often they come back,
and whether they cancel. Nothing here runs in production.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.interactions.models import Interaction
from sada.people.models import Person


def seed_history(db: Database, workspace_id: int, people: int = 600, seed: int = 7) -> datetime:
    """People with a hidden mood that drives ratings, complaints, spend and cancellation."""
    rng = random.Random(seed)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    owners: list[Person] = []  # rows[i] belongs to owners[i]; ids are known after one flush
    with db.transaction(workspace_id) as session:
        for i in range(people):
            mood = rng.uniform(-1, 1)
            person = Person(
                workspace_id=workspace_id, name=f"Customer {i}", audience="customer",
                segment=rng.choice(["gold", "silver"]), updated_at=now,
            )  # fmt: skip
            session.add(person)
            start = now - timedelta(days=rng.uniform(200, 420))
            cancel_at = None
            # Unhappy people leave far more often, at a random moment of their life.
            if rng.random() < 1 / (1 + math.exp(2.5 * mood + 0.3)):
                cancel_at = start + timedelta(days=rng.uniform(30, (now - start).days))
            t = start
            n = 0
            while t < (cancel_at or now):
                kind = rng.random()
                base: dict[str, Any] = {
                    "workspace_id": workspace_id, "person_id": None, "occurred_at": t,
                    "received_at": t, "direction": "inbound", "source": "test",
                    "external_id": f"-{n}", "origin": "import", "backfill": True,
                    "attributes": {}, "rating": None, "rating_scale": None, "channel": "web",
                }  # fmt: skip
                if kind < 0.4:
                    base.update(
                        type="purchase", attributes={"amount": round(rng.uniform(10, 90), 2)}
                    )
                elif kind < 0.7:
                    score = max(0, min(10, round(6 + 4 * mood + rng.gauss(0, 1.5))))
                    base.update(type="survey_response", rating=float(score), rating_scale="nps")
                else:
                    base.update(type="page_view", channel="app")
                rows.append(base)
                owners.append(person)
                n += 1
                # Unhappy people also come back less often.
                t += timedelta(days=rng.expovariate(1 / (12 - 5 * mood)))
            if cancel_at is not None:
                rows.append(
                    {
                        "workspace_id": workspace_id, "person_id": None,
                        "occurred_at": cancel_at, "received_at": cancel_at, "direction": "inbound",
                        "source": "test", "external_id": "-cancel", "origin": "import",
                        "backfill": True, "attributes": {}, "rating": None, "rating_scale": None,
                        "channel": "web", "type": "cancel",
                    }
                )  # fmt: skip
                owners.append(person)
        session.flush()  # the people in one batched insert
        for row, owner in zip(rows, owners, strict=True):
            row["person_id"] = owner.id
            row["external_id"] = f"{owner.id}{row['external_id']}"  # "<person id>-<n>"
        session.execute(cast(Table, Interaction.__table__).insert(), rows)
    return now
