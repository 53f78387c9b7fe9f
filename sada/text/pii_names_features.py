"""Tokens and features of the learned name tagger, shared by the tagger
(`sada.text.pii_names_learned`), its training (`scripts/train_name_tagger.py`) and the
name frames (`pii_names_frames_*`, which use `lexicon`).

A message is cut into tokens (a Chinese character is a token of its own; other words
run to the next space or punctuation), each of a script family (`FAMILIES`). The
features of a token are its folded form, prefixes and suffixes, its shape, whether our
gazetteer (`sada.text.pii_gazetteer`) knows it as a given or family name (or, in
Chinese, a surname or given-name character), whether our sentiment and aspect lexicons
know it as an ordinary word, and the same for its neighbours; Chinese characters get
character windows. Per-word features are built once per process and shared by the
three models.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sada.text import lexicons, polarity_words
from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import (
    _ARFA_FAMILY_R5,
    _EN_FAMILY,
    _PINYIN_FAMILY,
    _ZH_COMMON_WORDS,
    _ZH_GIVEN_CHARS,
    gazetteer,
)
from sada.text.pii_gazetteer_world import (
    ARFA_FAMILY_WORLD,
    LATIN_FAMILY_WORLD,
    ZH_TRANSLIT_GIVEN,
)

FAMILIES = ("latin", "arabic", "han")

_TOKEN = re.compile(
    r"[\u4e00-\u9fff]|[^\W\d_\u4e00-\u9fff]+(?:['’\u200c-][^\W\d_\u4e00-\u9fff]+)*|\d+|\S"
)
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")
_LATIN_CHAR = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Nothing but punctuation and space before a Chinese span: it opens a sentence.
_HAN_OPENS = re.compile(r"(?:^|[。！？!?\n])[\s\W]*$")
_MARKS = re.compile(r"[\u200e\u200f\u202a-\u202e]")
# Frequent function words of Arabic and Persian messages (our own short list): a word
# of these is never a name by itself.
_FUNCTION_WORDS = """
في من على الى إلى عن مع هذا هذه ذلك تلك هو هي انا أنا نحن انت أنت هم كان كانت لي لك له لها
ما لا لم لن قد كل بعد قبل عند حتى او أو ثم اللي الذي التي يا بس شي شو ليش وين كيف مره مرة جدا
از به با در برای تا که این آن او من ما شما ایشان اون این رو را هم یه یک هر چون ولی اما اگر
بود است هست نیست شد شده کرد کردم کرده دارم داره داشتم نداره خیلی همه هنوز دیگه دیگر بعد قبل
جان عزیز تیم آقا خانم لطفا ممنون مرسی سلام
"""


class Token(NamedTuple):
    """One token of a message: its offsets, text and script family ('' for none)."""

    start: int
    end: int
    text: str
    family: str


@lru_cache(maxsize=65536)
def family_of(word: str) -> str:
    """'han', 'arabic', 'latin' or '' (digits, punctuation) for one token."""
    if "\u4e00" <= word[0] <= "\u9fff":
        return "han"
    if _ARABIC_CHAR.search(word):
        return "arabic"
    if _LATIN_CHAR.search(word):
        return "latin"
    return ""


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` with their offsets."""
    return [
        Token(m.start(), m.end(), m.group(), family_of(m.group())) for m in _TOKEN.finditer(text)
    ]


def _fold(word: str) -> str:
    return fold_for_search(_MARKS.sub("", word))


@dataclass(frozen=True)
class Lexicon:
    """The gazetteer as sets of folded words, for the features."""

    given: frozenset[str]
    ambiguous: frozenset[str]
    family: frozenset[str]
    zh_surnames: frozenset[str]
    zh_given_chars: frozenset[str]
    zh_translit: dict[str, tuple[str, ...]]  # by first character
    zh_common: frozenset[str]
    common: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Our gazetteer (`pii_gazetteer`, `pii_gazetteer_world`) folded for the features."""
    _, ambiguous, given, surnames = gazetteer()
    family = {
        _fold(w.replace("_", " "))
        for block in (_EN_FAMILY, LATIN_FAMILY_WORLD, _PINYIN_FAMILY, ARFA_FAMILY_WORLD)
        for w in block.split()
    }
    family |= {_fold(w) for w in _ARFA_FAMILY_R5.split()}
    common = {_fold(w) for w in _FUNCTION_WORDS.split()}
    for block in _lexicon_strings():
        common |= {_fold(w) for w in re.findall(r"[^\W\d_]+", block)}
    return Lexicon(
        given=frozenset(given),
        ambiguous=frozenset(ambiguous),
        family=frozenset(family),
        zh_surnames=frozenset(surnames),
        zh_given_chars=frozenset(_ZH_GIVEN_CHARS),
        zh_translit={
            c: tuple(n for n in ZH_TRANSLIT_GIVEN.split() if n[0] == c)
            for c in {n[0] for n in ZH_TRANSLIT_GIVEN.split()}
        },
        zh_common=frozenset(_ZH_COMMON_WORDS.split()),
        common=frozenset(common - set(given) - family),
    )


def _lexicon_strings() -> list[str]:
    """Every word block of our sentiment and aspect lexicons (ordinary words, not names)."""
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple | set | frozenset):
            for v in value:
                walk(v)

    for module in (polarity_words, lexicons):
        for name, value in vars(module).items():
            if name.isupper():
                walk(value)
    return out


def _shape(word: str) -> str:
    out: list[str] = []
    for ch in word[:6]:
        if ch.isupper():
            c = "X"
        elif ch.islower():
            c = "x"
        elif ch.isdigit():
            c = "d"
        elif unicodedata.category(ch).startswith("L"):
            c = "a"
        else:
            c = ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def _strip_clitic(word: str) -> str:
    """An Arabic word without a leading conjunction or preposition (و، ب، ل، ف)."""
    if len(word) > 3 and word[0] in "وبلف":
        return word[1:]
    return word


def _word_info(tok: Token, lex: Lexicon) -> dict[str, str]:
    """The per-token attributes that the neighbours' features repeat."""
    return _word_info_of(tok.text, tok.family)


