"""Aspects: word boundaries, traditional Chinese, and polarity of their own clause."""

from __future__ import annotations

import json
from pathlib import Path

from sada.text.evaluate import score_aspects
from sada.text.lexicons import aspect_text, keyword_aspects
from sada.text.pipeline import TextPipeline

FIXTURES = Path(__file__).parent / "fixtures"


def test_keywords_match_whole_words_only() -> None:
    assert "app_website" not in keyword_aspects(aspect_text("I am happy, not disappointed"))
    assert "app_website" in keyword_aspects(aspect_text("the apps keep crashing"))
    assert "delivery" not in keyword_aspects(aspect_text("دیروز خریدم"))  # دیر inside دیروز
    assert "delivery" in keyword_aspects(aspect_text("ارسالش دیر بود"))


def test_traditional_chinese_aspects() -> None:
    assert set(keyword_aspects(aspect_text("服務員很熱情，但是價格太貴"))) >= {"staff", "price"}
    assert "delivery" in keyword_aspects(aspect_text("物流很慢，發貨也慢"))


def _fixture(name: str) -> list[dict]:
    return [json.loads(x) for x in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if x]


def test_aspect_polarity_on_contrastive_sentences() -> None:
    pipeline = TextPipeline(embedder=False)
    analyze = lambda text, lang: pipeline.analyze(text, language=lang)  # noqa: E731
    dev = score_aspects(_fixture("aspects_contrastive.jsonl"), analyze)
    assert dev["accuracy"]["all"] >= 0.9, dev["misses"]
    assert dev["mixed_texts"]["flagged_mixed"] >= 0.8 * dev["mixed_texts"]["n"]
    # Written after the rules were settled, never tuned on: a floor, not the target.
    fresh = score_aspects(_fixture("aspects_contrastive_fresh.jsonl"), analyze)
    assert fresh["accuracy"]["all"] >= 0.75, fresh["misses"]


def test_delivery_takes_its_own_clause_polarity() -> None:
    result = TextPipeline(embedder=False).analyze("the food was great but delivery was late")
    polarity = {a["aspect"]: a["polarity"] for a in result["aspects"]}
    assert polarity == {"product_quality": "positive", "delivery": "negative"}
    assert result["sentiment"]["mixed"] is True
