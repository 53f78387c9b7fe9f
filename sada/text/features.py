"""Feature extraction shared by training (scikit-learn) and run time (numpy/scipy).

The same `analyze` function produces the n-grams in both places, so a shipped
model is applied exactly as it was trained: character n-grams inside each
whitespace token padded with spaces (like scikit-learn's ``char_wb``) and word
n-grams marked with a leading ``\\x1f`` so the two namespaces cannot collide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sada.text.normalize import model_text
from sada.text.polarity import polarity_features

WORD_MARK = "\x1f"
LEXICON_MARK = "\x1e"
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

    def to_dict(self) -> dict[str, int]:
        return {
            "char_min": self.char_min,
            "char_max": self.char_max,
            "word_max": self.word_max,
            "lexicon": int(self.lexicon),
        }

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> FeatureConfig:
        return cls(
            int(data["char_min"]),
            int(data["char_max"]),
            int(data["word_max"]),
            bool(data.get("lexicon", 0)),
        )


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
    out.extend(WORD_MARK + w for w in words)
    if cfg.word_max >= 2:
        out.extend(f"{WORD_MARK}{a} {b}" for a, b in zip(words, words[1:], strict=False))
    if cfg.lexicon:
        out.extend(LEXICON_MARK + m for m in polarity_features(text))
    return out


def analyze(text: str, cfg: FeatureConfig) -> list[str]:
    return analyze_prepared(model_text(text), cfg)
