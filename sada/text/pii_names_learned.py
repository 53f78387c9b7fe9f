"""A learned person-name tagger that complements the name rules of `sada.text.pii_names`.

Three small linear-chain CRF models (python-crfsuite), one per script family, tag
the tokens of a message with B / I / O for person names:

- ``latin``: words of Latin script (English, pinyin, transliterated names);
- ``arabic``: words of Arabic script (Arabic and Persian);
- ``han``: single Chinese characters.

A message is cut into tokens (a Chinese character is a token of its own; other
words run to the next space or punctuation). Each family's model reads every token
of the message, but only its own tokens may become part of a name; the Latin model
runs only when a Latin word has a capital letter (as the English rules do). The features of
a token are its folded form, prefixes and suffixes, its shape, whether our
gazetteer (`sada.text.pii_gazetteer`) knows it as a given or family name (or, in
Chinese, a surname or given-name character) and the same for its neighbours.

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
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sada.text import lexicons, polarity_words
from sada.text.normalize import fold_for_search, to_simplified
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

# The version the models were trained as (scripts/train_name_tagger.py writes it to
# names_tagger.json); loading checks that they match.
VERSION = "names-crf-1"
MODELS_DIR = Path(__file__).resolve().parent / "models_data"
META_PATH = MODELS_DIR / "names_tagger.json"
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
    )


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
