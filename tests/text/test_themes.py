from __future__ import annotations

import numpy as np

from sada.text.themes import discover_themes, kmeans, tokens


def test_clusters_get_labels_from_their_distinctive_words() -> None:
    texts = [
        "delivery late again", "the delivery was late", "late delivery today",
        "快递太慢了，物流很差", "物流太慢，快递不行", "快递物流都很慢",
    ]  # fmt: skip
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=16), rng.normal(size=16)
    vectors = np.stack(
        [a + 0.05 * rng.normal(size=16) for _ in range(3)]
        + [b + 0.05 * rng.normal(size=16) for _ in range(3)]
    )
    themes = discover_themes(
        texts, vectors, ["en"] * 3 + ["zh"] * 3, sentiments=["negative"] * 6, k=2
    )
    assert sorted(t["size"] for t in themes) == [3, 3]
    by_lang = {t["language"]: t for t in themes}
    # labelled by subject, in the texts' own spelling; sentiment words alone are no label
    assert by_lang["en"]["label"] == "delivery"
    assert "late" not in by_lang["en"]["phrases"]
    assert {"快递", "物流"} & set(by_lang["zh"]["words"])
    assert all(t["negative_share"] == 1.0 for t in themes)
    assert sorted(i for t in themes for i in t["members"]) == list(range(6))


def test_tokens_fold_and_drop_function_words() -> None:
    assert tokens("The delivery was LATE", "en") == ["delivery", "late"]
    assert tokens("كتاب جيد", "ar") == tokens("کتاب جيد", "fa")


def test_kmeans_separates_two_groups() -> None:
    x = np.array([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99]], dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = kmeans(x, 2)
    assert labels[0] == labels[1] != labels[2] == labels[3]


def test_too_few_texts() -> None:
    assert discover_themes(["one"], np.ones((1, 4)), ["en"]) == []
