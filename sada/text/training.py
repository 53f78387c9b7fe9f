"""Training of the linear sentiment models with numpy/scipy only.

No scikit-learn: vocabulary selection (document frequency, then chi-squared),
TF-IDF weighting and a multinomial logistic regression fitted with L-BFGS are
written here, so `sada text train` works in any installation and the shipped
models are applied by exactly the code that trained them.

A workspace can fine-tune a shipped model on its own labels: the vocabulary
and idf stay, and the weights are pulled towards the shipped ones (an L2 prior
centred on them) instead of towards zero.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, sparse

from sada.text.features import LEXICON_MARK, FeatureConfig, analyze_prepared
from sada.text.normalize import model_text
from sada.text.sentiment import LinearSentimentModel, label_with_band, softmax

CLASS_ORDER = ("negative", "neutral", "positive")


@dataclass
class Example:
    text: str
    label: str
    lang: str
    source: str = ""
    domain: str = ""
    dialect: str = ""


def read_jsonl(path: str | Path) -> list[Example]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            label = str(row.get("label", "")).lower()
            if label not in CLASS_ORDER:
                continue
            out.append(
                Example(
                    text=str(row.get("text", "")),
                    label=label,
                    lang=str(row.get("lang", "")),
                    source=str(row.get("source", Path(path).stem)),
                    domain=str(row.get("domain", "")),
                    dialect=str(row.get("dialect", "") or ""),
                )
            )
    return out


# Label spellings found in other people's files, mapped to the three classes.
LABEL_SYNONYMS = {
    **{k: "positive" for k in ("positive", "pos", "p", "+", "+1", "good")},
    **{k: "negative" for k in ("negative", "neg", "n", "-", "-1", "bad")},
    **{k: "neutral" for k in ("neutral", "neu", "neut", "obj", "objective", "none", "0")},
}
_TEXT_KEYS = ("text", "content", "sentence", "review", "tweet", "comment")
_LABEL_KEYS = ("label", "sentiment", "polarity", "class")


def read_labelled(path: str | Path) -> tuple[list[Example], int]:
    """(examples, rows skipped) from a JSONL or CSV file of labelled texts.

    Accepts the shared data format and common variants: the text under `text`,
    `content`, `sentence`, `review`, `tweet` or `comment`; the label under `label`,
    `sentiment`, `polarity` or `class`, spelled positive/pos/+1, negative/neg/-1,
    neutral/neu/objective/0 (any case). "0" counts as neutral only beside -1 and 1:
    a file whose labels are just 0 and 1 is ambiguous and skipped row by row.
    Rows without text or with another label are counted as skipped.
    """
    import csv

    path = Path(path)
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        if path.suffix.lower() in (".csv", ".tsv"):
            reader = csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
            rows = [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]
        else:
            rows = [json.loads(line) for line in fh if line.strip()]
    raw_labels = {str(_first(r, _LABEL_KEYS)).strip().lower() for r in rows}
    zero_one = "0" in raw_labels and "-1" not in raw_labels
    out: list[Example] = []
    skipped = 0
    for row in rows:
        text = str(_first(row, _TEXT_KEYS) or "")
        raw = str(_first(row, _LABEL_KEYS)).strip().lower()
        label = LABEL_SYNONYMS.get(raw, "")
        if raw == "0" and zero_one:
            label = ""
        if not text.strip() or not label:
            skipped += 1
            continue
        out.append(
            Example(
                text=text,
                label=label,
                lang=str(row.get("lang") or row.get("language") or ""),
                source=str(row.get("source") or path.stem),
                domain=str(row.get("domain") or ""),
                dialect=str(row.get("dialect") or ""),
            )
        )
    return out, skipped


def _first(row: dict[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if row.get(key) not in (None, ""):
            return row[key]
    return ""


def _tfidf(docs: Sequence[list[str]], vocab: dict[str, int], idf: np.ndarray) -> sparse.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for feats in docs:
        counts = Counter(i for i in map(vocab.get, feats) if i is not None)
        if counts:
            cols = list(counts)
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(cols))
            vals = (1.0 + np.log(tf)) * idf[cols]
            vals /= float(np.sqrt(vals @ vals)) or 1.0
            indices.extend(cols)
            data.extend(vals.tolist())
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(docs), len(vocab)),
    )


def select_vocabulary(
    docs: Sequence[list[str]], y: np.ndarray, n_classes: int, max_features: int, min_df: int = 2
) -> tuple[list[str], np.ndarray]:
    """Features kept by document frequency >= min_df, then the top by chi-squared."""
    df: Counter[str] = Counter()
    for feats in docs:
        df.update(set(feats))
    candidates = [f for f, c in df.items() if c >= min_df]
    index = {f: i for i, f in enumerate(candidates)}
    rows, cols = [], []
    for r, feats in enumerate(docs):
        for c in {index[f] for f in feats if f in index}:
            rows.append(r)
            cols.append(c)
    x = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(docs), len(candidates))
    )
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    observed = np.asarray((x.T @ onehot).T)  # classes x features
    feature_count = np.asarray(x.sum(axis=0)).ravel()
    class_prob = onehot.mean(axis=0)
    expected = np.outer(class_prob, feature_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.nansum((observed - expected) ** 2 / np.where(expected > 0, expected, 1), axis=0)
    keep = np.argsort(-chi2, kind="stable")[:max_features]
    keep.sort()
    vocab = [candidates[i] for i in keep]
    n_docs = len(docs)
    dfs = np.array([df[f] for f in vocab], dtype=np.float64)
    idf = np.log((1.0 + n_docs) / (1.0 + dfs)) + 1.0
    return vocab, idf


def nb_scale(
    x: sparse.csr_matrix,
    y: np.ndarray,
    n_classes: int,
    power: float,
    sample_weight: np.ndarray | None = None,
    alpha: float = 1.0,
) -> np.ndarray:
    """Per-feature scale from naive-Bayes log-count ratios (as in NB-SVM).

    For each class against the rest, r = log((a + f_c) / |a + f_c|_1) - log((a + f_rest) /
    |a + f_rest|_1) over the (weighted) number of texts holding the feature; the scale is
    max over classes of |r|, raised to `power`. Multiplied into the idf, it lets the L2
    penalty fall less on the n-grams that separate the classes; applying the model is
    unchanged (the scale is stored inside the idf)."""
    w = np.ones(x.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    present = (x > 0).astype(np.float64)
    onehot = np.eye(n_classes)[y] * w[:, None]
    per_class = np.asarray(present.T @ onehot).T  # classes x features
    total = per_class.sum(axis=0)
    best = np.zeros(x.shape[1])
    for c in range(n_classes):
        p = alpha + per_class[c]
        q = alpha + (total - per_class[c])
        r = np.log(p / p.sum()) - np.log(q / q.sum())
        best = np.maximum(best, np.abs(r))
    scale = best**power
    return scale / max(float(scale.mean()), 1e-12)


def fit_logistic(
    x: sparse.csr_matrix,
    y: np.ndarray,
    n_classes: int,
    *,
    c: float = 4.0,
    sample_weight: np.ndarray | None = None,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    max_iter: int = 300,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, L2-penalized (towards `prior` when given)."""
    n, d = x.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    w = w * (n / w.sum())
    onehot = np.eye(n_classes)[y]
    coef0 = np.zeros((n_classes, d)) if prior is None else prior[0].astype(np.float64)
    b0 = np.zeros(n_classes) if prior is None else prior[1].astype(np.float64)
    lam = 1.0 / c
    xt = x.T.tocsr() if sparse.issparse(x) else np.ascontiguousarray(x.T)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef = theta[: n_classes * d].reshape(n_classes, d)
        b = theta[n_classes * d :]
        z = np.asarray(x @ coef.T) + b
        z -= z.max(axis=1, keepdims=True)
        logsum = np.log(np.exp(z).sum(axis=1, keepdims=True))
        logp = z - logsum
        nll = -float((w[:, None] * onehot * logp).sum())
        diff = coef - coef0
        value = nll + 0.5 * lam * float((diff * diff).sum())
        g = w[:, None] * (np.exp(logp) - onehot)  # n x k
        grad_coef = np.asarray(xt @ g).T + lam * diff
        grad_b = g.sum(axis=0)
        return value, np.concatenate([grad_coef.ravel(), grad_b])

    theta0 = np.concatenate([coef0.ravel(), b0])
    res = optimize.minimize(
        loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter}
    )
    theta = res.x
    return theta[: n_classes * d].reshape(n_classes, d), theta[n_classes * d :]


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Scalar T minimizing held-out negative log-likelihood of softmax(z / T)."""

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return -float(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())

    res = optimize.minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded")
    return float(res.x)


def balanced_weights(
    labels: Sequence[str], sources: Sequence[str], *, cap: float = 3.0, per_source: bool = False
) -> np.ndarray:
    """Each source weighs about the same in total; classes balanced within the mix.

    With `per_source`, classes are first balanced within each source (capped the same
    way), so that a class a source rarely holds (neutral reviews) is not learned from the
    other sources' texts alone; then the mix is balanced as before.
    """
    src_count = Counter(sources)
    n = len(labels)
    share = n / max(1, len(src_count))
    w = np.array([min(cap, max(1 / cap, share / src_count[s])) for s in sources])
    if per_source:
        pair_count = Counter(zip(sources, labels, strict=True))
        k_of = Counter(s for s, _ in pair_count)
        w = w * np.array(
            [
                min(cap, src_count[s] / (k_of[s] * pair_count[(s, label)]))
                for s, label in zip(sources, labels, strict=True)
            ]
        )
    class_mass: dict[str, float] = {}
    for label, wi in zip(labels, w, strict=True):
        class_mass[label] = class_mass.get(label, 0.0) + float(wi)
    total = sum(class_mass.values())
    k = len(class_mass)
    cw = {c: min(cap, total / (k * m)) for c, m in class_mass.items()}
    return w * np.array([cw[label] for label in labels])


def train_linear(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    lang: str,
    config: FeatureConfig,
    max_features: int,
    c: float = 4.0,
    sample_weight: np.ndarray | None = None,
    dev: tuple[Sequence[str], Sequence[str]] | None = None,
    threshold: float | None = None,
    meta: dict[str, Any] | None = None,
    lexicon_boost: float = 3.0,
    nb_power: float = 0.0,
) -> LinearSentimentModel:
    classes = [c_ for c_ in CLASS_ORDER if c_ in set(labels)]
    if len(classes) < 2:
        raise ValueError("training needs at least two distinct labels")
    cidx = {c_: i for i, c_ in enumerate(classes)}
    y = np.array([cidx[label] for label in labels])
    docs = [analyze_prepared(model_text(t), config) for t in texts]
    vocab, idf = select_vocabulary(docs, y, len(classes), max_features)
    # Lexicon markers are few among thousands of n-grams; give them more room.
    for i, f in enumerate(vocab):
        if f.startswith(LEXICON_MARK):
            idf[i] *= lexicon_boost
    vmap = {f: i for i, f in enumerate(vocab)}
    x = _tfidf(docs, vmap, idf)
    if nb_power:
        idf = idf * nb_scale(x, y, len(classes), nb_power, sample_weight)
        x = _tfidf(docs, vmap, idf)
    coef, intercept = fit_logistic(x, y, len(classes), c=c, sample_weight=sample_weight)
    model = LinearSentimentModel(
        lang=lang,
        classes=classes,
        config=config,
        vocab_list=vocab,
        idf=idf.astype(np.float32),
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
        meta=dict(meta or {}),
    )
    if dev is not None and len(dev[0]) > 20:
        dev_y = np.array([cidx.get(label, -1) for label in dev[1]])
        mask = dev_y >= 0
        logits = model.decision(
            model.transform([t for t, m in zip(dev[0], mask, strict=True) if m])
        )
        model.temperature = fit_temperature(logits, dev_y[mask])
        model.neutral_below = tune_neutral_band(model, dev[0], dev[1])
    model.threshold = threshold if threshold is not None else (0.6 if len(classes) == 2 else 0.5)
    return model


BAND_GRID = (0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def tune_neutral_band(
    model: LinearSentimentModel,
    texts: Sequence[str],
    labels: Sequence[str],
    proba: np.ndarray | None = None,
) -> float:
    """The neutral band with the best three-class macro-F1 on labelled held-out texts.

    Only texts of three-class data count (a set without neutral labels cannot say
    where neutral begins); returns 0 (plain argmax) when there are none.
    """
    pairs = [(i, label) for i, label in enumerate(labels)]
    if "neutral" not in set(labels):
        return 0.0
    if proba is None:
        proba = model.predict_proba(list(texts))
    best = (-1.0, 0.0)
    for band in BAND_GRID:
        pred = [label_with_band(model.classes, proba[i], band) for i, _ in pairs]
        f1 = scores_for([lab for _, lab in pairs], pred, list(CLASS_ORDER))["macro_f1"]
        if f1 > best[0] + 1e-4:
            best = (f1, band)
    return best[1]


def fine_tune(
    base: LinearSentimentModel,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    c: float = 1.0,
    meta: dict[str, Any] | None = None,
) -> LinearSentimentModel:
    """Adapt a model to a workspace's labels: same vocabulary, weights pulled to the base."""
    classes = list(base.classes)
    cidx = {c_: i for i, c_ in enumerate(classes)}
    pairs = [(t, cidx[label]) for t, label in zip(texts, labels, strict=True) if label in cidx]
    if not pairs:
        raise ValueError(f"no example has one of the model's labels {classes}")
    x = base.transform([t for t, _ in pairs])
    y = np.array([i for _, i in pairs])
    coef, intercept = fit_logistic(
        x, y, len(classes), c=c, prior=(base.coef, base.intercept), max_iter=200
    )
    return LinearSentimentModel(
        lang=base.lang,
        classes=classes,
        config=base.config,
        vocab_list=base.vocab_list,
        idf=base.idf,
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
        temperature=base.temperature,
        threshold=base.threshold,
        neutral_below=base.neutral_below,
        meta={**base.meta, **(meta or {}), "fine_tuned_on": len(pairs)},
    )


