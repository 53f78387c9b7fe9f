"""Scoring labelled files in the shared data format against the sentiment models.

Rule for files (or sources) whose labels are only positive and negative: a text
counts as the larger of its positive and negative probabilities, so a
three-class model is not penalized for answering "neutral" on a two-class set.
Three-class sets are scored with the model's neutral band.

`evaluate_slices` scores the same predictions on slices that cut across files:
dialect (the `dialect` field), texts with emoji or emoticons, emoji-only texts,
texts with a negation, texts with a contrast word, romanized Arabic/Persian
(Arabizi, Finglish) and traditional Chinese.

Two other kinds of labelled file are scored too (`read_task_file` tells them apart
and checks every line): PII files, one message a line with the names and addresses
it holds (`{"text", "lang", "name": [...], "address": [...]}`, scored by
`score_spans`), and aspect files, one sentence a line with the polarity of each
aspect it speaks of (`{"text", "lang", "aspects": {"delivery": "negative"}}`, scored
by `score_aspects`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sada.text.langid import detect_language, model_language
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


SPAN_TYPES = ("name", "address")
POLARITIES = ("positive", "negative", "neutral")


def file_task(path: Path) -> str:
    """ "pii", "aspects" or "sentiment": what the first JSON line of `path` is labelled with
    (a CSV file, or lines with a "label", are sentiment)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                first = json.loads(line)
            except ValueError:
                return "sentiment"
            if isinstance(first, dict) and "aspects" in first:
                return "aspects"
            if isinstance(first, dict) and any(k in first for k in SPAN_TYPES):
                return "pii"
            return "sentiment"
    return "sentiment"


def read_task_file(path: Path, task: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The good lines of a PII or aspect file, and one reason per line left out.

    A line is left out when it is not a JSON object with a non-empty "text", when a
    name or address is not a string found in the text, or when an aspect's polarity is
    not positive, negative or neutral. "lang" (ar, fa, zh, en) is detected when absent.
    """
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    text_of = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text_of.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            problems.append(f"line {number}: not JSON")
            continue
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(f"line {number}: no text")
            continue
        problem = _task_problem(item, text, task)
        if problem:
            problems.append(f"line {number}: {problem}")
            continue
        lang = str(item.get("lang") or "").lower()[:2]
        if lang not in ("ar", "fa", "zh", "en"):
            lang = model_language(detect_language(text))
        items.append({**item, "lang": lang})
    return items, problems


def _task_problem(item: dict[str, Any], text: str, task: str) -> str | None:
    if task == "pii":
        for kind in SPAN_TYPES:
            golds = item.get(kind, [])
            if not isinstance(golds, list):
                return f"{kind} is not a list"
            for gold in golds:
                if not isinstance(gold, str) or not gold or gold not in text:
                    return f"{kind} {gold!r} is not in the text"
        return None
    aspects = item.get("aspects")
    if not isinstance(aspects, dict) or not aspects:
        return "aspects is not an object of aspect: polarity"
    for aspect, polarity in aspects.items():
        if polarity not in POLARITIES:
            return f"aspect {aspect!r}: polarity {polarity!r} is not one of {', '.join(POLARITIES)}"
    return None


def span_misses(
    items: Sequence[dict[str, Any]], find: Callable[[str], list[tuple[str, int, int]]]
) -> list[dict[str, Any]]:
    """Per text, the gold strings not found and the found strings that are not gold, as
    exact strings (a name found with other boundaries stands in both lists)."""
    out = []
    for item in items:
        text = str(item["text"])
        found = find(text)
        for kind in SPAN_TYPES:
            gold = item.get(kind, [])
            got = [text[a:b] for t, a, b in found if t == kind]
            missed = [g for g in gold if g not in got]
            extra = [g for g in got if g not in gold]
            if missed or extra:
                out.append({"text": text, "type": kind, "missed": missed, "extra": extra})
    return out
