"""Brand-mention precision and recall per language on Sada's own labelled set, and the
agreement of mention sentiment with the labels (`bench/listening_labels.json`).

    .venv/bin/python bench/listening.py

Counts are over (post, brand) pairs: a brand found in a post it is not about is a false
positive (the alias-as-common-word traps), a brand missed is a false negative. Target:
precision and recall >= 0.9 in each language.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sada.listening.matching import BrandSpec, Matcher  # noqa: E402

LABELS = Path(__file__).with_name("listening_labels.json")


def evaluate(path: Path = LABELS) -> dict[str, dict[str, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    specs = [
        BrandSpec(i + 1, b["name"], b["kind"], tuple(b["aliases"]), tuple(b["exclude"]))
        for i, b in enumerate(data["brands"])
    ]
    names = {s.id: s.name for s in specs}
    posts = data["posts"]
    found = Matcher(specs).find([p["text"] for p in posts], [p["lang"] for p in posts])
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: list[str] = []
    for post, mentions in zip(posts, found, strict=True):
        c = counts[post["lang"]]
        c["posts"] += 1
        got = {names[m.brand_id]: m.sentiment for m in mentions}
        want = post["brands"]
        for brand in got.keys() | want.keys():
            if brand in got and brand in want:
                c["tp"] += 1
                c["sentiment_ok"] += got[brand] == want[brand]
            elif brand in got:
                c["fp"] += 1
                misses.append(f"FP {post['lang']} {brand}: {post['text']}")
            else:
                c["fn"] += 1
                misses.append(f"FN {post['lang']} {brand}: {post['text']}")
    out = {}
    for lang, c in sorted(counts.items()):
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        out[lang] = {
            "posts": c["posts"],
            "pairs": tp + fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
            "sentiment_accuracy": round(c["sentiment_ok"] / tp, 3) if tp else 0.0,
        }
    out["_misses"] = misses  # type: ignore[assignment]
    return out


def main() -> None:
    result = evaluate()
    misses = result.pop("_misses")
    print(f"{'lang':<5} {'posts':>5} {'pairs':>5} {'precision':>9} {'recall':>6} {'sentiment':>9}")
    for lang, r in result.items():
        print(
            f"{lang:<5} {r['posts']:>5} {r['pairs']:>5} {r['precision']:>9.3f} "
            f"{r['recall']:>6.3f} {r['sentiment_accuracy']:>9.3f}"
        )
    for line in misses:  # type: ignore[attr-defined]
        print(line)


if __name__ == "__main__":
    main()
