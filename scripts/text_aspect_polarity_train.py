"""Train and measure the learned aspect polarity (`sada.text.aspect_polarity`).

    python scripts/text_aspect_polarity_train.py lofo [--embeddings] [--cache DIR]
    python scripts/text_aspect_polarity_train.py train [--cache DIR] [--out PATH]

Data: the 14 labelled files `tests/text/fixtures/aspects_contrastive*.jsonl`. The
pipeline runs once per file with the rules alone (`aspect_model=False`); every aspect
mention it finds is kept with its features, and a mention of an aspect the labels name
takes that label (the fixtures label aspects per text, not per clause).

`lofo`: leave one file out — train on 13 files, score the 14th, for each file; the score
is the share of labelled aspects whose polarity (the mentions combined as the pipeline
combines them, `aspect_rules.overall`) is the expected one, a missed aspect counting as
wrong, exactly as `scripts/text_aspect_eval.py`. Printed per file for the rules and the
learned model, and the mean. `train`: all 14 files, written to
`sada/text/models_data/aspect_polarity.npz` (features from the fast path, no embeddings).

Needs scikit-learn (the `train` extra).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.aspect_polarity import (  # noqa: E402
    DIM,
    MODEL_FILE,
    AspectPolarityModel,
    Mention,
    hashed,
    mention_features,
)
from sada.text.aspect_rules import attribution, overall  # noqa: E402
from sada.text.pipeline import TextPipeline  # noqa: E402
from sada.text.sentiment import SentimentResult  # noqa: E402

FIXTURES = ROOT / "tests" / "text" / "fixtures"
# Inverse regularisation. 0.1 was picked after fast-path leave-one-file-out runs with
# C = 0.03 / 0.1 / 0.3 / 1 / 10 (means 0.942 / 0.941 / 0.940 / 0.936 / 0.932, the rules
# 0.938): a mild choice on the test files themselves, recorded in the model card.
# `--nested` picks C from GRID on the training files only (slow: 4 x 13 fits per file).
C = 0.1
GRID = (0.03, 0.1, 0.3, 1.0)
VEC_SCALE = 1.0


class Recorder(TextPipeline):
    """The rules' pipeline, keeping each aspect mention's `Mention` on its dict."""

    def _aspect_mention(
        self, mention: Mention, a_res: SentimentResult, score: float, vec: np.ndarray | None
    ) -> dict[str, Any]:
        out = super()._aspect_mention(mention, a_res, score, vec)
        out["_mention"] = mention
        out["_vec"] = None if vec is None else np.asarray(vec, dtype=np.float32)
        return out


def files() -> list[Path]:
    return sorted(FIXTURES.glob("aspects_contrastive*.jsonl"))


def collect(path: Path, embeddings: bool) -> list[dict[str, Any]]:
    """Per text: its labels and its aspect mentions (the rules' label, has polar words,
    hashed features)."""
    from sada.text.rules import has_polar_words

    pipeline = Recorder(embedder=None if embeddings else False, aspect_model=False)
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        item = json.loads(line)
        result = pipeline.analyze(item["text"], language=item["lang"])
        mentions = []
        for sent in result["sentences"]:
            per_clause: dict[str, int] = {}
            for a in sent["aspects"]:
                per_clause[a["text"]] = per_clause.get(a["text"], 0) + 1
            for a in sent["aspects"]:
                m: Mention = a["_mention"]
                mentions.append(
                    {
                        "aspect": m.aspect,
                        "rules": a["polarity"],
                        "weight": attribution(a["source"], per_clause[a["text"]]),
                        "polar": has_polar_words(m.clause),
                        "neutral_rules": m.label,
                        "m": m,
                        "vec": a["_vec"],
                    }
                )
        rules = {a["aspect"]: a["polarity"] for a in result["aspects"]}
        docs.append({"gold": item["aspects"], "mentions": mentions, "rules": rules})
    return docs


def doc_polarity(mentions: list[dict[str, Any]], labels: list[str]) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = {}
    weights: dict[str, dict[str, float]] = {}
    for m, label in zip(mentions, labels, strict=True):
        c = counts.setdefault(m["aspect"], {"positive": 0, "neutral": 0, "negative": 0})
        c[label] += 1
        w = weights.setdefault(m["aspect"], {"positive": 0.0, "neutral": 0.0, "negative": 0.0})
        w[label] += m["weight"]
    return {a: overall(counts[a], weights[a]) for a in counts}


def score(docs: list[dict[str, Any]], decide: Any) -> tuple[float, int]:
    right = total = 0
    for doc in docs:
        got = doc_polarity(doc["mentions"], [decide(m) for m in doc["mentions"]])
        for aspect, polarity in doc["gold"].items():
            total += 1
            right += got.get(aspect) == polarity
    return right / max(total, 1), total


def with_buckets(data: dict[str, list[dict[str, Any]]], drop: tuple[str, ...] = ()) -> None:
    """Each mention's hashed features ("x"), leaving out those that start with `drop`."""
    for docs in data.values():
        for doc in docs:
            for m in doc["mentions"]:
                feats = mention_features(m["m"])
                kept = [f for f in feats if not f.startswith(drop)] if drop else feats
                m["x"] = sorted(set(hashed(kept)))


