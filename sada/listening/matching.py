"""Brand mentions in a post, and the sentiment of the clause about each brand.

Aliases and texts are folded the same way (`fold`): Sada's search folding (Arabic and Persian
letter variants, diacritics, tatweel, digits, case), Latin diacritics removed ("Café" = "cafe"),
traditional Chinese as simplified. Each alias also matches written as a hashtag or handle
("#اسنپ_فود", "@SnappFood": spaces as underscores or dropped). Latin, Arabic and Persian aliases
match whole words (Arabic/Persian with a one-letter clitic before and a suffix after: "بسناب",
"اسنپی"); Chinese aliases match as substrings. A match inside one of the brand's exclusion
phrases is not the brand ("noon" in "at noon", "طلبات" in "طلبات كثيرة"). An alias written
"ar:نون" counts in Arabic posts only (in Persian, نون is bread).

A mention's sentiment is the sentiment of the clause that names the brand (sentences split at
punctuation, clauses at contrast words: "Snapp was fast but Tapsi never came" is positive for
one and negative for the other). When a post names one brand only, all its clauses are about
that brand (a pronoun in the next clause still means it).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sada.text.aspect_rules import overall
from sada.text.langid import detect_language, model_language
from sada.text.lexicons import aspect_text, keyword_aspects
from sada.text.normalize import clean
from sada.text.rules import clause_result
from sada.text.sentences import split_clauses, split_sentences

_LATIN_MARKED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
# One-letter clitics before an Arabic/Persian name (and, so, with, for, like) and suffixes
# after it (Persian ezafe/possessive/plural, Arabic pronoun suffixes).
_AR_PREFIX = "(?:[وفبلک])?"
_AR_SUFFIX = "(?:ی|ای|ه)?(?:ها|های|هایی|ش|م|ت|مان|تان|شان|مون|تون|شون|یش|هم|نا|کم|ی)?"
_LANG_SCOPE = re.compile(r"^(ar|fa|zh|en):(.+)$")
_QUESTION = re.compile(r"[?؟？]")


def fold(text: str) -> str:
    """The form aliases and texts are matched in (see the module docstring)."""
    if _LATIN_MARKED.search(text):
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return aspect_text(text)


def _variants(alias: str) -> set[str]:
    folded = fold(alias).strip().lstrip("#@").strip()
    if not folded:
        return set()
    out = {folded}
    if " " in folded:
        out.add(folded.replace(" ", "_"))
        out.add(folded.replace(" ", ""))
    if "_" in folded:
        out.add(folded.replace("_", " "))
    return out


def _pattern(variant: str) -> str:
    escaped = re.escape(variant)
    if _HAN.search(variant):
        return escaped
    if _ARABIC.search(variant):
        return r"(?<!\w)" + _AR_PREFIX + escaped + _AR_SUFFIX + r"(?!\w)"
    # Latin: a whole word among Latin letters and digits ("Meituan的" is a match).
    return r"(?<![a-z0-9_\u00c0-\u024f])" + escaped + r"(?![a-z0-9_\u00c0-\u024f])"


@dataclass(frozen=True)
class BrandSpec:
    """What the matcher needs of a brand."""

    id: int
    name: str
    kind: str = "own"
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass
class _Compiled:
    spec: BrandSpec
    general: re.Pattern[str] | None
    scoped: dict[str, re.Pattern[str]]
    exclude: re.Pattern[str] | None


def _alternation(variants: set[str]) -> re.Pattern[str] | None:
    parts = sorted({_pattern(v) for v in variants}, key=len, reverse=True)
    return re.compile("|".join(parts)) if parts else None


@lru_cache(maxsize=256)
def _compile(spec: BrandSpec) -> _Compiled:
    general: set[str] = set()
    scoped: dict[str, set[str]] = {}
    for alias in (spec.name, *spec.aliases):
        m = _LANG_SCOPE.match(alias.strip())
        if m:
            scoped.setdefault(m.group(1), set()).update(_variants(m.group(2)))
        else:
            general |= _variants(alias)
    ex_parts = sorted(
        {re.escape(v) for phrase in spec.exclude for v in _variants(phrase)}, key=len, reverse=True
    )
    return _Compiled(
        spec,
        _alternation(general),
        {lang: p for lang, vs in scoped.items() if (p := _alternation(vs)) is not None},
        re.compile("|".join(ex_parts)) if ex_parts else None,
    )


def brand_in(spec: BrandSpec, folded: str, lang: str | None = None) -> bool:
    """Whether a folded text names the brand (outside its exclusion phrases). Aliases scoped
    to a language ("ar:نون") count in posts of that language only; with `lang` None, in any."""
    compiled = _compile(spec)
    patterns = [compiled.general] if compiled.general is not None else []
    if lang is None:
        patterns.extend(compiled.scoped.values())
    elif lang in compiled.scoped:
        patterns.append(compiled.scoped[lang])
    hits = [m.span() for p in patterns for m in p.finditer(folded)]
    if not hits:
        return False
    if compiled.exclude is None:
        return True
    blocked = [m.span() for m in compiled.exclude.finditer(folded)]
    return any(not any(a <= s and e <= b for a, b in blocked) for s, e in hits)


@dataclass
class Mention:
    brand_id: int
    language: str
    sentiment: str
    clause: str
    aspects: list[str] = field(default_factory=list)
    needs_answer: bool = False


@dataclass
class _Post:
    language: str
    clauses: list[str]
    folded: list[str]
    question: bool
    hits: dict[int, list[int]] = field(default_factory=dict)  # brand id -> clause indexes


class Matcher:
    """Finds the brands of a batch of posts and scores only the clauses that matter."""

    def __init__(self, brands: Sequence[BrandSpec], sentiment: Any | None = None) -> None:
        self.brands = list(brands)
        self._sentiment = sentiment

    @property
    def sentiment(self) -> Any:
        if self._sentiment is None:
            from sada.text.backends import sentiment_backend_for

            self._sentiment = sentiment_backend_for(None)
        return self._sentiment

    def language_of(self, text: str) -> str:
        return model_language(detect_language(text))

    def find(self, texts: Sequence[str], languages: Sequence[str | None]) -> list[list[Mention]]:
        """Mentions of each text (in the brands' order); sentiment per mention."""
        posts: list[_Post | None] = []
        for text, language in zip(texts, languages, strict=True):
            raw = clean(text or "")[:8000]
            whole = fold(raw)
            candidates = [b for b in self.brands if brand_in(b, whole)]
            if not candidates:
                posts.append(None)
                continue
            lang = language if language in ("ar", "fa", "zh", "en") else self.language_of(raw)
            candidates = [b for b in candidates if brand_in(b, whole, lang)]
            if not candidates:
                posts.append(None)
                continue
            clauses = [
                c for s in split_sentences(raw, 50) for c in split_clauses(s.text, lang) if c
            ] or [raw]
            post = _Post(lang, clauses, [fold(c) for c in clauses], bool(_QUESTION.search(raw)))
            for brand in candidates:
                idx = [i for i, f in enumerate(post.folded) if brand_in(brand, f, lang)]
                post.hits[brand.id] = idx or list(range(len(clauses)))
            posts.append(post)
        labels = self._label_clauses([p for p in posts if p is not None])
        out: list[list[Mention]] = []
        for found in posts:
            if found is None:
                out.append([])
                continue
            post = found
            clause_labels = labels[id(post)]
            mentions = []
            for brand_id, idx in post.hits.items():
                # One brand named: every clause is about it ("the phone is pricey but its
                # quality is great"). Several: each takes the clauses that name it.
                about = idx if len(post.hits) > 1 else list(range(len(post.clauses)))
                label = overall(Counter(clause_labels[i] for i in about))
                if len(about) == len(post.clauses):  # the whole post: one pass over it
                    aspects = sorted(keyword_aspects(" \n ".join(post.folded)))
                else:
                    aspects = sorted({a for i in about for a in keyword_aspects(post.folded[i])})
                mentions.append(
                    Mention(
                        brand_id=brand_id,
                        language=post.language,
                        sentiment=label,
                        clause=" … ".join(post.clauses[i] for i in idx)[:1000],
                        aspects=aspects,
                        needs_answer=post.question or label in ("negative", "mixed"),
                    )
                )
            out.append(mentions)
        return out

    def _label_clauses(self, posts: list[_Post]) -> dict[int, list[str]]:
        jobs: dict[str, list[tuple[_Post, int]]] = {}
        for post in posts:
            for i in range(len(post.clauses)):
                jobs.setdefault(post.language, []).append((post, i))
        labels: dict[int, list[str]] = {id(p): ["neutral"] * len(p.clauses) for p in posts}
        for lang, items in jobs.items():
            results = self.sentiment.predict(lang, [p.clauses[i] for p, i in items])
            for (post, i), res in zip(items, results, strict=True):
                labels[id(post)][i] = clause_result(res, post.clauses[i]).label
        return labels


def find_mentions(
    matcher: Matcher, texts: list[str], languages: list[str | None]
) -> list[list[Mention]]:
    """`matcher.find` as a module-level function, for worker processes."""
    return matcher.find(texts, languages)
