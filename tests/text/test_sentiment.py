from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sada.text.features import FeatureConfig
from sada.text.sentiment import SHIPPED_DIR, LinearSentimentModel, available_languages, load_model
from sada.text.training import balanced_weights, fine_tune, scores_for, train_linear

OBVIOUS = {
    "en": [("I love it, great product, works perfectly", "positive"),
           ("terrible service, the worst experience ever, never again", "negative")],
    "ar": [("منتج رائع جدا وانصح به الجميع", "positive"),
           ("خدمة سيئة جدا وتجربة فاشلة لن اكررها", "negative")],
    "fa": [("خیلی خوشمزه بود و عالی، ممنون", "positive"),
           ("افتضاح بود، غذا سرد و بی کیفیت، دیگه سفارش نمیدم", "negative")],
    "zh": [("质量很好，非常满意，推荐购买", "positive"),
           ("太差了，质量很烂，再也不买了", "negative")],
}  # fmt: skip


def test_shipped_models_exist_for_four_languages() -> None:
    assert set(available_languages()) >= {"ar", "fa", "zh", "en"}


def test_shipped_artifacts_are_small_and_plain() -> None:
    files = list(SHIPPED_DIR.iterdir())
    assert sum(f.stat().st_size for f in files) < 25 * 1024 * 1024
    # .crfsuite: CRFsuite's own binary model format (the name tagger), no code inside
    assert {f.suffix for f in files} <= {".npz", ".json", ".crfsuite"}
    for f in SHIPPED_DIR.glob("*.npz"):
        with np.load(f, allow_pickle=False) as z:  # no pickles inside
            for key in z.files:
                assert z[key].dtype != object
            if "coef" in z.files:
                assert z["coef"].dtype == np.float16


@pytest.mark.parametrize("lang", ["en", "ar", "fa", "zh"])
def test_obvious_examples(lang: str) -> None:
    model = load_model(lang)
    assert model is not None
    for text, label in OBVIOUS[lang]:
        result = model.predict([text])[0]
        assert result.label == label, (text, result)
        assert abs(sum(result.scores.values()) - 1.0) < 1e-3
        assert set(result.scores) == {"negative", "neutral", "positive"}