def training_rows(docs: list[dict[str, Any]], with_vec: bool) -> tuple[Any, np.ndarray]:
    """Hashed features (and, `with_vec`, the clause embedding times `VEC_SCALE`) of every
    mention of a labelled aspect; 1 = positive."""
    from scipy.sparse import csr_matrix, hstack

    rows, cols, ys, vecs = [], [], [], []
    for doc in docs:
        for m in doc["mentions"]:
            gold = doc["gold"].get(m["aspect"])
            if gold not in ("positive", "negative") or (with_vec and m["vec"] is None):
                continue
            r = len(ys)
            rows.extend([r] * len(m["x"]))
            cols.extend(m["x"])
            ys.append(1 if gold == "positive" else 0)
            if with_vec:
                vecs.append(m["vec"] * VEC_SCALE)
    x = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(ys), DIM))
    if with_vec:
        x = hstack([x, csr_matrix(np.stack(vecs))]).tocsr()
    return x, np.array(ys)


def _logistic(x: Any, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=0)
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def fit(
    docs: list[dict[str, Any]], emb_docs: list[dict[str, Any]] | None = None
) -> AspectPolarityModel:
    """The hashed-feature model on `docs`; with `emb_docs` (mentions collected with
    embeddings) also the one that reads the clause embedding."""
    w, b = _logistic(*training_rows(docs, False))
    emb = None
    if emb_docs is not None:
        coef, b2 = _logistic(*training_rows(emb_docs, True))
        emb = (coef[:DIM], coef[DIM:] * VEC_SCALE, b2)
    return AspectPolarityModel(w, b, emb=emb)


def decider(model: AspectPolarityModel) -> Any:
    w = np.asarray(model._w, dtype=np.float64)
    emb = None
    if model.emb is not None:
        emb = (np.asarray(model.emb[0], dtype=np.float64), model.emb[1], model.emb[2])

    def decide(m: dict[str, Any]) -> str:
        if m["neutral_rules"] == "neutral" and not m["polar"]:
            return str(m["rules"])
        if emb is not None and m["vec"] is not None:
            z = emb[2] + float(emb[0][m["x"]].sum()) + float(np.dot(emb[1], m["vec"]))
        else:
            z = model.bias + float(w[m["x"]].sum())
        return "positive" if z >= 0 else "negative"

    return decide


def load(embeddings: bool, cache: Path | None) -> dict[str, list[dict[str, Any]]]:
    key = cache / f"aspect_mentions_{'emb' if embeddings else 'fast'}.pkl" if cache else None
    if key is not None and key.exists():
        data: dict[str, list[dict[str, Any]]] = pickle.loads(key.read_bytes())  # noqa: S301 - our own cache
        return data
    data = {p.name: collect(p, embeddings) for p in files()}
    if key is not None:
        key.write_bytes(pickle.dumps(data))
    return data


