"""Clause polarity: the model's scores corrected by the polar words of the clause.

A short clause ("delivery was late", «قیمت خیلی گرونه», «بد نبود», 「物流太慢」)
gives the n-gram model little to read; the clause's polar words, idioms and
emoji (`sada.text.polarity.polar_items`, with negation scope and intensifiers in
four languages) say more. The two are combined on the positive − negative
margin:

    margin = (p_pos − p_neg) + RULE_WEIGHT · tanh(rule score)

and the clause is positive above +MARGIN, negative below −MARGIN, neutral in
between. Where the clause holds a negated polar word or an idiom, the rules
alone decide (the model's margin is set aside): an n-gram model reads «بد نبود»,
"not bad" or 「不好吃」 by its polar word. A clause without polar words keeps the
model's label. Aspects take
the polarity of the clause they are found in (`sada.text.pipeline`).
"""

from __future__ import annotations

import math

from sada.text.normalize import model_text
from sada.text.polarity import polar_items
from sada.text.sentiment import SentimentResult

RULE_WEIGHT = 0.8
MARGIN = 0.1
NEGATION_MIN = 0.4
AGREE_MIN = 1.5


def clause_result(result: SentimentResult, text: str) -> SentimentResult:
    """The clause's sentiment: `result` (the model's) corrected by its polar words."""
    items = polar_items(model_text(text), rules=True)
    if not items:
        return result
    score = sum(p.value for p in items)
    scores = result.scores
    margin = scores.get("positive", 0.0) - scores.get("negative", 0.0)
    if any(p.negated or p.kind == "idiom" for p in items) and abs(score) >= NEGATION_MIN:
        # An n-gram model reads "بد نبود" / "not bad" / "不好吃" as its polar word;
        # within a clause the scope of the negation (or the idiom) decides.
        margin = 0.0
    elif abs(score) >= AGREE_MIN and len({p.value > 0 for p in items}) == 1:
        # Several polar words, all one way ("the agent fixed it quickly"): the
        # model's margin counts half (short clauses give it little to read).
        margin *= 0.5
    combined = margin + RULE_WEIGHT * math.tanh(score)
    if combined > MARGIN:
        label = "positive"
    elif combined < -MARGIN:
        label = "negative"
    else:
        label = "neutral"
    return SentimentResult(
        label,
        scores,
        uncertain=abs(combined) < 2 * MARGIN,
        model=result.model + "+rules",
    )


def has_polar_words(text: str) -> bool:
    """Whether a clause holds polar words, idioms, emoji or emoticons (rule lexicons)."""
    return bool(polar_items(model_text(text), rules=True))


def symbols_result(text: str, model: str = "rules") -> SentimentResult:
    """Sentiment of a text without letters (emoji, emoticons): their polarity, else neutral."""
    score = sum(p.value for p in polar_items(model_text(text)) if p.kind == "emoji")
    if not score:
        return SentimentResult(
            "neutral", {"negative": 0.0, "neutral": 1.0, "positive": 0.0}, True, model
        )
    strength = round(0.5 + 0.4 * math.tanh(abs(score)), 4)
    rest = round((1.0 - strength) / 2, 4)
    label = "positive" if score > 0 else "negative"
    other = "negative" if score > 0 else "positive"
    return SentimentResult(label, {label: strength, "neutral": rest, other: rest}, False, model)
