"""Trending terms per language: the terms whose share of posts rose most from the previous
period (the same number of days just before) to the selected one.

Read from the term rollup (`listening_terms`, local days). For each language, the candidates
are the terms in at least `MIN_COUNT` posts of the period; each gets its share of the
period's posts and of the previous period's, and a two-proportion z-test of the rise
(one-sided, pooled). With many terms tested at once, p-values are adjusted for the false
discovery rate (Benjamini-Hochberg) and a term is called `significant` when its adjusted value
is under `ALPHA`. Small samples are said, not hidden: a term under the minimum count is not
listed; a language with no posts in the previous period gets counts and shares but no test
(`note: "no_previous"`); a language with fewer than `MIN_POSTS` posts in either period says
`note: "few_posts"`.

Terms are keyed by Sada's folded form (Arabic and Persian letter variants, diacritics and
ZWNJ folded; traditional Chinese as simplified; jieba words for Chinese) and shown in the
spelling written in the posts (`label`).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sada.listening.days import ALL_POSTS, LANGUAGES, post_terms
from sada.listening.models import ListeningTerm
from sada.text.normalize import fold_for_search, to_simplified

MIN_COUNT = 5  # posts with the term in the selected period, at least
MIN_POSTS = 30  # posts of the language in each period before a rise is worth a test
ALPHA = 0.05
CANDIDATES = 300  # most frequent terms of the period that are tested
LIMIT = 10


def _normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def rise_test(c1: int, n1: int, c0: int, n0: int) -> tuple[float, float]:
    """(z, one-sided p) that the share c1/n1 is above c0/n0 (pooled two-proportion test)."""
    if n1 == 0 or n0 == 0:
        return 0.0, 1.0
    pooled = (c1 + c0) / (n1 + n0)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    if var <= 0:
        return 0.0, 1.0
    z = (c1 / n1 - c0 / n0) / math.sqrt(var)
    return z, _normal_sf(z)


def bh_adjust(pvalues: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (same order as given)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        adjusted[i] = min(1.0, running)
    return adjusted


def _labels(
    session: Session, language: str, start: date, end: date, terms: list[str]
) -> dict[str, str]:
    """The spelling kept for each term (as written in the posts)."""
    if not terms:
        return {}
    rows = session.execute(
        select(ListeningTerm.term, func.max(ListeningTerm.label))
        .where(
            ListeningTerm.language == language,
            ListeningTerm.day >= start,
            ListeningTerm.day <= end,
            ListeningTerm.term.in_(terms),
        )
        .group_by(ListeningTerm.term)
    ).all()
    return {t: str(label or t) for t, label in rows}


def _counts(
    session: Session, language: str, start: date, end: date, terms: list[str] | None = None
) -> dict[str, tuple[int, str]]:
    """Posts per term in the period (read from covering indexes alone).

    Given terms: index seeks per term on `ix_listening_terms_term` (language, term, day), a
    few rows each rather than the period's rows. Without: the period's candidates, one range
    of `ix_listening_terms_cover` (language, day); grouped by `coalesce(term, '')` (the same
    value: terms are never null) so that SQLite does not prefer walking the language's whole
    history on the term index just to group without sorting.
    """
    if terms is not None:
        query = (
            select(ListeningTerm.term, func.sum(ListeningTerm.posts))
            .where(
                ListeningTerm.language == language,
                ListeningTerm.term.in_(terms),
                ListeningTerm.day >= start,
                ListeningTerm.day <= end,
            )
            .group_by(ListeningTerm.term)
        )
    else:
        key = func.coalesce(ListeningTerm.term, "")
        total = func.sum(ListeningTerm.posts)
        query = (
            select(key, total)
            .where(
                ListeningTerm.language == language,
                ListeningTerm.day >= start,
                ListeningTerm.day <= end,
            )
            .group_by(key)
            .having(or_(total >= MIN_COUNT, key == ALL_POSTS))
            .order_by(total.desc())
            .limit(CANDIDATES + 1)
        )
    return {t: (int(n or 0), t) for t, n in session.execute(query)}


def trending_language(
    session: Session, language: str, start: date, end: date, *, limit: int = LIMIT
) -> dict[str, Any]:
    """Rising terms of one language (see the module docstring)."""
    days = (end - start).days + 1
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=days - 1)
    # The term "" counts every post: the most frequent "term", so the candidates carry the
    # period's total, and the previous period's comes with the candidates' counts.
    current = _counts(session, language, start, end)
    n1 = current.pop(ALL_POSTS, (0, ""))[0]
    before = _counts(session, language, prev_start, prev_end, [ALL_POSTS, *current]) if n1 else {}
    n0 = before.pop(ALL_POSTS, (0, ""))[0]
    out: dict[str, Any] = {
        "language": language,
        "posts": n1,
        "previous_posts": n0,
        "previous_from": prev_start.isoformat(),
        "previous_to": prev_end.isoformat(),
        "min_count": MIN_COUNT,
        "note": None,
        "terms": [],
    }
    if n1 == 0:
        out["note"] = "no_posts"
        return out
    rows: list[dict[str, Any]] = []
    for term, (c1, label) in current.items():
        c0 = before.get(term, (0, label))[0]
        z, p = rise_test(c1, n1, c0, n0)
        rows.append(
            {
                "term": term,
                "label": label,
                "count": c1,
                "previous_count": c0,
                "share": round(c1 / n1, 4),
                "previous_share": round(c0 / n0, 4) if n0 else None,
                "change": round(c1 / n1 - c0 / n0, 4) if n0 else None,
                "z": round(z, 2) if n0 else None,
                "p": p,
            }
        )
    if n0 == 0:
        out["note"] = "no_previous"
        rows.sort(key=lambda r: (-r["count"], r["term"]))
        for r in rows:
            r["p"] = r["q"] = None
            r["significant"] = False
        out["terms"] = _labelled(session, language, start, end, rows[:limit])
        return out
    adjusted = bh_adjust([r["p"] for r in rows])
    for r, q in zip(rows, adjusted, strict=True):
        r["p"] = round(r["p"], 6)
        r["q"] = round(q, 6)
        r["significant"] = bool(q < ALPHA and r["change"] > 0 and n1 >= MIN_POSTS)
    if n1 < MIN_POSTS or n0 < MIN_POSTS:
        out["note"] = "few_posts"
    rising = [r for r in rows if (r["change"] or 0) > 0]
    rising.sort(key=lambda r: (not r["significant"], -(r["change"] or 0), r["term"]))
    out["terms"] = _labelled(session, language, start, end, rising[:limit])
    return out


def _labelled(
    session: Session, language: str, start: date, end: date, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    labels = _labels(session, language, start, end, [r["term"] for r in rows])
    for r in rows:
        r["label"] = labels.get(r["term"], r["term"])
    return rows


def trending(
    session: Session, start: date, end: date, *, language: str | None = None, limit: int = LIMIT
) -> dict[str, Any]:
    """Rising terms per language (one language when `language` is given)."""
    languages = [language] if language else list(LANGUAGES)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "alpha": ALPHA,
        "languages": [
            trending_language(session, lang, start, end, limit=limit) for lang in languages
        ],
    }


SCAN = 3000  # latest posts of the period read for a term's drill-down


def term_posts(
    session: Session,
    lo: Any,
    hi: Any,
    *,
    language: str,
    term: str,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], bool]:
    """The posts behind a trending term, newest first: the period's latest `SCAN` posts read
    with the rollup's tokenisation. Returns (posts, whether the scan stopped before the
    period's start)."""
    from sada.interactions.models import Interaction
    from sada.listening.sources import SOURCE_PREFIX

    term = to_simplified(term) if language == "zh" else fold_for_search(term)
    rows = session.execute(
        select(
            Interaction.id,
            Interaction.occurred_at,
            Interaction.channel,
            Interaction.text,
            Interaction.language,
            Interaction.person_id,
            Interaction.attributes,
        )
        .where(
            Interaction.source.startswith(SOURCE_PREFIX),
            Interaction.occurred_at >= lo,
            Interaction.occurred_at < hi,
        )
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(SCAN)
    ).all()
    out: list[dict[str, Any]] = []
    for r in rows:
        lang, terms = post_terms(r.text or "", r.language)
        if lang != language or term not in terms:
            continue
        attrs = r.attributes or {}
        out.append(
            {
                "interaction_id": r.id,
                "at": r.occurred_at.isoformat(),
                "network": r.channel,
                "language": lang,
                "author": attrs.get("author"),
                "person_id": r.person_id,
                "text": r.text or "",
                "label": terms[term],
                "brand": "",
                "sentiment": "",
                "aspects": [],
                "clause": "",
                "needs_answer": False,
                "reach": attrs.get("reach") or 0,
                "url": attrs.get("url"),
            }
        )
        if len(out) >= limit:
            break
    return out, len(rows) >= SCAN