def test_runtime_does_not_import_scikit_learn() -> None:
    code = (
        "import sys; from sada.text.pipeline import TextPipeline;"
        "r = TextPipeline(embedder=False).analyze('great product, thanks');"
        "assert r['sentiment']['label'] == 'positive';"
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _toy() -> tuple[list[str], list[str]]:
    pos = ["good", "great", "excellent", "love it", "very good", "nice and good", "great stuff"]
    neg = ["bad", "awful", "terrible", "hate it", "very bad", "awful and bad", "terrible stuff"]
    texts = [f"{w} {i}" for i in range(6) for w in pos + neg]
    labels = [lab for _ in range(6) for lab in ["positive"] * len(pos) + ["negative"] * len(neg)]
    return texts, labels


def test_train_save_load_roundtrip(tmp_path: Path) -> None:
    texts, labels = _toy()
    model = train_linear(
        texts, labels, lang="en", config=FeatureConfig(), max_features=500, dev=(texts, labels)
    )
    assert model.classes == ["negative", "positive"]
    p1 = model.predict_proba(["really good", "really bad"])
    assert p1[0, 1] > 0.5 > p1[1, 1]
    model.save(tmp_path)
    loaded = LinearSentimentModel.load(tmp_path, "en")
    p2 = loaded.predict_proba(["really good", "really bad"])
    assert np.allclose(p1, p2, atol=2e-3)  # float16 storage
    assert load_model("en", tmp_path).vocab_list == loaded.vocab_list


def test_fine_tune_moves_towards_workspace_labels() -> None:
    base = load_model("en")
    assert base is not None
    # A workspace where "sick" is praise.
    texts = [f"this is sick {w}" for w in ("bro", "man", "dude", "mate", "guys", "folks")] * 3
    before = base.predict_proba(["this is sick"])[0, base.classes.index("positive")]
    tuned = fine_tune(base, texts, ["positive"] * len(texts), c=4.0)
    after = tuned.predict_proba(["this is sick"])[0, tuned.classes.index("positive")]
    assert after > before + 0.1
    assert tuned.vocab_list is base.vocab_list


def test_scores_for() -> None:
    r = scores_for(
        ["positive", "negative", "negative"],
        ["positive", "negative", "positive"],
        ["negative", "positive"],
    )
    assert r["n"] == 3 and r["accuracy"] == pytest.approx(0.6667, abs=1e-4)
    assert r["confusion"]["negative"]["positive"] == 1
    assert r["per_class_f1"]["negative"] == pytest.approx(0.6667, abs=1e-4)


def test_balanced_weights_per_source_lifts_a_class_rare_in_its_source() -> None:
    # Reviews: 2 neutral of 20; tweets: 10 neutral of 20. Balanced over the mix only, a
    # neutral review weighs like a neutral tweet; balanced within each source first, the
    # rare neutral reviews weigh more than the plentiful neutral tweets.
    labels = ["positive"] * 14 + ["negative"] * 4 + ["neutral"] * 2
    labels += ["neutral"] * 10 + ["positive"] * 5 + ["negative"] * 5
    sources = ["reviews"] * 20 + ["tweets"] * 20
    mix = balanced_weights(labels, sources)
    per = balanced_weights(labels, sources, per_source=True)
    assert mix[18] == pytest.approx(mix[20])
    assert per[18] > 2 * per[20]
    # within reviews, a positive review now weighs less than a negative one
    assert per[0] < per[14]


def test_feature_options_persian_forms_and_jieba_words() -> None:
    from sada.text.features import SEGMENT_MARK, WORD_MARK, analyze, persian_forms

    # Detached prefixes/suffixes joined, final or alef elongation written once.
    words = ["نمی", "خوام", "غذا", "ها", "خیلیی", "عاالی", "پایین", "ok"]
    assert persian_forms(words) == ["نمیخوام", "غذاها", "خیلی", "عالی", "پایین", "ok"]
    cfg = FeatureConfig(2, 5, 2, forms=True)
    feats = analyze("نمی‌خوام", cfg)
    assert WORD_MARK + "نمیخوام" in feats and WORD_MARK + "نمیخوام" in analyze("نمیخوام", cfg)
    assert WORD_MARK + "نمیخوام" not in analyze("نمی‌خوام", FeatureConfig())
    zh = analyze("送餐太慢了，饭菜都凉了", FeatureConfig(1, 3, 1, segment=1))
    assert SEGMENT_MARK + "饭菜" in zh and not any(" " in f for f in zh if f[0] == SEGMENT_MARK)
    pairs = analyze("送餐太慢了", FeatureConfig(1, 3, 1, segment=2))
    assert any(f.startswith(SEGMENT_MARK) and " " in f for f in pairs)
    # Settings round-trip; models saved without the options read them as off.
    for c in (cfg, FeatureConfig(1, 3, 1, segment=2), FeatureConfig()):
        assert FeatureConfig.from_dict(c.to_dict()) == c
    assert "forms" not in FeatureConfig().to_dict()


def test_nb_scale_favours_features_that_separate_the_classes() -> None:
    from scipy import sparse

    from sada.text.training import nb_scale

    # Feature 0 only in class 1, feature 1 in both classes alike.
    x = sparse.csr_matrix(np.array([[1, 1], [1, 1], [0, 1], [0, 1]], dtype=float))
    s = nb_scale(x, np.array([1, 1, 0, 0]), 2, power=1.0)
    assert s[0] > s[1] and abs(s.mean() - 1.0) < 1e-9
    texts, labels = _toy()
    model = train_linear(
        texts, labels, lang="en", config=FeatureConfig(), max_features=500, nb_power=0.5
    )
    p = model.predict_proba(["really good", "really bad"])
    assert p[0, 1] > 0.5 > p[1, 1]
