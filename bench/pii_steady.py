"""Steady-state speed of `find_pii`: warm on 300 texts of bench/text.py's corpus (seed 5),
then time `find_pii` over 1,500 others (seed 1) with process time, best of `--repeat`.

    python bench/pii_steady.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from bench.text import corpus
from sada.text.pii import find_pii


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for text in corpus(300, seed=5):
        find_pii(text)
    texts = corpus(1500, seed=1)
    best = float("inf")
    for _ in range(args.repeat):
        start = time.process_time()
        for text in texts:
            find_pii(text)
        best = min(best, time.process_time() - start)
    print(f"find_pii: {best / len(texts) * 1e6:.0f} µs a text (best of {args.repeat})")


if __name__ == "__main__":
    main()
