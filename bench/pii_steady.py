"""Steady-state speed of `find_pii`: warm on 300 texts of bench/text.py's corpus (seed 5),
then time `find_pii` over 1,500 others (seed 1) with process time, best of `--repeat`.

    python bench/pii_steady.py [--repeat 3] [--parts]

`--parts` also times the name tagger alone (`learned_names`), `find_names` and the rules
and frames without the tagger (`find_names(text, learned=False)`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.text import corpus  # noqa: E402
from sada.text.pii import find_pii  # noqa: E402
from sada.text.pii_names import find_names  # noqa: E402
from sada.text.pii_names_learned import learned_names  # noqa: E402


def best_us(fn: Callable[[str], object], texts: list[str], repeat: int) -> float:
    """The best of `repeat` timings of `fn` over `texts`, in µs of process time a text."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
    return best / len(texts) * 1e6


def rules_and_frames(text: str) -> object:
    return find_names(text, learned=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parts", action="store_true")
    args = parser.parse_args()
    for text in corpus(300, seed=5):
        find_pii(text)
    texts = corpus(1500, seed=1)
    us = best_us(find_pii, texts, args.repeat)
    print(f"find_pii: {us:.0f} µs a text (best of {args.repeat})")
    if args.parts:
        for name, fn in (
            ("learned_names", learned_names),
            ("find_names", find_names),
            ("rules and frames", rules_and_frames),
        ):
            print(f"{name}: {best_us(fn, texts, args.repeat):.0f} µs a text")


if __name__ == "__main__":
    main()
