"""The learned aspect polarity: features, contrast words, the model file, the pipeline hook."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sada.text.aspect_polarity import (
    DIM,
    AspectPolarityModel,
    Mention,
    contrast_words,
    hashed,
    load_aspect_model,
    mention_features,
)
from sada.text.pipeline import TextPipeline
from sada.text.sentences import split_clauses


def _mention(clause: str = "delivery was late", **kw: object) -> Mention:
    base = dict(
        lang="en", aspect="delivery", source="keyword", clause=clause, index=1, clauses=2,
        rule="negative", label="negative", prev="positive", next="none", word_before="but",
        word_after="", shared=1,
    )  # fmt: skip
    base.update(kw)
    return Mention(**base)  # type: ignore[arg-type]


def test_contrast_words_before_and_after_each_clause() -> None:
    text = "the food was great but delivery was late"
    assert contrast_words(text, split_clauses(text, "en"), "en") == [("", "but"), ("but", "")]
    text = "這家店的服務很好，就是價格偏高"
    assert contrast_words(text, split_clauses(text, "zh"), "zh") == [("", "就是"), ("就是", "")]
    text = "الأكل طعمه حلو بس التوصيل اتأخر ساعتين"
    assert contrast_words(text, split_clauses(text, "ar"), "ar")[1] == ("بس", "")
    assert contrast_words("all good", ["all good"], "en") == [("", "")]


def test_features_are_stable_strings_and_buckets() -> None:
    feats = mention_features(_mention())
    assert "wb:but" in feats and "A:delivery" in feats and "w:late" in feats
    assert feats == mention_features(_mention())
    buckets = hashed(feats)
    assert all(0 <= b < DIM for b in buckets)
    # CRC-32: the same bucket in every process and on every machine
    assert hashed(["A:delivery", "w:late"]) == [32221, 64628]


def test_model_round_trip_and_embedding_variant(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=DIM).astype(np.float32)
    emb = (rng.normal(size=DIM).astype(np.float32), rng.normal(size=8).astype(np.float32), 0.1)
    model = AspectPolarityModel(w, -0.2, emb=emb)
    path = tmp_path / "m.npz"
    model.save(path)
    again = load_aspect_model(str(path))
    assert again is not None
    m = _mention()
    vec = rng.normal(size=8).astype(np.float32)
    assert again.proba(m) == model.proba(m)
    assert again.proba(m, vec) == model.proba(m, vec)
    assert again.proba(m, vec) != again.proba(m)  # the embedding model is used with a vector
    assert load_aspect_model(str(tmp_path / "missing.npz")) is None


def test_pipeline_without_learned_model_is_the_rules() -> None:
    rules = TextPipeline(embedder=False, aspect_model=False)
    assert rules.aspect_model is None
    result = rules.analyze("the food was great but delivery was late")
    assert {a["aspect"]: a["polarity"] for a in result["aspects"]} == {
        "product_quality": "positive",
        "delivery": "negative",
    }


def test_learned_model_leaves_neutral_clauses_neutral() -> None:
    # A model that says "positive" for everything still leaves a clause with nothing
    # polar that the rules call neutral alone.
    always = AspectPolarityModel(np.zeros(DIM, dtype=np.float32), 5.0)
    pipeline = TextPipeline(embedder=False, aspect_model=always)
    result = pipeline.analyze("I ordered the pasta on Monday", language="en")
    assert all(a["polarity"] == "neutral" for a in result["aspects"]), result["aspects"]
    result = pipeline.analyze("the delivery was terribly late", language="en")
    assert {a["aspect"]: a["polarity"] for a in result["aspects"]}["delivery"] == "positive"


def test_shipped_model_is_small_and_deterministic() -> None:
    model = load_aspect_model()
    if model is None:
        return  # not shipped: the rules decide (docs/text/model-card.md)
    from sada.text.aspect_polarity import MODEL_FILE

    assert MODEL_FILE.stat().st_size <= 1_000_000
    pipeline = TextPipeline(embedder=False)
    text = "Pizza showed up early and still hot, shame it tasted like cardboard"
    first = pipeline.analyze(text, language="en")["aspects"]
    assert TextPipeline(embedder=False).analyze(text, language="en")["aspects"] == first
