"""Build sada/text/models_data/lexicon_en.json from the VADER lexicon.

Source: vaderSentiment 3.3.2, vader_lexicon.txt (MIT License, (c) C.J. Hutto).
Kept: alphabetic entries (and a few with apostrophes) whose mean valence is at
least 1.0 in absolute value, as +1/-1, or +2/-2 when at least 2.5.
Build time only: `pip install vadersentiment`, then run this script.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import vaderSentiment

SRC = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
OUT = Path(__file__).resolve().parents[1] / "sada" / "text" / "models_data" / "lexicon_en.json"


def main() -> None:
    words: dict[str, int] = {}
    for line in SRC.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        token, value = parts[0].strip().lower(), float(parts[1])
        if not re.fullmatch(r"[a-z]+(?:'[a-z]+)?", token) or abs(value) < 1.0:
            continue
        words[token] = (2 if abs(value) >= 2.5 else 1) * (1 if value > 0 else -1)
    OUT.write_text(
        json.dumps(
            {
                "source": "vaderSentiment 3.3.2 vader_lexicon.txt (MIT, (c) C.J. Hutto)",
                "words": dict(sorted(words.items())),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )
    print(f"{len(words)} words -> {OUT}")


if __name__ == "__main__":
    main()
