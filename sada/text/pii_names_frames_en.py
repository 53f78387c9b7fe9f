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
    "admin ops everyone all security compliance engineering product design tier level queue"
)
_EN_CC_RE = re.compile(
    r"\b(?:cc|CC|Cc)\s*:?\s+(?P<name>[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:\s+[A-Z][a-z]+)?)"
)
_EN_TALK_RE = re.compile(
    r"\b(?:spoke|speak|talked|talk|chatted|spoken)\s+(?:to|with)\s+"
    r"(?P<name>[A-Za-z][a-z]+)(?=\s|[,.!?]|$)"
)


# Round 12. A person a case is passed to or signed by ("handed over to Grant", "escalated
# to TL Sandra", "signed by Olamide"), a booking under a name ("table for 6 under Nguyen").
_EN_CAP = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_EN_PASSED_RE = re.compile(
    r"\b(?i:(?:handed|passed|transferred|escalated|assigned|forwarded|referred|reassigned)"
    r"(?:\s+(?:it|this|me|us|him|her|them|over|back|the\s+case|the\s+ticket))*\s+to|"
    r"(?:signed|received|collected|handled|approved|raised|opened|closed|served|attended)"
    r"(?:\s+for)?\s+by|(?:booking|booked|reservation|reserved|table|room|order)\b[^.!?\n]{0,30}?"
    r"\bunder(?:\s+the\s+name(?:\s+of)?)?)\s*:?\s+"
    r"(?:(?:TL|Mr\.?|Mrs\.?|Ms\.?|Miss|Dr\.?|manager|supervisor|agent|colleague|team lead)\s+)?"
    rf"(?P<name>{_EN_CAP}(?:\s+{_EN_CAP})?)"
)
# A given name opening a sentence (or after "why", "and", "but") before what a person
# does or is: "Grace was amazing", "Hunter was super helpful", "why Bob charged me".
_EN_PERSON_DOES = (
    r"(?:charged|called|rang|told|promised|refused|hung up|answered|explained|replied|emailed|"
    r"texted|messaged|cancell?ed|yelled|shouted|lied|insisted|apologi[sz]ed|assured|"
    r"(?:was|is)\s+(?:so\s+|super\s+|very\s+|really\s+|extremely\s+|incredibly\s+|"
    r"absolutely\s+)?(?:helpful|polite|rude|patient|kind|friendly|professional|unhelpful|"
    r"courteous|attentive|knowledgeable|dismissive|impatient|condescending|"
    r"(?P<plain>amazing|lovely|great|fantastic|brilliant|awesome|wonderful|excellent|nice|"
    r"sweet|incredible)))\b"
)
# After a plain adjective ("Florence was lovely in spring") a pronoun of a person must
# follow in the sentence ("Grace was amazing at the desk, she found us a room").
_EN_PRONOUN_AFTER = re.compile(r"^[^.!?\n]{0,60}?\b(?:he|she|him|her|his)\b", re.IGNORECASE)
_EN_PERSON_RE = re.compile(
    r"(?:^|(?<=[.!?\n])\s*|\b(?:why|because|and|but|then|until|since|when)\s+)"
    rf"(?P<name>{_EN_CAP})\s+{_EN_PERSON_DOES}"
)
# An apposition after a relation or a role: "my mum, June Harper, at", "my manager,
# Rupert Ellison, said": capitalized words set off by commas.
_EN_APPOSED_RE = re.compile(
    r"\b(?:my|our|your|the|his|her|their)\s+(?:mum|mom|mother|dad|father|wife|husband|son|"
    r"daughter|sister|brother|partner|friend|neighbou?r|colleague|manager|boss|landlord|"
    r"tenant|supervisor|technician|engineer|driver|agent|doctor|nurse|teacher|lawyer|"
    r"accountant|contact|assistant|captain|coach)\s*,\s*"
    rf"(?P<name>{_EN_CAP}(?:\s+{_EN_CAP}){{0,2}})\s*,"
)


# A name in brackets after a role: "Driver (Kwame) cancelled", "Escalated to Tier 2 (Joy)".
_EN_BRACKETED_RE = re.compile(
    r"\b(?i:driver|agent|rep|courier|rider|tech|technician|engineer|manager|supervisor|"
    r"cashier|nurse|doctor|teacher|tutor|host|waiter|waitress|tier\s*\d|level\s*\d|l\d|"
    r"team lead|tl)\s*\(\s*"
    rf"(?P<name>{_EN_CAP}(?:\s+{_EN_CAP})?)\s*\)"
)


# Cheap first looks: the words the passing frame and the person frame need.
_EN_PASSED_WORDS = re.compile(
    r"(?i)handed|passed|transferred|escalated|assigned|forwarded|referred|signed|received|"
    r"collected|handled|approved|raised|opened|closed|served|attended|under"
)
_EN_PERSON_WORDS = re.compile(_EN_PERSON_DOES)


def _en_round12(text: str) -> list[tuple[int, int]]:
    """Names passed a case, under a booking, doing what a person does, or apposed."""
    out: list[tuple[int, int]] = []
    passed = _EN_PASSED_RE.finditer(text) if _EN_PASSED_WORDS.search(text) else ()
    for m in passed:
        words = m.group("name").split()
        if (
            words[0].lower() in _EN_DEPARTMENTS
            or _EN_ORG_AFTER.match(text[m.end("name") :])
            or re.match(r"\s*\d", text[m.end("name") :])
        ):
            continue  # "escalated to Billing team", "escalated to Tier 2"
        if _en_ok(words[0], strong=True) or _fold(words[0]) in _known()[0]:
            keep = 2 if len(words) == 2 and _en_ok(words[1], strong=True) else 1
            out.append((m.start("name"), m.start("name") + len(" ".join(words[:keep]))))
    for m in _EN_PERSON_RE.finditer(text) if _EN_PERSON_WORDS.search(text) else ():
        if m.group("plain") and not _EN_PRONOUN_AFTER.match(text[m.end() :]):
            continue
        if _fold(m.group("name")) in _known()[0] and _fold(m.group("name")) not in _EN_NOT:
            out.append(m.span("name"))
    for m in _EN_BRACKETED_RE.finditer(text) if "(" in text else ():
        if all(_en_ok(w, strong=True) or _fold(w) in _known()[0] for w in m.group("name").split()):
            out.append(m.span("name"))
    for m in _EN_APPOSED_RE.finditer(text) if "," in text else ():
        words = m.group("name").split()
        if all(_en_ok(w, strong=True) or _fold(w) in _known()[0] for w in words):
            out.append(m.span("name"))
    return out


_EN_ORG_AFTER = re.compile(
    r"^\s+(?:team|store|shop|support|app|account|bank|office|branch|airlines?|inc|ltd|co|"
    r"department|desk|group)\b",
    re.IGNORECASE,
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
    return out + _en_round12(text)


# Chinese frames. Cues before a name: self-introduction, agent, thanks, relations.
