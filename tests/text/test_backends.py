"""The optional transformers backend, exercised with a tiny model built in the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from sada.text.backends import sentiment_backend_for, transformers_available
from sada.text.pipeline import SentimentBackend, TextPipeline


def test_without_a_local_model_the_linear_backend_is_used(tmp_path: Path) -> None:
    assert isinstance(sentiment_backend_for(None), SentimentBackend)
    assert isinstance(sentiment_backend_for(tmp_path), SentimentBackend)


@pytest.mark.skipif(
    not transformers_available(),
    reason="transformers/torch not installed (optional heavier backend: pip install transformers torch)",
)
def test_tiny_transformers_model_loads_and_predicts(tmp_path: Path) -> None:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "food", "the", "was"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    model_dir = tmp_path / "models" / "sentiment"
    tokenizer = BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)

    backend = sentiment_backend_for(tmp_path / "models")
    results = backend.predict("en", ["the food was good", "bad"])
    assert len(results) == 2
    for r in results:
        assert r.label in ("negative", "neutral", "positive")
        assert abs(sum(r.scores.values()) - 1.0) < 1e-3
        assert r.model.startswith("transformers:")
    pipeline = TextPipeline(model_dir=str(tmp_path / "models"), embedder=False)
    assert pipeline.analyze("the food was good")["sentiment"]["model"].startswith("transformers:")
