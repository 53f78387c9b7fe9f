"""Person names in Arabic, Persian, Chinese and English text: a gazetteer and context cues.

A name is found when

- a context cue stands before it ("my name is", "Mr", «اسمي», «الأستاذ»,
  «اسمم», «آقای», «خانم», 「我叫」, 「联系人」) or after it (「先生」, 「女士」,
  「经理」); the name is the one to three name-like words that follow (or, in
  Chinese, a common surname and one or two characters);
- or a given name of the gazetteer is followed by another capitalized word
  (English) or by a family-name form (Persian -ی / -زاده / -پور / -ان, Arabic
  «بن» / «ال…» forms), e.g. "Sarah Johnson", «رضا محمدی», «محمد بن سلمان».

Given names that are also common words (Hope, Grace; «امید», «نور», «سعيد»)
count only after a cue. The gazetteer is our own short list of frequent given
names and Chinese surnames; it is not exhaustive, which is what the cues are for.

The rules live beside this module, one per script, and each returns its candidate
spans in the order they should claim the text: `pii_names_en` (English and other
Latin-script names, pinyin included), `pii_names_arfa` (Arabic and Persian names
after cues) and `pii_names_arfa_lone` (Arabic and Persian gazetteer names by their
position, without cues), `pii_names_zh` (Chinese names), and last, since round 12,
`pii_names_anywhere` (an unambiguous Arabic-script gazetteer name in any position, a Latin
given name in Arabic, Persian or Chinese text); `pii_gazetteer` holds the word lists. Here the candidates are merged: the first span to claim a stretch of
text keeps it, and a kunya right before a name joins it ("Abu Khalid", «أبو فهد»). Scripts never share a character, so a rule of one script never
takes a span from another. An Arabic or Persian name right after a place word is the
name of a place («جامعة الملك سعود», «خیابان شریعتی») and is dropped.

Then the frames of `pii_names_frames` add names by the construction around them
(«أنا X،», «X از پشتیبانی», "X from billing", 「客服X」, sign-offs, kin, thanks), whatever
the name; a frame span may widen rule spans it contains. After them, the learned tagger (`pii_names_learned`, three small CRF models
trained on openly licensed NER corpora) adds the names it is confident of, where no
rule span already claims the text; the same place filter applies to them. Before the
tagger, round 13's `pii_names_cues` adds familiar forms (「小刘」「阿强」), names after role,
kin and greeting words ("Customer Grace Kim", «عمو جواد»), and guards Persian and English
look-alikes; a name never runs across a line break. Last,
two spans joined by a middle dot become one (「玛丽亚·加西亚」) and names joined to a found
name by «و», 和/、 or an English list with "and" are added (`joined_names`).
"""

from __future__ import annotations

import re

from sada.text.pii_names_anywhere import arfa_anywhere, latin_in_other_script
from sada.text.pii_names_arfa import after_place, arfa_cue_names
from sada.text.pii_names_arfa_lone import arfa_lone_names
from sada.text.pii_names_cues import (
    arfa_family_after,
    arfa_kin_names,
    arfa_not_a_name,
    en_ambiguous_with_family,
    en_not_a_name,
    en_role_names,
    zh_familiar,
)
from sada.text.pii_names_en import en_names
from sada.text.pii_names_frames import frame_names, joined_names
from sada.text.pii_names_learned import learned_names
from sada.text.pii_names_zh import zh_names

_HAS_LATIN = re.compile(r"[A-Z]")
_HAS_ANY_LATIN = re.compile(r"[A-Za-z]{3}")
_HAS_ARABIC = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")
# A kunya before a found given name is part of the name ("Abu Khalid", «أبو فهد»).
_KUNYA_BEFORE = re.compile(r"(?<!\w)(?:Abu|Abou|Umm|أبو|ابو|أم|ام|بو)\s$")


_DOTS = "\u30fb\u00b7\u2022\uff65"


# Verbs that follow a name and are never its last character here (「老婆晏晴买的」).
_HAN_VERB_AFTER = frozenset("买收说送寄讲问找打推用拿给帮要订退签催")
_HAN = re.compile(r"[\u4e00-\u9fff]{3}")