@lru_cache(maxsize=65536)
def _word_info_of(text: str, family: str) -> dict[str, str]:
    lex = lexicon()
    if family == "han":
        return {"w": text, "g": _han_gaz(text, lex)}
    folded = _fold(text)
    gaz = "-"
    for form in (folded, _strip_clitic(folded)):
        if form in lex.ambiguous:
            gaz = "amb"
        elif form in lex.given:
            gaz = "giv"
        elif form in lex.family:
            gaz = "fam"
        if gaz != "-":
            break
    if gaz == "-" and (folded in lex.common or _strip_clitic(folded) in lex.common):
        gaz = "com"
    if gaz == "-" and family == "arabic" and folded.startswith("ال"):
        gaz = "al"
    return {"w": folded, "g": gaz, "s": _shape(text) if family == "latin" else family}


def _han_gaz(ch: str, lex: Lexicon) -> str:
    tags = []
    if ch in lex.zh_surnames:
        tags.append("sur")
    if ch in lex.zh_given_chars:
        tags.append("giv")
    return "+".join(tags) or "-"


def sequence_features(
    tokens: list[Token], dropout: frozenset[int] = frozenset()
) -> list[list[str]]:
    """CRF features for each token; `dropout` hides the gazetteer for those tokens (training).

    The features of a word and those it lends its neighbours depend only on the word, and a
    Chinese character's only on the characters around it, so both are built once per process
    and reused (`_own_features`, `_neighbour_features`, `_han_features`)."""
    infos = [_word_info_of(t.text, t.family) for t in tokens]
    for i in dropout:
        infos[i] = {**infos[i], "g": "?"}
    n = len(tokens)
    feats: list[list[str]] = []
    for i, tok in enumerate(tokens):
        info = infos[i]
        f = ["b", "fam=" + (tok.family or "none"), "w=" + info["w"], "g=" + info["g"]]
        if i == 0:
            f.append("BOS")
        if i == n - 1:
            f.append("EOS")
        if tok.family == "han":
            chars = tuple(tokens[j].text if 0 <= j < n else _PAD for j in range(i - 3, i + 5))
            gs = tuple(infos[j]["g"] if 0 <= j < n else "" for j in range(i - 2, i + 3))
            f += _han_features(chars, gs)
        else:
            w = info["w"]
            title = tok.text[:1].isupper() if tok.family == "latin" else None
            f += _own_features(w, info["s"], title)
            for d in (-2, -1, 1, 2):
                j = i + d
                if 0 <= j < n:
                    other = infos[j]
                    f += _neighbour_features(d, other["w"], other["g"], other.get("s"))
                else:
                    f.append(f"w{d}=<pad>")
            if i > 0:
                f.append("w-1|w=" + infos[i - 1]["w"] + "|" + w)
            if i > 1:
                f.append("w-2|w-1=" + infos[i - 2]["w"] + "|" + infos[i - 1]["w"])
            if i + 1 < n:
                f.append("w|w+1=" + w + "|" + infos[i + 1]["w"])
        feats.append(f)
    return feats


_PAD = "<pad>"


@lru_cache(maxsize=65536)
def _own_features(w: str, shape: str, title: bool | None) -> tuple[str, ...]:
    """The features a Latin or Arabic-script word gives itself: shape, affixes, length."""
    own: tuple[str, ...] = ("s=" + shape, "p2=" + w[:2], "p3=" + w[:3], "x2=" + w[-2:])
    own += ("x3=" + w[-3:], "len=" + str(min(len(w), 8)))
    return own if title is None else own + ("title=" + str(title),)


@lru_cache(maxsize=65536)
def _neighbour_features(d: int, w: str, g: str, shape: str | None) -> tuple[str, ...]:
    """The features a word lends the word `d` tokens away from it."""
    out = (f"w{d}=" + w, f"g{d}=" + g)
    return out if shape is None else out + (f"s{d}=" + shape,)


@lru_cache(maxsize=65536)
def _han_features(chars: tuple[str, ...], gs: tuple[str, ...]) -> tuple[str, ...]:
    """Features of a Chinese character from the tokens three before to four after it
    (`chars`, the character at index 3, `_PAD` past the text) and the gazetteer tags of
    the two on each side (`gs`, '' past the text)."""
    lex = lexicon()

    def ch(d: int) -> str:
        return chars[3 + d]

    f = []
    for d in (-3, -2, -1, 1, 2, 3):
        f.append(f"c{d}=" + ch(d))
        if abs(d) <= 2 and gs[2 + d]:
            f.append(f"g{d}=" + gs[2 + d])
    f += [
        "c-1c=" + ch(-1) + ch(0),
        "cc+1=" + ch(0) + ch(1),
        "c-2c-1=" + ch(-2) + ch(-1),
        "c+1c+2=" + ch(1) + ch(2),
    ]
    pair = ch(0) + ch(1)
    if pair in lex.zh_surnames:
        f.append("sur2")
    if pair in lex.zh_common or ch(-1) + ch(0) in lex.zh_common:
        f.append("common")
    for name in lex.zh_translit.get(ch(0), ()):
        if "".join(chars[3 : 3 + len(name)]) == name:
            f.append("translit")
            break
    return tuple(f)
