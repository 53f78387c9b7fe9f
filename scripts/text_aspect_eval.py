"""Aspect polarity on contrastive sentences we wrote in four languages.

    python scripts/text_aspect_eval.py [--embeddings] [FILE]

Each line of the fixture names the aspects a sentence speaks of and the
polarity each one has ("the food was great but delivery was late": food
positive, delivery negative). Prints the share of aspects found with the
expected polarity, per language, and the misses.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.evaluate import score_aspects  # noqa: E402
from sada.text.pipeline import TextPipeline  # noqa: E402

FIXTURE = ROOT / "tests" / "text" / "fixtures" / "aspects_contrastive.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=FIXTURE)
    ap.add_argument("--embeddings", action="store_true")
    args = ap.parse_args()
    items = [json.loads(x) for x in args.file.read_text(encoding="utf-8").splitlines() if x]
    pipeline = TextPipeline(embedder=None if args.embeddings else False)
    report = score_aspects(items, lambda text, lang: pipeline.analyze(text, language=lang))
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