def _han_trimmed(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A three-character Chinese span that ends in a verb is a two-character name."""
    start, end = span
    if end - start == 3 and _HAN.fullmatch(text[start:end]) and text[end - 1] in _HAN_VERB_AFTER:
        return start, end - 1
    return span


def _join_dotted(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Two spans joined by a middle dot are one transliterated name (「玛丽亚·加西亚」)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and out[-1][1] + 1 == start and text[out[-1][1]] in _DOTS:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


# Round 13: a name never runs across a line break or ends in punctuation
# ("Name: Sarah Mitchell\nAddress: ...", "Best regards,\nPriya Natarajan\nSenior ...").
_NAME_TAIL = " \t\u200c,，、.。:：;；!！?？"


def _trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        while start < end and text[start] in "\n\r" + _NAME_TAIL:
            start += 1
        cut = text.find("\n", start, end)
        if cut != -1:
            end = cut
        while end > start and text[end - 1] in _NAME_TAIL + "\r":
            end -= 1
        if end > start:
            out.append((start, end))
    return out


def find_names(text: str, *, learned: bool = True) -> list[tuple[int, int]]:
    """Spans of person names in `text` (offsets into `text`); `learned=False`: rules only."""
    if not text:
        return []
    candidates: list[tuple[int, int]] = []
    if _HAS_LATIN.search(text) is not None:
        candidates += en_names(text)
    if _HAS_ARABIC.search(text) is not None:
        arfa = arfa_cue_names(text) + arfa_lone_names(text)
        candidates += [(a, b) for a, b in arfa if not after_place(text, a)]
    if _HAS_HAN.search(text) is not None:
        candidates += zh_names(text)
    if _HAS_ARABIC.search(text) is not None:
        candidates += arfa_anywhere(text)  # round 12: after every rule's own span
    candidates += latin_in_other_script(text)
    spans: list[tuple[int, int]] = []
    for start, end in candidates:
        if end > start and all(end <= a or start >= b for a, b in spans):
            spans.append((start, end))
    for start, end in frame_names(text):
        # a frame span may widen rule spans it contains («آقای جیمز ویلسون از دفتر»)
        inside = [(a, b) for a, b in spans if not (end <= a or start >= b)]
        if all(start <= a and b <= end for a, b in inside) and not after_place(text, start):
            spans = [s for s in spans if s not in inside] + [(start, end)]
    round13: list[tuple[int, int]] = []
    if _HAS_HAN.search(text) is not None:
        round13 += zh_familiar(text)
    if _HAS_ARABIC.search(text) is not None:
        round13 += [s for s in arfa_kin_names(text) if not after_place(text, s[0])]
    if _HAS_ANY_LATIN.search(text) is not None:
        round13 += en_role_names(text) + en_ambiguous_with_family(text)
    for start, end in round13:  # round 13: familiar forms, role words, kin words
        inside = [(a, b) for a, b in spans if not (end <= a or start >= b)]
        if all(start <= a and b <= end for a, b in inside):
            spans = [s for s in spans if s not in inside] + [(start, end)]
    if learned:
        for start, end in learned_names(text):
            if all(end <= a or start >= b for a, b in spans) and not after_place(text, start):
                spans.append((start, end))
    spans = _join_dotted(text, sorted(_han_trimmed(text, s) for s in spans))
    spans = sorted(spans + [s for s in joined_names(text, spans) if not after_place(text, s[0])])
    if _HAS_ARABIC.search(text) is not None:
        spans = [(a, b) for a, b in spans if not arfa_not_a_name(text, a, b)]
        spans = arfa_family_after(text, spans)
    if _HAS_LATIN.search(text) is not None:
        spans = [(a, b) for a, b in spans if not en_not_a_name(text, a, b)]
    out = []
    for start, end in _trimmed(text, spans):
        kunya = _KUNYA_BEFORE.search(text, max(0, start - 5), start)
        out.append((kunya.start() if kunya else start, end))
    return sorted(out)
