"""Linear TF-IDF sentiment models shipped as plain arrays, applied with numpy/scipy.

A model is two files side by side:

- ``sentiment_<lang>.npz``: ``vocab`` (UTF-8 bytes of the n-grams joined by
  newlines), ``idf`` (float16), ``coef`` (float16, classes x features),
  ``intercept`` (float32); no pickles.
- ``sentiment_<lang>.json``: classes, feature configuration, the calibration
  temperature, the uncertainty threshold, training sources and measured scores.

Scores are softmax(z / T): T is fitted on held-out data so that probabilities are
calibrated. Every model answers in three classes: besides the neutral class (when
it was trained with one), a text is neutral when neither positive nor negative
reaches the model's calibrated *neutral band* (``neutral_below``, chosen on
held-out data for the best three-class macro-F1, and measured in the model card).
A prediction whose top probability is below the model's threshold is marked
``uncertain``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from sada.text.features import FeatureConfig, analyze, analyze_prepared

LABELS = ("negative", "neutral", "positive")
SHIPPED_DIR = Path(__file__).parent / "models_data"


@dataclass
class SentimentResult:
    label: str
    scores: dict[str, float]
    uncertain: bool
    model: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "scores": self.scores,
            "uncertain": self.uncertain,
            "model": self.model,
        }


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class LinearSentimentModel:
    lang: str
    classes: list[str]
    config: FeatureConfig
    vocab_list: list[str]
    idf: np.ndarray
    coef: np.ndarray  # (classes, features) float32
    intercept: np.ndarray  # (classes,)
    temperature: float = 1.0
    threshold: float = 0.5
    neutral_below: float = 0.0  # neutral when max(p_pos, p_neg) is below this
    meta: dict[str, Any] = field(default_factory=dict)
    _vocab: dict[str, int] | None = None

    @property
    def version(self) -> str:
        return str(self.meta.get("version", f"tfidf-lr-{self.lang}"))

    @property
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:
            self._vocab = {f: i for i, f in enumerate(self.vocab_list)}
        return self._vocab

    # ----------------------------------------------------------------- I/O
    @classmethod
    def load(cls, directory: Path, lang: str) -> LinearSentimentModel:
        meta = json.loads((directory / f"sentiment_{lang}.json").read_text(encoding="utf-8"))
        with np.load(directory / f"sentiment_{lang}.npz", allow_pickle=False) as z:
            vocab_list = bytes(z["vocab"].tobytes()).decode("utf-8").split("\n")
            idf = z["idf"].astype(np.float32)
            coef = z["coef"].astype(np.float32)
            intercept = z["intercept"].astype(np.float32)
        if coef.shape != (len(meta["classes"]), len(vocab_list)) or idf.shape[0] != len(vocab_list):
            raise ValueError(f"sentiment model for {lang} in {directory} is inconsistent")
        return cls(
            lang=lang,
            classes=list(meta["classes"]),
            config=FeatureConfig.from_dict(meta["features"]),
            vocab_list=vocab_list,
            idf=idf,
            coef=coef,
            intercept=intercept,
            temperature=float(meta.get("temperature", 1.0)),
            threshold=float(meta.get("uncertain_below", 0.5)),
            neutral_below=float(meta.get("neutral_below", 0.0)),
            meta=meta,
        )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        blob = "\n".join(self.vocab_list).encode("utf-8")
        np.savez_compressed(
            directory / f"sentiment_{self.lang}.npz",
            vocab=np.frombuffer(blob, dtype=np.uint8),
            idf=self.idf.astype(np.float16),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
        )
        meta = dict(self.meta)
        meta.update(
            lang=self.lang,
            classes=self.classes,
            features=self.config.to_dict(),
            temperature=self.temperature,
            uncertain_below=self.threshold,
            neutral_below=self.neutral_below,
            n_features=len(self.vocab_list),
        )
        (directory / f"sentiment_{self.lang}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    # ------------------------------------------------------------- scoring
    def transform(self, texts: list[str], *, prepared: bool = False) -> sparse.csr_matrix:
        """Sublinear TF-IDF rows, L2-normalised, as a CSR matrix (columns of a row in the
        order their n-grams first occur). The weights are computed for the whole batch in
        one pass and each row is divided by its own norm (the float32 operations a row at a
        time would do, so the values are the same to the bit)."""
        get = self.vocab.get
        bounds = [0]
        found: list[int] = []  # column of each distinct n-gram, -1 outside the vocabulary
        tfs: list[int] = []
        for text in texts:
            feats = analyze_prepared(text, self.config) if prepared else analyze(text, self.config)
            counts = Counter(feats)
            found.extend(map(get, counts, repeat(-1)))
            tfs.extend(counts.values())
            bounds.append(len(found))
        col_all = np.asarray(found, dtype=np.int64)
        known = col_all >= 0
        kept = np.concatenate(([0], np.cumsum(known)))
        indptr = kept[bounds].tolist()
        cols = col_all[known].astype(np.int32)
        tf = np.asarray(tfs, dtype=np.float32)[known]
        data = (1.0 + np.log(tf)) * self.idf[cols]
        for a, b in zip(indptr, indptr[1:], strict=False):
            if b > a:
                row = data[a:b]
                row /= float(np.sqrt(row @ row)) or 1.0
        return sparse.csr_matrix(
            (data.astype(np.float32, copy=False), cols, indptr),
            shape=(len(texts), len(self.vocab_list)),
        )

    def decision(self, x: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.coef.T) + self.intercept

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probabilities over `self.classes`, one row per text."""
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        return softmax(self.decision(self.transform(texts)) / self.temperature)

    def label_of(self, proba: np.ndarray, neutral_below: float | None = None) -> str:
        """Three-class label: argmax, or neutral inside the neutral band."""
        band = self.neutral_below if neutral_below is None else neutral_below
        return label_with_band(self.classes, proba, band)

    def result_from_proba(self, proba: np.ndarray) -> SentimentResult:
        scores = {label: 0.0 for label in LABELS}
        for cls, p in zip(self.classes, proba, strict=True):
            scores[cls] = round(float(p), 4)
        top = float(np.max(proba))
        uncertain = top < self.threshold
        label = self.label_of(proba)
        if uncertain and "neutral" not in self.classes:
            label = "neutral"
        return SentimentResult(label, scores, uncertain, self.version)

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        return [self.result_from_proba(p) for p in self.predict_proba(texts)]


