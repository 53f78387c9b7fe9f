"""Language and script identification for Arabic, Persian, Chinese and English.

The script decides first (Han -> Chinese unless kana/hangul say otherwise); within
the Arabic script, Persian and Arabic are told apart by letters only one of them
uses, by function words of each (after folding ي/ى/ك, so Persian typed on an
Arabic keyboard is still Persian) and by `lingua` restricted to Arabic, Persian
and Urdu; within the Latin script, Arabizi and Finglish (Arabic and Persian in
Latin letters with digits for sounds) are caught by their spellings before
`lingua` chooses between English and a guard set of other Latin languages.

A guard language (French, Urdu, Japanese, ...) is returned as itself: a text in
a language no model covers says so instead of being forced into one of ours.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from sada.text.langid_words import (
    AR_WORDS,
    ARABIZI_WORDS,
    ENGLISH_COMMON,
    FA_WORDS,
    FINGLISH_STRONG,
    FINGLISH_WORDS,
)
from sada.text.normalize import _LETTER_FOLD, clean, strip_arabic_marks, traditional_share

SUPPORTED = ("ar", "fa", "zh", "en")

_URLISH = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\w)@\w+")

# Letters Persian uses and Arabic does not (پ چ ژ گ) and the reverse (ة, ى at word end, ؤ).
_FA_LETTERS = set("\u067e\u0686\u0698\u06af")
_AR_LETTERS = set("\u0629\u0624")

_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|s|k|m|am|pm|gb|mb|x)$")
_LONG_RUN = re.compile(r"(.)\1{2,}")
_FA_FOLDED = {w.translate(_LETTER_FOLD) for w in FA_WORDS}
_AR_FOLDED = {w.translate(_LETTER_FOLD) for w in AR_WORDS} - _FA_FOLDED
_FA_FOLDED -= {w.translate(_LETTER_FOLD) for w in AR_WORDS}

# Arabizi: Latin letters with digits standing for Arabic sounds (3=ع, 7=ح, 2=ء, 5=خ, 9=ق).
_ARABIZI_TOKEN = re.compile(
    r"^(?=[a-z235789']{3,}$)(?:[a-z']*[a-z][235789]|[235789][a-z])[a-z235789']*$"
)

# Latin-script guard set: lingua picks among English and these, so French or
# Spanish text is reported as such rather than as English.
_LATIN_GUARDS = ("fr", "es", "de", "it", "pt", "nl", "tr", "id")
_LINGUA_CODES = {
    "ar": "ARABIC", "fa": "PERSIAN", "ur": "URDU", "en": "ENGLISH", "fr": "FRENCH",
    "es": "SPANISH", "de": "GERMAN", "it": "ITALIAN", "pt": "PORTUGUESE", "nl": "DUTCH",
    "tr": "TURKISH", "id": "INDONESIAN",
}  # fmt: skip


@dataclass
class LanguageResult:
    language: str  # ISO 639-1 code, or "und" when there is no language to see
    script: str  # ISO 15924: Arab, Latn, Hans, Hant, Jpan, Kore, Cyrl, Deva, Zyyy
    confidence: float
    mixed: bool = False
    scripts: dict[str, float] = field(default_factory=dict)
    romanized: bool = False  # Arabizi / Finglish

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _script_of(ch: str) -> str | None:
    o = ord(ch)
    if (0x0600 <= o <= 0x06FF) or (0x0750 <= o <= 0x077F) or (0xFB50 <= o <= 0xFEFF):
        return "Arab" if ch.isalpha() else None
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FFFF:
        return "Hani"
    if 0x3040 <= o <= 0x30FF:
        return "Kana"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF:
        return "Hang"
    if 0x0400 <= o <= 0x04FF:
        return "Cyrl"
    if 0x0900 <= o <= 0x097F:
        return "Deva"
    if 0x0590 <= o <= 0x05FF:
        return "Hebr"
    if ch.isalpha():
        if o < 0x0250 or 0x1E00 <= o <= 0x1EFF:
            return "Latn"
        return "Other"
    return None


def script_counts(text: str) -> dict[str, int]:
    """Letters per script (in the order each script first occurs); Han weighs 3."""
    counts: dict[str, int] = {}
    for ch, k in Counter(text).items():  # each distinct character once, in text order
        s = _script_of(ch)
        if s is not None:
            counts[s] = counts.get(s, 0) + k
    if "Hani" in counts:  # one Han character carries about a word: weigh it like 3 letters
        counts["Hani"] *= 3
    return counts


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...], low_accuracy: bool) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, _LINGUA_CODES[c]) for c in codes]
    builder = LanguageDetectorBuilder.from_languages(*langs)
    if low_accuracy:
        # Trigram models only: ~17 MB instead of ~230 MB for the Latin guard set.
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def _lingua(text: str, codes: tuple[str, ...], *, low_accuracy: bool = False) -> dict[str, float]:
    reverse = {v: k for k, v in _LINGUA_CODES.items()}
    values = _detector(codes, low_accuracy).compute_language_confidence_values(text[:400])
    return {reverse[v.language.name]: float(v.value) for v in values}


class _KeepScripts(dict[int, str]):
    """A `str.translate` table: characters of `scripts` (or of none) kept, others a space."""

    def __init__(self, *scripts: str | None) -> None:
        super().__init__()
        self.scripts = scripts

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = ch if _script_of(ch) in self.scripts else " "
        if len(self) < 20_000:
            self[code] = out
        return out


_KEEP_ARABIC = _KeepScripts("Arab", None)
_KEEP_LATIN = _KeepScripts("Latn", None)
# Lingua's confidence values sum to 1 and weigh 3: spelling evidence ahead by more than
# that decides the language whatever lingua says (a margin for rounding).
_LINGUA_SWAY = 3.01


def _arabic_script_language(
    text: str, allowed: tuple[str, ...], confidence: bool = True
) -> tuple[str, float]:
    text = _LONG_RUN.sub(r"\1", strip_arabic_marks(text))
    words = re.findall(r"[\u0600-\u06ff\u0750-\u077f]+", text)
    if not words:
        return ("ar" if "ar" in allowed or "fa" not in allowed else "fa"), 0.5
    fa = ar = 0.0
    letters = "".join(words)
    fa += 2.0 * sum(1 for c in letters if c in _FA_LETTERS)
    ar += 2.0 * sum(1 for c in letters if c in _AR_LETTERS)
    # The keyboard shows through the yeh and kaf forms; weak evidence, capped.
    ar += min(1.0, 0.25 * sum(1 for c in letters if c in "\u064a\u0643"))
    fa += min(1.0, 0.25 * sum(1 for c in letters if c in "\u06cc\u06a9"))
    for w in words:
        f = w.translate(_LETTER_FOLD)
        if f in _FA_FOLDED:
            fa += 1.5
        elif f in _AR_FOLDED:
            ar += 1.5
        if w.startswith(("ال", "وال", "بال", "فال", "لل")) and len(w) > 3:
            ar += 1.0
        if w.endswith("ى") and len(w) > 2:
            ar += 0.5
        if f.startswith(("می", "نمی")) and len(f) > 3:
            fa += 0.75
        if f.endswith(("ها", "های", "هایی")) and len(f) > 3:
            fa += 0.5
    if not confidence and (fa >= 1.0 or ar >= 1.0 or len(letters) <= 25):
        # Without the confidence figure, lingua is asked only when it could change the
        # answer (the Urdu check needs fa and ar both below 1 and more than 25 letters).
        both = [c for c in ("fa", "ar") if c in allowed] or ["ar", "fa"]
        if len(both) == 1:
            return both[0], 1.0
        if abs(fa - ar) > _LINGUA_SWAY:
            return ("fa" if fa > ar else "ar"), max(fa, ar) / (fa + ar)
    probs = _lingua(text, ("ar", "fa", "ur"))
    # Lingua sees the text as typed; evidence above is spelling-independent.
    fa += 3.0 * probs.get("fa", 0.0)
    ar += 3.0 * probs.get("ar", 0.0)
    ur = 3.0 * probs.get("ur", 0.0)
    if "ur" not in allowed and ur > 2.7 and fa < 1.0 and ar < 1.0 and len(letters) > 25:
        return "ur", probs["ur"]
    total = fa + ar
    candidates = [c for c in ("fa", "ar") if c in allowed] or ["ar", "fa"]
    if len(candidates) == 1:
        return candidates[0], 1.0
    if fa > ar:
        return "fa", fa / total
    return "ar", (ar / total) if total else 0.5


def _latin_language(
    text: str, allowed: tuple[str, ...], confidence: bool = True
) -> tuple[str, float, bool]:
    tokens = re.findall(r"[a-z0-9']+", text.lower())
    tokens = [t for t in tokens if not t.isdigit()]
    if not tokens:
        return ("en" if "en" in allowed else allowed[0]), 0.3, False
    n = len(tokens)
    arabizi = sum(1 for t in tokens if _ARABIZI_TOKEN.match(t) and not _ORDINAL.match(t)) * 1.5
    arabizi += sum(1 for t in tokens if t in ARABIZI_WORDS)
    finglish: float = sum(1 for t in tokens if t in FINGLISH_WORDS)
    finglish += sum(1.5 for t in tokens if t in FINGLISH_STRONG)
    english = sum(1 for t in tokens if t in ENGLISH_COMMON)
    if "ar" in allowed and arabizi >= max(1.5, 0.3 * n) and arabizi > english + finglish:
        return "ar", min(0.95, 0.5 + arabizi / (2 * n)), True
    if "fa" in allowed and finglish >= max(2.5, 0.5 * n) and finglish > 1.5 * english + arabizi:
        return "fa", min(0.95, 0.5 + finglish / (3 * n)), True
    short = len(text.strip()) < 30 or n <= 4
    if not confidence and "en" in allowed and english and (short or english >= 0.3 * n):
        # English whatever lingua says (see below): without the confidence, not asked.
        return "en", 0.5, False
    codes = tuple(dict.fromkeys(("en", *_LATIN_GUARDS)))
    probs = _lingua(text, codes, low_accuracy=True)
    if not probs:
        return ("en" if "en" in allowed else allowed[0]), 0.3, False
    best = max(probs, key=lambda k: probs[k])
    en = probs.get("en", 0.0)
    if best != "en":
        # Short texts, and texts with common English words, stay English unless
        # the other language is far ahead (trigram models are jumpy on few words).
        if short:
            clearly = probs[best] >= 0.95 and english == 0 and n >= 3
        else:
            clearly = probs[best] > 0.6 and english < 0.3 * n
        if clearly:
            return best, probs[best], False
    target = "en" if "en" in allowed else best
    return target, max(en, 0.5), False


def detect_language(
    text: str, allowed: tuple[str, ...] | list[str] | None = None, *, confidence: bool = True
) -> LanguageResult:
    """Language and script of `text`, restricted to `allowed` (default: ar, fa, zh, en).

    `confidence=False` (the bulk fast path, which keeps language and script only): the
    same language and script, but lingua is consulted only where its answer could change
    them, and `confidence` is then the spelling evidence's share, not lingua's.
    """
    allowed_t = tuple(allowed) if allowed else SUPPORTED
    allowed_t = tuple(a for a in allowed_t if a in SUPPORTED) or SUPPORTED
    text = clean(text)
    sample = _URLISH.sub(" ", text[:2000]).replace("#", " ").replace("_", " ")
    counts = script_counts(sample)
    total = sum(counts.values())
    if total == 0:
        return LanguageResult(language="und", script="Zyyy", confidence=0.0)
    shares = {k: round(v / total, 3) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}
    dominant = next(iter(shares))
    if dominant == "Latn" and len(shares) > 1:
        # Brand names and product codes are Latin inside Arabic, Persian or Chinese
        # sentences; a substantial share of another script is the sentence's language.
        second, share = list(shares.items())[1]
        if second in ("Arab", "Hani") and share >= 0.3:
            dominant = second
    mixed = len(shares) > 1 and list(shares.values())[1] >= 0.15
    if dominant == "Hani" or (dominant == "Kana" and "Hani" in shares):
        if counts.get("Kana", 0) >= 2 or dominant == "Kana":
            return LanguageResult("ja", "Jpan", 0.9, mixed, shares)
        trad = traditional_share(sample)
        script = "Hant" if trad >= 0.1 else "Hans"
        return LanguageResult("zh", script, 0.99, mixed, shares)
    if dominant == "Hang":
        return LanguageResult("ko", "Kore", 0.95, mixed, shares)
    if dominant == "Cyrl":
        return LanguageResult("ru", "Cyrl", 0.8, mixed, shares)
    if dominant == "Deva":
        return LanguageResult("hi", "Deva", 0.8, mixed, shares)
    if dominant == "Hebr":
        return LanguageResult("he", "Hebr", 0.9, mixed, shares)
    if dominant == "Arab":
        arabic_part = sample.translate(_KEEP_ARABIC)
        lang, conf = _arabic_script_language(arabic_part, allowed_t, confidence)
        return LanguageResult(lang, "Arab", round(conf, 3), mixed, shares)
    if dominant == "Latn":
        latin_part = unicodedata.normalize("NFKC", sample.translate(_KEEP_LATIN))
        lang, conf, roman = _latin_language(latin_part, allowed_t, confidence)
        return LanguageResult(lang, "Latn", round(conf, 3), mixed, shares, romanized=roman)
    return LanguageResult("und", dominant, 0.0, mixed, shares)


def model_language(result: LanguageResult) -> str:
    """The supported language whose models should read a text with this result."""
    if result.language in SUPPORTED:
        return result.language
    return {"Arab": "ar", "Hans": "zh", "Hant": "zh", "Jpan": "zh"}.get(result.script, "en")
