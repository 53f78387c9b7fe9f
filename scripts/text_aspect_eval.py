"""Aspect polarity on contrastive sentences we wrote in four languages.

    python scripts/text_aspect_eval.py [--embeddings] [--brief] [FILE ...]

Each line of a fixture names the aspects a sentence speaks of and the polarity
each one has ("the food was great but delivery was late": food positive,
delivery negative). Prints, per file, the share of aspects found with the
expected polarity (overall and per language), the same share on slices of the
sentences (negation, emoji, traditional Chinese, dialectal Arabic, colloquial
Persian, more than one clause, texts with a positive and a negative aspect),
how many misses are aspects not found at all, and the misses (`--brief`: not
the misses).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sada.text.evaluate import score_aspects  # noqa: E402
from sada.text.normalize import model_text, to_simplified  # noqa: E402
from sada.text.pipeline import TextPipeline  # noqa: E402
from sada.text.polarity import _EMOJI_ANY, _EMOTICONS, lexicon  # noqa: E402
from sada.text.sentences import split_clauses  # noqa: E402

FIXTURE = ROOT / "tests" / "text" / "fixtures" / "aspects_contrastive.jsonl"

_WORDS = re.compile(r"[^\W\d_]+(?:'[a-z]+)?")
# Markers of spoken Arabic (Egyptian, Levantine, Gulf) and colloquial Persian, as
# `model_text` spells them; a sentence holding one is in the slice.
_AR_DIALECT = set(
    model_text("مش مو مب بس شو ايش وايد اوي هيك كتير بدي عشان علشان ليش مره زي اللي ده دي").split()
)
_FA_COLLOQUIAL = set(
    model_text(
        "خیلی دیگه همش اصلا الان خوبه بده گرونه نمیشه میشه نمیکنه میکنه هست بود داره نداره"
    ).split()
)
_ZH_NEG = ("不", "没", "别", "无", "未")


def slices(item: dict[str, Any]) -> list[str]:
    """The slices a labelled sentence belongs to."""
    text, lang = str(item["text"]), str(item["lang"])
    folded = model_text(text)
    tokens = set(_WORDS.findall(folded))
    out = []
    negators = lexicon(True)[1]
    if (
        tokens & negators
        or (lang == "zh" and any(n in folded for n in _ZH_NEG))
        or (
            lang == "fa"
            and any(t.startswith(("نمی", "نی", "نب", "ند", "نش", "نک")) for t in tokens)
        )
    ):
        out.append("negation")
    if _EMOJI_ANY.search(text) or _EMOTICONS.search(text):
        out.append("emoji")
    if lang == "zh" and to_simplified(text) != text:
        out.append("traditional_zh")
    if lang == "ar" and tokens & _AR_DIALECT:
        out.append("dialect_ar")
    if lang == "fa" and tokens & _FA_COLLOQUIAL:
        out.append("colloquial_fa")
    if len(split_clauses(text, lang)) > 1:
        out.append("several_clauses")
    if {"positive", "negative"} <= set(item["aspects"].values()):
        out.append("mixed_text")
    return out


def evaluate(
    items: list[dict[str, Any]], analyze: Callable[[str, str], dict[str, Any]], brief: bool
) -> dict[str, Any]:
    """`score_aspects` of the file, with its slices and the count of aspects not found."""
    cache: dict[tuple[str, str], dict[str, Any]] = {}

    def cached(text: str, lang: str) -> dict[str, Any]:
        if (text, lang) not in cache:
            cache[(text, lang)] = analyze(text, lang)
        return cache[(text, lang)]

    report = score_aspects(items, cached)
    by_slice: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        for name in slices(item):
            by_slice.setdefault(name, []).append(item)
    report["slices"] = {}
    for name, group in sorted(by_slice.items()):
        part = score_aspects(group, cached)
        report["slices"][name] = {"accuracy": part["accuracy"]["all"], "n": part["n"]["all"]}
    report["not_found"] = sum(1 for m in report["misses"] if m["got"] is None)
    if brief:
        report.pop("misses")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, default=[FIXTURE])
    ap.add_argument("--embeddings", action="store_true")
    ap.add_argument("--brief", action="store_true", help="leave the misses out")
    args = ap.parse_args()
    pipeline = TextPipeline(embedder=None if args.embeddings else False)
    out = {}
    for path in args.files:
        items = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        out[path.name] = evaluate(
            items, lambda text, lang: pipeline.analyze(text, language=lang), args.brief
        )
    print(
        json.dumps(out if len(out) > 1 else next(iter(out.values())), ensure_ascii=False, indent=1)
    )


if __name__ == "__main__":
    main()
