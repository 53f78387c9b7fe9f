"""English (and Latin-script) person names: cues, roles, pairs, lone given names.

Rules, in the order `en_names` tries them (an earlier span wins an overlap):

1. after a cue ("my name is", "Mr", "spoke to", "Regards,"): one to three
   capitalized words; weak cues ("I am", "Dear") need a gazetteer given name or two words;
2. after a role ("the driver, James", "my wife Aisha Bello");
3. pairs: a gazetteer given name and a capitalized word ("Sarah Johnson"), a pinyin
   name ("Zhang Xiaoming"), or an unknown word and a known family name inside a sentence;
4. "Sarah from customer service";
5. a lone unambiguous given name with a verb or preposition around it ("thanks to
   Ahmed", "Tom delivered").

Organisation words ("Customer Service Team") and common capitalized words are no names,
and neither is a name right before a place word ("Martin Luther King Boulevard").
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import _EN_FAMILY, _wordset, gazetteer
from sada.text.pii_gazetteer_world import LATIN_FAMILY_WORLD
from sada.text.pii_names_zh import _PINYIN_GIVEN, _PINYIN_SET

# Cues before a name (matched case-insensitively on the text as written).
_EN_CUES = (
    r"my name is|my name's|name\s*:|this is|i am|i'm|signed|regards,|thanks,|"
    r"mr\.?|mrs\.?|ms\.?|miss|dr\.?|prof\.?|sir|madam|agent|ask for|talked to|spoke to|"
    r"spoke with|speak to|contact person\s*:?|customer\s*:|attn\.?:?|attention\s*:?|dear|"
    r"on behalf of|recipient\s*:|addressee\s*:|cheers,|best,|best regards,|kind regards,|"
    r"sincerely,|many thanks,|thank you,|(?:agent|person|guy|lady|man|woman|someone|rep|one) (?:called|named)|thanks to|thank you to|shout ?out to|"
    r"helped by|assisted by|served by|handled by|hi|hello|hey|thanks|regards|cheers|"
    r"yours truly,?|warm regards,?|best wishes,?|ask for|asked for|speak with|talk to|"
    r"talked with|chatted with|goes by|(?:his|her) name (?:is|was)|name was|named|it's|it is"
)
# Verbs and phrases around a lone English given name ("Sarah was great", "thanks to
# Ahmed", "delivered by Tom").
_EN_LONE_BEFORE = (
    r"(?:with|to|by|thank|thanks|and|or|asked|told|call|email|message|phone|ping|called|met|ask|tell|from|for|named|hi|hello|"
    r"hey|dear|cheers|thx|ty|contacted|emailed|let|could|can|did|does|will|would|remind|"
    r"cc|via|give|send|pay|paid|text|txt)"
)
_EN_LONE_AFTER = (
    r"(?:was|is|has|had|did|helped|said|told|called|came|arrived|delivered|fixed|explained|"
    r"answered|replied|took|sent|from|at|who|assisted|sorted|resolved|solved|handled|"
    r"promised|refused|hung|picked|dropped|left|gave|offered|kept|never|didn't|wasn't|isn't|"
    r"went|made|got|checked|looked|tried|processed|confirmed|apologized|apologised|"
    r"already|just|will|would|can|can't|could|couldn't|should|here|says|asked|wants|needs|"
    r"paid|ordered|bought|booked|cancelled|canceled|returned|signed|received|collected|"
    r"also|still|and (?:i|me|my|his|her))"
)
# "Omar's phone number": a possessive before a word of an account or an order.
_EN_LONE_POSS = (
    r"['\u2019]s (?:phone|number|order|account|card|email|parcel|package|address|booking|"
    r"subscription|details|plan|laptop|bag|payment|refund|delivery)"
)
# "Sarah from customer service", «ريم من خدمة العملاء», 「李明从客服」 is rarer.
_FROM_TEAM_EN = (
    r"\s+(?:from|at|in|with|on)\s+(?:the\s+|your\s+)?(?:customer|support|billing|sales|"
    r"delivery|store|shop|tech|technical|team|help|service|branch|reception|front desk|"
    r"returns|warehouse|call cent(?:er|re)|helpdesk|the store|accounts?)"
)
# Organisation words: "Best regards, Customer Service Team" is no one's name.
_EN_ORG = _wordset(
    """team service support customer customers care department store shop company inc ltd llc
    bank center centre group management staff desk office sales delivery express services
    street road avenue airport mall hotel hospital restaurant app account order amazon prime
    google apple netflix uber careem talabat noon ikea samsung microsoft paypal visa times
    news park hall sun"""
)
# English roles: the word after them is a name when it is capitalized and not a common
# capitalized word ("the driver, James", "your rep Kevin", "my wife, Aisha Bello").
_EN_ROLES = (
    r"driver|courier|rep|representative|waiter|waitress|cashier|technician|manager|engineer|"
    r"officer|supervisor|operator|advisor|adviser|consultant|receptionist|delivery guy|"
    r"wife|husband|father|mother|dad|mom|mum|son|daughter|brother|sister|friend|colleague|"
    r"boss|neighbor|neighbour|partner|agent|employee|staff member|nurse|doctor|pharmacist|"
    r"guard|host|hostess|barista|chef|mechanic|plumber|electrician|installer|salesman|"
    r"saleswoman|salesperson|associate|specialist|assistant|clerk|teller|landlord|guy named|"
    r"lady named|fiancé|fiance|fiancée|fiancee|cousin|uncle|aunt|grandson|granddaughter|"
    r"grandmother|grandfather|niece|nephew"
)
_EN_NOT_NAMES_TEXT = """i the a an and but or it this that he she they we you my your his her our their
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december today tomorrow yesterday please
    thanks thank hello hi yes no ok okay sorry also again still just was is never
