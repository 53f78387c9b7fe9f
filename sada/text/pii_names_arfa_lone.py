"""Arabic and Persian person names without a strong cue: gazetteer names by position.

Rules, in the order `arfa_lone_names` tries them (an earlier span wins an overlap);
all need an unambiguous given name of the gazetteer:

1. pairs: a given name and a family-name form or «بن X» («رضا محمدی», «محمد بن سلمان»),
   unless the second word is a verb («مريم جاوبتني»);
2. after cues that also stand before ordinary words («مع», «با», «يا», «شكرا»);
3. «شكرا لمحمد»; «ريم من خدمة العملاء»; a kunya («أبو فهد»);
4. a lone given name as subject or object (`_arfa_lone`): before a verb («علی زنگ
   زد», «عمر ما رد»), after «بگید» / «خلي», at a clause start a few words before a
   verb, in «X و Y», before kin after «و» («نورة وأختها»), before «جان/خانم» or the
   object marker «رو», or glued to «لـ/بـ» after a verb («سلمت الطلب لمحمد»);
5. «با X صحبت کردم».

Round 7: a foreign given name with a transliterated family name of the gazetteer
(«ديمتري إيفانوف», «مهمت اوزترک»); an ambiguous given name opening a sentence before a
verb whose subject is a person («نور ردت», «بهار زنگ زد»); a list of gazetteer names
opening a clause, «و» alone or joined («سلمى ورنا وهدى», «کریم و حسین و مهسا»); a Chinese
surname and a one-syllable name («وانغ وي»); «لـ» + given + family name («لأحمد ميرزايي»);
a «و»-joined name opening a clause before «هو/هي» or a dialect verb («، ودينا بتكون»).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import _wordset, gazetteer
from sada.text.pii_gazetteer_world import ARFA_FAMILY_WORLD
from sada.text.pii_names_arfa import (
    _AR_FAMILY,
    _AR_NOT_FAMILY,
    _AR_NOT_GIVEN,
    _AR_WORD,
    _ARFA_NEG,
    _ARFA_VERB_AFTER,
    _FA_FAMILY,
    _STOP_AFTER_CUE,
    _name_words,
    _skip_titles,
)

# Cues that also stand before ordinary words and adjectives («أنا سعيد», «مع السلامة»,
# «با پشتیبانی»): the next word must be an unambiguous given name of the gazetteer.
_GIVEN_ONLY_CUES = (
    r"(?:أنا|انا|مع|ومع|كلمت|كلمني|كلمتني|اتصل بي|اتصلت بي|تواصل معي|تواصلت معي|عند|"
    r"با|به|از طرف|توسط|آقا|اقا|من|شکایت از|شكرا|شكراً|أشكر|اشكر|مشكور|مشكورة|يعطيك العافية|"
    r"عزيزي|عزيزتي|يا|مستر|مدام|كابتن|ساعدني|ساعدتني|كلمني|كلمتني|رد علي|ردت علي|خدمني|"
    r"خدمتني|تعامل معي|تعاملت معي|تعاملت مع|استقبلني|وصلني|ممنون از|تشکر از|سپاس از|مرسی از|"
    r"از|دست|خسته نباشید|مرسی)"
)
# «شكرا لمحمد»: a name glued to «ل» after thanks.
_AR_THANKS_LI = r"(?:شكرا|شكراً|الشكر|شكر خاص|شكري|وشكرا)\s+ل"
_FROM_TEAM_ARFA = (
    r"\s+(?:من|في|از|در)\s+(?:خدمة|الدعم|قسم|فريق|فرع|الفرع|الشركة|المحل|المتجر|"
    r"پشتیبانی|واحد|بخش|تیم|فروشگاه|شعبه)"
)
# Arabic kunya: «أبو فهد», «أم خالد» (the name is the pair).
_KUNYA = r"(?:أبو|ابو|أبا|ابا|أم|ام)"

_ARFA_BEFORE = _wordset(
    """بگید بگین بگو بگویید خلي خلّي خلو خلّو تخلون تخلّون خلوا خلّوا بلغ بلّغ بلغوا كلموا
    اعطوا أعطوا سلموا سلّموا اتصلوا"""
)
# Verbs before «لـX» / «بـX» (to / with a person).
_AR_VERB_LI_BI = _wordset(
    """سلمت سلموا سلّموا سلمه سلمها أعطيت اعطيت أعطوا اعطوا أرسلت ارسلت ارسلوا أرسلوا قلت قلنا
    اتصلت اتصلوا تواصلت تواصلوا اتصل تواصل الطلب الطرد الشحنة الفاتورة المبلغ شكرا شكراً
    وصلت سلم تسليم ابعثوا ابعتوا بعثت بعتت"""
)
_FA_LIGHT_VERBS = _wordset("کرد کردن کرده کردند کنه کنن کنید میکنه می‌کنه شد شده داد داده")
_ARFA_AND = frozenset(["و", "أو", "او", "یا", "ولا"])


# Words a clause may start with before its subject («بس هادي فتحه», «ولی بابک گفت»).
_ARFA_CLAUSE_LEAD = _wordset(
    """بس لكن ولكن بعدين وبعدين ثم وثم لأن لان عشان علشان اذا إذا لو لما وبعد
    ولی اما چون اگه اگر وقتی که بعد بعدش"""
)
# Kin after «و» («نورة وأختها», «کامران و همسرش»): the name is a person's.
_ARFA_KIN_AFTER_AND = _wordset(
    """وأختها وأخته واختها واخته وأخوها وأخوه واخوها واخوه وزوجها وزوجته وصديقه وصديقتها
    وأمه وامه وأمها وامها وأبوه وابوه وأبوها وابوها وبنته وابنه وأولاده واولاده وزميله
    وزميلتها وأبو وابو همسرش خواهرش برادرش مادرش پدرش دوستش پسرش دخترش شوهرش خانمش همکارش"""
)
# Words after a name that address or name a person («رضا جان», «مهسا خانم»).
_FA_AFTER_NAME = frozenset(["جان", "جون", "خانم", "خانوم"])
# Persian object marker («سهیل رو اضافه کنید») and Arabic verbs of adding someone.
_FA_OBJECT = frozenset(["رو", "را"])
_AR_ADD = _wordset("إضافة اضافة أضيفوا اضيفوا أضف اضف ضيفوا ضيف")


# Arabic given names that are ordinary words in Persian («طول عمر باتری», «فقط شهد بود»).
_FA_WORD_NOT_NAME = frozenset(["عمر", "شهد"])
# «ديمتري إيفانوف», «مهمت اوزترک»: transliterated foreign family names after a given name.
_FOREIGN_FAMILY = frozenset(ARFA_FAMILY_WORLD.split())
_ZH_SURNAMES_ARFA = frozenset(
    ["وانغ", "وانگ", "تشانغ", "ژانگ", "چانگ", "هوانغ", "هوانگ", "تشاو", "ژائو", "تشين"]
)
_FA_LETTERS = re.compile("[\u06cc\u06a9\u06af\u067e\u0686\u0698]")


@lru_cache(maxsize=1)
def _unambiguous_fa() -> set[str]:
    """The unambiguous given names less those that are ordinary Persian words."""
    return gazetteer()[0] - _FA_WORD_NOT_NAME


def _verb_like(word: str) -> bool:
    """A verb of the list, or a Persian present / progressive form («می‌گه», «نمی‌ده»)."""
    return word in _ARFA_VERB_AFTER or word.startswith(("می\u200c", "نمی\u200c"))


_fold = lru_cache(maxsize=8192)(fold_for_search)
# Arabic verbs of speaking and calling before their subject («قال لي ثامر», «اتصلت ريم»).
_AR_VERB_BEFORE = _wordset(
    """قال قالت قالي قاللي قالتلي اتصل اتصلت كلمني كلمتني رد ردت وعدني وعدتني ساعدني ساعدتني
    جاء جا جات وصل وصلت حكالي حكتلي أكد اكد أكدت اكدت"""
)


def _verb_before(toks: list[tuple[int, int, str]], i: int, a: int, text: str) -> bool:
    """Whether an Arabic verb of speaking or calling stands right before token `i`,
    maybe with «لي/لنا» between («قال لي ثامر إن ...»)."""
    j = i - 1
    if j >= 0 and toks[j][2] in ("لي", "لنا", "معي", "علي", "عليّ"):
        j -= 1
    return (
        j >= 0
        and toks[j][2] in _AR_VERB_BEFORE
        and re.search(r"[.!?؟،,\n]", text[toks[j][1] : a]) is None
    )


# Verbs whose subject is a person: they make even an ambiguous given name at the
# start of a sentence a name («أمل ساعدتني», «نور ردت», «بهار زنگ زد»).
_PERSON_VERBS = _wordset(
    """اتصل اتصلت قال قالت قالي قاللي قالتلي رد ردت ساعدني ساعدتني كلمني كلمتني وعدني وعدتني
    حكى حكت حكالي حكتلي بلغني بلغتني گفت گفته میگه می‌گه"""
)


def _arfa_lists(text: str, unambiguous: set[str], known: set[str]) -> list[tuple[int, int]]:
    """Names in a coordinated list opening a clause «سلمى ورنا وهدى», «کریم و حسین و مهسا»:
    all words known given names, at least one unambiguous; «و» may stand alone or be
    joined to the name."""
    toks = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s،,.!?؟:;()«»]+", text)]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if i > 0 and not re.search(r"[.!?؟،,:\n]\s*$", text[: toks[i][0]]):
            i += 1
            continue  # a list of names opens a clause; «لكل صالح وأمين» are adjectives
        chain: list[tuple[int, int, str]] = []
        j = i
        while j < len(toks):
            a, b, w = toks[j]
            if chain and w == "و" and j + 1 < len(toks):
                j += 1
                a, b, w = toks[j]
            elif chain:
                if not (w.startswith("و") and _fold(w[1:]) in known and _fold(w) not in known):
                    break
                a, w = a + 1, w[1:]
            if (
                _fold(w) not in known
                or w in _AR_NOT_GIVEN
                or (chain and text[chain[-1][1] : a].strip(" و") != "")
            ):
                break
            chain.append((a, b, _fold(w)))
            j += 1
        if len(chain) >= 2 and any(c[2] in unambiguous for c in chain):
            out += [(a, b) for a, b, _w in chain]
            i = j
        else:
            i += 1
    return out


def _arfa_lone(text: str, unambiguous: set[str], known: set[str]) -> list[tuple[int, int]]:
    """Lone gazetteer given names used as a subject, object or in «X و Y»."""
    toks = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s،,.!?؟:;()«»]+", text)]
    out = []
    for i, (a, b, w) in enumerate(toks):
        folded = _fold(w)
        nxt = toks[i + 1][2] if i + 1 < len(toks) and toks[i + 1][0] - b <= 2 else ""
        prev = toks[i - 1][2] if i > 0 and a - toks[i - 1][1] <= 2 else ""
        if (
            folded not in unambiguous
            and w[:1] in "لب"
            and _fold(w[1:]) in unambiguous
            and w[1:] not in _AR_NOT_GIVEN
            and len(w) >= 4
            and prev in _AR_VERB_LI_BI
        ):
            out.append((a + 1, b))  # «سلمت الطلب لمحمد», «اتصلت بأحمد»
            continue
        if nxt in _FA_AFTER_NAME and folded in known and w not in _AR_NOT_GIVEN:
            out.append((a, b))  # «رضا جان», «مهسا خانم»
            continue
        after = [t[2] for t in toks[i + 1 : i + 5]]
        if (
            folded not in unambiguous
            and folded in known
            and (i == 0 or bool(re.search(r"[.!?؟\n]\s*$", text[:a])))
            and (nxt in _PERSON_VERBS or nxt == "زنگ" and after[1:2] == ["زد"])
        ):
            out.append((a, b))  # «نور ردت على الإيميل», «بهار زنگ زد»: an ambiguous name
            continue
        if (
            w.startswith("و")
            and _fold(w[1:]) in known
            and folded not in known
            and re.search(r"[،,.!?؟]\s*$", text[:a])
            and (nxt in ("هو", "هي") or nxt[:2] in ("بي", "بت", "هي", "هت") and len(nxt) >= 5)
        ):
            out.append((a + 1, b))  # «، ودينا بتكون بالبيت», «، وشريف هو اللي هيستلم»
            continue
        if folded not in unambiguous:
            continue
        if w in _AR_NOT_GIVEN and not (w == "علی" and nxt in _ARFA_VERB_AFTER):
            continue  # «على» is a preposition; Persian «علی زنگ زد» is Ali
        after = [t[2] for t in toks[i + 1 : i + 5]]
        if nxt in _ARFA_NEG and len(after) > 1:
            nxt = after[1]  # «عمر ما رد»
        clause_start = (
            i == 0 or bool(re.search(r"[.!?؟،,\n]\s*$", text[:a])) or prev in _ARFA_CLAUSE_LEAD
        )
        ok = (
            _verb_like(nxt)
            or prev.replace("\u200c", "") in _ARFA_BEFORE
            or w != "علي"
            and _verb_before(toks, i, a, text)
            or clause_start
            and any(_verb_like(t) for t in after[:4])
            or nxt.replace("\u200c", "") in _ARFA_KIN_AFTER_AND
            or nxt == "و"
            and len(after) > 1
            and after[1] in _ARFA_KIN_AFTER_AND
            or nxt in _FA_OBJECT
            or prev in _AR_ADD
        )
        if not ok and nxt in _ARFA_AND and i + 2 < len(toks):
            ok = _fold(toks[i + 2][2]) in unambiguous
        if not ok and prev in _ARFA_AND and i >= 2:
            ok = _fold(toks[i - 2][2]) in unambiguous
        if ok:
            # «قالت نوال الزغبي»: a nisba family name right after joins the name
            fam = toks[i + 1] if i + 1 < len(toks) and toks[i + 1][0] - b == 1 else None
            if (
                fam
                and fam[2].startswith("ال")
                and fam[2].endswith("ي")
                and len(fam[2]) >= 5
                and fam[2] not in _AR_NOT_FAMILY
                and _fold(fam[2]) not in _STOP_AFTER_CUE
            ):
                b = fam[1]
            out.append((a, b))
    return out


# A lookahead: every word is tried as a given name, not only the first of each
# three-word chunk («قرارداد مهدی ترابی»: the pair starts at the second word).
_ARFA_PAIR_RE = re.compile(
    r"(?<![\w\u200c])(?=(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){1,2}))"
)
_ARFA_CHUNK_RE = re.compile(r"(?<!\w)" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){1,2}")
# Arabic «على» written «علي» before an «ال» noun («علي الاسلام»): a preposition.
_AR_ALI = _fold("علي")


def _clear_family(first: str, second: str, unambiguous: set[str]) -> bool:
    """Whether `second` is clearly a family name after `first`: a Persian family form,
    an «ال» nisba («القحطاني»), a listed family name or another unambiguous given name;
    not an «ال» noun («مبارك المحامون», «عبير الازهار»); «علي» is left to the chunks, it
    is «على» as often as Ali."""
    if _fold(first) == _AR_ALI:
        return False  # «علي الاسلام», «عينا علي أحمد»: «على» written «علي»
    return bool(
        _FA_FAMILY.match(second)
        and len(second) >= 5
        and not second.startswith("ال")  # «كيان الكفر», «رضا الأمريكان»
        or second.startswith("ال")
        and second.endswith(("ي", "ی"))
        and len(second) >= 5
        or second in _FOREIGN_FAMILY
        or _fold(second) in unambiguous
        or second in ("بن", "ابن", "بنت")
    )


_GIVEN_ONLY_RE = re.compile(
    r"(?<!\w)"
    + _GIVEN_ONLY_CUES
    + r"\s+(?=(?P<name>"
    + _AR_WORD
    + r"(?:\s+"
    + _AR_WORD
    + r"){0,3}))"
)
_THANKS_LI_RE = re.compile(r"(?<!\w)" + _AR_THANKS_LI + r"(?P<name>" + _AR_WORD + r")")
_FROM_TEAM_ARFA_RE = re.compile(r"(?<!\w)(?P<name>" + _AR_WORD + r")" + _FROM_TEAM_ARFA)
_KUNYA_RE = re.compile(r"(?<!\w)و?(?P<name>" + _KUNYA + r"\s+" + _AR_WORD + r")")
_FA_TALK_RE = re.compile(
    r"(?<!\w)با\s+(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2})\s+"
    r"(?:صحبت|تماس|حرف|هماهنگ)"
)


def arfa_lone_names(text: str) -> list[tuple[int, int]]:
    """Candidate spans of gazetteer names without a strong cue in Arabic script, in the
    order they should claim the text."""
    unambiguous, _ambiguous, _all, _surnames = gazetteer()
    if _FA_LETTERS.search(text):
        unambiguous = _unambiguous_fa()
    out: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        out.append((start, end))

    # the starts the pair rule took before round 12 (three-word chunks from the left);
    # a pair starting elsewhere needs a clearer family name (below)
    chunked = {m.start() for m in _ARFA_CHUNK_RE.finditer(text)}
    for m in _ARFA_PAIR_RE.finditer(text):
        if m.start() not in chunked:
            # most words are no given name: test the first one before splitting the rest
            first = m.group("name").split(None, 1)[0]
            if _fold(first) not in unambiguous and not (
                first[:1] == "ل" and _fold(first[1:]) in unambiguous
            ):
                continue
        words = m.group("name").split()
        second = words[1]
        if m.start() not in chunked and not _clear_family(words[0], second, unambiguous):
            continue
        if second.startswith("ال") and (
            second.endswith(("ين", "ون", "ات")) or second.startswith("الت") and second[-1] != "ي"
        ):
            continue  # «دعاء الوالدين», «حسن التعامل»: a plural or a verbal noun, no family
        if words[0] in _ZH_SURNAMES_ARFA and len(second) <= 3:
            add(m.start("name"), m.start("name") + len(words[0]) + 1 + len(second))
            continue  # «وانغ وي», «وانگ لی»: a Chinese surname and a one-syllable name
        if (
            words[0][:1] == "ل"
            and _fold(words[0][1:]) in unambiguous
            and len(words[0]) >= 4
            and (_FA_FAMILY.match(second) and len(second) >= 5 or second in _FOREIGN_FAMILY)
        ):
            # «لأحمد ميرزايي»: «لـ» before a given name and a family name
            add(m.start("name") + 1, m.start("name") + len(words[0]) + 1 + len(second))
            continue
        if _fold(words[0]) not in unambiguous or words[0] in _AR_NOT_GIVEN:
            continue
        third = words[2] if len(words) > 2 else ""
        if (
            second in _ARFA_VERB_AFTER
            or second in _AR_NOT_GIVEN
            or _fold(second) in _STOP_AFTER_CUE
            and _fold(second) not in _all
            or second.endswith(("تني", "وني"))
            or second.startswith(("بي", "بت", "بن"))
            and len(second) == 4
            or third in _FA_LIGHT_VERBS
        ):
            continue  # «مريم جاوبتني», «فاطمه پیگیری کرد»: a verb, not a family name
        if second in ("بن", "ابن", "بنت") and len(words) > 2:
            # «عبدالرحمن بن سعيد القحطاني»: an «ال» family name may close the chain
            last = re.match(r"\s+(" + _AR_WORD + r")", text[m.end("name") :])
            if (
                last
                and last.group(1).startswith("ال")
                and _AR_FAMILY.match(last.group(1))
                and last.group(1) not in _AR_NOT_FAMILY
                and _fold(last.group(1)) not in _STOP_AFTER_CUE
            ):
                add(m.start("name"), m.end("name") + last.end())
            else:
                add(m.start("name"), m.end("name"))
        elif (
            (_FA_FAMILY.match(second) and len(second) >= 5)
            or _AR_FAMILY.match(second)
            or (_fold(second) in unambiguous)
            or second in _FOREIGN_FAMILY
            or second.startswith("بن")
            and _fold(second[2:]) in unambiguous
        ):
            add(m.start("name"), m.start("name") + len(words[0]) + 1 + len(second))
    for m in _GIVEN_ONLY_RE.finditer(text):
        words = m.group("name").split()
        if _fold(words[0]) not in unambiguous or words[0] in _AR_NOT_GIVEN:
            continue
        keep = _name_words(words, _all, first_free=True)
        if keep:
            add(m.start("name"), m.start("name") + len(" ".join(keep)))
    for m in _THANKS_LI_RE.finditer(text):
        if _fold(m.group("name")) in unambiguous:
            add(m.start("name"), m.end("name"))
    for m in _FROM_TEAM_ARFA_RE.finditer(text):
        lone = m.group("name")
        if _fold(lone) in unambiguous and lone not in _AR_NOT_GIVEN:
            add(m.start("name"), m.end("name"))
    for m in _KUNYA_RE.finditer(text):
        first, second = m.group("name").split()[:2]
        given = unambiguous if first in ("أم", "ام") else _all  # «أبو سعد», not «أم سعد»
        if _fold(second) in given and second not in _AR_NOT_GIVEN:
            add(m.start("name"), m.end("name"))
    for start, end in _arfa_lone(text, unambiguous, _all):
        add(start, end)
    for start, end in _arfa_lists(text, unambiguous, _all):
        add(start, end)
    for m in _FA_TALK_RE.finditer(text):
        offset, words = _skip_titles(m.group("name"))
        keep = _name_words(words, _all, first_free=False)
        if keep and len(keep) == len(words) and _fold(words[0]) in _all:
            start = m.start("name") + offset
            add(start, start + len(" ".join(keep)))
    return out
