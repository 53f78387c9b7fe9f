"""Text understanding services: analyse interactions, manage topics, discover themes.

Other domains call these functions, never the tables. Every function takes a
`Database` (or a session already bound to a workspace) and a workspace id.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.db.engine import Database
from sada.db.types import utcnow
from sada.interactions import rollups
from sada.interactions.models import VOICE_ORIGINS, Interaction
from sada.text.embeddings import Embedder, from_blob, get_embedder, text_hash, to_blob
from sada.text.models import TextAnalysis, TextEmbedding, TextTopic
from sada.text.pipeline import TextPipeline, TopicSpec, public

log = logging.getLogger(__name__)

BATCH = 64
_PIPELINES: dict[tuple[Any, ...], TextPipeline] = {}


def interaction_text(subject: str | None, text: str | None) -> str:
    parts = [p.strip() for p in (subject, text) if p and p.strip()]
    return "\n".join(parts)


# ------------------------------------------------------------------- topics
def list_topics(
    session: Session, *, kind: str | None = None, active_only: bool = True
) -> list[TextTopic]:
    query = select(TextTopic).order_by(TextTopic.kind, TextTopic.name)
    if kind:
        query = query.where(TextTopic.kind == kind)
    if active_only:
        query = query.where(TextTopic.active.is_(True))
    return list(session.execute(query).scalars())


def do_upsert_topic(
    session: Session,
    name: str,
    *,
    kind: str = "topic",
    description: str = "",
    examples: Sequence[str] = (),
    keywords: Sequence[str] = (),
    threshold: float | None = None,
    active: bool = True,
) -> TextTopic:
    if kind not in ("topic", "brand", "competitor"):
        raise ValueError("kind must be topic, brand or competitor")
    name = name.strip()
    if not name:
        raise ValueError("a topic needs a name")
    topic = session.execute(
        select(TextTopic).where(TextTopic.kind == kind, TextTopic.name == name)
    ).scalar_one_or_none()
    if topic is None:
        topic = TextTopic(kind=kind, name=name)
        session.add(topic)
    topic.description = description
    topic.examples = [e for e in examples if e.strip()]
    topic.keywords = [k for k in keywords if k.strip()]
    topic.threshold = threshold
    topic.active = active
    session.flush()
    return topic


def topic_specs(session: Session) -> list[TopicSpec]:
    return [
        TopicSpec(
            name=t.name,
            kind=t.kind,
            description=t.description,
            examples=list(t.examples or []),
            keywords=list(t.keywords or []),
            threshold=t.threshold,
        )
        for t in list_topics(session)
    ]


def _workspace_languages(session: Session, workspace_id: int) -> list[str] | None:
    from sada.tenants.models import Workspace

    ws = session.get(Workspace, workspace_id)
    langs = list(getattr(ws, "languages", None) or [])
    supported = [lang for lang in langs if lang in ("ar", "fa", "zh", "en")]
    return supported or None


def pipeline_for(
    session: Session,
    workspace_id: int,
    *,
    embedder: Embedder | None | bool = None,
    model_dir: str | None = None,
) -> TextPipeline:
    """A pipeline with the workspace's languages and topics (cached while they stay the same)."""
    specs = topic_specs(session)
    languages = _workspace_languages(session, workspace_id)
    if model_dir is None:
        from sada.settings import get_settings

        model_dir = get_settings().text_model_dir
    key = (
        workspace_id,
        tuple(languages or ()),
        repr(specs),
        model_dir,
        embedder if isinstance(embedder, bool) or embedder is None else id(embedder),
    )
    pipeline = _PIPELINES.get(key)
    if pipeline is None:
        if len(_PIPELINES) > 64:
            _PIPELINES.clear()
        emb: Embedder | None | bool = embedder
        if embedder is None:
            emb = get_embedder(model_dir)
            emb = emb if emb is not None else False
        pipeline = TextPipeline(
            model_dir=model_dir, embedder=emb, languages=languages, topics=specs
        )
        _PIPELINES[key] = pipeline
    return pipeline


