"""The pipeline on odd and ordinary input: every result well-formed, nothing raises."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sada.text.pipeline import TextPipeline, TopicSpec, public


@pytest.fixture(scope="module")
def pipeline() -> TextPipeline:
    return TextPipeline(
        embedder=False,
        topics=[
            TopicSpec("refunds", keywords=["refund", "استرداد", "بازگشت وجه", "退款"]),
            TopicSpec("Talabat", kind="competitor", keywords=["طلبات"]),
            TopicSpec("Sada Shop", kind="brand", keywords=["sada", "صدا"]),
        ],
    )


def check_shape(result: dict) -> None:
    json.dumps(public(result), ensure_ascii=False)  # JSON-ready
    assert isinstance(result["language"], str) and isinstance(result["script"], str)
    s = result["sentiment"]
    assert s["label"] in ("negative", "neutral", "positive")
    assert set(s["scores"]) == {"negative", "neutral", "positive"}
    assert abs(sum(s["scores"].values()) - 1.0) < 1e-2
    for sent in result["sentences"]:
        assert sent["text"] and sent["sentiment"]["label"] in ("negative", "neutral", "positive")
        assert isinstance(sent["aspects"], list)
    assert isinstance(result["topics"], list) and isinstance(result["pii"], list)


ODD = [
    "",
    "   \n\t ",
    "😀😀😀👍🏽",
    "!!!???...",
    "bad \ud800 surrogate \udfff here",
    b"bytes \xff\xfe not utf8".decode("latin-1"),
    "x" * 70_000,
    ("the app keeps crashing. " * 3000),
    "check https://example.com/a?b=c and @support_team #fail",
    "The delivery was late بس الاكل كان حلو جدا",
    "سفارش Samsung Galaxy رو گرفتم، battery خوبه ولی screen خط داره",
    "這家酒店的服務很好，房間乾淨",
    "这家酒店的服务很好，房间干净",
    "ana mesh 3ayez el order da khalas",
    "\u200f\u202eمرحبا\u202c",
    None,
    12345,
]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_input_gives_well_formed_results(pipeline: TextPipeline, text: object) -> None:
    check_shape(pipeline.analyze(text))


def test_empty_is_neutral_and_emoji_only_takes_its_emoji_without_language(
    pipeline: TextPipeline,
) -> None:
    for text, label in (("", "neutral"), ("😀😀😀", "positive"), ("😡", "negative")):
        r = pipeline.analyze(text)
        assert r["language"] == "und"
        assert r["sentiment"]["label"] == label


def test_long_text_is_truncated_not_rejected(pipeline: TextPipeline) -> None:
    r = pipeline.analyze("great service. " * 10_000)
    assert r["truncated"] is True
    assert r["sentiment"]["label"] == "positive"
    assert len(r["sentences"]) <= 100


def test_aspects_with_their_own_polarity(pipeline: TextPipeline) -> None:
    cases = {
        "en": "The delivery was very late but the food was great",
        "ar": "التوصيل كان متأخر جدا لكن الاكل كان لذيذ جدا",
        "fa": "ارسال خیلی دیر بود ولی غذا خیلی خوشمزه بود",
        "zh": "快递太慢了，但是质量很好",
    }
    for lang, text in cases.items():
        r = pipeline.analyze(text)
        assert r["language"] == lang
        aspects = {(a["aspect"], a["polarity"]) for s in r["sentences"] for a in s["aspects"]}
        assert ("delivery", "negative") in aspects, (lang, aspects)
        assert ("product_quality", "positive") in aspects, (lang, aspects)


def test_topics_and_mentions(pipeline: TextPipeline) -> None:
    r = pipeline.analyze("I want a refund. Talabat was faster. Sada is great")
    assert [t["name"] for t in r["topics"]] == ["refunds"]
    r = pipeline.analyze("طلبات أسرع بكثير. صدا ممتاز")
    names = {(m["name"], m["kind"]) for m in r["mentions"]}
    assert names == {("Talabat", "competitor"), ("Sada Shop", "brand")}


def test_pii_is_redacted_before_models_see_it(pipeline: TextPipeline) -> None:
    r = pipeline.analyze(
        "call me at +98 912 345 6789 or mail ali@example.com, card 4111 1111 1111 1111"
    )
    assert {p["type"] for p in r["pii"]} == {"phone", "email", "card"}
    assert "4111" not in r["redacted_text"] and "ali@example.com" not in r["redacted_text"]
    assert all("4111 1111" not in s["text"] for s in r["sentences"])
    assert "ali@" not in r["normalized"]


def test_language_hint_and_restriction() -> None:
    p = TextPipeline(embedder=False, languages=["ar", "en"])
    assert p.analyze("سلام خوبی")["language"] == "ar"


def test_fast_path_matches_full_sentiment(pipeline: TextPipeline) -> None:
    texts = ["great product", "خیلی بد بود", "质量很差"]
    fast = pipeline.language_and_sentiment(texts)
    full = pipeline.analyze_many(texts)
    for a, b in zip(fast, full):
        assert a["language"] == b["language"]
        assert a["sentiment"]["label"] == b["sentiment"]["label"]


class FakeEmbedder:
    """Deterministic bag-of-characters embedder to exercise the embedding paths."""

    name = "fake"
    dim = 64

    def embed(self, texts):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t.lower():
                out[i, ord(ch) % self.dim] += 1.0
        out += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_embedding_paths_run_with_any_embedder() -> None:
    p = TextPipeline(embedder=FakeEmbedder(), topics=[TopicSpec("waiting", examples=["long wait"])])
    r = p.analyze("We waited so long. The staff was nice")
    check_shape(r)
    assert r["embedding"] is not None and r["embedding"].shape == (64,)
    assert "embedding" not in public(r)
