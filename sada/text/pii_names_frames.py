"""Person names by the construction around them, in Arabic, Persian, Chinese and English.

The rules of `pii_names_en`, `pii_names_arfa`, `pii_names_arfa_lone` and `pii_names_zh`
mostly need a name of the gazetteer. Customers, though, name people in a handful of
fixed frames, whatever the name is:

- introducing themselves: «أنا X،», «X هستم», "X here", 「我是X」;
- an agent and their team: «X من فريق الدعم», «X از پشتیبانی», "X from billing", 「客服X」;
- thanks: «شكرا X», «ممنون از X», "thanks X", 「谢谢X哥」;
- kin or a relation before the name: «صاحبي X», «همکارم X», 「同事X」「用户X」;
- an honorific after the name: «X خانم», «X آقا», 「X姐」「X哥」;
- a sign-off after a dash, or after a comma or full stop at the very end;
- a name as the subject of helping or saying ("Sunny helped", "rohit said").

In a frame the slot word counts as a name when it is not an ordinary word (our
sentiment and aspect lexicons and function words, `pii_names_learned.lexicon`), or,
for the weaker frames, when it is a given name of the gazetteer (ambiguous ones
included: the frame is what makes "Hope" or «امید» a person). Spans found here come
after the rules' spans and before the learned tagger's in `find_names`.

The frames of each script live beside this module (`pii_names_frames_arfa`,
`pii_names_frames_en`, `pii_names_frames_zh`; shared word helpers in
`pii_names_frames_words`); here they are called in turn, and names joined to a found
name by «و», 和/、 or an English list are added (`joined_names`).
"""

from __future__ import annotations

import re

from sada.text.pii_names_frames_arfa import _AR, _arfa_frames, _arfa_slot, _tokens
from sada.text.pii_names_frames_en import _EN_WORD, _en_frames, _en_ok
from sada.text.pii_names_frames_words import _fold, _folded
from sada.text.pii_names_frames_zh import _zh_frames, _zh_slot


def frame_names(text: str) -> list[tuple[int, int]]:
    """Candidate name spans found by their frame, in every script of `text`."""
    out: list[tuple[int, int]] = []
    if re.search(f"[{_AR}]", text):
        out += _arfa_frames(text)
    if re.search("[A-Za-z]", text):
        out += _en_frames(text)
    if re.search("[\u4e00-\u9fff]", text):
        out += _zh_frames(text)
    return out


# Names joined to a found name: «سلمى ومريم», «بهار و امید هر دو», 春花和国庆,
# "Liesl, Björn and Ana-Maria".
_ARFA_JOIN_RIGHT = re.compile(rf"^\s*(?:[،,]\s*)?(?:و\s*|[،,]\s*)(?P<name>[{_AR}]{{2,}})")
_ARFA_JOIN_LEFT = re.compile(rf"(?P<name>[{_AR}]{{2,}})\s*(?:و\s*|[،,]\s*(?:و\s*)?)$")
# "Liesl, Björn and Ana-Maria": a list of capitalized words ending with "and"
_EN_LIST_RE = re.compile(
    rf"(?<![\w'])(?:{_EN_WORD})(?:\s*,\s*(?:{_EN_WORD}))*\s*,?\s+(?:and|&)\s+(?:{_EN_WORD})"
)
_EN_WORD_RE = re.compile(_EN_WORD)
_AND_RE = re.compile(r"\s(?:and|&)\s")
_EN_ORG_AFTER = re.compile(
    r"^\s+(?:team|store|shop|support|app|account|bank|office|branch|airlines?|inc|ltd|co)\b",
    re.IGNORECASE,
)
_ZH_JOIN = "和、跟与及"
_BOTH_RE = re.compile("هر دو|كلاهما|کلاهما|الاثنين|الاتنين|الثنين")
_ARFA_BOTH = _folded("هر", "كلاهما", "الاثنين", "الاتنين", "الثنين")


def _joined_ok(text: str, start: int, end: int) -> bool:
    """Whether the word at [start, end) may be a name joined to a found one."""
    word = text[start:end]
    if "\u4e00" <= word[0] <= "\u9fff":
        return True  # checked by `_zh_slot`
    if re.match(f"[{_AR}]", word):
        return _arfa_slot(word, strong=False)
    if _EN_ORG_AFTER.match(text[end:]) or not word[0].isupper():
        return False
    return _en_ok(word, strong=True)


def joined_names(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """New spans of names joined by «و», a comma, 和/、 or "and" to the found `spans`,
    and pairs of given names joined by «و» before «هر دو»/«كلاهما» (both)."""
    found = set(spans)
    todo = list(spans)
    en_lists: list[re.Match[str]] | None = None
    out: list[tuple[int, int]] = []

    def take(a: int, b: int) -> None:
        if b > a and all(b <= x or a >= y for x, y in found):
            found.add((a, b))
            out.append((a, b))
            todo.append((a, b))

    while todo:
        a, b = todo.pop()
        head, tail = text[max(0, a - 40) : a], text[b : b + 40]
        base = max(0, a - 40)
        if "\u4e00" <= text[a] <= "\u9fff":
            if tail[:1] and tail[0] in _ZH_JOIN:
                end = _zh_slot(text, b + 1, cued=True)
                if end > 0:
                    take(b + 1, end)
            if head[-1:] and head[-1] in _ZH_JOIN:
                for p in range(a - 4, a - 2):
                    if p >= 0 and _zh_slot(text, p, cued=True) == a - 1:
                        take(p, a - 1)
                        break
            continue
        if re.match(f"[{_AR}]", text[a]):
            m = _ARFA_JOIN_RIGHT.match(tail)
            if m and _joined_ok(text, b + m.start("name"), b + m.end("name")):
                take(b + m.start("name"), b + m.end("name"))
            m = _ARFA_JOIN_LEFT.search(head)
            if m and _joined_ok(text, base + m.start("name"), base + m.end("name")):
                take(base + m.start("name"), base + m.end("name"))
            continue
        if en_lists is None:
            en_lists = list(_EN_LIST_RE.finditer(text)) if _AND_RE.search(text) else []
        for m in en_lists:
            if not m.start() <= a < m.end():
                continue
            words = [
                (m.start() + w.start(), m.start() + w.end())
                for w in _EN_WORD_RE.finditer(m.group())
                if w.group() != "and"
            ]
            others = [(x, y) for x, y in words if y <= a or x >= b]
            if all(_joined_ok(text, x, y) for x, y in others):
                for x, y in others:
                    take(x, y)
    toks = _tokens(text) if _BOTH_RE.search(text) else []
    for i in range(len(toks) - 3):
        # «بهار و امید هر دو»: two given names (ambiguous ones too) before "both"
        first, conj, second = toks[i][2], toks[i + 1][2], toks[i + 2][2]
        both = _fold(toks[i + 3][2]) in _ARFA_BOTH
        if (
            conj == "و"
            and both
            and _arfa_slot(first, strong=False)
            and _arfa_slot(second, strong=False)
        ):
            take(toks[i][0], toks[i][1])
            take(toks[i + 2][0], toks[i + 2][1])
    return sorted(out)
