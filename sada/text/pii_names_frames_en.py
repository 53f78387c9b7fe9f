"""Name frames in English and other Latin-script text (see `pii_names_frames`)."""

from __future__ import annotations

import re

from sada.text.pii_names_frames_words import _ambiguous, _fold, _known, _words

_EN_NOT = _words(
    """i the a an and but or it this that he she they we you my your his her our their me him
    them us someone somebody anyone anybody nobody everyone everybody guy guys lady man woman
    agent staff rep manager person driver people team support customer client user member
    hi hello hey dear thanks thank cheers regards sir madam mam maam ok okay yes no please pls
    sorry also then so just still now today yesterday tomorrow who what when where why how
    which all one somebody nobody there here mom mum dad sister brother wife husband friend son
    daughter boss colleague neighbour neighbor cousin uncle aunt grandma grandpa
    thx sincerely best kind warm yours love"""
)
_EN_DET = _words("the a an my your our their his her this that new old")
_EN_VERB_AFTER = (
    "said|says|told|tells|helped|helps|handled|fixed|sorted|called|emailed|texted|replied|"
    "promised|explained|confirmed|refunded|processed|resolved|answered|was|is|has|had|will|"
    "from|at|in|with"
)
_EN_TEAM = (
    r"(?:the\s+|your\s+|ur\s+|our\s+)?(?:[A-Za-z]+\s+){0,2}?"
    r"(?:team|support|billing|branch|office|department|desk|service|services|cent(?:er|re)|"
    r"sales|accounts?|returns|warehouse|store|shop|helpdesk|reception|dispatch|logistics)"
)


_EN_WORD = r"[A-Za-z\u00c0-\u00ff][a-z\u00df-\u00ff]+(?:[-'][A-Z]?[a-z]+)?"
_EN_TEAM_RE = re.compile(
    rf"(?<![\w'])(?P<name>{_EN_WORD})(?:\s+(?P<and>and|&)\s+(?P<name2>{_EN_WORD}))?"
    rf"\s+(?:from|at|in|on)\s+{_EN_TEAM}(?!\w)"
)
# "I am Oyelaran, ...", "this is Zoltan from ...": a capitalized word mid-sentence
_EN_SELF_RE = re.compile(
    rf"\b(?:I am|I'm|Im|this is|my name's)\s+(?P<name>{_EN_WORD}(?:\s+{_EN_WORD})?)"
    r"(?=\s*(?:,|$|\s(?:from|and|here)\b))"
)
_EN_HERE_RE = re.compile(rf"(?:^|(?<=[.!?,\n]\s)|(?<=[.!?\n]))\s*(?P<name>{_EN_WORD})\s+here\b")
_EN_SIGNOFF_RE = re.compile(rf"[-—–]\s*(?P<name>{_EN_WORD}(?:\s+{_EN_WORD})?)\s*[.!]?\s*$")
_EN_SUBJECT_RE = re.compile(
    rf"(?:^|(?<=[.!?,;\n])\s*|\b(?:ask|tell|thank|thanks|thx)\s+)(?P<name>{_EN_WORD})"
    rf"(?:\s+(?P<verb>{_EN_VERB_AFTER})\b|\s*(?P<punct>[,.!]))"
)
_EN_THANKS_RE = re.compile(
    rf"\b(?:thanks|thank you|thx|ty|cheers)(?:\s+to)?\s*,?\s+(?P<name>{_EN_WORD})"
    rf"(?:\s+(?:and|&)\s+(?P<name2>{_EN_WORD}))?(?=\s*(?:[,.!]|$|for|at|from)|\s+and\b)"
)


_EN_ROLE_IS_RE = re.compile(
    r"\b(?:driver|courier|rider|agent|rep|representative|cashier|technician|engineer|"
    r"manager|waiter|waitress|guy|lady|name|badge|tag|consultant|advisor|adviser)"
    r"(?:\s+(?:on|at)\s+the\s+\w+)?\s+(?:was|is|named|called|said|says|reads)\s+"
    rf"(?P<name>{_EN_WORD}(?:\s+{_EN_WORD})?)"
)


