"""The text fast path's speed-ups change no output.

Each optimised piece is compared with a plain reference written here (the code it
replaced, or the definition it implements) on the fixture texts of tests/text, the
bench corpus and odd inputs: the same values to the bit, the same labels, the same order.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from sada.text import langid, polarity, polarity_words
from sada.text.features import analyze_prepared
from sada.text.normalize import clean, model_text
from sada.text.pipeline import TextPipeline
from sada.text.sentiment import LinearSentimentModel, load_model

ROOT = Path(__file__).resolve().parents[2]
ODD = ["", " ", "ok", "😡😡", ":) :(", "\x00bad\u200b", "a" * 3000, "بد نبود", "不好吃",
       "#طلبات @x http://a.b/c", "نه", "ما", "ماعجبنيش", "دوست نداشتم", "不是很好", "服務很好",
       "not bad at all", "worth every penny", "ومحد يرد", "太贵了，再也不买", "1234 5678"]  # fmt: skip


def _bench_corpus(n: int, seed: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("_bench_text", ROOT / "bench" / "text.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_bench_text", module)
    spec.loader.exec_module(module)
    return list(module.corpus(n, seed=seed))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    out: list[str] = []
    for path in sorted((ROOT / "tests" / "text" / "fixtures").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(str(json.loads(line)["text"]))
    return out + _bench_corpus(600, seed=3) + ODD


# ------------------------------------------------------------ references


def reference_transform(model: LinearSentimentModel, texts: list[str]) -> sparse.csr_matrix:
    """The row-at-a-time TF-IDF transform the batched one replaced."""
    vocab = model.vocab
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        feats = analyze_prepared(model_text(text), model.config)
        counts = Counter(i for i in map(vocab.get, feats) if i is not None)
        if counts:
            cols = list(counts)
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(cols))
            vals = (1.0 + np.log(tf)) * model.idf[cols]
            vals /= float(np.sqrt(vals @ vals)) or 1.0
            indices.extend(cols)
            data.extend(vals.tolist())
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(texts), len(model.vocab_list)),
    )


def reference_idiom_regex(parts: list[str]) -> re.Pattern[str]:
    """The plain alternation of the idioms, each with its own boundary checks."""
    return re.compile(
        "|".join(
            re.escape(p)
            if "\u4e00" <= p[0] <= "\u9fff"
            else r"(?<!\w)(?:و)?" + re.escape(p) + r"(?!\w)"
            if "\u0600" <= p[0] <= "\u06ff"
            else r"(?<!\w)" + re.escape(p) + r"(?!\w)"
            for p in parts
        )
    )


def reference_script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in text:
        s = langid._script_of(ch)
        if s is not None:
            counts[s] = counts.get(s, 0) + 1
    if "Hani" in counts:
        counts["Hani"] *= 3
    return counts


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize("lang", ["ar", "fa", "zh", "en"])
def test_transform_is_bit_identical(texts: list[str], lang: str) -> None:
    model = load_model(lang)
    assert model is not None
    for start in range(0, len(texts), 97):  # batches of odd sizes, one with an empty text
        part = texts[start : start + 97] + [""]
        got, want = model.transform(part), reference_transform(model, part)
        assert np.array_equal(got.indptr, want.indptr)
        assert np.array_equal(got.indices, want.indices)
        assert got.data.dtype == want.data.dtype == np.float32
        assert got.data.tobytes() == want.data.tobytes()
    assert model.transform([]).shape == (0, len(model.vocab_list))


@pytest.mark.parametrize("rules", [False, True])
def test_idiom_regex_finds_what_the_plain_alternation_finds(texts: list[str], rules: bool) -> None:
    pattern, table = polarity.idioms(rules)
    reference = reference_idiom_regex(sorted(table, key=len, reverse=True))
    probes = [model_text(t) for t in texts] + [
        f"{a} {p} {b}" for p in table for a, b in (("x", "y"), ("و", "z"), ("", ""))
    ]
    for text in probes:
        assert [m.span() for m in pattern.finditer(text)] == [
            m.span() for m in reference.finditer(text)
        ], text


def test_blank_spans_and_emoji_scan_match_a_scan_of_each_character(texts: list[str]) -> None:
    for text in texts:
        spans = [m.span() for m in re.finditer(r"\w{2,4}", text)][::2]
        assert polarity.blank_spans(text, spans) == "".join(
            " " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(text)
        )
        scanned = [
            ch
            for ch in text
            if ch in polarity_words.EMOJI_POSITIVE or ch in polarity_words.EMOJI_NEGATIVE
        ]
        assert polarity._EMOJI_ANY.findall(text) == scanned


def test_script_counts_match_a_scan_of_each_character(texts: list[str]) -> None:
    for text in texts + ["Aа日本ア한ह א" * 3, "\U00020000x"]:
        got, want = langid.script_counts(text), reference_script_counts(text)
        assert got == want and list(got) == list(want)


def test_language_without_confidence_decides_the_same(texts: list[str]) -> None:
    for text in texts + ["Je suis très content du service", "merci beaucoup", "khaili khoobe"]:
        full = langid.detect_language(text)
        quick = langid.detect_language(text, confidence=False)
        assert (quick.language, quick.script, quick.mixed, quick.romanized) == (
            full.language,
            full.script,
            full.mixed,
            full.romanized,
        ), text


class _Every:
    """A set that holds every word: with it `polar_items` looks up every word pair."""

    def __contains__(self, item: object) -> bool:
        return True


@pytest.mark.parametrize("rules", [False, True])
def test_polar_items_shortcuts_change_nothing(
    texts: list[str], rules: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    folded = [model_text(clean(t)) for t in texts]
    fast = [polarity.polar_items(t, rules) for t in folded]
    monkeypatch.setattr(polarity, "_first_words", lambda rules=False: _Every())
    assert [polarity.polar_items(t, rules) for t in folded] == fast


def test_fast_path_outputs_equal_the_full_path_labels(texts: list[str]) -> None:
    """The fast path (no language confidence) gives each text the language, script and
    sentiment the confidence-computing detection leads to."""
    pipeline = TextPipeline(embedder=False)
    fast = pipeline.language_and_sentiment(texts)
    for text, out in zip(texts, fast, strict=True):
        lr = langid.detect_language(clean(text)[: 64 * 1024])
        assert (out["language"], out["script"]) == (lr.language, lr.script)


def test_aspect_search_finds_what_the_keyword_patterns_find(texts: list[str]) -> None:
    from sada.text.lexicons import (
        _AMOUNT,
        _ARRIVAL_SPEED,
        ASPECTS,
        WEAK_ASPECTS,
        aspect_patterns,
        aspect_text,
        keyword_aspects,
    )

    probes = [aspect_text(t) for t in texts]
    for by_lang in [*ASPECTS.values(), *WEAK_ASPECTS.values()]:
        for words in by_lang.values():
            for k in words:
                f = aspect_text(k)
                probes += [f, f"x{f}", f"{f}x", f"و{f}ها", f"ال{f}", f"بال{f}ش", f"{f}s", f"a {f}."]
    patterns, weak = aspect_patterns(), aspect_patterns(True)
    for text in probes:
        expected = [a for a, p in patterns.items() if p.search(text)]
        arrival = bool(weak["delivery"].search(text))
        if expected and "delivery" not in expected and arrival and _ARRIVAL_SPEED.search(text):
            expected.append("delivery")  # "the food arrived fast"
        if not expected:
            expected = [a for a, p in weak.items() if p.search(text)]
        if not expected and _AMOUNT.search(text):
            expected = ["price"]  # "$40 for eight pieces"
        assert keyword_aspects(text) == expected, text
