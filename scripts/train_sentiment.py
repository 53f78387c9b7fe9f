"""Train Sada's default sentiment models and measure them on held-out data sets.

    python scripts/text_gather_data.py                    # first: builds .text-data/{train,eval}
    python scripts/train_sentiment.py                     # all languages, writes sada/text/models_data
    python scripts/train_sentiment.py --langs fa --no-write
    python scripts/train_sentiment.py --cross-domain      # also leave-one-source-out scores
    python scripts/train_sentiment.py --langs fa --c 1 --dev-only --out /tmp/fa_c1
                                                          # a variant, chosen on the 15% only

Protocol:

- `.text-data/train/*.jsonl` are the training sets; each is split 85/15 by a
  hash of the text. A model is trained on the 85% of every training set of a
  language; its softmax temperature and neutral band are fitted on the 15%.
  The shipped model is then refitted with the same recipe on 100% (keeping the
  temperature and band).
- `.text-data/eval/*.jsonl` are whole data sets held out from training (and
  deduplicated against it by near-duplicate keys): the cross-domain figures of
  the model card are the shipped model's scores on them.
- `--cross-domain` also trains, for each training set, a model on the others and
  scores it on that set's 15%; these probabilities are saved (for the ensemble
  weights of the embedding head, which are tuned on them).

Sources are weighted so that each counts about the same, and classes are
balanced within the mix. The texts themselves are never written to the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.evaluate import evaluate_examples  # noqa: E402
from sada.text.features import FeatureConfig  # noqa: E402
from sada.text.training import (  # noqa: E402
    Example,
    balanced_weights,
    expected_calibration_error,
    read_jsonl,
    train_linear,
    tune_neutral_band,
)

DEFAULT_DATA = ROOT / ".text-data"
OUT = ROOT / "sada" / "text" / "models_data"
METRICS = ROOT / "docs" / "text" / "sentiment-metrics.json"
XD_CACHE = Path(tempfile.gettempdir()) / "sada_text_xd_{lang}.npz"

CONFIGS = {
    "ar": (FeatureConfig(2, 5, 2), 200_000, 4.0),
    # Round 6 chose C = 2 on the dev split (tied with C = 1 on macro-F1, ahead on the
    # mean over sources and on accuracy; see the model card).
    # Round 7's two Persian candidates (word forms; word forms with NB scale 0.5 and C = 4)
    # were not shipped (model card): fa keeps round 6's recipe.
    "fa": (FeatureConfig(2, 5, 2), 120_000, 2.0),
    "en": (FeatureConfig(2, 5, 2), 80_000, 4.0),
    # Round 7: jieba words beside the characters (and NB_POWER 0.5), chosen on the dev split.
    "zh": (FeatureConfig(1, 3, 1, segment=1), 200_000, 4.0),
}


# Power of the naive-Bayes feature scale (`sada.text.training.nb_scale`); 0: none.
NB_POWER = {"ar": 0.0, "fa": 0.0, "en": 0.0, "zh": 0.5}


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def is_dev(text: str, share: float = 0.15) -> bool:
    return (int(text_key(text)[:8], 16) % 10_000) < share * 10_000


def load(folder: Path) -> dict[str, list[Example]]:
    """Examples of every JSONL file in `folder` by language; source = file name."""
    by_lang: dict[str, list[Example]] = defaultdict(list)
    for path in sorted(folder.glob("*.jsonl")):
        for e in read_jsonl(path):
            e.source = path.stem
            by_lang[e.lang].append(e)
    return by_lang


def licences(data: Path) -> dict[str, str]:
    summary = data / "summary.json"
    if not summary.exists():
        return {}
    return {s["name"]: f"{s['licence']} ({s['source']})" for s in json.loads(summary.read_text())}


# Classes balanced over the language's mix ("mix") or within each source first ("source").
BALANCE = {"ar": "mix", "fa": "mix", "en": "mix", "zh": "mix"}


def fit(
    lang: str,
    train: list[Example],
    dev: list[Example] | None,
    meta: dict,
    c: float | None = None,
    balance: str | None = None,
):
    cfg, max_features, default_c = CONFIGS[lang]
    c = default_c if c is None else c
    balance = balance or BALANCE[lang]
    weights = balanced_weights(
        [e.label for e in train], [e.source for e in train], per_source=balance == "source"
    )
    return train_linear(
        [e.text for e in train],
        [e.label for e in train],
        lang=lang,
        config=cfg,
        max_features=max_features,
        c=c,
        sample_weight=weights,
        dev=([e.text for e in dev], [e.label for e in dev]) if dev else None,
        meta={**meta, "nb_power": NB_POWER[lang]} if NB_POWER[lang] else meta,
        nb_power=NB_POWER[lang],
    )


def proba_fn(model):
    def proba_for(_lang: str, texts: list[str]):
        return model.classes, model.predict_proba(texts), model.neutral_below

    return proba_for


def brief(report: dict) -> dict:
    return {
        k: {m: v[m] for m in ("n", "accuracy", "macro_f1", "per_class_f1", "confusion")}
        for k, v in report.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--langs", default="ar,fa,zh,en")
    ap.add_argument("--no-write", action="store_true", help="measure only")
    ap.add_argument("--no-refit", action="store_true", help="ship the 85%% model")
    ap.add_argument("--cross-domain", action="store_true")
    ap.add_argument(
        "--c", type=float, default=None, help="L2 inverse strength (default per language)"
    )
    ap.add_argument(
        "--balance",
        choices=("mix", "source"),
        default=None,
        help="class balance over the mix or within each source first (default per language)",
    )
    ap.add_argument(
        "--dev-only",
        action="store_true",
        help="score on the 15%% only (no held-out set is read), metrics to OUT/metrics.json",
    )
    args = ap.parse_args()
    if not (args.data / "train").exists():
        sys.exit(f"no training data at {args.data}/train: run scripts/text_gather_data.py")
    data = load(args.data / "train")
    held = {} if args.dev_only else load(args.data / "eval")
    sources_licence = licences(args.data)
    report: dict[str, dict] = {}
    for lang in args.langs.split(","):
        examples = data.get(lang, [])
        if not examples:
            print(f"{lang}: no data")
            continue
        t0 = time.time()
        train = [e for e in examples if not is_dev(e.text)]
        dev = [e for e in examples if is_dev(e.text)]
        sources = sorted({e.source for e in examples})
        meta = {
            "version": f"tfidf-lr-{lang}-{time.strftime('%Y%m%d')}",
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "sources": {s: sources_licence.get(s, "see the model card") for s in sources},
            "n_train": len(train),
            "n_dev": len(dev),
        }
        if args.c is not None:
            meta["c"] = args.c
        if args.balance is not None:
            meta["balance"] = args.balance
        model = fit(lang, train, dev, meta, args.c, args.balance)
        per_source = evaluate_examples(dev, proba_fn(model), group=lambda e: e.source)
        overall = evaluate_examples(dev, proba_fn(model))
        proba = model.predict_proba([e.text for e in dev])
        cidx = {c: i for i, c in enumerate(model.classes)}
        y = np.array([cidx.get(e.label, -1) for e in dev])
        ece = expected_calibration_error(proba[y >= 0], y[y >= 0])
        result: dict = {
            "dev": brief(per_source),
            "dev_all": {m: overall[lang][m] for m in ("n", "accuracy", "macro_f1")},
            "temperature": round(model.temperature, 3),
            "neutral_below": model.neutral_below,
            "ece": round(ece, 4),
            "n_features": len(model.vocab_list),
        }
        print(json.dumps({lang: {k: v for k, v in result.items() if k != "dev"}}), flush=True)
        saved: dict[str, np.ndarray] = {}
        if args.cross_domain and len(sources) > 1:
            result["cross_domain"] = {}
            for left in sources:
                tr = [e for e in train if e.source != left]
                te = [e for e in dev if e.source == left]
                if len({e.label for e in tr}) < 2:
                    continue
                m = fit(lang, tr, None, {}, args.c, args.balance)
                m.neutral_below = tune_neutral_band(
                    m, [e.text for e in dev if e.source != left],
                    [e.label for e in dev if e.source != left],
                )  # fmt: skip
                r = evaluate_examples(te, proba_fn(m), group=lambda e: e.source)[left]
                result["cross_domain"][left] = {
                    k: r[k] for k in ("n", "accuracy", "macro_f1", "per_class_f1")
                }
                p = m.predict_proba([e.text for e in te])
                full = np.zeros((len(te), 3), dtype=np.float32)
                for j, cls in enumerate(m.classes):
                    full[:, ("negative", "neutral", "positive").index(cls)] = p[:, j]
                for e, row in zip(te, full, strict=True):
                    saved[text_key(e.text)] = row
                print(f"  {lang} without {left}: {result['cross_domain'][left]}", flush=True)
        final = model
        if not args.no_refit:
            final = fit(lang, examples, None, meta, args.c, args.balance)
            final.temperature = model.temperature
            final.neutral_below = model.neutral_below
        final.threshold = model.threshold
        final.meta["dev_scores"] = {
            k: {m: v[m] for m in ("n", "accuracy", "macro_f1")} for k, v in result["dev"].items()
        }
        final.meta["dev_protocol"] = "85/15 split by text hash; scores of the 85% model"
        heldout = evaluate_examples(held.get(lang, []), proba_fn(final), group=lambda e: e.source)
        result["heldout"] = brief(heldout)
        final.meta["heldout_scores"] = {
            k: {m: v[m] for m in ("n", "accuracy", "macro_f1")} for k, v in heldout.items()
        }
        for name, r in heldout.items():
            print(f"  held out {name}: n={r['n']} acc={r['accuracy']} F1={r['macro_f1']}")
        if saved:
            np.savez(
                str(XD_CACHE).format(lang=lang),
                keys=np.array(list(saved)),
                proba=np.stack(list(saved.values())),
            )
        if not args.no_write:
            final.save(args.out)
        result["seconds"] = round(time.time() - t0, 1)
        report[lang] = result
    metrics = args.out / "metrics.json" if args.dev_only else METRICS
    if not args.no_write:
        old = json.loads(metrics.read_text()) if metrics.exists() else {}
        old.update(report)
        metrics.write_text(json.dumps(old, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
