"""Analysis of many stored interactions at once: demo seeding, a large history.

`analyze_interactions` (the job's path) reads, analyses and writes 64 interactions at a time,
each through the ORM with its rollup counts. A seeded or imported history repeats itself:
the same short message, in the same language, written by hundreds of people. Here each
distinct (text, language hint) goes through the real pipeline once, in large batches, and
its result is stored for every interaction that carries it, in a few bulk inserts. The
pipeline's result depends only on the text, the hint and the workspace's pipeline (models,
languages, topics), so the stored analyses are exactly what the job would have written.

Rollups are the caller's: this path does not count sentiment and topic rollups row by row
(the demo rebuilds them once afterwards; `sada metrics rebuild` does the same after an
import). The analysis job later finds these analyses current and skips them
(`current_analyses`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from sada.db.dialect import chunks
from sada.db.engine import Database
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.interactions.models import VOICE_ORIGINS, Interaction
from sada.text.embeddings import text_hash, to_blob
from sada.text.models import TextAnalysis, TextEmbedding
from sada.text.pipeline import public
from sada.text.service import interaction_text, pipeline_for

UNIQUE_BATCH = 256  # distinct texts per pipeline call
WRITE_EVERY = 5_000  # analyses per insert batch


def texts_in_period(
    db: Database, workspace_id: int, since: datetime | None, until: datetime | None = None
) -> list[tuple[int, str, str | None]]:
    """(interaction id, text, language) of the outside party's texts in a period, oldest
    first: what the analysis job would analyse (subject and text together)."""
    with db.reader(workspace_id) as session:
        query = select(
            Interaction.id, Interaction.subject, Interaction.text, Interaction.language
        ).where(Interaction.text.is_not(None), Interaction.origin.in_(VOICE_ORIGINS))
        if since is not None:
            query = query.where(Interaction.occurred_at >= since)
        if until is not None:
            query = query.where(Interaction.occurred_at < until)
        rows = session.execute(query.order_by(Interaction.occurred_at, Interaction.id)).all()
    found = [(int(r.id), interaction_text(r.subject, r.text), r.language) for r in rows]
    return [item for item in found if item[1]]


def analyze_texts(
    db: Database,
    workspace_id: int,
    items: Sequence[tuple[int, str, str | None]],
    *,
    embeddings: bool = True,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Analyse (interaction id, text, language) items, each distinct text once, and store
    one analysis per interaction (replacing any); returns (analyses stored, distinct texts).
    `embeddings=False`: the pipeline without sentence embeddings (linear sentiment, keyword
    aspects and topics: about 6 ms a text instead of 100-300), recorded as such in
    `model_version`, so the analysis job later refines them with embeddings where it has
    them. `progress(n)` is told how many interactions each batch covered."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for iid, body, lang in items:
        groups.setdefault((body, (lang or "")[:2] or None), []).append(iid)
    keys = list(groups)
    with db.reader(workspace_id) as session:
        pipeline = pipeline_for(session, workspace_id, embedder=None if embeddings else False)
    emb = pipeline.embedder
    stored = 0
    pending: list[dict[str, Any]] = []
    vectors: dict[str, np.ndarray] = {}
    for part in chunks(keys, UNIQUE_BATCH):
        results = pipeline.analyze_many([k[0] for k in part], languages=[k[1] for k in part])
        now = utcnow()
        covered = 0
        for key, result in zip(part, results, strict=True):
            digest = text_hash(key[0])
            row = _row(public(result), digest, now)
            vec = result.get("embedding")
            if emb is not None and vec is not None:
                vectors.setdefault(digest, vec)
            for iid in groups[key]:
                pending.append({**row, "workspace_id": workspace_id, "interaction_id": iid})
            covered += len(groups[key])
        if len(pending) >= WRITE_EVERY:
            stored += _write(db, workspace_id, pending, emb.name if emb else None, vectors)
        if progress is not None:
            progress(covered)
    stored += _write(db, workspace_id, pending, emb.name if emb else None, vectors)
    return stored, len(keys)


def _row(result: dict[str, Any], digest: str, at: datetime) -> dict[str, Any]:
    """A `text_analyses` row of one pipeline result (as `service._fill` sets it)."""
    sentiment = result["sentiment"]
    scores = sentiment["scores"]
    return {
        "language": result["language"],
        "script": result["script"],
        "language_confidence": float(result["language_confidence"]),
        "sentiment": sentiment["label"],
        "sentiment_score": round(
            float(scores.get("positive", 0.0)) - float(scores.get("negative", 0.0)), 4
        ),
        "uncertain": bool(sentiment["uncertain"]),
        "scores": scores,
        "sentences": result["sentences"],
        "aspects": result["aspects"],
        "topics": result["topics"],
        "mentions": result["mentions"],
        "pii": result["pii"],
        "redacted_text": result["redacted_text"],
        "text_hash": digest,
        "model_version": result["model_version"][:200],
        "analyzed_at": at,
    }


def _write(
    db: Database,
    workspace_id: int,
    rows: list[dict[str, Any]],
    model: str | None,
    vectors: dict[str, np.ndarray],
) -> int:
    """Replace the analyses of `rows`' interactions and keep new vectors in the embedding
    cache, in one transaction; empties `rows` and `vectors`."""
    if not rows and not vectors:
        return 0
    with db.transaction(workspace_id) as session:
        for part in chunks([r["interaction_id"] for r in rows], 900):
            session.execute(delete(TextAnalysis).where(TextAnalysis.interaction_id.in_(part)))
        for part in chunks(rows, 2_000):
            session.execute(insert(TextAnalysis), part)
        if model is not None and vectors:
            _keep_vectors(session, model, vectors)
    count = len(rows)
    rows.clear()
    vectors.clear()
    return count


def _keep_vectors(session: Session, model: str, vectors: dict[str, np.ndarray]) -> None:
    known: set[str] = set()
    for part in chunks(list(vectors), 900):
        known.update(
            session.execute(
                select(TextEmbedding.text_hash).where(
                    TextEmbedding.model == model, TextEmbedding.text_hash.in_(part)
                )
            ).scalars()
        )
    now = utcnow()
    new = [
        {
            "workspace_id": bound_workspace(session),
            "model": model,
            "text_hash": h,
            "dim": len(v),
            "vector": to_blob(v),
            "created_at": now,
        }
        for h, v in vectors.items()
        if h not in known
    ]
    for part in chunks(new, 2_000):
        session.execute(insert(TextEmbedding), part)
