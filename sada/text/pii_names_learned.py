"""A learned person-name tagger that complements the name rules of `sada.text.pii_names`.

Three small linear-chain CRF models (python-crfsuite), one per script family, tag
the tokens of a message with B / I / O for person names:

- ``latin``: words of Latin script (English, pinyin, transliterated names);
- ``arabic``: words of Arabic script (Arabic and Persian);
- ``han``: single Chinese characters.

A message is cut into tokens (a Chinese character is a token of its own; other
words run to the next space or punctuation). Each family's model reads every token
of the message, but only its own tokens may become part of a name; the Latin model
runs only when a Latin word has a capital letter (as the English rules do). Tokens and
features (folded form, affixes, shape, gazetteer and lexicon membership, neighbours)
are built in `sada.text.pii_names_features`, shared with the training script.

`learned_names(text)` returns the spans whose tokens each have a marginal
probability of being part of a name of at least the threshold of their family
stored with the models (chosen on development data, see docs/text/model-card.md). The models are
trained by ``scripts/train_name_tagger.py`` and stored in
``sada/text/models_data/names_*.crfsuite``; they load once per process, on first
use. Nothing here reaches the network.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from sada.text.normalize import to_simplified
from sada.text.pii_gazetteer import (
    NOT_NAMES,
    gazetteer,
)
from sada.text.pii_names_features import (
    _HAN_OPENS,
    FAMILIES,
    Token,
    _fold,
    _lexicon_strings,
    _word_info,
    _word_info_of,
    family_of,
    lexicon,
    sequence_features,
    tokenize,
)

# The version the models were trained as (scripts/train_name_tagger.py writes it to
# names_tagger.json); loading checks that they match.
VERSION = "names-crf-1"
MODELS_DIR = Path(__file__).resolve().parent / "models_data"
META_PATH = MODELS_DIR / "names_tagger.json"


class _Models:
    """The three CRF taggers and their metadata, loaded once per process."""

    def __init__(self) -> None:
        import pycrfsuite

        self.meta: dict[str, Any] = json.loads(META_PATH.read_text(encoding="utf-8"))
        if self.meta.get("version") != VERSION:
            raise RuntimeError(f"name tagger models are {self.meta.get('version')}, not {VERSION}")
        self.taggers: dict[str, Any] = {}
        for family in FAMILIES:
            tagger = pycrfsuite.Tagger()
            tagger.open(str(MODELS_DIR / f"names_{family}.crfsuite"))
            self.taggers[family] = tagger
        self.lock = threading.Lock()


_LOADED: _Models | None = None
_LOAD_LOCK = threading.Lock()


def models() -> _Models:
    """The loaded models (the first call reads them from disk)."""
    global _LOADED
    if _LOADED is None:
        with _LOAD_LOCK:
            if _LOADED is None:
                _LOADED = _Models()
    return _LOADED


def token_probabilities(
    tokens: list[Token], family: str, xseq: list[list[str]] | None = None
) -> list[tuple[float, float]]:
    """(P(B), P(I)) of each token under `family`'s model; `xseq`: the tokens' features
    when already built (the three models read the same features)."""
    m = models()
    if xseq is None:
        xseq = sequence_features(tokens)
    tagger = m.taggers[family]
    with m.lock:
        tagger.set(xseq)
        return [
            (tagger.marginal("B", i), tagger.marginal("I", i))
            if tok.family == family
            else (0.0, 0.0)
            for i, tok in enumerate(tokens)
        ]


def learned_names(text: str, threshold: float | None = None) -> list[tuple[int, int]]:
    """Spans of person names the tagger finds in `text`, in order; `threshold` overrides
    the stored per-family thresholds."""
    tokens = tokenize(text)
    if not tokens:
        return []
    m = models()
    present = {t.family for t in tokens if t.family != "latin" or not t.text.islower()}
    spans: list[tuple[int, int, bool]] = []
    xseq: list[list[str]] | None = None
    for family in FAMILIES:
        if family not in present or not _may_hold_name(text, tokens, family):
            continue
        cut = float(m.meta["threshold"][family]) if threshold is None else threshold
        if xseq is None:
            xseq = sequence_features(tokens)
        probs = token_probabilities(tokens, family, xseq)
        opening = float(m.meta.get("opening", {}).get(family, 2.0))
        run: list[int] = []
        for i, tok in enumerate([*tokens, None]):
            b, inside = probs[i] if tok is not None else (0.0, 0.0)
            is_name = tok is not None and tok.family == family and b + inside >= cut
            starts = is_name and run and b > inside and family != "han"
            if run and (not is_name or starts):
                sure = min(sum(probs[j]) for j in run) >= opening
                spans.append((tokens[run[0]].start, tokens[run[-1]].end, sure))
                run = []
            if is_name:
                run.append(i)
    kept = (_trimmed(text, (a, b), subject=sure) for a, b, sure in spans)
    return sorted(
        span
        for span in kept
        if span is not None
        and not _reads_as_words(text, span)
        and not _before_light_verb(text, span)
        and not _not_a_name(text, span)
    )


# A numeral before a Chinese measure word that is also a surname (「三张年卡」「两支笔」).
_HAN_COUNTED = re.compile("[一二两三四五六七八九十几每数0-9０-９][张支份位]$")


def _not_a_name(text: str, span: tuple[int, int]) -> bool:
    """Round 12: a one-word span of `NOT_NAMES` ("Madam", «بلیت», «انگلیسی») or a Chinese
    span opening with a counted measure word (「三张年卡」 -> 「张年卡」)."""
    piece = text[span[0] : span[1]]
    if " " not in piece and _fold(piece) in NOT_NAMES:
        return True
    return family_of(piece) == "han" and _HAN_COUNTED.search(text, 0, span[0] + 1) is not None


# Persian light verbs: the word before one is the noun of a compound verb («فراموش کردم»,
# «ناراضی شدم»), not a name. Verbs a person does («گفت», «میگه», «بود») are not here.
_FA_LIGHT_VERB = re.compile(
    r"\s+(?:کرد|کردم|کردن|کردند|کردیم|کرده|کردی|کنه|کنم|کنیم|کنید|شد|شدم|شدن|شده|شدیم"
    r"|زد|زدم|زدن|زده)(?![\w\u200c])"
)
_FA_LETTER = re.compile("[\u06cc\u06a9\u067e\u0686\u0698\u06af]")


def _before_light_verb(text: str, span: tuple[int, int]) -> bool:
    """Whether a one-word Persian tagger span stands right before a light verb."""
    piece = text[span[0] : span[1]]
    if family_of(piece) != "arabic" or " " in piece or _FA_LETTER.search(text) is None:
        return False
    return _FA_LIGHT_VERB.match(text, span[1]) is not None


def _may_hold_name(text: str, tokens: list[Token], family: str) -> bool:
    """Whether `_trimmed` could keep a span of `family`'s tokens: it keeps none whose
    every word is an ordinary word or a given name of the gazetteer, except a given
    name opening a sentence, so when every Latin or Arabic-script token of the text is
    one of those, that model need not run (its answer would be dropped). Chinese spans
    are kept on other grounds: always True."""
    if family == "han":
        return True
    common = lexicon().common
    for tok in tokens:
        if tok.family == family:
            info = _word_info_of(tok.text, family)
            if info["g"] not in ("com", "giv", "amb") and info["w"] not in common:
                return True
            if info["g"] in ("giv", "amb") and _OPENS_SENTENCE.search(text[: tok.start]):
                return True
    return False


# Pronoun and plural endings of Persian and Arabic words («اینترنتشون», «سفارشم»,
# «طلباتهم»), longest first; a word is looked up again without one.
_ENDINGS = (
    "هایشان",
    "هاشون",
    "شون",
    "تون",
    "مون",
    "هام",
    "ها",
    "ش",
    "م",
    "ت",
    "ی",
    "هم",
    "كم",
    "ك",
    "ه",
)
# Persian prefixes written apart by a zero-width non-joiner: verbs («می‌خواهم», «نمی‌دونم»)
# and negated adjectives («بی‌کیفیت»); no name is written so.
_FA_PREFIXES = frozenset({_fold("می"), _fold("نمی"), _fold("بی")})
_OPENS_SENTENCE = re.compile(r"(?:^|[.!?\n])\W*$")


@lru_cache(maxsize=1)
def _content_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words of our sentiment and aspect lexicons, folded, family names included
    ("price", «سفارش», «اینترنت»), and the Chinese ones of two characters or more (价格)."""
    words: set[str] = set()
    han: set[str] = set()
    for block in _lexicon_strings():
        for w in re.findall(r"[^\W\d_]+", block):
            if family_of(w) == "han":
                han.update(re.findall(r"[\u4e00-\u9fff]{2,}", w))
            else:
                words.add(_fold(w))
    return frozenset(words), frozenset(han)