then there when after before so because however what who how why where did does do had has
have will would can could should not nothing someone everyone one all some another who's
apparently anyway finally later now here"""
_EN_NOT_NAMES = frozenset(_EN_NOT_NAMES_TEXT.split())

_EN_NAME = r"(?:O['\u2019])?[A-Z\u00c0-\u00de][a-z\u00df-\u00ff\u0131\u011f\u015f]+(?:[-'\u2019][A-Z][a-z]+)?"
_EN_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir)\.?\s+)"
_EN_PLACE_LEAD = frozenset(
    [
        "san",
        "santa",
        "saint",
        "st",
        "los",
        "las",
        "new",
        "fort",
        "port",
        "lake",
        "mount",
        "el",
        "al",
        "la",
        "le",
        "de",
        "du",
        "van",
        "von",
    ]
)


def _sentence_start(text: str, pos: int) -> bool:
    return pos == 0 or bool(re.search(r"(?:^|[.!?:\n\"'(\u201c]\s*)$", text[:pos]))


_EN_WEAK_CUES = _wordset(
    "i am|i'm|this is|dear|thanks|regards|sir|madam|hi|hello|hey|cheers|thank you|"
    "best|many thanks|sincerely|best regards|kind regards|it's|it is",
    sep="|",
)


@lru_cache(maxsize=1)
def _en_family() -> frozenset[str]:
    common = set(_EN_FAMILY_COMMON_WORDS.split())
    return frozenset(
        fold_for_search(w) for w in (_EN_FAMILY + LATIN_FAMILY_WORLD).split() if w not in common
    )


# Family names that are also English words or places ("Golden Sun", "Taco Bell").
_EN_FAMILY_COMMON_WORDS = """white green young hill king long price wood bell ward cook reed gray
brown james thomas martin lee hall baker carter turner cooper parker fisher foster brooks ross
perry russell rogers morgan bailey howard hughes sanders myers powell jenkins bennett watson
morris evans stewart scott wright walker allen adams nelson clark lewis robinson kelly murphy
collins edwards phillips roberts mitchell campbell sun park ma hu ho long young das rao lim tan
ng kim jung kang cho moore jackson harris taylor wilson miller davis jones williams johnson
anderson thompson richardson cox ryan kennedy lynch walsh byrne doyle murray bernard petit
durand koch weber becker wagner meyer nair shah"""


_EN_WORDLIKE_FAMILY = frozenset(_EN_FAMILY_COMMON_WORDS.split()) | {"wang", "yang", "fan", "su"}

# A name right before a place word is the name of a place ("Martin Luther King
# Boulevard", "Lincoln Center", "King Fahd Road").
_EN_PLACE_AFTER = re.compile(
    r"\s+(?:Street|St\b|Road|Rd\b|Avenue|Ave\b|Boulevard|Blvd|Drive|Lane|Way|Square|Park|"
    r"Cent(?:er|re)|Airport|Hospital|School|University|College|Bridge|Station|Mall|Hall|"
    r"Stadium|Library|Memorial|Highway|Expressway|Institute|Mosque|Church|Tower|Plaza)\b"
)
# "Abu Khalid", "Umm Ali": a Latin-script kunya with a gazetteer given name.
_EN_KUNYA_RE = re.compile(r"(?<![\w])(?P<name>(?:Abu|Abou|Umm|Um) (?P<given>[A-Z][a-z]+))\b")
# "Cheers,\nBartek": a weak sign-off cue, then one capitalized word ending the text.
_EN_SIGNOFF_END = re.compile(r"\s*[.!]?\s*$")
_EN_NOT_SIGNOFF = frozenset(["guys", "all", "folks", "team", "everybody", "again", "lol"])
_EN_CUE_RE = re.compile(
    r"(?i:(?<![\w])(?:"
    + _EN_CUES
    + r"))\s+"
    + _EN_TITLE
    + r"?(?P<name>"
    + _EN_NAME
    + r"(?:\s+(?:[A-Z]\.\s*)?"
    + _EN_NAME
    + r"){0,2})"
)
_EN_ROLE_RE = re.compile(
    r"(?i:(?<![\w])(?:" + _EN_ROLES + r"))\s*,?\s+" + _EN_TITLE + r"?(?P<name>" + _EN_NAME
    + r"(?:\s+" + _EN_NAME + r")?)"
)  # fmt: skip
_EN_PAIR_RE = re.compile(r"(?<![\w])(?P<name>" + _EN_NAME + r"(?:\s+" + _EN_NAME + r"){1,2})")
_EN_LONE_RE = re.compile(r"(?<![\w'\u2019])(?P<name>[A-Z][a-z]+)(?![\w-])(?!['\u2019](?!s\s))")
_FROM_TEAM_EN_RE = re.compile(r"(?<![\w])(?P<name>" + _EN_NAME + r")" + _FROM_TEAM_EN + r"(?!\w)")


# Verbs whose subject is a person: after them even an ambiguous given name opening a
# sentence is a name ("Noor said ...", "Amal helped me ...").
_EN_PERSON_VERB = re.compile(
    r" (?:said|told|helped|called|replied|emailed|texted|promised|explained|apologi[sz]ed)(?![\w'])"
)


def en_names(text: str) -> list[tuple[int, int]]:
    """Candidate name spans in Latin script, in the order they should claim the text."""
    unambiguous, ambiguous, _all, _surnames = gazetteer()
    family = _en_family()
    out: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        out.append((start, end))

    for m in _EN_CUE_RE.finditer(text):
        name = m.group("name")
        first = fold_for_search(name.split()[0])
        cue = text[m.start() : m.start("name")].strip().lower()
        # "I am / this is / dear" need a known given name or two capitalized words.
        weak = cue.rstrip(",") in _EN_WEAK_CUES
        if (
            weak
            and first not in _all
            and len(name.split()) < 2
            and not (
                re.search(r"[,\n]", text[m.start() : m.start("name")])
                and _EN_SIGNOFF_END.fullmatch(text, m.end("name"))
                and first not in _EN_NOT_SIGNOFF
                and cue.rstrip(",") not in ("i am", "i'm", "this is")
            )
        ):
            continue
        words = name.split()
        if any(fold_for_search(w) in _EN_ORG for w in words):
            continue
        if first in _EN_NOT_NAMES:
            continue
        add(m.start("name"), m.end("name"))
    for m in _EN_ROLE_RE.finditer(text):
        words = m.group("name").split()
        if fold_for_search(words[0]) in _EN_NOT_NAMES:
            continue
        add(m.start("name"), m.end("name"))
    for m in _EN_PAIR_RE.finditer(text):
        words = m.group("name").split()
        folded = [fold_for_search(w) for w in words]
        if any(w in _EN_ORG for w in folded):
            continue
        if folded[0] in unambiguous:
            add(m.start("name"), m.end("name"))
        elif (
            folded[0] in _PINYIN_SET
            and folded[0] not in _EN_WORDLIKE_FAMILY
            and _PINYIN_GIVEN.fullmatch(folded[1])
        ):
            # "Zhang Xiaoming", "Liu Yang" (a pinyin family name that is no English word)
            add(m.start("name"), m.start("name") + len(words[0]) + 1 + len(words[1]))
        elif (
            len(words) == 3
            and folded[0] not in family
            and folded[0] not in _EN_PLACE_LEAD
            and (
                folded[1] in unambiguous
                or folded[1] in _PINYIN_SET
                and folded[1] not in _EN_WORDLIKE_FAMILY
                and _PINYIN_GIVEN.fullmatch(folded[2])
            )
        ):
            # "Tell Wei Zhang ...", "Contact Liu Yang": a capitalized verb before the name
            start = m.start("name") + len(words[0]) + 1
            add(start, m.end("name"))
        elif (
            folded[1] in family
            and folded[0] not in _EN_NOT_NAMES
            and folded[0] not in ambiguous
            and m.start() > 0
            and not re.search(r"(?:^|[.!?:\n\"'(\u201c]\s*)$", text[: m.start()])
        ):
            # "... and Oluwaseun Adeyemi ...": an unknown capitalized word inside a
            # sentence, then a known family name.
            add(m.start("name"), m.end("name"))
    for m in _FROM_TEAM_EN_RE.finditer(text):
        lone_f = fold_for_search(m.group("name"))
        if (
            lone_f not in _EN_NOT_NAMES
            and lone_f not in _EN_ORG
            and (lone_f in unambiguous or not _sentence_start(text, m.start()))
        ):
            add(m.start("name"), m.end("name"))
    for m in _EN_LONE_RE.finditer(text):
        lone_f = fold_for_search(m.group("name"))
        if (
            lone_f in ambiguous
            and _sentence_start(text, m.start())
            and _EN_PERSON_VERB.match(text, m.end())
        ):
            add(m.start("name"), m.end("name"))  # "Noor said", "Amal helped me"
            continue
        if lone_f not in unambiguous:
            continue
        before = text[max(0, m.start() - 20) : m.start()].lower()
        after = text[m.end() : m.end() + 20].lower()
        if text.startswith(("'", "\u2019"), m.end()):
            if re.match(_EN_LONE_POSS + r"(?![\w])", after):
                add(m.start("name"), m.end("name"))
            continue
        pair = re.match(r"\s+and\s+([A-Z][a-z]+)(?![\w'\u2019-])", text[m.end() : m.end() + 30])
        if (
            re.search(r"(?<![\w])" + _EN_LONE_BEFORE + r"[\s,]+$", before)
            or re.match(r"[\s,]+" + _EN_LONE_AFTER + r"(?![\w])", after)
            or pair is not None
            and fold_for_search(pair.group(1)) in unambiguous
        ):
            # "Wang Jian here": a pinyin family name before the given name joins it
            fam = re.search(r"(?<![\w])([A-Z][a-z]+) $", text[max(0, m.start() - 12) : m.start()])
            if fam and fold_for_search(fam.group(1)) in _EN_PLACE_LEAD:
                continue  # "San Diego and I"
            if fam and fold_for_search(fam.group(1)) in _PINYIN_SET:
                add(m.start() - len(fam.group(1)) - 1, m.end("name"))
            else:
                add(m.start("name"), m.end("name"))
    for m in _EN_KUNYA_RE.finditer(text):
        if fold_for_search(m.group("given")) in unambiguous:
            add(m.start("name"), m.end("name"))
    return [(a, b) for a, b in out if not _EN_PLACE_AFTER.match(text, b)]