def label_with_band(classes: list[str], proba: np.ndarray, band: float) -> str:
    """argmax over `classes`, except neutral when neither pole reaches `band`."""
    best = classes[int(np.argmax(proba))]
    if band and best != "neutral" and "positive" in classes and "negative" in classes:
        polar = max(proba[classes.index("positive")], proba[classes.index("negative")])
        if float(polar) < band:
            return "neutral"
    return best


def neutral_result(model: str = "none") -> SentimentResult:
    return SentimentResult(
        "neutral", {"negative": 0.0, "neutral": 1.0, "positive": 0.0}, True, model
    )


@lru_cache(maxsize=16)
def _load_cached(directory: str, lang: str) -> LinearSentimentModel | None:
    path = Path(directory)
    if not (path / f"sentiment_{lang}.npz").exists():
        return None
    return LinearSentimentModel.load(path, lang)


def load_model(lang: str, directory: str | Path | None = None) -> LinearSentimentModel | None:
    """The sentiment model for `lang`: from `directory` when it has one, else shipped."""
    if directory is not None:
        model = _load_cached(str(directory), lang)
        if model is not None:
            return model
    return _load_cached(str(SHIPPED_DIR), lang)


def available_languages(directory: str | Path | None = None) -> list[str]:
    dirs = [SHIPPED_DIR] + ([Path(directory)] if directory else [])
    langs = {p.stem.split("_", 1)[1] for d in dirs for p in d.glob("sentiment_*.npz")}
    return sorted(langs)