# ----------------------------------------------------------------- analysis
def _cached_vectors(session: Session, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
    if not hashes:
        return {}
    rows = session.execute(
        select(TextEmbedding.text_hash, TextEmbedding.vector).where(
            TextEmbedding.model == model, TextEmbedding.text_hash.in_(hashes)
        )
    ).all()
    return {h: from_blob(v) for h, v in rows}


def analyze_interactions(
    db: Database,
    workspace_id: int,
    interaction_ids: Sequence[int],
    *,
    embedder: Embedder | None | bool = None,
    model_dir: str | None = None,
    skip_current: bool = False,
) -> int:
    """Analyse the given interactions and upsert their analyses; returns how many were stored.

    Idempotent: running it twice leaves one analysis per interaction, the latest.
    Interactions without text, or gone since the job was queued, are skipped, and so are
    those that are not the outside party's voice (agents' replies, Sada's own notes).
    `skip_current`: an interaction whose analysis is of the same text by the same pipeline
    version (e.g. written in bulk at demo seeding, `sada.text.bulk`) is not analysed again,
    and counts as stored.
    """
    ids = sorted({int(i) for i in interaction_ids})
    stored = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # Read and compute outside the write transaction: on SQLite a write transaction
        # holds the database's only write lock, and ingest must not wait for the models.
        with db.reader(workspace_id) as session:
            rows = session.execute(
                select(
                    Interaction.id, Interaction.subject, Interaction.text, Interaction.language
                ).where(Interaction.id.in_(chunk), Interaction.origin.in_(VOICE_ORIGINS))
            ).all()
            items = [(r.id, interaction_text(r.subject, r.text), r.language) for r in rows]
            items = [it for it in items if it[1]]
            if not items:
                continue
            pipeline = pipeline_for(session, workspace_id, embedder=embedder, model_dir=model_dir)
            if skip_current:
                current = current_analyses(session, items, pipeline.version)
                stored += len(current)
                items = [it for it in items if it[0] not in current]
                if not items:
                    continue
            emb = pipeline.embedder
            hashes = [text_hash(t) for _, t, _ in items]
            if emb is not None and hasattr(emb, "prime"):
                cached = _cached_vectors(session, emb.name, hashes)
                if cached:
                    emb.prime(list(cached), np.stack(list(cached.values())))
            else:
                cached = {}
        results = pipeline.analyze_many(
            [t for _, t, _ in items],
            languages=[(lang or "")[:2] or None for _, _, lang in items],
        )
        # Then write the results in one short transaction (upserts: idempotent).
        with db.transaction(workspace_id) as session:
            present = set(
                session.execute(
                    select(Interaction.id).where(Interaction.id.in_([i for i, _, _ in items]))
                ).scalars()
            )
            existing = {
                a.interaction_id: a
                for a in session.execute(
                    select(TextAnalysis).where(TextAnalysis.interaction_id.in_(list(present)))
                ).scalars()
            }
            new_vectors: dict[str, np.ndarray] = {}
            # Sentiment rollups move with the analyses, in the same transaction.
            labels: list[tuple[int, str | None, str]] = []
            mentions: list[tuple[int, list[tuple[str, str]] | None, list[tuple[str, str]]]] = []
            for (iid, _text, _lang), h, result in zip(items, hashes, results, strict=True):
                if iid not in present:
                    continue  # deleted while the models ran
                vec = result.get("embedding")
                if emb is not None and vec is not None and h not in cached:
                    new_vectors[h] = vec
                row = existing.get(iid) or TextAnalysis(interaction_id=iid)
                before = (existing[iid].sentiment or "") if iid in existing else None
                old_items = (
                    rollups.topic_items(row.aspects, row.topics, row.sentiment)
                    if iid in existing
                    else None
                )
                _fill(row, public(result), h)
                labels.append((iid, before, row.sentiment))
                mentions.append(
                    (iid, old_items, rollups.topic_items(row.aspects, row.topics, row.sentiment))
                )
                if iid not in existing:
                    session.add(row)
                stored += 1
            rollups.count_analyses(session, labels)
            rollups.count_topics(session, mentions)
            if emb is not None and new_vectors:
                already = set(
                    session.execute(
                        select(TextEmbedding.text_hash).where(
                            TextEmbedding.model == emb.name,
                            TextEmbedding.text_hash.in_(list(new_vectors)),
                        )
                    ).scalars()
                )
                for h, vec in new_vectors.items():
                    if h not in already:
                        session.add(
                            TextEmbedding(
                                model=emb.name, text_hash=h, dim=len(vec), vector=to_blob(vec)
                            )
                        )
    return stored


def current_analyses(
    session: Session, items: Sequence[tuple[int, str, str | None]], version: str
) -> set[int]:
    """Which of the (id, text, language) items already have an analysis of that very text
    by pipeline `version`."""
    if not items:
        return set()
    hashes = {iid: text_hash(body) for iid, body, _lang in items}
    rows = session.execute(
        select(
            TextAnalysis.interaction_id, TextAnalysis.text_hash, TextAnalysis.model_version
        ).where(TextAnalysis.interaction_id.in_(list(hashes)))
    ).all()
    return {
        int(iid)
        for iid, digest, model in rows
        if digest == hashes.get(int(iid)) and model == version[:200]
    }


def _fill(row: TextAnalysis, result: dict[str, Any], digest: str) -> None:
    sentiment = result["sentiment"]
    row.language = result["language"]
    row.script = result["script"]
    row.language_confidence = float(result["language_confidence"])
    row.sentiment = sentiment["label"]
    row.sentiment_score = round(
        float(sentiment["scores"].get("positive", 0.0))
        - float(sentiment["scores"].get("negative", 0.0)),
        4,
    )
    row.uncertain = bool(sentiment["uncertain"])
    row.scores = sentiment["scores"]
    row.sentences = result["sentences"]
    row.aspects = result["aspects"]
    row.topics = result["topics"]
    row.mentions = result["mentions"]
    row.pii = result["pii"]
    row.redacted_text = result["redacted_text"]
    row.text_hash = digest
    row.model_version = result["model_version"][:200]
    row.analyzed_at = utcnow()


def get_analysis(session: Session, interaction_id: int) -> TextAnalysis | None:
    return session.execute(
        select(TextAnalysis).where(TextAnalysis.interaction_id == interaction_id)
    ).scalar_one_or_none()


def interactions_since(
    db: Database, workspace_id: int, since: datetime | None, until: datetime | None = None
) -> list[int]:
    with db.reader(workspace_id) as session:
        query = select(Interaction.id).where(Interaction.text.is_not(None))
        if since is not None:
            query = query.where(Interaction.occurred_at >= since)
        if until is not None:
            query = query.where(Interaction.occurred_at < until)
        return [int(i) for i in session.execute(query.order_by(Interaction.id)).scalars()]


def reanalyze(
    db: Database,
    workspace_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    embedder: Embedder | None | bool = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-run the pipeline over a period (e.g. after a model change); returns the count."""
    ids = interactions_since(db, workspace_id, since, until)
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        done += analyze_interactions(db, workspace_id, chunk, embedder=embedder)
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    return done


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