def _reads_as_words(text: str, span: tuple[int, int]) -> bool:
    """Whether a tagger span is words the sentiment and aspect models read, so that
    redacting it would hide what the text says: a Chinese span holding a lexicon word
    (「價格太貴」), an Arabic-script span with a lexicon word, bare or without its ending,
    that is no given or family name of the gazetteer («سفارشم», «نوبت‌دهی اینترنتی‌شون»), or a
    lone Latin word opening a sentence that the lexicons know ("Price is right")."""
    words, han = _content_words()
    piece = text[span[0] : span[1]]
    if family_of(piece) == "han":
        simple = to_simplified(piece)
        return any(simple[i : i + n] in han for n in (2, 3, 4) for i in range(len(simple)))
    lex = lexicon()
    tokens = [t for t in tokenize(piece) if t.family]
    if tokens and tokens[0].family == "latin":
        return (
            len(tokens) == 1
            and _fold(tokens[0].text) in words
            and _OPENS_SENTENCE.search(text[: span[0]]) is not None
        )
    for tok in tokens:
        parts = tok.text.split("\u200c")
        if len(parts) > 1 and _fold(parts[0]) in _FA_PREFIXES:
            return True  # a Persian verb or adjective written with its prefix («می‌خواهم»)
        word = _fold(parts[0])
        if word in lex.given or word in lex.family or word in lex.ambiguous:
            continue
        stems = [word] + [word[: -len(e)] for e in _ENDINGS if word.endswith(e)]
        if any(len(stem) >= 3 and stem in words for stem in stems):
            return True
    return False


