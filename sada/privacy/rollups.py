"""Deletions lower the rollups they were counted in (erasure and retention).

The overview reads write-time rollups (`sada.interactions.rollups`, `sada.metrics.rollups`);
rows deleted by an erasure or a retention run are taken out of them in the same
transaction, aggregated by rollup key (one upsert per key), so the figures afterwards equal
a `sada metrics rebuild`.

- `lower_for_rows(session, interactions, analyses, responses)`: rows (mappings) about to be
  deleted: whole interactions with their analyses, and survey responses.
- `lower_for_texts(session, interactions, analyses)`: interactions that keep their row but lose
  their text and analysis (retention's `interaction_texts` delete).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from sada.interactions import rollups as interaction_rollups
from sada.metrics import rollups as metric_rollups


def _by_interaction(analyses: Iterable[Mapping[Any, Any]]) -> dict[int, Mapping[Any, Any]]:
    return {int(a["interaction_id"]): a for a in analyses if a.get("interaction_id") is not None}


def _removals(
    interactions: Iterable[Mapping[Any, Any]],
    analyses: Iterable[Mapping[Any, Any]],
    *,
    row: bool,
) -> list[interaction_rollups.Removal]:
    found = _by_interaction(analyses)
    out = []
    for r in interactions:
        analysis = found.get(int(r["id"]))
        sentiment = None
        items: list[tuple[str, str]] = []
        if analysis is not None:
            sentiment = analysis.get("sentiment") or ""
            items = interaction_rollups.topic_items(
                analysis.get("aspects"), analysis.get("topics"), analysis.get("sentiment")
            )
        out.append(
            interaction_rollups.Removal(
                id=int(r["id"]),
                occurred_at=r["occurred_at"],
                channel=str(r["channel"]),
                language=r.get("language"),
                origin=str(r.get("origin") or "customer"),
                row=row,
                text=r.get("text") is not None,
                analysed=analysis is not None,
                sentiment=sentiment,
                topics=tuple(items),
            )
        )
    return out


def lower_for_rows(
    session: Session,
    interactions: Iterable[Mapping[Any, Any]],
    analyses: Iterable[Mapping[Any, Any]],
    responses: Iterable[Mapping[Any, Any]],
) -> None:
    interaction_rollups.count_removed(session, _removals(interactions, analyses, row=True))
    facts = [metric_rollups.facts_of_row(r) for r in responses]
    metric_rollups.record_removed(session, [f for f in facts if f is not None])


def lower_for_texts(
    session: Session,
    interactions: Iterable[Mapping[Any, Any]],
    analyses: Iterable[Mapping[Any, Any]],
) -> None:
    interaction_rollups.count_removed(session, _removals(interactions, analyses, row=False))
