"""The voice of the customer as API clients see it, and analysts' corrections of it.

`analysis_views(session, ids)` gives, per interaction, its analysis in the public shape:

    {"language", "sentiment": {"label", "score", "scores", "uncertain"},
     "sentences": [{"text", "start", "end", "sentiment": {"label", "score"}, "aspects": [...]}],
     "aspects": [{"name", "sentiment"}], "topics": [...], "mentions": [...],
     "redaction": {"has_pii", "kinds"}, "corrections": [{"target", "label", "model_label", ...}],
     "model_version", "analyzed_at"}

A correction replaces the shown label (`sentiment.label`, an aspect's `sentiment`) and keeps
the model's own (`model_label`). The interactions API reads these views through the domain
manifest (`Domain.interaction_views`), so it never imports this domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.db.dialect import chunks
from sada.db.scoping import bound_workspace
from sada.db.types import utcnow
from sada.interactions.models import Interaction
from sada.text.models import TextAnalysis, TextCorrection
from sada.text.service import interaction_text

LABELS = ("negative", "neutral", "positive")


def _score(sentiment: dict[str, Any]) -> float:
    scores = sentiment.get("scores") or {}
    return round(float(scores.get("positive", 0.0)) - float(scores.get("negative", 0.0)), 4)


def _view(row: TextAnalysis, corrections: list[TextCorrection]) -> dict[str, Any]:
    fixed = {c.target: c.label for c in corrections}
    sentences = []
    for sentence in row.sentences or []:
        sentiment = sentence.get("sentiment") or {}
        sentences.append(
            {
                "text": sentence.get("text"),
                "start": sentence.get("start"),
                "end": sentence.get("end"),
                "sentiment": {"label": sentiment.get("label"), "score": _score(sentiment)},
                "clauses": sentence.get("clauses") or [],
                "aspects": [
                    {
                        "name": a.get("aspect"),
                        "sentiment": a.get("polarity"),
                        "text": a.get("text"),
                        "confidence": a.get("confidence"),
                    }
                    for a in sentence.get("aspects") or []
                ],
            }
        )
    return {
        "language": row.language,
        "sentiment": {
            "label": fixed.get("sentiment", row.sentiment),
            "model_label": row.sentiment,
            "score": row.sentiment_score,
            "scores": row.scores,
            "uncertain": row.uncertain,
        },
        "sentences": sentences,
        "aspects": [
            {
                "name": a.get("aspect"),
                "sentiment": fixed.get(f"aspect:{a.get('aspect')}", a.get("polarity")),
                "model_sentiment": a.get("polarity"),
                "counts": a.get("counts") or {},
            }
            for a in row.aspects or []
        ],
        "topics": row.topics or [],
        "mentions": row.mentions or [],
        "redaction": {
            "has_pii": bool(row.pii),
            "kinds": sorted({str(p.get("type")) for p in row.pii or []}),
        },
        "corrections": [
            {
                "target": c.target,
                "label": c.label,
                "model_label": c.model_label,
                "corrected_by": c.corrected_by,
                "corrected_at": c.corrected_at.isoformat(),
            }
            for c in corrections
        ],
        "model_version": row.model_version,
        "analyzed_at": row.analyzed_at.isoformat(),
    }


def analysis_views(session: Session, interaction_ids: list[int]) -> dict[int, dict[str, Any]]:
    """{interaction_id: {"analysis": view}} for the analysed ones (the manifest hook)."""
    out: dict[int, dict[str, Any]] = {}
    for part in chunks(sorted(set(interaction_ids)), 500):
        rows = session.execute(
            select(TextAnalysis).where(TextAnalysis.interaction_id.in_(part))
        ).scalars()
        fixes: dict[int, list[TextCorrection]] = {}
        for c in session.execute(
            select(TextCorrection)
            .where(TextCorrection.interaction_id.in_(part))
            .order_by(TextCorrection.id)
        ).scalars():
            fixes.setdefault(c.interaction_id, []).append(c)
        for row in rows:
            out[row.interaction_id] = {"analysis": _view(row, fixes.get(row.interaction_id, []))}
    return out


def do_correct(
    session: Session,
    interaction_id: int,
    *,
    sentiment: str | None = None,
    aspects: Mapping[str, str] | None = None,
    by: str,
) -> dict[str, Any]:
    """Store an analyst's labels for one interaction (a later correction replaces an earlier)."""
    analysis = session.execute(
        select(TextAnalysis).where(TextAnalysis.interaction_id == interaction_id)
    ).scalar_one_or_none()
    if analysis is None:
        raise NotFound(f"interaction {interaction_id} has no analysis to correct")
    if sentiment is None and not aspects:
        raise Invalid("give a sentiment or aspects to correct")
    wanted: dict[str, tuple[str, str | None]] = {}
    if sentiment is not None:
        wanted["sentiment"] = (sentiment, analysis.sentiment)
    known = {a.get("aspect"): a.get("polarity") for a in analysis.aspects or []}
    for name, label in (aspects or {}).items():
        if name not in known:
            raise Invalid(
                f"aspects.{name}: not an aspect of this text ({', '.join(map(str, known)) or 'none'})"
            )
        wanted[f"aspect:{name}"] = (label, known[name])
    for target, (label, _model) in wanted.items():
        if label not in LABELS:
            raise Invalid(f"{target}: use one of {', '.join(LABELS)}")
    existing = {
        c.target: c
        for c in session.execute(
            select(TextCorrection).where(TextCorrection.interaction_id == interaction_id)
        ).scalars()
    }
    for target, (label, model_label) in wanted.items():
        row = existing.get(target)
        if row is None:
            row = TextCorrection(
                workspace_id=bound_workspace(session),
                interaction_id=interaction_id,
                target=target,
            )
            session.add(row)
        row.label, row.model_label = label, model_label
        row.corrected_by, row.corrected_at = by[:200], utcnow()
    session.flush()
    return analysis_views(session, [interaction_id])[interaction_id]["analysis"]


def corrected_examples(session: Session) -> list[dict[str, Any]]:
    """Corrected sentiment labels as labelled examples in the shared data format (JSONL rows)."""
    rows = session.execute(
        select(TextCorrection, Interaction.subject, Interaction.text, TextAnalysis.language)
        .join(Interaction, Interaction.id == TextCorrection.interaction_id)
        .join(TextAnalysis, TextAnalysis.interaction_id == TextCorrection.interaction_id)
        .where(TextCorrection.target == "sentiment")
        .order_by(TextCorrection.id)
    ).all()
    return [
        {
            "text": interaction_text(subject, text),
            "label": correction.label,
            "lang": language,
            "source": f"corrections:{correction.workspace_id}",
            "domain": "workspace",
            "model_label": correction.model_label,
        }
        for correction, subject, text, language in rows
    ]
