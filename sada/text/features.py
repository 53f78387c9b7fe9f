"""Feature extraction shared by training (scikit-learn) and run time (numpy/scipy).

The same `analyze` function produces the n-grams in both places, so a shipped
model is applied exactly as it was trained: character n-grams inside each
whitespace token padded with spaces (like scikit-learn's ``char_wb``) and word
n-grams marked with a leading ``\\x1f`` so the two namespaces cannot collide.

Two options of `FeatureConfig`, off unless a model's settings turn them on:

- ``forms`` (Persian): the word n-grams read each word in one written form: the
  verb prefixes «می»/«نمی» and the suffixes «ها», «های», «تر», «ترین» written
  apart (a ZWNJ becomes a space in `model_text`) are joined to their word, and a
  letter doubled by elongation (a word's last letter, «خیلیی», or alef, «عاالی») is
  written once.
- ``segment`` (Chinese): jieba words of two characters or more of each run of
  Han characters, marked with a leading ``\\x1d`` (1), and also the pairs of
  adjacent jieba words (2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sada.text.normalize import model_text
from sada.text.polarity import polarity_features

WORD_MARK = "\x1f"
LEXICON_MARK = "\x1e"
SEGMENT_MARK = "\x1d"
# Words, single Han characters, emoji and the punctuation that carries sentiment.
_TOKEN = re.compile(
    r"[^\W\d_\u4e00-\u9fff]+|0|[\u4e00-\u9fff]|[!?]|[:;]-?[()dp]|[\U0001F300-\U0001FAFF\u2600-\u27bf]"
)


@dataclass(frozen=True)
class FeatureConfig:
    char_min: int = 2
    char_max: int = 5
    word_max: int = 2
    lexicon: bool = True  # polarity-lexicon markers (sada.text.polarity)
    forms: bool = False  # Persian word forms (module docstring)
    segment: int = 0  # jieba words (1) and their pairs (2)

    def to_dict(self) -> dict[str, int]:
        out = {
            "char_min": self.char_min,
            "char_max": self.char_max,
            "word_max": self.word_max,
            "lexicon": int(self.lexicon),
        }
        if self.forms:
            out["forms"] = 1
        if self.segment:
            out["segment"] = self.segment
        return out

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> FeatureConfig:
        return cls(
            int(data["char_min"]),
            int(data["char_max"]),
            int(data["word_max"]),
            bool(data.get("lexicon", 0)),
            bool(data.get("forms", 0)),
            int(data.get("segment", 0)),
        )


_PREFIXES = frozenset(("می", "نمی"))
_SUFFIXES = frozenset(("ها", "های", "تر", "ترین"))
_ARABIC_LETTERS = re.compile(r"[\u0621-\u064a\u066e-\u06d3]")
_DOUBLED = re.compile(r"([\u0621-\u064a\u066e-\u06d3])\1$|(\u0627)\2")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def persian_forms(words: list[str]) -> list[str]:
    """Words with detached verb prefixes and plural/comparative suffixes joined, and
    a doubled last letter or alef written once (Arabic-script words only)."""
    out: list[str] = []
    join_next = False
    for w in words:
        if _ARABIC_LETTERS.match(w):
            w = _DOUBLED.sub(lambda m: m.group(1) or m.group(2), w)
            if join_next and out:
                out[-1] += w
                join_next = w in _PREFIXES
                continue
            if w in _SUFFIXES and out and _ARABIC_LETTERS.match(out[-1]):
                out[-1] += w
                continue
            join_next = w in _PREFIXES
        else:
            join_next = False
        out.append(w)
    return out


def segment_words(text: str, pairs: bool) -> list[str]:
    """jieba words (two characters or more) of each Han run; with `pairs`, also the
    adjacent word pairs of each run."""
    import jieba

    jieba.setLogLevel(60)
    out: list[str] = []
    for run in _HAN_RUN.findall(text):
        words = jieba.lcut(run, HMM=False)
        out.extend(SEGMENT_MARK + w for w in words if len(w) > 1)
        if pairs:
            out.extend(f"{SEGMENT_MARK}{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return out


def analyze_prepared(text: str, cfg: FeatureConfig) -> list[str]:
    """N-grams of a text already passed through `model_text`."""
    out: list[str] = []
    lo, hi = cfg.char_min, cfg.char_max
    for token in text.split():
        padded = f" {token} "
        size = len(padded)
        for n in range(lo, min(hi, size) + 1):
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    words = _TOKEN.findall(text)
    if cfg.forms:
        words = persian_forms(words)
    out.extend(WORD_MARK + w for w in words)
    if cfg.word_max >= 2:
        out.extend(f"{WORD_MARK}{a} {b}" for a, b in zip(words, words[1:], strict=False))
    if cfg.segment:
        out.extend(segment_words(text, cfg.segment >= 2))
    if cfg.lexicon:
        out.extend(LEXICON_MARK + m for m in polarity_features(text))
    return out


def analyze(text: str, cfg: FeatureConfig) -> list[str]:
    return analyze_prepared(model_text(text), cfg)
