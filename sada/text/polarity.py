"""Polarity of a `model_text` string: polar words, idioms and emoji with negation scope
and intensifiers, as extra model features and as clause polarity.

A word of the lexicon adds a `+` or `-` feature (flipped to `~+` / `~-` after a
negator within the two words before it). The models learn how much these
features weigh from the training data; because the features fire on words the
training data never saw, they carry sentiment into new domains — the reason
they exist. Clause polarity (`rule_score`, read by `sada.text.rules`) adds the
rule-only words and idioms and a finer negation scope.

The words themselves (per language) are in `sada.text.polarity_words`; here they
are folded as `model_text` sees them (folded letters, lower case). Read from the
top: the result (`Polar`), the two entry points (`polarity_features`, `rule_score`),
`polar_items`, then the lexicon and idiom tables it builds and the morphology,
negation and Chinese helpers it calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sada.text.lexicons import trie_alternation
from sada.text.normalize import _LETTER_FOLD
from sada.text.polarity_words import (
    EMOJI_NEGATIVE,
    EMOJI_POSITIVE,
    EN_SCOPE,
    FA_POST_NEGATORS,
    FA_SPLIT_NEGATORS,
    IDIOMS_NEGATIVE,
    IDIOMS_POSITIVE,
    INTENSIFIERS,
    NEGATIVE,
    NEGATORS,
    NOBODY,
    NOT_ONLY,
    POSITIVE,
    PROBLEM_STEMS,
    PROBLEMS,
    QUICK,
    RULE_IDIOMS_NEGATIVE,
    RULE_IDIOMS_POSITIVE,
    RULE_NEGATIVE,
    RULE_NEUTRAL,
    RULE_POSITIVE,
    RULE_SUFFIXES,
    SOLVERS,
    SUFFIXES,
    ZH_DOUBLE_NEGATORS,
    ZH_INTENSIFIERS,
    ZH_NOT_ONLY,
    ZH_PROBLEMS,
)

_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?")


def _fold(word: str) -> str:
    return word.translate(_LETTER_FOLD).lower()


# The word lists of `polarity_words` as `model_text` spells them.
_FA_POST_NEGATORS = frozenset(_fold(w) for w in FA_POST_NEGATORS.split())
_FA_SPLIT_NEG = frozenset(_fold(w) for w in FA_SPLIT_NEGATORS.split())
_NOBODY = frozenset(_fold(w) for w in NOBODY.split())
_NOT_ONLY = frozenset(_fold(w) for w in NOT_ONLY.split())
_EN_SCOPE = frozenset(EN_SCOPE.split())
_INTENSIFIERS = frozenset(_fold(w) for w in INTENSIFIERS.split())
_QUICK = frozenset(QUICK.split())
_PROBLEMS = frozenset(_fold(w) for w in PROBLEMS.split())
_PROBLEM_STEMS = tuple(_fold(w) for w in PROBLEM_STEMS)
_SOLVERS = frozenset(_fold(w) for w in SOLVERS.split())
_ZH_NEG = tuple(NEGATORS["zh"].split())

# Negated verbs carry the Persian prefix ن / نمی ("نپسندیدم", "نمی‌ارزه").
# Arabic/Persian "without" («بدون», «بلا») negates the word right after it, no further.
_NEXT_WORD_ONLY = frozenset(_fold(w) for w in ("بدون", "بلا"))
_ANY = frozenset(_fold(w) for w in ("أي", "اي", "ای", "هیچ", "هيچ"))
_AR_ONLY_NEGATORS = frozenset(_fold(w) for w in ("ما", "مو"))
# Letters Persian writes and Arabic does not (ی and ک as Persian spells them, پ چ ژ گ),
# looked for in the raw text, before folding maps ي/ك onto them.
PERSIAN_LETTERS = re.compile("[\u06cc\u06a9\u067e\u0686\u0698\u06af]")
_ZH_NOT_NEGATORS = re.compile("特别|分别|区别|级别|差别|告别|识别|无论|未来")
_FA_EMPHATIC = frozenset(_fold(w) for w in ("اصلا", "اصلاً", "هیچ"))
_FA_NEG_PREFIX = re.compile(r"^(?:نمی|ن)(?=\w{3,})")
# Egyptian / Levantine / Gulf circumfix negation: ما + verb + ش ("ماعجبنيش").
_AR_CIRCUMFIX = re.compile(r"^ما(\w{3,})ش$")
_EN_STEM = re.compile(r"^(\w+?)(?:ies|es|s|ied|ed|d|ing)$")

# One character class of both emoji sets (a character in both counts as positive).
_EMOJI_ANY = re.compile(
    "[" + "".join(re.escape(c) for c in sorted(EMOJI_POSITIVE | EMOJI_NEGATIVE)) + "]"
)
_EMOTICONS = re.compile(
    r"(?<![\w:;])(?P<pos>[:;=8]-?[)\]dDpP}]|\^_*\^|<3|\(:)|(?P<neg>[:;=]'?-?[(\[/\\|{]|\):|D:|>:\()"
)


@dataclass(frozen=True)
class Polar:
    """One polar expression: its sign, whether it is negated, and its strength."""

    sign: int  # +1 / -1 before negation
    negated: bool
    strong: bool
    kind: str = "word"  # word | idiom | emoji

    @property
    def value(self) -> float:
        """Contribution to a clause's score: negation flips ("not good" ≈ −0.9) and
        softens a negative more ("not bad" ≈ +0.5)."""
        v = float(self.sign) * (1.5 if self.strong else 1.0)
        if self.negated:
            return -0.9 * v if v > 0 else -0.5 * v
        return v


def polarity_features(text: str) -> list[str]:
    """`+`, `-`, `~+`, `~-` markers (and `!` for strong ones) for a `model_text` string."""
    out: list[str] = []
    for p in polar_items(text):
        if p.kind == "emoji":
            out.append(":+" if p.sign > 0 else ":-")
            continue
        mark = ("~" if p.negated else "") + ("+" if p.sign > 0 else "-")
        out.append(mark)
        if p.strong:
            out.append(mark + "!")
        if p.kind == "idiom":
            out.append("i" + mark)
    return out


def rule_score(text: str) -> tuple[float, int]:
    """(sum of polar values, number of polar items) of a `model_text` string."""
    items = polar_items(text, rules=True)
    return sum(p.value for p in items), len(items)


def polar_items(text: str, rules: bool = False, persian: bool = False) -> list[Polar]:
    """The polar words, idioms, emoji and emoticons of a `model_text` string.

    `rules`: also the rule-only words and idioms (clause polarity); the model
    features (`polarity_features`) use the lexicons the models were trained with.
    `persian` (rules only): the text is Persian, where «ما» is "we", not a negator
    («خونه‌ی ما مدام قطع میشه»).
    """
    words, negators, zh_terms = lexicon(rules)
    if rules and persian:
        negators = negators - _AR_ONLY_NEGATORS
    firsts = _first_words(rules)
    out: list[Polar] = []
    pattern, table = idioms(rules)
    covered: list[tuple[int, int]] = []
    tokens = _WORD.findall(text)
    matches = pattern.finditer(text) if _may_hold_idiom(text, tokens, rules) else ()
    for m in matches:
        phrase = m.group()
        sign = table.get(phrase) or table.get(phrase[1:], 0)  # "ومحد يرد": with the conjunction
        before = _WORD.findall(text[max(0, m.start() - 20) : m.start()])[-2:]
        negated = (
            any(t in negators for t in before) or text[max(0, m.start() - 2) : m.start()] in _ZH_NEG
        )
        if (
            negated
            and rules
            and any(t in _FA_EMPHATIC for t in before)
            and any(_FA_NEG_PREFIX.match(w) for w in phrase.split())
        ):
            # «اصلا محل نذاشت», «هیچ جواب ندادن»: Persian "at all" / "no" stress a negated
            # verb, they do not negate it again.
            negated = False
        out.append(Polar(sign, negated, True, "idiom"))
        covered.append(m.span())
    if rules:
        for m in _durations().finditer(text):
            # "took two hours to get here", «ياخذ أسبوع», «ده روز منتظر بودم», 「等了两天」:
            # how long something took is a complaint ("only took a day" is not).
            near = text[max(0, m.start() - 12) : m.end()].split()
            if not _QUICK.intersection(near):
                out.append(Polar(-1, False, True, "idiom"))
    if covered:
        text = blank_spans(text, covered)
        tokens = _WORD.findall(text)
    n = len(tokens)
    skip = 0
    for i, tok in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        if "\u4e00" <= tok[0] <= "\u9fff":
            out.extend(_zh_items(tok, zh_terms, rules))
            continue
        pol = None
        width = 1
        if i + 1 < n and tok in firsts:  # two- and three-word entries ("بی کیفیت") first
            pol = words.get(f"{tok} {tokens[i + 1]}")
            width = 2
            if pol is None and i + 2 < n:
                pol = words.get(f"{tok} {tokens[i + 1]} {tokens[i + 2]}")
                width = 3
        if pol is None:
            width = 1
            pol = words.get(tok)
            if pol is None and "\u0600" <= tok[0] <= "\u06ff":
                pol = _stem_lookup(tok, words, rules)
        prefixed = False
        if pol is None and i + 1 < n and tokens[i + 1][0] == "ن" and tok in firsts:
            # "دوست نداشتم": the second word negated by prefix
            pm = _FA_NEG_PREFIX.match(tokens[i + 1])
            if pm is not None:
                pol = words.get(f"{tok} {tokens[i + 1][pm.end() :]}")
                if pol is not None:
                    out.append(Polar(1 if pol > 0 else -1, True, abs(pol) > 1))
                    skip = 1
                    continue
        if pol is None:
            pm = _FA_NEG_PREFIX.match(tok) if tok[0] == "ن" else None
            if pm is not None:
                rest = tok[pm.end() :]
                pol = words.get(rest) or words.get("می" + rest)
                prefixed = pol is not None
            if pol is None and tok.startswith("ما"):
                c = _AR_CIRCUMFIX.match(tok)
                if c is not None:
                    pol = words.get(c.group(1))
                    prefixed = pol is not None
        if pol is None and rules and tok.isascii() and len(tok) > 4:
            pol = _en_stem_lookup(tok, words)
        if pol is None and rules and tok in _NOBODY and not _negates_next(tokens, i, words):
            # "nobody got back to me", «محد رد»: no one did what was asked (a cue of
            # its own only where the clause has no other polar word, see below).
            out.append(Polar(-1, False, False, "negator"))
            continue
        if pol is None:
            continue
        if rules and pol < 0 and width == 1 and _is_solved_problem(tok, tokens, i):
            # "solved the problem", «حلوا المشكلة», «مشکلمو حل کرد»: the problem is gone,
            # which says more than the words one by one (an idiom: the rules decide);
            # negated with its verb ("didn't solve the problem", «مشکلم حل نشد»).
            window = tokens[max(0, i - 4) : i + 5]
            negated = any(t in negators or t in _FA_POST_NEGATORS or t in _NOBODY for t in window)
            out.append(Polar(1, negated, True, "idiom"))
            continue
        if rules and width == 1 and (tok in negators or tok in _NOBODY):
            if _negates_next(tokens, i, words):
                # "never had an issue": the negator says its word's polarity, not its own.
                continue
            # "no" / "never" on its own is a cue only where nothing else in the clause is
            # ("they never answered"); dropped below otherwise ("no hidden fees").
            out.append(Polar(1 if pol > 0 else -1, False, False, "negator"))
            continue
        skip = width - 1
        before = tokens[max(0, i - 3) : i]
        after = tokens[i + width : i + width + 2]
        if rules:
            negated = prefixed or _negated_in_scope(tokens, i, negators)
        else:
            negated = prefixed or any(t in negators for t in before)
        if (
            not negated
            and after
            and (
                after[0] in _FA_POST_NEGATORS
                or (len(after) > 1 and after[1] in _FA_POST_NEGATORS and after[0] not in words)
                or (rules and after[0] in _FA_SPLIT_NEG)
            )
        ):
            negated = True
        strong = abs(pol) > 1 or bool(before and before[-1] in _INTENSIFIERS)
        out.append(Polar(1 if pol > 0 else -1, negated, strong))
    for ch in _EMOJI_ANY.findall(text):  # in text order, as a scan of every character
        out.append(Polar(1 if ch in EMOJI_POSITIVE else -1, False, False, "emoji"))
    for m in _EMOTICONS.finditer(text):
        out.append(Polar(1 if m.group("pos") else -1, False, False, "emoji"))
    if rules and any(p.kind == "negator" for p in out) and any(p.kind != "negator" for p in out):
        out = [p for p in out if p.kind != "negator"]
    return out


@lru_cache(maxsize=2)
def lexicon(rules: bool = False) -> tuple[dict[str, int], frozenset[str], list[tuple[str, int]]]:
    """(word -> ±1/±2 for alphabetic languages, negators, Chinese terms longest first).

    English adds the VADER lexicon (MIT, C.J. Hutto), read from the installed
    `vaderSentiment` package rather than copied into Sada. `rules`: with the
    rule-only words (clause polarity), else exactly the model features' lexicon.
    """
    words: dict[str, int] = dict(vader_words())
    pos = [POSITIVE] + ([RULE_POSITIVE] if rules else [])
    neg = [NEGATIVE] + ([RULE_NEGATIVE] if rules else [])
    for lang in ("en", "ar", "fa"):
        for block in pos:
            for w in block[lang].split():
                words.setdefault(_fold(w.replace("_", " ")), 1)
        for block in neg:
            for w in block[lang].split():
                words.setdefault(_fold(w.replace("_", " ")), -1)
    if rules:
        for block_words in RULE_NEUTRAL.values():
            for w in block_words.split():
                words.pop(_fold(w), None)
    negators = frozenset(_fold(w) for lang in ("en", "ar", "fa") for w in NEGATORS[lang].split())
    zh = [(w, 1) for b in pos for w in b["zh"].split()] + [
        (w, -1) for b in neg for w in b["zh"].split()
    ]
    zh.sort(key=lambda kv: -len(kv[0]))
    return words, negators, zh


@lru_cache(maxsize=1)
def vader_words() -> dict[str, int]:
    """VADER's strong English words as ±1 (|valence| ≥ 1) or ±2 (≥ 2.5).

    Kept: alphabetic entries, and a few with an apostrophe. Empty when the
    package is missing (the English model then loses a few points).
    """
    try:
        import vaderSentiment
    except ModuleNotFoundError:
        return {}
    source = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    words: dict[str, int] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        token, value = parts[0].strip().lower(), float(parts[1])
        if not re.fullmatch(r"[a-z]+(?:'[a-z]+)?", token) or abs(value) < 1.0:
            continue
        words[token] = (2 if abs(value) >= 2.5 else 1) * (1 if value > 0 else -1)
    return words


@lru_cache(maxsize=2)
def _first_words(rules: bool = False) -> frozenset[str]:
    """First words of the lexicon's two- and three-word entries: a token that is none of
    them starts no multi-word entry (a lookup of its word pairs would find nothing)."""
    return frozenset(w.split(" ", 1)[0] for w in lexicon(rules)[0] if " " in w)


@lru_cache(maxsize=2)
def idioms(rules: bool = False) -> tuple[re.Pattern[str], dict[str, int]]:
    """One regex over every idiom (as `model_text` spells them) and each one's polarity.

    `rules`: with the rule-only idioms (clause polarity), else the model features' set.
    """
    table: dict[str, int] = {}
    blocks = [(1, IDIOMS_POSITIVE), (-1, IDIOMS_NEGATIVE)]
    if rules:
        blocks += [(1, RULE_IDIOMS_POSITIVE), (-1, RULE_IDIOMS_NEGATIVE)]
    for sign, block in blocks:
        for phrase in block.replace("\n", "").split("|"):
            key = _idiom_key(phrase)
            if key:
                table[key] = sign
    parts = sorted(table, key=len, reverse=True)
    return _idiom_regex(parts), table


def _idiom_key(phrase: str) -> str:
    return " ".join(_fold(phrase.strip()).split())


def _idiom_regex(parts: list[str]) -> re.Pattern[str]:
    """One regex for the phrases (longest first): Chinese ones as substrings, Arabic and
    Persian whole words (with an attached و), others whole words.

    Written for speed, matching exactly what the plain alternation of the phrases
    (each with its own boundary checks) matches: the phrases are grouped by what their
    match starts with (a Han character, or a word start), and a group is tried only at a
    position whose character can begin one of its phrases (inside each group the phrases
    form a prefix tree, longer ones first, as `trie_alternation` writes them; no phrase of
    one group can match where the other's could).
    """
    han = [p for p in parts if "\u4e00" <= p[0] <= "\u9fff"]
    words = [p for p in parts if not "\u4e00" <= p[0] <= "\u9fff"]
    groups = []
    if words:
        firsts = {p[0] for p in words} | {"و" for p in words if "\u0600" <= p[0] <= "\u06ff"}
        arfa = [re.escape(p) for p in words if "\u0600" <= p[0] <= "\u06ff"]
        other = [re.escape(p) for p in words if not "\u0600" <= p[0] <= "\u06ff"]
        alts = "|".join(
            ([r"(?:و)?" + trie_alternation(arfa, r"(?!\w)")] if arfa else [])
            + ([trie_alternation(other, r"(?!\w)")] if other else [])
        )
        groups.append(r"(?<!\w)(?=[" + _char_class(firsts) + "])(?:" + alts + ")")
    if han:
        alts = trie_alternation([re.escape(p) for p in han])
        groups.append("(?=[" + _char_class({p[0] for p in han}) + "])(?:" + alts + ")")
    return re.compile("|".join(groups) or "(?!)")


def _char_class(chars: set[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


@lru_cache(maxsize=2)
def _idiom_starts(rules: bool = False) -> tuple[frozenset[str], frozenset[str]]:
    """First words of the word idioms (also with و attached) and first characters of
    the Chinese ones: a text holding none of them holds no idiom."""
    _pattern, table = idioms(rules)
    words: set[str] = set()
    han: set[str] = set()
    for phrase in table:
        if "\u4e00" <= phrase[0] <= "\u9fff":
            han.add(phrase[0])
        else:
            first = phrase.split()[0]
            words.update({first, "و" + first})
    return frozenset(words), frozenset(han)


def _may_hold_idiom(text: str, tokens: list[str], rules: bool = False) -> bool:
    words, han = _idiom_starts(rules)
    return not words.isdisjoint(tokens) or not han.isdisjoint(text)


@lru_cache(maxsize=1)
def _durations() -> re.Pattern[str]:
    """Waiting times (rule mode): a verb of taking or waiting and a unit of time within
    a few words, in the four languages, as `model_text` spells them ("took two hours",
    not "took an hour": an hour may be what was expected)."""

    def alt(words: str) -> str:
        return "|".join(re.escape(_fold(w)) for w in words.split())

    en = (
        r"(?<!\w)(?:took|takes|taking|waited|waiting|sat|sitting|stuck)(?:\s+\w+){0,5}?\s+"
        r"(?:hours|days|weeks|months|calls|emails|attempts|tries|visits)(?!\w)"
    )
    ar = (
        "(?<!\\w)(?:" + alt("اخذ ياخذ تاخذ اخذت استنيت استنينا انتظرت انتظرنا نطرت") + ")"
        r"(?:\s+\w+){0,2}?\s+(?:"
        + alt("ساعتين ساعات يوم يومين ايام اسبوع اسبوعين اسابيع شهر")
        + r")(?!\w)"
    )
    fa = (
        r"(?<!\w)(?:"
        + alt("ساعت روز هفته ماه")
        + r")(?:\s+\w+){0,2}?\s+(?:"
        + alt("طول_کشید طول_میکشه طول_کشیده منتظر معطل").replace("_", r"\s+")
        + ")"
    )
    zh = r"等了[^，。！？,.!?\s]{0,4}?(?:小时|天|周|星期|个月)"
    return re.compile("|".join([en, ar, fa, zh]))


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the characters inside `spans` (ordered, non-overlapping, as `finditer`
    gives them) replaced by spaces; the same length, so offsets keep."""
    parts: list[str] = []
    last = 0
    for a, b in spans:
        parts.append(text[last:a])
        parts.append(" " * (b - a))
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _stem_lookup(tok: str, words: dict[str, int], rules: bool = False) -> int | None:
    """An Arabic or Persian word found without its article or a suffix ("مشکلی", "الممتاز")."""
    for cand in (tok[2:] if tok.startswith("ال") and len(tok) > 4 else "", tok):
        if not cand:
            continue
        if cand != tok and cand in words:
            return words[cand]
        for suf in RULE_SUFFIXES if rules else SUFFIXES:
            if cand.endswith(suf) and len(cand) - len(suf) >= 2 and cand[: -len(suf)] in words:
                return words[cand[: -len(suf)]]
    if rules and tok.startswith("بی") and len(tok) >= 5 and "ی" + tok[2:] in words:
        # Egyptian / Levantine progressive بـ + present verb: «بيهنج» is «يهنج».
        return words["ی" + tok[2:]]
    return None


def _en_stem_lookup(tok: str, words: dict[str, int]) -> int | None:
    """An English inflected form found by its stem ("crashes", "refunded", "chipped")."""
    if not tok.isascii() or len(tok) <= 4:
        return None
    m = _EN_STEM.match(tok)
    if m is None:
        return None
    stem = m.group(1)
    for cand in (
        stem,
        stem + "e",
        stem + "y",
        stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else "",
    ):
        if cand and cand in words:
            return words[cand]
    return None


def _negated_in_scope(tokens: list[str], i: int, negators: frozenset[str]) -> bool:
    """Whether a negator within three words before `tokens[i]` negates it (rule mode).

    English words between the two must be of `_EN_SCOPE`; "not only" is no negation.
    """
    for j in range(i - 1, max(0, i - 3) - 1, -1):
        t = tokens[j]
        if t in negators or t in _NOBODY:
            if t in _NEXT_WORD_ONLY and any(x not in _ANY for x in tokens[j + 1 : i]):
                # «بدون روغن واقعاً عالیه»: "without" takes the next word only («بدون
                # أي مشكلة», «بدون هیچ مشکلی»: across "any")
                return False
            return not (j + 1 < len(tokens) and tokens[j + 1] in _NOT_ONLY)
        if t.isascii() and t not in _EN_SCOPE:
            return False
    return False


def _negates_next(tokens: list[str], i: int, words: dict[str, int]) -> bool:
    """Whether the negator `tokens[i]` has a polar word in its scope after it."""
    for t in tokens[i + 1 : i + 4]:
        if t in words or _en_stem_lookup(t, words) is not None:
            return True
        if t.isascii() and t not in _EN_SCOPE:
            return False
    return False


def _is_solved_problem(tok: str, tokens: list[str], i: int) -> bool:
    """Whether `tok` is a problem noun with a verb of solving within three words."""
    stem = _strip_clitics(tok)
    if stem not in _PROBLEMS and not stem.startswith(_PROBLEM_STEMS):
        return False
    near = tokens[max(0, i - 3) : i] + tokens[i + 1 : i + 4]
    return any(t in _SOLVERS or (t[:1] == "و" and t[1:] in _SOLVERS) for t in near)


def _strip_clitics(tok: str) -> str:
    """An Arabic word without a leading و and article («والمشكلة» -> «مشكلة»)."""
    if tok.startswith("و") and len(tok) > 3:
        tok = tok[1:]
    if tok.startswith("ال") and len(tok) > 4:
        tok = tok[2:]
    return tok


_ZH_INDEX: dict[int, tuple[list[tuple[str, int]], dict[str, list[int]]]] = {}


def _zh_candidates(run: str, terms: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The terms whose first character occurs in `run`, in their order in `terms` (the
    others cannot match, so the scan below gives the same items without them)."""
    cached = _ZH_INDEX.get(id(terms))
    if cached is None or cached[0] is not terms:
        index: dict[str, list[int]] = {}
        for k, (term, _pol) in enumerate(terms):
            index.setdefault(term[0], []).append(k)
        cached = _ZH_INDEX[id(terms)] = (terms, index)
    index = cached[1]
    picks = sorted(k for ch in set(run) for k in index.get(ch, ()))
    return [terms[k] for k in picks]


def _zh_items(run: str, terms: list[tuple[str, int]], rules: bool = False) -> list[Polar]:
    out = []
    taken = [False] * len(run)
    solved = rules and "解决" in run
    for term, pol in _zh_candidates(run, terms):
        start = run.find(term)
        while start >= 0:
            end = start + len(term)
            if not any(taken[start:end]):
                for k in range(start, end):
                    taken[k] = True
                if solved and term in ZH_PROBLEMS:  # 「解决了问题」: the problem is gone
                    start = run.find(term, end)
                    continue
                before = run[max(0, start - 3) : start]
                negated = any(n in before for n in _ZH_NEG) and not term.startswith(_ZH_NEG)
                if (
                    rules
                    and negated
                    and not any(n in _ZH_NOT_NEGATORS.sub("", before) for n in _ZH_NEG)
                ):
                    negated = False  # 别 inside 特别 / 区别 is no negator (「特别靠谱」)
                if rules:
                    if term.startswith(_ZH_NEG):
                        # 「没有不耐烦」「并不差」: a negator before a negated term
                        negated = before.endswith(ZH_DOUBLE_NEGATORS)
                    elif negated and any(x in before for x in ZH_NOT_ONLY):
                        negated = False  # 「不仅慢，而且…」: "not only"
                strong = abs(pol) > 1 or any(before.endswith(x) for x in ZH_INTENSIFIERS)
                out.append(Polar(1 if pol > 0 else -1, negated, strong))
            start = run.find(term, end)
    return out
