"""Near-duplicate keys: retweets, mentions, URLs, punctuation, case and truncation."""

from __future__ import annotations

from sada.text.dedupe import Deduper, dedupe_examples, near_dup_keys
from sada.text.training import Example


def test_near_duplicates_share_a_key() -> None:
    a = "RT @user: The delivery was LATE again!!! https://t.co/x1"
    b = "the delivery was late again"
    assert set(near_dup_keys(a)) & set(near_dup_keys(b))
    long = "وصلنا لاقتصاد اسوء من سوريا والعراق ومن غير حرب انجاز ده ولا مش انجاز يا متعلمين"
    assert Deduper([long]).seen(long[:60] + "…")  # a truncated copy
    assert not Deduper(["the food was great"]).seen("the food was cold")
    assert Deduper(["質量很好"]).seen("质量很好")  # traditional and simplified
    assert near_dup_keys("😀 !!") == []


def test_dedupe_examples_drops_copies_and_conflicts() -> None:
    rows = [
        Example("Great app!", "positive", "en"),
        Example("great app", "positive", "en"),
        Example("so so", "neutral", "en"),
        Example("So, so.", "negative", "en"),
        Example("terrible", "negative", "en"),
    ]
    kept = dedupe_examples(rows)
    assert [e.text for e in kept] == ["Great app!", "terrible"]