# ------------------------------------------------------------------ metrics
def scores_for(
    labels: Iterable[str], predicted: Iterable[str], classes: Sequence[str]
) -> dict[str, Any]:
    labels = list(labels)
    predicted = list(predicted)
    n = len(labels)
    confusion = {a: {b: 0 for b in classes} for a in classes}
    for a, b in zip(labels, predicted, strict=True):
        if a in confusion and b in confusion[a]:
            confusion[a][b] += 1
    per_class = {}
    for cls in classes:
        tp = confusion[cls][cls]
        fp = sum(confusion[o][cls] for o in classes if o != cls)
        fn = sum(confusion[cls][o] for o in classes if o != cls)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per_class[cls] = round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0
    present = [c_ for c_ in classes if any(label == c_ for label in labels)]
    macro = sum(per_class[c_] for c_ in present) / len(present) if present else 0.0
    acc = sum(1 for a, b in zip(labels, predicted, strict=True) if a == b) / n if n else 0.0
    return {
        "n": n,
        "accuracy": round(acc, 4),
        "macro_f1": round(macro, 4),
        "per_class_f1": per_class,
        "confusion": confusion,
    }


def brier(proba: np.ndarray, y: np.ndarray) -> float:
    onehot = np.eye(proba.shape[1])[y]
    return float(((proba - onehot) ** 2).sum(axis=1).mean())


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        mask = (conf > lo) & (conf <= lo + 1 / bins)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece) if not math.isnan(ece) else 0.0
