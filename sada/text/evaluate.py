"""Scoring labelled files in the shared data format against the sentiment models.

Rule for files (or sources) whose labels are only positive and negative: a text
counts as the larger of its positive and negative probabilities, so a
three-class model is not penalized for answering "neutral" on a two-class set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sada.text.training import Example, scores_for

Proba = Callable[[str, list[str]], tuple[list[str], np.ndarray]]


def predicted_labels(
    classes: Sequence[str], proba: np.ndarray, binary: bool, threshold: float = 0.0
) -> list[str]:
    classes = list(classes)
    if binary and "positive" in classes and "negative" in classes:
        pos, neg = classes.index("positive"), classes.index("negative")
        return ["positive" if p[pos] >= p[neg] else "negative" for p in proba]
    labels = [classes[int(i)] for i in proba.argmax(axis=1)]
    if "neutral" not in classes and threshold:
        labels = [
            "neutral" if float(p.max()) < threshold else label
            for p, label in zip(proba, labels, strict=True)
        ]
    return labels


def evaluate_examples(
    examples: Sequence[Example],
    proba_for: Proba,
    *,
    group: Callable[[Example], str] = lambda e: e.lang,
) -> dict[str, dict[str, Any]]:
    """Per group (default: language): n, accuracy, macro-F1, per-class F1, confusion.

    `proba_for(lang, texts)` returns (classes, probabilities) for one language.
    """
    by_group: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        by_group[group(e)].append(e)
    out: dict[str, dict[str, Any]] = {}
    for name, items in sorted(by_group.items()):
        label_set = {e.label for e in items}
        binary = label_set <= {"positive", "negative"}
        by_lang: dict[str, list[Example]] = defaultdict(list)
        for e in items:
            by_lang[e.lang].append(e)
        gold: list[str] = []
        pred: list[str] = []
        for lang, group_items in by_lang.items():
            classes, proba = proba_for(lang, [e.text for e in group_items])
            pred.extend(predicted_labels(classes, proba, binary))
            gold.extend(e.label for e in group_items)
        eval_classes = ["negative", "positive"] if binary else ["negative", "neutral", "positive"]
        out[name] = scores_for(gold, pred, eval_classes)
    return out
