"""Arabic, Persian and Chinese-aware normalization (our own; no GPL code).

Three levels, each a pure function:

- `clean(text)`: what every stage receives. Invalid Unicode (lone surrogates,
  undecodable bytes) is replaced, control characters other than newline and
  tab are dropped, compatibility forms are folded (NFKC: Arabic presentation
  forms, full-width Latin). Offsets of PII and sentences refer to this text.
- `normalize(text, lang)`: the readable normalized form: no diacritics or
  tatweel, one spelling of each Arabic/Persian letter for the language, ASCII
  digits, collapsed spaces. Persian keeps its zero-width non-joiner.
- `model_text(text)`: the form the sentiment models see (language agnostic):
  letters folded across Arabic and Persian, lower case, ZWNJ as a space,
  URLs, mentions and numbers as placeholders, long letter repeats shortened,
  traditional Chinese characters mapped to simplified.

`fold_for_search` is the shared folding used for search keys: two spellings a
reader considers the same word fold to the same string.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef, Quranic marks).
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_ZWNJ = "\u200c"
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_ZERO_WIDTH_NO_ZWNJ = re.compile("[\u200b\u200d\u2060\ufeff]")
# C0/C1 controls except tab and newline; bidi embedding/override/isolate marks.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_SURROGATES = re.compile("[\ud800-\udfff]")

_LETTER_FOLD = str.maketrans(
    {
        # alef variants -> bare alef
        "\u0622": "\u0627",  # آ
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0671": "\u0627",  # ٱ
        # yeh variants -> Persian yeh (ی); Arabic yeh and alef maksura fold together
        "\u064a": "\u06cc",  # ي
        "\u0649": "\u06cc",  # ى
        "\u0626": "\u06cc",  # ئ
        # kaf variants -> Persian keheh (ک)
        "\u0643": "\u06a9",  # ك
        # teh marbuta -> heh
        "\u0629": "\u0647",  # ة
        "\u06c0": "\u0647",  # ۀ
        # waw with hamza -> waw
        "\u0624": "\u0648",  # ؤ
    }
)

_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Extended (Persian)
    }
)

# Per-language readable spelling: Persian uses ی and ک; Arabic uses ي and ك.
_TO_PERSIAN = str.maketrans({"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9"})
_TO_ARABIC = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643"})
_ARABIC_PUNCT = str.maketrans({"\u060c": ",", "\u061b": ";", "\u061f": "?", "\u066a": "%"})

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_REPEAT = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")

_DATA = Path(__file__).parent / "models_data"


def to_ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def clean(text: object) -> str:
    """Safe text for every stage: valid Unicode, no controls, NFKC."""
    if text is None:
        return ""
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    if _SURROGATES.search(text):
        text = text.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace")
        text = _SURROGATES.sub("\ufffd", text)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROLS.sub("", text)
    text = _ZERO_WIDTH_NO_ZWNJ.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strip_arabic_marks(text: str) -> str:
    return _DIACRITICS.sub("", text.replace(_TATWEEL, ""))


def normalize(text: str, lang: str | None = None) -> str:
    """Readable normalized form for the language (see module docstring)."""
    text = strip_arabic_marks(clean(text))
    text = text.translate(_DIGITS)
    if lang == "fa":
        text = text.translate(_TO_PERSIAN)
        text = re.sub(r"\u200c{2,}", _ZWNJ, text)
        text = re.sub(r" ?\u200c ?", _ZWNJ, text)
    elif lang == "ar":
        text = text.translate(_TO_ARABIC)
        text = _ZERO_WIDTH.sub("", text)
    else:
        text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified characters, from the installed `hanziconv` tables.

    Only characters whose traditional form differs and is never itself a
    simplified character, so simplified text is left untouched.
    """
    try:
        from hanziconv import charmap
    except ModuleNotFoundError:
        return {}
    simplified = set(charmap.simplified_charmap)
    mapping: dict[int, str] = {}
    for trad, simp in zip(charmap.traditional_charmap, charmap.simplified_charmap, strict=True):
        if trad == simp or trad in simplified or trad.isspace():
            continue
        mapping.setdefault(ord(trad), simp)
    return mapping


@lru_cache(maxsize=1)
def _traditional_only() -> frozenset[str]:
    return frozenset(chr(k) for k in _t2s_table())


def to_simplified(text: str) -> str:
    """Character-level traditional -> simplified Chinese (approximate, table-based)."""
    return text.translate(_t2s_table())


def traditional_share(text: str) -> float:
    """Share of Han characters that exist only in traditional spelling."""
    trad = _traditional_only()
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return 0.0
    return sum(1 for c in han if c in trad) / len(han)


def model_text(text: str) -> str:
    """Language-agnostic form seen by the sentiment models."""
    text = clean(text)
    text = _URL.sub(" URL ", text)
    text = _EMAIL.sub(" EMAIL ", text)
    text = _MENTION.sub(" @USER ", text)
    text = strip_arabic_marks(text)
    text = text.translate(_LETTER_FOLD).translate(_DIGITS).translate(_ARABIC_PUNCT)
    text = text.replace(_ZWNJ, " ")
    text = to_simplified(text)
    text = text.lower()
    text = _NUMBER.sub("0", text)
    text = _REPEAT.sub(r"\1\1", text)
    text = text.replace("#", " ")
    return " ".join(text.split())


def fold_for_search(text: str) -> str:
    """Case-, diacritic- and letter-variant-insensitive key for matching."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace(_TATWEEL, "")
    text = _DIACRITICS.sub("", text)
    text = text.translate(_LETTER_FOLD).translate(_DIGITS)
    text = text.casefold()
    return " ".join(text.split())


def search_fold_tables() -> tuple[str, str, str]:
    """`fold_for_search`'s letter and digit mappings as SQL `translate()` arguments.

    Returns (from, to, drop): characters mapped one to one, and characters removed
    (zero-width marks, tatweel, Arabic diacritics). Databases without a Python
    function (PostgreSQL) fold with these, so SQL search matches Python folding.
    """
    pairs = {
        chr(k): v
        for table in (_LETTER_FOLD, _DIGITS)
        for k, v in table.items()
        if isinstance(v, str) and len(v) == 1
    }
    ranges = [(0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED)]
    drop = "\u200b\u200c\u200d\u2060\ufeff" + _TATWEEL
    drop += "".join(chr(c) for low, high in ranges for c in range(low, high + 1))
    return "".join(pairs), "".join(pairs.values()), drop
