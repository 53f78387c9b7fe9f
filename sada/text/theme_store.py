"""Themes kept per workspace: discovery runs, an analyst's renames and merges.

`run_discovery` clusters the period's analysed texts (`sada.text.themes`) and
matches each cluster to the kept themes by centroid similarity (≥ MATCH_SIM,
greedily, largest cluster first). A matched theme keeps its id, its analyst's
label and its merge; its size, phrases, examples and members are refreshed. A
cluster without a match becomes a new theme; kept themes that no cluster matched
are hidden (not deleted: they come back with their names when they reappear).

`list_themes` shows each theme with the themes merged into it folded in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.core.errors import Invalid, NotFound
from sada.db.engine import Database
from sada.db.types import utcnow
from sada.interactions.models import Interaction
from sada.text.embeddings import from_blob, get_embedder, to_blob
from sada.text.models import TextAnalysis, TextEmbedding, TextTheme
from sada.text.sentiment import load_head
from sada.text.themes import discover_themes

MATCH_SIM = 0.8
MAX_LABEL = 200
MAX_MEMBERS = 2000


def discover_workspace_themes(
    db: Database,
    workspace_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    k: int | None = None,
    limit: int = 5000,
) -> list[dict[str, Any]]:
    """Themes over a workspace's analysed interactions of a period (not stored)."""
    with db.reader(workspace_id) as session:
        query = (
            select(
                Interaction.id,
                TextAnalysis.redacted_text,
                Interaction.subject,
                Interaction.text,
                TextAnalysis.language,
                TextAnalysis.sentiment,
                TextAnalysis.text_hash,
            )
            .join(TextAnalysis, TextAnalysis.interaction_id == Interaction.id)
            .order_by(Interaction.occurred_at.desc())
            .limit(limit)
        )
        if since is not None:
            query = query.where(Interaction.occurred_at >= since)
        if until is not None:
            query = query.where(Interaction.occurred_at < until)
        rows = session.execute(query).all()
        hashes = [r.text_hash for r in rows]
        cached = dict(
            session.execute(
                select(TextEmbedding.text_hash, TextEmbedding.vector).where(
                    TextEmbedding.text_hash.in_(hashes)
                )
            ).all()
        ) if hashes else {}  # fmt: skip
    if len(rows) < 2:
        return []
    texts = [r.redacted_text or "\n".join(p for p in (r.subject, r.text) if p) for r in rows]
    vectors: list[np.ndarray | None] = [
        from_blob(cached[h]) if h in cached else None for h in hashes
    ]
    missing = [i for i, v in enumerate(vectors) if v is None]
    if missing:
        embedder = get_embedder()
        if embedder is None:
            raise Invalid("theme discovery needs embeddings: pip install 'sada-cx[embeddings]'")
        for i, v in zip(missing, embedder.embed([texts[i] for i in missing]), strict=True):
            vectors[i] = v
    head = load_head()
    found = discover_themes(
        texts,
        np.stack([v for v in vectors if v is not None]),
        [r.language for r in rows],
        sentiments=[r.sentiment for r in rows],
        k=k,
        center=head.center if head is not None else None,
        sentiment_directions=head.coef if head is not None else None,
    )
    for theme in found:
        theme["interaction_ids"] = [int(rows[i].id) for i in theme.pop("members")]
    return found


def embeddings_available(db: Database, workspace_id: int) -> bool:
    """Whether discovery can run: an embedder is installed, or vectors are cached."""
    if get_embedder() is not None:
        return True
    with db.reader(workspace_id) as session:
        return session.execute(select(TextEmbedding.id).limit(1)).first() is not None


def store_themes(session: Session, found: Sequence[dict[str, Any]]) -> list[TextTheme]:
    """Match discovered themes to the kept ones (see the module docstring); returns them."""
    kept = list(session.execute(select(TextTheme)).scalars())
    centroids = {t.id: from_blob(t.centroid) for t in kept}
    taken: set[int] = set()
    now = utcnow()
    for theme in kept:
        theme.active = False
    result = []
    for item in sorted(found, key=lambda t: -t["size"]):
        centroid = np.asarray(item["centroid"], dtype=np.float32)
        best, best_sim = None, MATCH_SIM
        for theme in kept:
            vec = centroids[theme.id]
            if theme.id in taken or vec.shape != centroid.shape:
                continue
            sim = float(vec @ centroid)
            if sim >= best_sim:
                best, best_sim = theme, sim
        if best is None:
            best = TextTheme(centroid=to_blob(centroid))
            session.add(best)
        else:
            taken.add(best.id)
        best.label = str(item["label"])[:MAX_LABEL]
        best.phrases = list(item.get("phrases", []))
        best.language = str(item.get("language", "und"))[:16]
        best.size = int(item["size"])
        best.negative_share = float(item.get("negative_share", 0.0))
        best.examples = [str(e)[:500] for e in item.get("examples", [])[:5]]
        best.interaction_ids = [int(i) for i in item.get("interaction_ids", [])[:MAX_MEMBERS]]
        best.centroid = to_blob(centroid)
        best.active = True
        best.discovered_at = now
        result.append(best)
    session.flush()
    return result


