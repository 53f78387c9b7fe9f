"""How the text models do on a workspace's own labels: analysts' corrections as an evaluation.

Every correction (`TextCorrection`) is a label a person gave one interaction's sentiment or
one of its aspects. `correction_report(session)` scores the *current* analysis of those
interactions against them (the model's label now, not the one it had when corrected, so a
re-analysis with a newer model is scored again): n, accuracy, macro-F1, per-class F1 and the
confusion matrix, overall and per language for sentiment; agreement per aspect. The same
corrections download as labelled data (`corrected_examples`) for `sada text evaluate` and
`sada text train`.

Corrections are written by people, so the set is small and biased towards texts the model
got wrong (an analyst corrects what looks wrong): the figures say how the model does on
what was checked, not on all the workspace's text, and the page says so.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sada.text.models import TextAnalysis, TextCorrection
from sada.text.training import scores_for

GOLD = ("negative", "neutral", "positive")
# What the model may answer besides the three labels (an aspect said both ways).
ANSWERS = (*GOLD, "mixed")
MAX_CORRECTIONS = 50_000  # newest first; a workspace's hand labels stay far below this


def _scores(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    gold = [g for g, _m in pairs]
    model = [m if m in ANSWERS else "mixed" for _g, m in pairs]
    out = scores_for(gold, model, ANSWERS)
    out["per_class_f1"] = {c: out["per_class_f1"][c] for c in GOLD}
    out["confusion"] = {c: out["confusion"][c] for c in GOLD}
    out["support"] = {c: gold.count(c) for c in GOLD}
    return out


def correction_report(session: Session) -> dict[str, Any]:
    """The current analysis scored against the workspace's corrections.

    {"n": corrections read, "sentiment": scores | None, "by_language": {lang: scores},
     "aspects": [{"aspect", "n", "agree"}], "aspects_n", "aspects_agree", "classes", "answers"}
    """
    rows = session.execute(
        select(
            TextCorrection.target,
            TextCorrection.label,
            TextAnalysis.sentiment,
            TextAnalysis.aspects,
            TextAnalysis.language,
        )
        .join(TextAnalysis, TextAnalysis.interaction_id == TextCorrection.interaction_id)
        .order_by(TextCorrection.id.desc())
        .limit(MAX_CORRECTIONS)
    ).all()
    sentiment: list[tuple[str, str]] = []
    by_language: dict[str, list[tuple[str, str]]] = defaultdict(list)
    aspects: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for target, label, model_sentiment, model_aspects, language in rows:
        if target == "sentiment":
            pair = (label, model_sentiment or "")
            sentiment.append(pair)
            by_language[language or "?"].append(pair)
        elif target.startswith("aspect:"):
            name = target.removeprefix("aspect:")
            now = {a.get("aspect"): a.get("polarity") for a in model_aspects or []}
            counts = aspects[name]
            counts[0] += 1
            counts[1] += int(now.get(name) == label)
    aspect_rows = [
        {"aspect": name, "n": n, "agree": agree} for name, (n, agree) in sorted(aspects.items())
    ]
    return {
        "n": len(rows),
        "sentiment": _scores(sentiment) if sentiment else None,
        "by_language": {lang: _scores(pairs) for lang, pairs in sorted(by_language.items())},
        "aspects": aspect_rows,
        "aspects_n": sum(r["n"] for r in aspect_rows),
        "aspects_agree": sum(r["agree"] for r in aspect_rows),
        "classes": GOLD,
        "answers": ANSWERS,
    }
