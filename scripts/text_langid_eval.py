"""Measure language identification on the shared data (full texts, <=30 chars, and
Persian typed with Arabic letters). Run: python scripts/text_langid_eval.py [N]"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

from sada.text.langid import detect_language

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sentiment"


def load(n: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    out: dict[str, list[str]] = {}
    for f in sorted(DATA.glob("*.jsonl")):
        rows = [json.loads(line) for line in f.open(encoding="utf-8")]
        rng.shuffle(rows)
        out.setdefault(rows[0]["lang"], []).extend(r["text"] for r in rows[:n])
    return out


def short(text: str, rng: random.Random) -> str:
    words = text.split()
    if not words:
        return text
    if len(words) == 1 or max(len(w) for w in words) > 30:  # Chinese: characters
        start = rng.randrange(max(1, len(text) - 10))
        return text[start : start + rng.randint(4, 15)]
    start = rng.randrange(len(words))
    out = ""
    for w in words[start:]:
        if len(out) + len(w) + 1 > 30:
            break
        out = (out + " " + w).strip()
    return out or words[start][:30]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(11)
    data = load(n)
    sets = {
        "full": [(t, lang) for lang, ts in data.items() for t in ts],
        "short<=30": [(short(t, rng), lang) for lang, ts in data.items() for t in ts],
        "fa_arabic_letters": [
            (t.replace("ی", "ي").replace("ک", "ك"), "fa") for t in data.get("fa", [])
        ],
    }
    script_ok = {
        "ar": re.compile(r"[\u0600-\u06ff]{2}"), "fa": re.compile(r"[\u0600-\u06ff]{2}"),
        "zh": re.compile(r"[\u4e00-\u9fff]"), "en": re.compile(r"[A-Za-z]{2}"),
    }  # fmt: skip
    sets["short<=30, letters of the file's script"] = [
        (t, lang)
        for t, lang in sets["short<=30"]
        if script_ok[lang].search(t)
        and not (
            lang in ("ar", "fa")
            and re.search(r"[A-Za-z]{3}", t)
            and len(re.findall(r"[A-Za-z]", t)) > len(re.findall(r"[\u0600-\u06ff]", t))
        )
    ]
    for name, items in sets.items():
        t0 = time.perf_counter()
        errors: Counter[tuple[str, str]] = Counter()
        ok = 0
        for text, lang in items:
            got = detect_language(text).language
            ok += got == lang
            if got != lang:
                errors[(lang, got)] += 1
        dt = time.perf_counter() - t0
        print(
            f"{name}: n={len(items)} accuracy={ok / len(items):.4f} "
            f"({len(items) / dt:.0f}/s) errors={dict(errors.most_common(6))}"
        )
        if "-v" in sys.argv:
            for text, lang in items[:]:
                got = detect_language(text).language
                if got != lang:
                    print("   ", lang, got, repr(text[:80]))


if __name__ == "__main__":
    main()