def choose_c(data: dict[str, list[dict[str, Any]]], with_vec: bool) -> float:
    """The C of `GRID` with the best mean leave-one-file-out accuracy over `data`'s files
    (ties: the smaller C); sets `C` to it."""
    best, best_c = -1.0, GRID[0]
    for c in GRID:
        globals()["C"] = c
        accs = []
        for name in sorted(data):
            train = [d for other, docs in data.items() if other != name for d in docs]
            accs.append(score(data[name], decider(fit(train, train if with_vec else None)))[0])
        mean = sum(accs) / len(accs)
        if mean > best + 1e-12:
            best, best_c = mean, c
    globals()["C"] = best_c
    return best_c


def lofo(data: dict[str, list[dict[str, Any]]], with_vec: bool, nested: bool) -> None:
    rows = []
    for name in sorted(data):
        if nested:  # C chosen on the 13 training files only
            choose_c({k: v for k, v in data.items() if k != name}, with_vec)
        train = [d for other, docs in data.items() if other != name for d in docs]
        model = fit(train, train if with_vec else None)
        rules, n = score(data[name], lambda m: str(m["rules"]))
        learned, _ = score(data[name], decider(model))
        rows.append((name, n, rules, learned))
        print(
            f"| {name} | {n} | {rules:.3f} | {learned:.3f} | {learned - rules:+.3f} | C={C} |",
            flush=True,
        )
    mean_r = sum(r[2] for r in rows) / len(rows)
    mean_l = sum(r[3] for r in rows) / len(rows)
    wins = sum(r[3] > r[2] for r in rows)
    losses = sum(r[3] < r[2] for r in rows)
    print(f"| mean of {len(rows)} files | | {mean_r:.3f} | {mean_l:.3f} | {mean_l - mean_r:+.3f} |")
    n_all = sum(r[1] for r in rows)
    pooled_r = sum(r[1] * r[2] for r in rows) / n_all
    pooled_l = sum(r[1] * r[3] for r in rows) / n_all
    print(f"pooled over {n_all} aspects: rules {pooled_r:.3f}, learned {pooled_l:.3f}")
    print(
        f"learned better on {wins} files, worse on {losses}, equal on {len(rows) - wins - losses}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["lofo", "train"])
    ap.add_argument("--embeddings", action="store_true")
    ap.add_argument("--cache", type=Path, help="keep the collected mentions here")
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    ap.add_argument("--drop", default="", help="experiments: feature prefixes left out (a,b)")
    ap.add_argument("--C", type=float, default=C, help="experiments: inverse regularisation")
    ap.add_argument("--vec-scale", type=float, default=VEC_SCALE, help="experiments")
    ap.add_argument("--no-vec", action="store_true", help="experiments: embeddings path, no vec")
    ap.add_argument("--nested", action="store_true", help="choose C on the training files")
    args = ap.parse_args()
    globals()["C"] = args.C
    globals()["VEC_SCALE"] = args.vec_scale
    drop = tuple(x for x in args.drop.split(",") if x)
    if args.command == "lofo":
        data = load(args.embeddings, args.cache)
        with_buckets(data, drop)
        lofo(data, args.embeddings and not args.no_vec, args.nested)
    else:
        fast, emb = load(False, args.cache), load(True, args.cache)
        with_buckets(fast, drop)
        with_buckets(emb, drop)
        if args.nested:  # slow: 4 x 14 fits per path
            choose_c(fast, False)
        w, b = _logistic(*training_rows([d for docs in fast.values() for d in docs], False))
        c_fast = C
        if args.nested:
            choose_c(emb, True)
        coef, b2 = _logistic(*training_rows([d for docs in emb.values() for d in docs], True))
        version = f"aspect-polarity-1;C={c_fast:g},{C:g}"
        model = AspectPolarityModel(w, b, version, (coef[:DIM], coef[DIM:] * VEC_SCALE, b2))
        model.save(args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
