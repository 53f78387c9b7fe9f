"""The embedding head: arrays saved and loaded as they were, with or without a hidden layer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sada.text.sentiment import EmbeddingHead, load_head


def _head(hidden: bool) -> EmbeddingHead:
    rng = np.random.default_rng(0)
    d, units = 8, 5
    head = EmbeddingHead(
        embedder="test",
        classes=["negative", "neutral", "positive"],
        center=rng.normal(size=d).astype(np.float32),
        coef=rng.normal(size=(3, units if hidden else d)).astype(np.float32),
        intercept=rng.normal(size=3).astype(np.float32),
        temperature=1.3,
        weights={"en": 0.5},
    )
    if hidden:
        head.hidden = rng.normal(size=(units, d)).astype(np.float32)
        head.hidden_bias = rng.normal(size=units).astype(np.float32)
    return head


def test_hidden_layer_is_applied_and_survives_save_load(tmp_path: Path) -> None:
    head = _head(hidden=True)
    x = np.random.default_rng(1).normal(size=(4, 8)).astype(np.float32)
    v = x - head.center
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert head.hidden is not None and head.hidden_bias is not None
    z = np.maximum(v @ head.hidden.T + head.hidden_bias, 0) @ head.coef.T + head.intercept
    z /= head.temperature
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(head.predict_proba(x), expected, atol=1e-5)
    head.save(tmp_path)
    loaded = EmbeddingHead.load(tmp_path)
    assert loaded is not None and loaded.hidden is not None
    assert loaded.weights == {"en": 0.5}
    assert np.allclose(loaded.predict_proba(x), head.predict_proba(x), atol=2e-2)


def test_logistic_head_loads_without_hidden_layer(tmp_path: Path) -> None:
    head = _head(hidden=False)
    head.save(tmp_path)
    loaded = EmbeddingHead.load(tmp_path)
    assert loaded is not None and loaded.hidden is None
    x = np.random.default_rng(2).normal(size=(3, 8)).astype(np.float32)
    assert np.allclose(loaded.predict_proba(x).sum(axis=1), 1.0)


def test_shipped_head_has_a_weight_for_every_language() -> None:
    head = load_head()
    assert head is not None
    assert set(head.weights) == {"ar", "fa", "zh", "en"}
    x = np.random.default_rng(3).normal(size=(2, head.center.shape[0])).astype(np.float32)
    p = head.predict_proba(x)
    assert p.shape == (2, 3) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
