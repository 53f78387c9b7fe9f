"""Arabic and Persian person names after cues: the shared word rules.

Rules, in the order `arfa_cue_names` tries them (an earlier span wins an overlap):

1. after a strong cue («اسمي», «السيد», «آقای», «خانم», «المستلم:»): one to three
   words, titles skipped («جناب دکتر کامرانی» -> «کامرانی»);
2. «من X هستم»;
3. after a weak cue, a role or kin word that also stands before ordinary words
   («الموظف», «پیک», «زوجي»): the next word must be a gazetteer given name or have a
   family-name form (Persian -ی / -زاده / -پور, Arabic «ال…» / -ي).

`_name_words` decides how far a name runs (given names, family-name forms, «بن X»
chains); the rules without cues live in `sada.text.pii_names_arfa_lone`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import _ARFA_FAMILY_R5, _words, _wordset, gazetteer

# Cues before a name.
_AR_CUES = (
    r"اسمي|إسمي|انا اسمي|أنا اسمي|الاسم\s*:|اسم العميل\s*:?|السيد|السيدة|الأستاذ|الاستاذ|"
    r"الأستاذة|الاستاذة|مع تحيات|تحياتي|أخوكم|اخوكم|شكرا للأستاذ|شكرا للاستاذ|شكرا للأستاذة|"
    r"معك|معاك|معكم|المستلم\s*:|اسم المستلم\s*:?|المرسل\s*:|الاستلام\s*:|مقدم الطلب\s*:?|"
    r"(?:ل|لل|و|ب|وال|بال)(?:أستاذ|استاذ|أستاذة|استاذة|سيد|سيدة)|"
    r"اسم الموظف\s*:?|اسم المندوب\s*:?"
)
_FA_CUES = (
    r"اسمم|اسم من|نام من|اینجانب|نام\s*:|آقای|اقای|خانم|جناب|سرکار خانم|با تشکر|ارادتمند|"
    r"تحویل[\s\u200c]?گیرنده\s*:|گیرنده\s*:|نام گیرنده\s*:?|فرستنده\s*:|ارادتمند شما|"
    r"نام خانوادگی\s*:?"
)
# Cues that also stand before ordinary words ("the employee was polite", "the doctor
# said"): the next word must be a known given name or have a family-name form.
_WEAK_CUES_ARFA = (
    r"(?:و|ل|ب)?(?:الأخ|الاخ|الأخت|الاخت|المهندس|المهندسة|الدكتور|الدكتورة|الموظف|الموظفة|"
    r"المندوب|الكابتن|السائق|الفني|المشرف|المدير|المديرة)|"
    r"(?:و)?لل(?:أخ|اخ|أخت|اخت|مهندس|مهندسة|دكتور|دكتورة|موظف|موظفة|مندوب|كابتن|سائق|مشرف|مدير)|"
    r"د\.|والدي|والدتي|زوجي|زوجتي|أخي|اخي|اخوي|أختي|اختي|ابني|بنتي|"
    r"دکتر|مهندس|اپراتور|همکارتون|همکار شما|پشتیبان|کارشناس|پیک|راننده|همسرم|پدرم|مادرم|"
    r"برادرم|خواهرم|دوستم|پسرم|دخترم|شوهرم|خانمم|همکارم|مسئول|نصاب|تکنسین|"
    r"(?:و|ل|ب)?(?:العميل|العميلة|الزبون|المستلم|الحارس|المحاسب|الممرضة|الطبيب|الطبيبة|"
    r"الكاشير|البائع|البائعة|المسؤول|المسؤولة|الفنية|المندوبة|المشرفة)|صديقي|صديقتي|زميلي|"
    r"زميلتي|عمي|خالي|جدي|جدتي|اسمه|اسمها|يدعى|تدعى|اسمش|اسمشون|أخوي|أخويا|اخويا|لأخويا|لاخويا|"
    r"لأخوي|لاخوي|السواق|سواق|المندوبة|الكابتن|بابام|مامانم|داداشم|آبجیم|رفیقم|همسایه‌م|"
    r"همسایمون|باسم|بإسم|على اسم|به اسم|به نام|با احترام|بنتي|ولدي|أبوي|ابوي|أمي|امي|زوجة أخي|خالتي|عمتي"
)
# Titles that may stand between a cue and the name ("جناب دکتر کامرانی", "spoke to Mr. Daniels").
_TITLES_ARFA = frozenset(
    ["دکتر", "مهندس", "استاد", "سید", "حاج", "حاجی", "الدكتور", "المهندس", "الأستاذ", "الاستاذ",
     "الشيخ", "د", "آقا", "اقا", "آقای", "خانم", "السيد", "السيدة", "الحاج", "الحاجة", "حاج"]
)  # fmt: skip
_AR_WORD = r"[\u0621-\u064a\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698]{2,}(?:\u200c[\u0621-\u064a\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698]+)*"
# Persian family-name forms and Arabic patronymic / family forms after a given name.
_FA_FAMILY = re.compile(r"^[\u0600-\u06ff]{2,}(?:ی|زاده|پور|یان|ان|نژاد|فر|نیا|لو)$")
_AR_FAMILY = re.compile(r"^(?:ال[\u0600-\u06ff]{3,}|[\u0600-\u06ff]{3,}ي)$")
_STOP_AFTER_CUE = {
    fold_for_search(w)
    for w in [
        "هستم",
        "هست",
        "بود",
        "است",
        "هستند",
        "و",
        "یا",
        "که",
        "از",
        "به",
        "با",
        "در",
        "برای",
        "را",
        "می",
        "ما",
        "من",
        "شما",
        "او",
        "هو",
        "هي",
        "انا",
        "أنا",
        "كان",
        "كانت",
        "في",
        "من",
        "على",
        "الى",
        "إلى",
        "عن",
        "مع",
        "و",
        "او",
        "أو",
        "لا",
        "ما",
        "كل",
        "هذا",
        "هذه",
        "ذلك",
        "the",
        "a",
        "an",
        "خیلی",
        "بسیار",
        "واقعا",
        "هم",
        "جدا",
        "جداً",
        "كثير",
        "قال",
        "قالت",
        "گفت",
        "گفتند",
        "لطفا",
        "شكرا",
        "ممنون",
        "and",
        "or",
        "not",
        "here",
        "there",
        "very",
        "so",
        "happy",
        "sorry",
        "glad",
        "calling",
        "writing",
        "going",
        "محترم",
        "گرامی",
        "عزیز",
        "عزیزم",
        "پشتیبانی",
        "فروش",
        "فروشگاه",
        "مربوطه",
        "قبلی",
        "بعدی",
        "اصلی",
        "جدید",
        "الخدمة",
        "العملاء",
        "السلامة",
        "الله",
        "اللي",
        "الي",
        "عشان",
        "علشان",
        "امبارح",
        "إمبارح",
        "اللى",
        "خدا",
        "خداوند",
        "الشركة",
        "المؤسسة",
        "شرکت",
        "فروشگاه",
        "مكتوب",
        "غلط",
        "اشتباه",
        "team",
        "service",
        "support",
        "customer",
    ]
}

# Function words that fold to a given name («على» -> «علي»).
_AR_NOT_GIVEN = frozenset(["على", "علی", "الى", "إلى", "حتى", "عايشه", "عايشة", "زیاد"])
# Nisba adjectives and ordinary «ال» words after a role («المحاسب المصري»).
_AR_NOT_FAMILY = _wordset(
    """المصري السعودي الهندي الباكستاني الفلبيني اليمني السوري الأردني الاردني اللبناني
    السوداني الجديد القديم الأول الاول الثاني الكبير الصغير الحالي الخاص المسؤول الثالث
    الأخير الاخير اللي الي العربي الأجنبي الاجنبي التركي الإيراني الايراني البنغالي"""
)


@lru_cache(maxsize=1)
def _arfa_family() -> frozenset[str]:
    return frozenset(_words(_ARFA_FAMILY_R5))


def _name_like(word: str, known: set[str]) -> bool:
    """A known given name, or a Persian / Arabic family-name form."""
    word = word.replace("\u200c", "")
    return (
        fold_for_search(word) in known
        or fold_for_search(word) in _arfa_family()
        or bool(
            _FA_FAMILY.match(word)
            and len(word) >= 5
            or _AR_FAMILY.match(word)
            and word.startswith("ال")
        )
    )


_NAMED_CUES = ("باسم", "بإسم", "على اسم", "به اسم", "به نام")

_ARFA_CUE_RE = re.compile(
    r"(?<!\w)(?:" + _AR_CUES + "|" + _FA_CUES + r")(?:(?<=[:：])|(?!\w))"
    r"\s*[:：]?\s*"
    r"(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2})"
)
_FA_SELF_RE = re.compile(
    r"(?<!\w)(?:من\s+)(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r")?)\s+هستم(?!\w)"
)
_ARFA_WEAK_RE = re.compile(
    r"(?<!\w)(?:"
    + _WEAK_CUES_ARFA
    + r")(?:\u200c?(?:تون|مون|ت|م))?(?!\w)(?:\s+[\u0600-\u06ff]+\u200c?(?:تون|مون))?"
    + r"\s*(?P<punct>[:：,،]?)\s*(?=(?P<name>"
    + _AR_WORD
    + r"(?:\s+"
    + _AR_WORD
    + r"){0,3}))"
)


def _ambiguous_words() -> set[str]:
    return gazetteer()[1]


def _skip_titles(name: str) -> tuple[int, list[str]]:
    """(characters skipped, words) with leading titles dropped: «دکتر کامرانی» -> «کامرانی»."""
    words = name.split()
    offset = 0
    while len(words) > 1 and fold_for_search(words[0]) in {
        fold_for_search(t) for t in _TITLES_ARFA
    }:
        offset = name.index(words[1], offset + len(words[0]))
        words = words[1:]
    return offset, words


def _name_words(words: list[str], known: set[str], *, first_free: bool) -> list[str]:
    """The name words at the start of `words`: the first (any word after a strong cue,
    else a name-like one), then name-like words or «بن/بنت X» chains."""
    kept: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        folded = fold_for_search(word)
        if folded in _STOP_AFTER_CUE or (kept and word.startswith("و") and folded not in known):
            break
        if not kept:
            if not (first_free or _name_like(word, known)):
                break
            if (
                not first_free
                and folded in _ambiguous_words()
                and not (i + 1 < len(words) and _name_like(words[i + 1], known))
            ):
                break  # «الموظف سعيد جداً»: an adjective, unless a family name follows
            kept.append(word)
        elif word in ("بن", "ابن", "بنت") and i + 1 < len(words):
            kept.extend(words[i : i + 2])
            i += 1
        elif _name_like(word, known) or (
            fold_for_search(kept[-1]) in known
            and (_FA_FAMILY.match(word) or _AR_FAMILY.match(word))
            and len(word) >= 3
        ):
            # after a known given name a family-name form of any length («فاطمه نوری»)
            kept.append(word)
        else:
            break
        i += 1
    return kept


def arfa_cue_names(text: str) -> list[tuple[int, int]]:
    """Candidate name spans after cues in Arabic script, in the order they should claim
    the text."""
    _all = gazetteer()[2]
    out: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        out.append((start, end))

    for m in _ARFA_CUE_RE.finditer(text):
        offset, words = _skip_titles(m.group("name"))
        words = _name_words(words, _all, first_free=True)
        if words:
            start = m.start("name") + offset
            add(start, start + len(" ".join(words)))
    for m in _FA_SELF_RE.finditer(text):
        words = _name_words(m.group("name").split(), _all, first_free=False)
        if words:
            add(m.start("name"), m.start("name") + len(" ".join(words)))
    for m in _ARFA_WEAK_RE.finditer(text):
        offset, words = _skip_titles(m.group("name"))
        apposition = m.group("punct") in (",", "،") and bool(
            re.match(r"\s*[,،]", text[m.start("name") + offset + len(words[0]) :])
        )
        if words[0] in _AR_NOT_FAMILY or (
            m.group("punct") in (",", "،")
            and fold_for_search(words[0]) not in _all
            and not apposition
        ):
            continue  # «المحاسب المصري», «صديقي، البرجر رائع»
        if apposition and fold_for_search(words[0]) not in _STOP_AFTER_CUE:
            # «پیک‌تون، سعید، رفته»: one word set off by commas after a role
            start = m.start("name") + offset
            add(start, start + len(words[0]))
            continue
        if (
            text[m.start() : m.start() + 6].lstrip("و").startswith(_NAMED_CUES)
            and fold_for_search(words[0]) not in _all
        ):
            continue  # «به نام بادمجان»: "named" needs a gazetteer given name
        if words[0].startswith("ال") and fold_for_search(words[0]) not in _all:
            continue  # «قلت لأخوي الريحه»: an «ال» word after a weak cue is no given name
        keep = _name_words(words, _all, first_free=False)
        if keep:
            start = m.start("name") + offset
            add(start, start + len(" ".join(keep)))
    return out