def run_discovery(
    db: Database,
    workspace_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    k: int | None = None,
) -> int:
    """Discover the period's themes and keep them; returns how many are active."""
    found = discover_workspace_themes(db, workspace_id, since=since, until=until, k=k)
    with db.transaction(workspace_id) as session:
        return len(store_themes(session, found))


def list_themes(session: Session) -> list[dict[str, Any]]:
    """Active themes, largest first, each with the themes merged into it folded in."""
    rows = list(session.execute(select(TextTheme).where(TextTheme.active.is_(True))).scalars())
    by_id = {t.id: t for t in rows}
    views: dict[int, dict[str, Any]] = {}
    for t in rows:
        if t.merged_into_id is not None and t.merged_into_id in by_id:
            continue
        views[t.id] = _view(t)
    for t in rows:
        root = _root(t, by_id)
        if root.id == t.id or root.id not in views:
            continue
        view = views[root.id]
        size = view["size"] + t.size
        view["negative_share"] = round(
            (view["negative_share"] * view["size"] + t.negative_share * t.size) / max(size, 1), 3
        )
        view["size"] = size
        view["examples"] = (view["examples"] + list(t.examples))[:8]
        view["interaction_ids"] = view["interaction_ids"] + list(t.interaction_ids)
        view["merged"].append({"id": t.id, "label": t.custom_label or t.label})
    return sorted(views.values(), key=lambda v: -v["size"])


def _root(theme: TextTheme, by_id: dict[int, TextTheme]) -> TextTheme:
    seen = {theme.id}
    while theme.merged_into_id is not None and theme.merged_into_id in by_id:
        theme = by_id[theme.merged_into_id]
        if theme.id in seen:
            break
        seen.add(theme.id)
    return theme


def _view(t: TextTheme) -> dict[str, Any]:
    return {
        "id": t.id,
        "label": t.custom_label or t.label,
        "auto_label": t.label,
        "renamed": t.custom_label is not None,
        "phrases": list(t.phrases),
        "language": t.language,
        "size": t.size,
        "negative_share": t.negative_share,
        "examples": list(t.examples),
        "interaction_ids": list(t.interaction_ids),
        "merged": [],
        "discovered_at": t.discovered_at,
    }


def _get(session: Session, theme_id: int) -> TextTheme:
    theme = session.get(TextTheme, theme_id)
    if theme is None:
        raise NotFound("no such theme")
    return theme


def rename_theme(session: Session, theme_id: int, label: str) -> TextTheme:
    """Give a theme the analyst's name; an empty name goes back to the discovered label."""
    theme = _get(session, theme_id)
    label = " ".join(label.split())
    if len(label) > MAX_LABEL:
        raise Invalid(
            f"a theme name has at most {MAX_LABEL} characters", details={"field": "label"}
        )
    theme.custom_label = label or None
    session.flush()
    return theme


def merge_theme(session: Session, theme_id: int, into_id: int) -> TextTheme:
    """Show `theme_id` (and what was merged into it) under `into_id` from now on."""
    theme, target = _get(session, theme_id), _get(session, into_id)
    rows = {t.id: t for t in session.execute(select(TextTheme)).scalars()}
    root = _root(target, rows)
    if root.id == theme.id:
        raise Invalid("a theme cannot be merged into itself", details={"field": "into"})
    theme.merged_into_id = root.id
    for other in rows.values():  # keep one level: what pointed at `theme` now points at root
        if other.merged_into_id == theme.id:
            other.merged_into_id = root.id
    session.flush()
    return theme


def unmerge_theme(session: Session, theme_id: int) -> TextTheme:
    theme = _get(session, theme_id)
    theme.merged_into_id = None
    session.flush()
    return theme