# Nothing but a greeting before "X here" ("Hi, Jomon here from Kerala").
_EN_GREETING_RE = re.compile(
    r"\s*(?:@\w+[\s,:]*)?(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[\s,!.]*)?",
    re.I,
)
# Titles of address used before a given name in English messages (Philippines, South
# Asia, Gulf): "Ate Joy", "Kuya Ben", "Mam Grace", "Sir Ahmed".
_EN_TITLE_RE = re.compile(
    r"\b(?:Ate|Kuya|Tita|Tito|Mam|Ma'am|Maam|Sir|Madam|Aunty|Auntie|Uncle|Bhai|Didi|Akka|Anna)"
    r"\s+(?P<name>[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:\s+[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)?)"
)
# "cc Priya", "CC: Tomasz Nowak": copied people are named right after cc
_EN_DEPARTMENTS = _words(
    "marketing sales support billing finance legal hr it team management accounts operations "
    "admin ops everyone all security compliance engineering product design"
)
_EN_CC_RE = re.compile(
    r"\b(?:cc|CC|Cc)\s*:?\s+(?P<name>[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:\s+[A-Z][a-z]+)?)"
)
_EN_TALK_RE = re.compile(
    r"\b(?:spoke|speak|talked|talk|chatted|spoken)\s+(?:to|with)\s+"
    r"(?P<name>[A-Za-z][a-z]+)(?=\s|[,.!?]|$)"
)


def _en_ok(word: str, *, strong: bool) -> bool:
    given, common = _known()
    f = _fold(word)
    if f in _EN_NOT:
        return False
    if f in given:
        return True
    if not strong or not word[0].isupper():
        return False
    return f not in common


def _en_frames(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in _EN_TEAM_RE.finditer(text):
        before = text[max(0, m.start() - 12) : m.start()].split()
        led = bool(before) and (before[-1][0].isupper() or before[-1].lower() in _EN_DET)
        if _en_ok(m.group("name"), strong=not led):
            out.append(m.span("name"))
            if m.group("name2") and _en_ok(m.group("name2"), strong=True):
                out.append(m.span("name2"))
    for m in _EN_SELF_RE.finditer(text):
        words = m.group("name").split()
        if all(w[0].isupper() and _en_ok(w, strong=True) for w in words):
            out.append(m.span("name"))
    for m in _EN_HERE_RE.finditer(text):
        # "Tolu here, ...": opening the message and closed by punctuation, any name
        opening = _EN_GREETING_RE.fullmatch(text[: m.start("name")]) is not None
        closed = re.match(r"\s*(?:[,.!\u2014-]|from\b)", text[m.end() :]) is not None
        if _en_ok(m.group("name"), strong=opening and closed):
            out.append(m.span("name"))
    for m in _EN_SIGNOFF_RE.finditer(text):
        first = m.group("name").split()[0]
        if _en_ok(first, strong=False) and all(w[0].isupper() for w in m.group("name").split()):
            out.append(m.span("name"))
    for m in _EN_SUBJECT_RE.finditer(text):
        name = m.group("name")
        verb = m.group("verb") or ""
        strong_verb = verb in (
            "said",
            "says",
            "told",
            "helped",
            "handled",
            "fixed",
            "sorted",
            "from",
        )
        if m.group("punct") and m.group(0)[:3].lower() not in ("ask", "tel", "tha"):
            continue
        if (
            verb in ("was", "is", "has", "had", "will", "at", "in", "with")
            and not name[0].isupper()
        ):
            continue
        given = _fold(name) in _known()[0]
        if given and (strong_verb or m.group("punct") or name[0].isupper()):
            if verb in ("was", "is", "has", "had", "will", "at", "in", "with"):
                continue  # ambiguous words before weak verbs ("Grace was")
            out.append(m.span("name"))
    for m in _EN_ROLE_IS_RE.finditer(text):
        words = m.group("name").split()
        if _en_ok(words[0], strong=True):
            keep = 2 if len(words) == 2 and _en_ok(words[1], strong=True) else 1
            out.append((m.start("name"), m.start("name") + len(" ".join(words[:keep]))))
    for m in _EN_TITLE_RE.finditer(text):
        # "Ate Joy said", "Mam Grace Villanueva po": a title of address, then names
        words = m.group("name").split()
        if _en_ok(words[0], strong=True):
            keep = 2 if len(words) == 2 and _en_ok(words[1], strong=True) else 1
            out.append((m.start("name"), m.start("name") + len(" ".join(words[:keep]))))
    for m in _EN_CC_RE.finditer(text):
        words = m.group("name").split()
        if _en_ok(words[0], strong=True) and words[0].lower() not in _EN_DEPARTMENTS:
            keep = 2 if len(words) == 2 and _en_ok(words[1], strong=True) else 1
            out.append((m.start("name"), m.start("name") + len(" ".join(words[:keep]))))
    for m in _EN_TALK_RE.finditer(text):
        # "spoke to priya earlier": a known given name, any case, after talking to
        name = _fold(m.group("name"))
        lower = m.group("name").islower()
        if name in _known()[0] and name not in _EN_NOT and not (lower and name in _ambiguous()):
            out.append(m.span("name"))
    for m in _EN_THANKS_RE.finditer(text):
        for g in ("name", "name2"):
            if m.group(g) and _en_ok(m.group(g), strong=False) and m.group(g)[0].isupper():
                out.append(m.span(g))
    return out


# Chinese frames. Cues before a name: self-introduction, agent, thanks, relations.
