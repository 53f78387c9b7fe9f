"""Hyperparameter sweep of the TF-IDF sentiment models, scored on the 15% development split only.

    python scripts/text_sentiment_sweep.py --lang fa --grid "c=1,4;max_features=120000,200000"
    python scripts/text_sentiment_sweep.py --lang en --grid "char=2-5,1-6;cap=3,6"

No held-out set is read: each variant is trained on the 85% of every training set of
the language (exactly as `scripts/train_sentiment.py`) and scored on the 15% by text
hash. Texts are analysed once at the widest n-gram range and the n-grams of a variant
are filtered from them, so a sweep costs one analysis plus one fit per variant. The
criterion printed is the development macro-F1 over all the language's 15% (the neutral
band fitted on it, as for a shipped model), the mean of the sources' macro-F1 (sources
with at least 50 development texts; each training domain counts the same) and each
source's figure.

Grid keys: ``c`` (L2 inverse strength), ``max_features`` (chi-squared vocabulary),
``char`` (character n-gram range inside words, ``lo-hi``), ``words`` (word n-gram
order, 1 or 2), ``cap`` (largest source/class weight of `balanced_weights`), ``balance`` (``mix``:
classes balanced over the language's mix, as shipped; ``source``: within each source first),
``forms`` (0/1: Persian word forms of `FeatureConfig`; texts are analysed once per value) and
``seg`` (0/1/2: jieba words, and their pairs, of `FeatureConfig.segment`), ``nb`` (power of
the naive-Bayes feature scale of `sada.text.training.nb_scale`; 0: none, as shipped).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.evaluate import evaluate_examples  # noqa: E402
from sada.text.features import (  # noqa: E402
    LEXICON_MARK,
    SEGMENT_MARK,
    WORD_MARK,
    FeatureConfig,
    analyze_prepared,
)
from sada.text.normalize import model_text  # noqa: E402
from sada.text.sentiment import LinearSentimentModel  # noqa: E402
from sada.text.training import (  # noqa: E402
    CLASS_ORDER,
    _tfidf,
    balanced_weights,
    fit_logistic,
    fit_temperature,
    nb_scale,
    select_vocabulary,
    tune_neutral_band,
)

sys.path.insert(0, str(ROOT / "scripts"))
from train_sentiment import CONFIGS, is_dev, load  # noqa: E402


def keep(feature: str, lo: int, hi: int, words: int, seg: int = 0) -> bool:
    if feature.startswith(LEXICON_MARK):
        return True
    if feature.startswith(SEGMENT_MARK):
        return seg >= 2 or (seg == 1 and " " not in feature)
    if feature.startswith(WORD_MARK):
        return words >= 2 or " " not in feature
    return lo <= len(feature) <= hi


def parse_grid(spec: str) -> dict[str, list[str]]:
    grid: dict[str, list[str]] = {}
    for part in filter(None, spec.split(";")):
        key, _, values = part.partition("=")
        grid[key.strip()] = [v.strip() for v in values.split(",")]
    return grid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".text-data")
    ap.add_argument("--lang", required=True)
    ap.add_argument("--grid", default="")
    ap.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = ap.parse_args()
    cfg0, mf0, c0 = CONFIGS[args.lang]
    grid = {
        "c": [str(c0)],
        "max_features": [str(mf0)],
        "char": [f"{cfg0.char_min}-{cfg0.char_max}"],
        "words": [str(cfg0.word_max)],
        "cap": ["3"],
        "balance": ["mix"],
        "forms": [str(int(cfg0.forms))],
        "seg": [str(cfg0.segment)],
        "nb": ["0"],
    }
    grid.update(parse_grid(args.grid))
    examples = load(args.data / "train")[args.lang]
    train = [e for e in examples if not is_dev(e.text)]
    dev = [e for e in examples if is_dev(e.text)]
    ranges = [tuple(map(int, r.split("-"))) for r in grid["char"]]
    analysed: dict[str, tuple[list[list[str]], list[list[str]]]] = {}
    t0 = time.process_time()
    for forms in grid["forms"]:
        wide = FeatureConfig(
            min(r[0] for r in ranges),
            max(r[1] for r in ranges),
            max(map(int, grid["words"])),
            forms=forms == "1",
            segment=max(map(int, grid["seg"])),
        )
        analysed[forms] = (
            [analyze_prepared(model_text(e.text), wide) for e in train],
            [analyze_prepared(model_text(e.text), wide) for e in dev],
        )
    print(f"{args.lang}: {len(train)} train, {len(dev)} dev, analysed in "
          f"{time.process_time() - t0:.0f}s CPU", flush=True)  # fmt: skip
    labels = [e.label for e in train]
    classes = [c for c in CLASS_ORDER if c in set(labels)]
    cidx = {c: i for i, c in enumerate(classes)}
    y = np.array([cidx[x] for x in labels])
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        v = dict(zip(keys, values, strict=True))
        t1 = time.process_time()
        lo, hi = map(int, v["char"].split("-"))
        words, seg = int(v["words"]), int(v["seg"])
        docs_all, dev_all = analysed[v["forms"]]
        docs = [[f for f in d if keep(f, lo, hi, words, seg)] for d in docs_all]
        vocab, idf = select_vocabulary(docs, y, len(classes), int(v["max_features"]))
        for i, f in enumerate(vocab):
            if f.startswith(LEXICON_MARK):
                idf[i] *= 3.0
        vmap = {f: i for i, f in enumerate(vocab)}
        weights = balanced_weights(
            labels,
            [e.source for e in train],
            cap=float(v["cap"]),
            per_source=v["balance"] == "source",
        )
        x = _tfidf(docs, vmap, idf)
        if float(v["nb"]):
            idf = idf * nb_scale(x, y, len(classes), float(v["nb"]), weights)
            x = _tfidf(docs, vmap, idf)
        coef, b = fit_logistic(x, y, len(classes), c=float(v["c"]), sample_weight=weights)
        cfg = FeatureConfig(lo, hi, words, forms=v["forms"] == "1", segment=seg)
        model = LinearSentimentModel(
            args.lang, classes, cfg, vocab, idf.astype(np.float32),
            coef.astype(np.float32), b.astype(np.float32),
        )  # fmt: skip
        ddocs = [[f for f in d if keep(f, lo, hi, words, seg)] for d in dev_all]
        xdev = _tfidf(ddocs, vmap, idf.astype(np.float32))
        dy = np.array([cidx.get(e.label, -1) for e in dev])
        logits = model.decision(xdev)
        model.temperature = fit_temperature(logits[dy >= 0], dy[dy >= 0])
        z = logits / model.temperature
        z -= z.max(axis=1, keepdims=True)
        proba = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        model.neutral_below = tune_neutral_band(
            model, [e.text for e in dev], [e.label for e in dev], proba=proba
        )
        table = {id(e): p for e, p in zip(dev, proba, strict=True)}
        per = {}
        for src in sorted({e.source for e in dev}):
            sub = [e for e in dev if e.source == src]
            p = np.stack([table[id(e)] for e in sub])
            per[src] = evaluate_examples(
                sub, lambda _l, t, _p=p, _m=model: (_m.classes, _p, _m.neutral_below)
            )[args.lang]
        overall = evaluate_examples(
            dev, lambda _l, t, _p=proba, _m=model: (_m.classes, _p, _m.neutral_below)
        )[args.lang]
        row = {
            "lang": args.lang,
            **v,
            "dev_macro_f1": overall["macro_f1"],
            "dev_accuracy": overall["accuracy"],
            "dev_source_mean_f1": round(
                float(np.mean([r["macro_f1"] for r in per.values() if r["n"] >= 50])), 4
            ),
            "band": model.neutral_below,
            "T": round(model.temperature, 3),
            "per_source": {s: [r["accuracy"], r["macro_f1"]] for s, r in per.items()},
            "n_features": len(vocab),
            "cpu_s": round(time.process_time() - t1, 1),
        }
        print(json.dumps(row), flush=True)
        if args.out:
            with open(args.out, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