def han_words(dict_path: Path | None = None, min_freq: int = 20) -> list[str]:
    """Ordinary words of jieba's dictionary (not person names, POS nr*) of two or three
    characters that start with one of our surnames (「周围」「方便」): a Chinese span the
    tagger finds is dropped when it is one of them. Read from the installed jieba package
    (a dependency), not stored with the models."""
    if dict_path is None:
        import jieba

        dict_path = Path(jieba.__file__).parent / "dict.txt"
    surnames = {s for s in gazetteer()[3] if len(s) == 1}
    words = []
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 3 or not 2 <= len(parts[0]) <= 3 or parts[2].startswith("nr"):
            continue
        if parts[0][0] in surnames and int(parts[1]) >= min_freq:
            words.append(parts[0])
    return sorted(words)


@lru_cache(maxsize=1)
def _han_words() -> frozenset[str]:
    """`han_words` at the frequency floor the models were stored with, once per process."""
    return frozenset(han_words(min_freq=int(models().meta["zh_min_freq"])))


def _common_han(text: str, start: int, end: int) -> bool:
    """Whether a Chinese span is an ordinary word, alone or with the next character."""
    words = _han_words()
    return any(text[start:stop] in words for stop in range(start + 2, min(end + 1, len(text)) + 1))


def _trimmed(text: str, span: tuple[int, int], subject: bool = False) -> tuple[int, int] | None:
    """The span without ordinary words at its ends ("Thanks", «رو»), or None when no
    word of it can be a name: only ordinary words, ambiguous given names («امید»,
    "Mark"; the rules take those after a cue) or one- and two-letter Arabic-script
    words. `subject`: the model is sure of every word (its family's "opening"
    threshold), and then a Latin or Arabic-script span that opens a sentence with a
    given name of the gazetteer is kept ("Grace was really patient", «امید کارت رو فعال
    کرد»)."""
    lex = lexicon()
    toks = [
        Token(span[0] + t.start, span[0] + t.end, t.text, t.family)
        for t in tokenize(text[span[0] : span[1]])
    ]
    infos = [_word_info(t, lex) for t in toks]
    keep = [
        t.family == "han" or (info["g"] != "com" and info["w"] not in lex.common)
        for t, info in zip(toks, infos, strict=True)
    ]
    if True not in keep:
        return None
    first, last = keep.index(True), len(keep) - 1 - keep[::-1].index(True)
    if infos[first]["g"] in ("giv", "amb"):
        # a span that starts with a given name of the gazetteer is the rules' call,
        # unless the model is sure of it as the subject opening a sentence
        # and every other word of it is a name of the gazetteer too (a verb taken in
        # with the name, «مريم جاوبتني», leaves it to the rules)
        if not (
            subject
            and toks[first].family != "han"
            and _OPENS_SENTENCE.search(text[: toks[first].start])
            and all(i["g"] in ("giv", "amb", "fam") for i in infos[first + 1 : last + 1])
        ):
            return None
        return toks[first].start, toks[last].end
    toks, infos = toks[first : last + 1], infos[first : last + 1]
    if toks[0].family == "han" and (
        _common_han(text, toks[0].start, toks[-1].end) or _HAN_OPENS.search(text[: toks[0].start])
    ):
        return None  # an ordinary word, or a shop or brand opening a review («周黑鸭的鸭脖»)
    if any(
        t.family == "han" or (i["g"] != "amb" and len(i["w"]) > 2)
        for t, i in zip(toks, infos, strict=True)
    ):
        return toks[0].start, toks[-1].end
    return None
