"""Sentence and clause splitting for Arabic, Persian, Chinese and English.

Sentences end at . ! ? … and their Arabic/Persian (؟ ؛ ۔) and Chinese (。！？；)
forms, and at line breaks. A full stop between digits or inside an
abbreviation-like token (e.g. "3.5", "U.S.") does not end a sentence.

Clauses split a sentence further at contrast words ("but", "لكن", "ولی", "但是"):
"delivery was late but the food was great" is two clauses with two aspects.
A clause is split again at commas and "and" (و, 和, 、) when each side carries
its own polar words ("great food, slow delivery"), so that each aspect takes
the polarity of its own part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sada.text.normalize import model_text
from sada.text.polarity import polar_items

_END = re.compile(
    r"(?:[!?\u061f\u203c\u2047-\u2049]+|(?<!\d)\.(?![0-9A-Za-z_@/])\.*|\u2026+|[\u3002\uff01\uff1f\uff1b\u06d4]+)"
    r"[\"'\u201d\u2019)\]\u00bb]*"
    r"|\n+"
    # an emoji (or a run of them) before a capital letter ends a sentence: "…delivery 🙄
    # The girl on the helpline was lovely"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]+(?=\s+[A-Z])"
)
_ABBREV = re.compile(r"(?:\b[A-Za-z]\.){2,}$|\b(?:Mr|Mrs|Ms|Dr|Prof|St|vs|etc|e\.g|i\.e|No)\.$")

_CONTRAST = {
    "en": r"but|however|although|though|whereas|yet|except|luckily|thankfully|fortunately"
    r"|mind you",
    "ar": r"لكن|ولكن|لكنه|لكنها|بس|إلا أن|الا ان|إلا إن|الا إن|إلا ان|غير أن|بينما|مع أن|رغم أن|ولاكن"
    r"|مع إن|مع ان|ومع إن|ومع ان|رغم إن|رغم ان|بالرغم من إن|بالرغم من أن|بالرغم من ان|إنما|انما"
    r"|ومع ذلك|ومع هذا"
    # round 9: Maghrebi and Gulf spellings, "on the other hand", "but for", Arabizi
    r"|ولكين|لكين|ولاكين|لاكين|بالمقابل|في المقابل|لولا|لولا أن|لولا ان"
    r"|bs|bas|bass|bes|lakin|lakn|walakin|walaken|laken",
    "fa": r"ولی|اما|ولي|ولیکن|در حالی که|درحالیکه|با اینکه|با این حال|هرچند|ولی‌|با این که"
    r"|با اين که|اگرچه|اگر چه|گرچه|با وجود اینکه|هر چند|منتها"
    # round 9: formal «لیکن», "instead", Finglish
    r"|لیکن|در عوض|vali|valy|vli|amma|ama",
    "zh": r"但是|但|可是|不过|然而|只是|可惜|不過|雖然|虽然|尽管|儘管"
    # round 9: "luckily" and "at least" (还好, 好在, 幸好, 好彩), "on the contrary"
    r"|还好|還好|好在|幸好|幸亏|幸虧|好彩|反而|至于|至於",
}
# "就是" ("only that...") is a contrast only right after a comma: 「服务很好，就是价格偏高」.
_ZH_COMMA_CONTRAST = (
    r"|(?<=[，,；;])就是|(?<=[，,；;] )就是"
    # 「…，可送货师傅迟到了」: 可 ("but") after a comma, not 可以 / 可能 / 可爱
    r"|(?<=[，,；;])可(?![以能爱怜口])"
    # 却 / 倒是 ("yet", "though") follow their subject: the clause starts at the comma
    # before it (「…，柜台的工作人员却很快…」)
    r"|[，,；;](?=[^，,。；;]{0,15}(?:却|卻|倒是))"
)
# Persian «فقط» ("only", i.e. "except that") after a comma: «…، فقط قیمتش زیاده».
_FA_COMMA_CONTRAST = r"|\s*[,،]\s*فقط(?!\w)\s*"
_CLAUSE_SPLIT = {
    lang: re.compile(
        (
            r"\s*[,،;؛]?\s*(?<!\w)(?:"
            + words
            + r")(?!\w)\s*"
            + (_FA_COMMA_CONTRAST if lang == "fa" else "")
        )
        if lang != "zh"
        else (r"[，,；;]?(?:" + words + r")" + _ZH_COMMA_CONTRAST)
    )
    for lang, words in _CONTRAST.items()
}
_ZH_COMMA = re.compile(r"[，,；;]")
# A semicolon between words ends a clause in every language (not ";)" or ";-)").
_SEMICOLON = re.compile(r"(?<=[^\W_])\s*[;؛]\s+|；")
# A contrast word set off by commas inside a clause ("the bill, however, was wrong")
# marks the clause as contrasting with the one before; it does not split it.
_EN_INSIDE = re.compile(r"\s*,\s*(?:however|though|nevertheless|on the other hand)\s*,\s*", re.I)


# A sentence that opens with a concession ("although X, Y", «با اینکه X، Y», «مع إن X، Y»,
# 「虽然X，但Y」) has two clauses even where nothing but a comma stands between them.
_CONCESSIVE = {
    "en": re.compile(r"^(?:although|though|even though|while|whilst|despite|even if)\b", re.I),
    "ar": re.compile(
        r"^(?:مع إن|مع ان|مع أن|رغم إن|رغم ان|رغم أن|بالرغم من|برغم|على الرغم من)(?!\w)"
    ),
    "fa": re.compile(r"^(?:با اینکه|با این که|هرچند|هر چند|اگرچه|اگر چه|گرچه|با وجود)(?!\w)"),
    "zh": re.compile(r"^(?:虽然|虽说|尽管|雖然|儘管)"),
}
_FIRST_COMMA = re.compile(r"[,،，]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def split_sentences(
    text: str, max_sentences: int = 200, protected: list[tuple[int, int]] | None = None
) -> list[Span]:
    """Sentences of `text` with their character offsets (whitespace trimmed).

    No sentence ends inside a URL or a `protected` span (e.g. found PII).
    """
    spans: list[Span] = []
    start = 0
    keep = list(protected or []) + [m.span() for m in _URL.finditer(text)]
    for m in _END.finditer(text):
        end = m.end()
        if any(a < m.start() < b for a, b in keep):
            continue
        if m.group().startswith(".") and _ABBREV.search(text[start : m.start() + 1]):
            continue
        _add(spans, text, start, end)
        start = end
        if len(spans) >= max_sentences:
            break
    if start < len(text) and len(spans) < max_sentences:
        _add(spans, text, start, len(text))
    elif len(spans) >= max_sentences and start < len(text):
        last = spans.pop()
        _add(spans, text, last.start, len(text))
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped or not any(ch.isalnum() or ord(ch) > 0x2000 for ch in stripped):
        if spans and stripped:  # trailing punctuation or emoji joins the previous sentence
            prev = spans[-1]
            spans[-1] = Span(
                prev.start,
                start + len(chunk.rstrip()),
                text[prev.start : start + len(chunk.rstrip())],
            )
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    spans.append(Span(s, s + len(stripped), stripped))


_UNIT_SPLIT = {
    "en": re.compile(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+|\s+while\s+"),
    "ar": re.compile(r"\s*[,،;؛]\s*|\s+و\s+|\s+(?=و\S)"),
    "fa": re.compile(r"\s*[,،;؛]\s*|\s+و\s+"),
    "zh": re.compile(r"[，,；;、]\s*|和"),
}


def split_clauses(sentence: str, lang: str) -> list[str]:
    """Parts of a sentence separated by contrast words (the words themselves dropped),
    each split again at commas and "and" where both sides carry polar words."""
    pattern = _CLAUSE_SPLIT.get(lang)
    if pattern is None:
        return [sentence]
    parts: list[str] = []
    concessive = _CONCESSIVE.get(lang)
    for piece in _SEMICOLON.split(sentence):
        if lang == "en":
            piece = _EN_INSIDE.sub(" ", piece)
        elif lang == "fa" and ("ولی" in piece or "اما" in piece):
            piece = _fa_topic_contrast(piece)
        halves = [piece]
        if concessive is not None and concessive.match(piece.lstrip()):
            comma = _FIRST_COMMA.search(piece)
            if comma is not None:
                halves = [piece[: comma.start()], piece[comma.end() :]]
        for half in halves:
            parts.extend(p.strip(" ,،;؛，") for p in pattern.split(half))
    parts = [p for p in parts if p]
    out: list[str] = []
    for part in parts or [sentence]:
        out.extend(split_units(part, lang))
    return out or [sentence]


# Persian puts «ولی» / «اما» after the topic it sets against what came before: «خود
# اپلیکیشن ولی خوبه» ("the app itself, though, is fine"). After one or two words
# without polar words at the start of a clause, it does not split the clause.
_FA_TOPIC_CONTRAST = re.compile(r"(^|[،,:;؛]\s*)((?:[^\s،,]+\s+)?[^\s،,]+)\s+(?:ولی|اما)\s+")


def _fa_topic_contrast(piece: str) -> str:
    def keep(m: re.Match[str]) -> str:
        if polar_items(model_text(m.group(2)), rules=True):
            return m.group()
        return m.group(1) + m.group(2) + " "

    return _FA_TOPIC_CONTRAST.sub(keep, piece)


def has_contrast(sentence: str, lang: str) -> bool:
    """Whether a sentence holds a contrast word or opens with a concession (its clauses
    then speak of things in opposite ways: "X, but Y", «با اینکه X، Y»)."""
    pattern = _CLAUSE_SPLIT.get(lang)
    if pattern is None:
        return False
    concessive = _CONCESSIVE.get(lang)
    return bool(pattern.search(sentence)) or bool(
        concessive is not None and concessive.match(sentence.lstrip())
    )


def contrast_spans(sentence: str, lang: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of each contrast word in a sentence (the matches `split_clauses`
    cuts at, commas and spaces stripped from the word); a concession that opens the
    sentence counts as one at offset 0."""
    pattern = _CLAUSE_SPLIT.get(lang)
    if pattern is None:
        return []
    out = [(m.start(), m.end(), m.group().strip(" ,،;؛，；")) for m in pattern.finditer(sentence)]
    concessive = _CONCESSIVE.get(lang)
    head = concessive.match(sentence.lstrip()) if concessive is not None else None
    if head is not None:
        out.insert(0, (0, 0, head.group().lower()))
    return out


def split_units(clause: str, lang: str) -> list[str]:
    """A clause cut at commas / "and" into pieces that each hold a polar word.

    Pieces without one join the piece before them (or after, at the start), so
    "the delivery, which took an hour, was cold" stays whole while "great food,
    slow delivery" becomes two.
    """
    pattern = _UNIT_SPLIT.get(lang)
    if pattern is None:
        return [clause]
    pieces = [p.strip() for p in pattern.split(clause) if p and p.strip()]
    if len(pieces) < 2:
        return [clause]
    polar = [bool(polar_items(model_text(p), rules=True)) for p in pieces]
    if sum(polar) < 2:
        return [clause]
    joiner = "，" if lang == "zh" else ", "
    units: list[list[str]] = []
    for piece, has in zip(pieces, polar, strict=True):
        if has or not units:
            units.append([piece])
        else:
            units[-1].append(piece)
    # a leading piece without polar words belongs to the next unit
    if units and not polar[0] and len(units) > 1:
        units[1] = units[0] + units[1]
        units.pop(0)
    return [joiner.join(u) for u in units]