def entropy(proba: np.ndarray) -> float:
    return float(-sum(p * math.log(p) for p in proba if p > 0))


@dataclass
class EmbeddingHead:
    """A multilingual logistic head over centred sentence embeddings.

    Used in an ensemble with the TF-IDF model when the pipeline has embeddings:
    p = (1 - w) * p_tfidf + w * p_head, with w per language from held-out data.
    ``center`` (the mean embedding of a background sample) is also what topic and
    aspect similarity subtract, because raw e5 cosines crowd between 0.75 and 0.95.
    With ``hidden`` (units x dim) and ``hidden_bias`` the head is a one-hidden-layer
    network: relu(v @ hidden.T + hidden_bias) before the logistic layer.
    """

    embedder: str
    classes: list[str]
    center: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float = 1.0
    weights: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    hidden: np.ndarray | None = None
    hidden_bias: np.ndarray | None = None

    def centred(self, vecs: np.ndarray) -> np.ndarray:
        v = np.atleast_2d(vecs) - self.center
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)

    def predict_proba(self, vecs: np.ndarray) -> np.ndarray:
        return softmax(self.logits(vecs) / self.temperature)

    def logits(self, vecs: np.ndarray) -> np.ndarray:
        v = self.centred(vecs)
        if self.hidden is not None and self.hidden_bias is not None:
            v = np.maximum(v @ self.hidden.T + self.hidden_bias, 0.0)
        return np.asarray(v @ self.coef.T + self.intercept)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "center": self.center.astype(np.float16),
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept.astype(np.float32),
        }
        if self.hidden is not None and self.hidden_bias is not None:
            arrays["hidden"] = self.hidden.astype(np.float16)
            arrays["hidden_bias"] = self.hidden_bias.astype(np.float32)
        np.savez_compressed(directory / "sentiment_head.npz", **arrays)
        meta = dict(self.meta)
        meta.update(
            embedder=self.embedder,
            classes=self.classes,
            temperature=self.temperature,
            weights=self.weights,
        )
        (directory / "sentiment_head.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> EmbeddingHead | None:
        if not (directory / "sentiment_head.npz").exists():
            return None
        meta = json.loads((directory / "sentiment_head.json").read_text(encoding="utf-8"))
        with np.load(directory / "sentiment_head.npz", allow_pickle=False) as z:
            center = z["center"].astype(np.float32)
            coef = z["coef"].astype(np.float32)
            intercept = z["intercept"].astype(np.float32)
            hidden = z["hidden"].astype(np.float32) if "hidden" in z.files else None
            hidden_bias = z["hidden_bias"].astype(np.float32) if "hidden_bias" in z.files else None
        return cls(
            embedder=meta["embedder"],
            classes=list(meta["classes"]),
            center=center,
            coef=coef,
            intercept=intercept,
            temperature=float(meta.get("temperature", 1.0)),
            weights={k: float(v) for k, v in meta.get("weights", {}).items()},
            meta=meta,
            hidden=hidden,
            hidden_bias=hidden_bias,
        )


@lru_cache(maxsize=4)
def load_head(directory: str | None = None) -> EmbeddingHead | None:
    if directory is not None:
        head = EmbeddingHead.load(Path(directory))
        if head is not None:
            return head
    return EmbeddingHead.load(SHIPPED_DIR)


def combine(
    model: LinearSentimentModel,
    p_lin: np.ndarray,
    head: EmbeddingHead,
    p_head: np.ndarray,
    w: float,
) -> np.ndarray:
    """Mix head probabilities into the linear model's class order."""
    mapped = np.zeros_like(p_lin)
    for j, cls in enumerate(model.classes):
        if cls in head.classes:
            mapped[:, j] = p_head[:, head.classes.index(cls)]
    mapped /= np.maximum(mapped.sum(axis=1, keepdims=True), 1e-9)
    return (1.0 - w) * p_lin + w * mapped
