"""Scoring labelled files in the shared data format against the sentiment models.

Rule for files (or sources) whose labels are only positive and negative: a text
counts as the larger of its positive and negative probabilities, so a
three-class model is not penalized for answering "neutral" on a two-class set.
Three-class sets are scored with the model's neutral band.

`evaluate_slices` scores the same predictions on slices that cut across files:
dialect (the `dialect` field), texts with emoji or emoticons, emoji-only texts,
texts with a negation, texts with a contrast word, romanized Arabic/Persian
(Arabizi, Finglish) and traditional Chinese.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sada.text.langid import detect_language
from sada.text.normalize import model_text, traditional_share
from sada.text.polarity import polar_items
from sada.text.sentiment import label_with_band
from sada.text.training import Example, scores_for

# (lang, texts) -> (classes, probabilities) or (classes, probabilities, neutral band)
Proba = Callable[[str, list[str]], tuple[Any, ...]]


def predicted_labels(
    classes: Sequence[str], proba: np.ndarray, binary: bool, band: float = 0.0
) -> list[str]:
    """Labels for scoring: pos vs neg on a two-class set, else three classes with the band."""
    classes = list(classes)
    if binary and "positive" in classes and "negative" in classes:
        pos, neg = classes.index("positive"), classes.index("negative")
        return ["positive" if p[pos] >= p[neg] else "negative" for p in proba]
    return [label_with_band(classes, p, band) for p in proba]


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
            answer = proba_for(lang, [e.text for e in group_items])
            classes, proba = answer[0], answer[1]
            band = float(answer[2]) if len(answer) > 2 else 0.0
            pred.extend(predicted_labels(classes, proba, binary, band))
            gold.extend(e.label for e in group_items)
        eval_classes = ["negative", "positive"] if binary else ["negative", "neutral", "positive"]
        out[name] = scores_for(gold, pred, eval_classes)
    return out


def score_spans(
    items: Sequence[dict[str, Any]],
    find: Callable[[str], list[tuple[str, int, int]]],
    types: Sequence[str] = ("name", "address"),
) -> dict[str, dict[str, Any]]:
    """Precision and recall of found spans against gold strings, per type and language.

    `items` hold "text", "lang" and, per type, the gold substrings. A gold span
    counts as found when a found span of its type covers at least half of it; a
    found span is correct when it covers at least half of a gold span of its type
    (or half of itself lies inside one).
    """
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        text = str(item["text"])
        found = find(text)
        for kind in types:
            gold = [_gold_span(text, g) for g in item.get(kind, [])]
            pred = [(a, b) for t, a, b in found if t == kind]
            for key in (kind, f"{kind}/{item['lang']}"):
                c = counts.setdefault(key, {"gold": 0, "found": 0, "hit": 0, "correct": 0})
                c["gold"] += len(gold)
                c["found"] += len(pred)
                c["hit"] += sum(
                    1 for g in gold if any(_overlap(g, p) >= 0.5 * (g[1] - g[0]) for p in pred)
                )
                c["correct"] += sum(
                    1
                    for p in pred
                    if any(_overlap(g, p) >= 0.5 * min(g[1] - g[0], p[1] - p[0]) for g in gold)
                )
    out = {}
    for key, c in sorted(counts.items()):
        recall = c["hit"] / c["gold"] if c["gold"] else 1.0
        precision = c["correct"] / c["found"] if c["found"] else 1.0
        out[key] = {**c, "recall": round(recall, 3), "precision": round(precision, 3)}
    return out


def _gold_span(text: str, gold: str) -> tuple[int, int]:
    """Where the gold string `gold` stands in `text`: its first occurrence that is a whole
    word (not inside a longer word: «لمى» in «سلمى وأختها لمى» is the second one), else its
    first occurrence (Chinese has no word boundaries to tell them apart)."""
    start = text.find(gold)
    if start < 0:
        raise ValueError(f"gold {gold!r} not in {text!r}")
    first = start
    while start >= 0:
        end = start + len(gold)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (_WORD_LETTER.match(before) or _WORD_LETTER.match(after)):
            return start, end
        start = text.find(gold, start + 1)
    return first, first + len(gold)


# A letter that would continue a word written with spaces between words (not Chinese).
_WORD_LETTER = re.compile(r"[^\W\d_\u3400-\u9fff\uf900-\ufaff]")


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


_NEGATION = {
    "en": re.compile(r"(?i)\b(?:not|no|never|nothing|nobody|none|cannot|\w+n't)\b"),
    "ar": re.compile(r"(?<!\w)(?:ما|لا|لم|لن|ليس|ليست|مش|مو|مب|مافي|مفيش|غير|بدون|ما\w+ش)(?!\w)"),
    "fa": re.compile(
        r"(?<!\w)(?:نه|نیست\w*|نبود\w*|نمی\S*|ن(?:دار|کرد|شد|خواه|داشت|رسید)\w*|هیچ|بدون)(?!\w)"
    ),
    "zh": re.compile(r"不|没|別|别|无|無|未"),
}
_CONTRAST = re.compile(
    r"(?i)\b(?:but|however|although|though)\b|(?<!\w)(?:لكن|ولكن|بس|ولی|اما|ولي)(?!\w)|但|可是|不过|却"
)
_LETTER = re.compile(r"[^\W\d_]")


def slices_of(e: Example) -> list[str]:
    """The slices a labelled example belongs to (see the module docstring)."""
    out = []
    dialect = getattr(e, "dialect", "")
    if dialect:
        out.append(f"dialect:{dialect}")
    text = e.text
    emoji = [p for p in polar_items(model_text(text)) if p.kind == "emoji"]
    has_emoji = bool(emoji) or any(ord(ch) >= 0x1F300 for ch in text)
    if has_emoji:
        out.append("emoji")
        if not _LETTER.search(text):
            out.append("emoji-only")
    neg = _NEGATION.get(e.lang)
    if neg is not None and neg.search(text):
        out.append("negation")
    if _CONTRAST.search(text):
        out.append("contrast")
    if e.lang in ("ar", "fa") and detect_language(text).romanized:
        out.append("romanized")
    if e.lang == "zh" and traditional_share(text) >= 0.2:
        out.append("traditional")
    return out


def evaluate_slices(examples: Sequence[Example], proba_for: Proba) -> dict[str, dict[str, Any]]:
    """Scores per slice (a text may be in several), with the same rules as per file."""
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by_lang[e.lang].append(i)
    three: list[str] = [""] * len(examples)
    two: list[str] = [""] * len(examples)
    for lang, idx in by_lang.items():
        answer = proba_for(lang, [examples[i].text for i in idx])
        classes, proba = answer[0], answer[1]
        band = float(answer[2]) if len(answer) > 2 else 0.0
        for j, i in enumerate(idx):
            three[i] = predicted_labels(classes, proba[j : j + 1], False, band)[0]
            two[i] = predicted_labels(classes, proba[j : j + 1], True, band)[0]
    members: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        for name in slices_of(e):
            members[name].append(i)
    out: dict[str, dict[str, Any]] = {}
    for name, idx in sorted(members.items()):
        gold = [examples[i].label for i in idx]
        binary = set(gold) <= {"positive", "negative"}
        pred = [(two if binary else three)[i] for i in idx]
        classes = ["negative", "positive"] if binary else ["negative", "neutral", "positive"]
        out[name] = scores_for(gold, pred, classes)
    return out


def score_aspects(
    items: Sequence[dict[str, Any]], analyze: Callable[[str, str], dict[str, Any]]
) -> dict[str, Any]:
    """Aspect polarity on labelled sentences: share of expected aspects found with the
    expected polarity (a missed aspect counts as wrong), per language and overall, and
    how many texts with both a positive and a negative aspect come out mixed."""
    per: dict[str, list[int]] = {}
    mixed_gold = mixed_hit = 0
    misses = []
    for item in items:
        result = analyze(str(item["text"]), str(item["lang"]))
        got = {a["aspect"]: a["polarity"] for a in result.get("aspects", [])}
        for aspect, polarity in item["aspects"].items():
            ok = got.get(aspect) == polarity
            for key in ("all", str(item["lang"])):
                per.setdefault(key, [0, 0])
                per[key][0] += int(ok)
                per[key][1] += 1
            if not ok:
                misses.append({"text": item["text"], "aspect": aspect, "expected": polarity,
                               "got": got.get(aspect)})  # fmt: skip
        if {"positive", "negative"} <= set(item["aspects"].values()):
            mixed_gold += 1
            mixed_hit += int(bool(result.get("sentiment", {}).get("mixed")))
    return {
        "accuracy": {k: round(v[0] / v[1], 3) for k, v in sorted(per.items())},
        "n": {k: v[1] for k, v in sorted(per.items())},
        "mixed_texts": {"n": mixed_gold, "flagged_mixed": mixed_hit},
        "misses": misses,
    }
