"""The rules around aspects in a sentence: which clause a polar clause without a keyword
speaks of, contrast between two clauses, short topic questions, and how an aspect's
mentions combine into its polarity (used by `sada.text.pipeline`)."""

from __future__ import annotations

import re
from typing import Any

from sada.text.lexicons import aspect_text, keyword_aspects
from sada.text.normalize import model_text
from sada.text.rules import clause_result, has_negator, has_polar_words, level_items
from sada.text.sentences import has_contrast
from sada.text.sentiment import SentimentResult

# A clause that opens with its own subject ("…, but the shoes are lovely", «…بس
# المنتج…») speaks of that subject, not of the aspect of the clause before it.
_EN_DETERMINERS = frozenset(
    ["the", "my", "our", "their", "his", "her", "its", "this", "that", "these", "those", "your"]
)


def new_subject(clause: str) -> bool:
    """Whether a clause starts with a determiner (English) or a definite noun (Arabic)."""
    first = clause.split(maxsplit=1)[0].lower() if clause.strip() else ""
    if first in _EN_DETERMINERS:
        return True
    return first.startswith(("ال", "وال")) and len(first) > 4


# Verbs of ordering and buying: a clause that only says what was ordered.
_ORDERED = re.compile(
    r"(?<!\w)(?:ordered|order|bought|purchased|booked|paid for|طلبت|طلبنا|اطلب|طلبتها|طلبته|اشتريت"
    r"|اشترينا|شريت|حجزت|سفارش|خریدم|خریدیم|گرفتم|گرفتیم|رزرو)(?!\w)|买了|点了|下单|订了|購買|買了"
)
_QUESTION_END = re.compile(r"[?\u061f\uff1f]+\s*$")


def topic_question(text: str, aspects: list[dict[str, Any]]) -> bool:
    """A short question that names aspects by keyword and says nothing polar about them
    ("The haircut?", "Delivery though?", «والتوصيل؟», 「物流呢？」)."""
    if not aspects or not _QUESTION_END.search(text):
        return False
    short = len(text) <= 10 if re.search(r"[\u4e00-\u9fff]", text) else len(text.split()) <= 3
    return short and all(a["source"] == "keyword" for a in aspects) and not has_polar_words(text)


def contrast_labels(sent: dict[str, Any]) -> dict[int, SentimentResult]:
    """In a sentence of two clauses set against each other ("X, but Y", «X بس Y»,
    「X，就是Y」) where only one clause holds polar words, the other one is read as
    the opposite of it: "the instructor knows her stuff, but the platform keeps
    freezing" praises the instructor. Clauses with a level word ("cheap", «نار»)
    keep their own reading. Returns the corrected result by clause index."""
    clauses = sent["clauses"]
    if len(clauses) != 2 or not has_contrast(sent["text"], sent["language"]):
        return {}
    if any(level_items(c) for c in clauses):
        return {}  # "cheap" is good for the price, not for the rest ("cheap, but it works")
    polar = [has_polar_words(c) for c in clauses]
    if polar[0] == polar[1]:
        return {}
    known = 0 if polar[0] else 1
    other = 1 - known
    if (
        has_negator(clauses[other])
        or _ORDERED.search(model_text(clauses[other]))
        or not all(keyword_aspects(aspect_text(c)) for c in clauses)
    ):
        # "…, but they say it can't be returned" (a negated verb is no praise); "I
        # ordered the tea, but it came plain" (an order says nothing of how it went);
        # "the refund came, but a month later" (the second clause names nothing: it
        # speaks of the first one's aspect)
        return {}
    base = sent.get("clause_sentiment", {}).get(known, sent["sentiment"])
    label = clause_result(base, clauses[known]).label
    if label not in ("positive", "negative"):
        return {}
    flipped = "negative" if label == "positive" else "positive"
    scores = {"positive": 0.0, "neutral": 0.3, "negative": 0.0}
    scores[flipped] = 0.7
    return {other: SentimentResult(flipped, scores, uncertain=True, model="contrast")}


def attribution(source: str, aspects_in_clause: int) -> float:
    """How surely a clause's polarity speaks of an aspect found in it: a keyword in a
    clause naming only that aspect (2), a keyword shared with other aspects or an
    embedding match (1), an aspect carried over from the clause before (0.5)."""
    if source == "previous_clause":
        return 0.5
    if source == "keyword" and aspects_in_clause == 1:
        return 2.0
    return 1.0


def overall(counts: dict[str, int], weights: dict[str, float] | None = None) -> str:
    """An aspect's polarity over its mentions: positive and negative mentions give
    "mixed" unless one side is attributed more surely (`attribution`): in "Expensive
    for a sandwich, but it was delicious" the food is positive (the first clause also
    names the price, which its polar word speaks of)."""
    pos, neg = counts.get("positive", 0), counts.get("negative", 0)
    if pos and neg:
        if weights is not None and weights["positive"] != weights["negative"]:
            return "positive" if weights["positive"] > weights["negative"] else "negative"
        return "mixed"
    if pos:
        return "positive"
    if neg:
        return "negative"
    return "neutral"
