"""Build sada/text/models_data/zh_t2s.json: a character map traditional -> simplified.

Source: the character tables of `hanziconv` 0.3.2 (Apache-2.0, (c) 2014 Bernard Yue),
themselves from the CUHK traditional/simplified table. Only characters whose
traditional form differs from the simplified one are kept; characters that are also
used as simplified characters are left out so simplified text is never changed.

Run: python scripts/text_build_t2s.py   (needs `pip install hanziconv`, build time only)
"""

from __future__ import annotations

import json
from pathlib import Path

from hanziconv import charmap

OUT = Path(__file__).resolve().parents[1] / "sada" / "text" / "models_data" / "zh_t2s.json"


def main() -> None:
    trad = charmap.traditional_charmap
    simp = charmap.simplified_charmap
    assert len(trad) == len(simp)
    simplified_set = set(simp)
    mapping: dict[str, str] = {}
    for t, s in zip(trad, simp, strict=True):
        if t == s or t in simplified_set or t.isspace():
            continue
        mapping.setdefault(t, s)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "source": "hanziconv 0.3.2 character tables (Apache-2.0, (c) 2014 Bernard Yue)",
                "map": dict(sorted(mapping.items())),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )
    print(f"{len(mapping)} characters -> {OUT}")


if __name__ == "__main__":
    main()
