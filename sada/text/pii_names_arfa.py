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
from sada.text.pii_gazetteer import _ARFA_FAMILY_R5, NOT_NAMES, _words, _wordset, gazetteer

# Cues before a name.
_AR_CUES = (
    r"اسمي|إسمي|سميتي|سميتى|انا اسمي|أنا اسمي|الاسم\s*:|اسم العميل\s*:?|السيد|السيدة|الأستاذ|الاستاذ|"
    r"الأستاذة|الاستاذة|مع تحيات|تحياتي|أخوكم|اخوكم|شكرا للأستاذ|شكرا للاستاذ|شكرا للأستاذة|"
    r"معك|معاك|معكم|المستلم\s*:|اسم المستلم\s*:?|المرسل\s*:|الاستلام\s*:|مقدم الطلب\s*:?|"
    r"(?:ل|لل|و|ب|وال|بال)(?:أستاذ|استاذ|أستاذة|استاذة|سيد|سيدة)|"
    r"اسم الموظف\s*:?|اسم المندوب\s*:?|المستلمة\s*:?|اسألوا عن|اسالوا عن|اسأل عن|اسال عن"
)
_FA_CUES = (
    r"اسمم|اسم من|نام من|اینجانب|نام\s*:|آقای|اقای|خانم|جناب|سرکار خانم|با تشکر|ارادتمند|"
    r"تحویل[\s\u200c]?گیرنده\s*:|گیرنده\s*:|نام گیرنده\s*:?|فرستنده\s*:|ارادتمند شما|"
    r"نام خانوادگی\s*:?"
)
# Cues that also stand before ordinary words ("the employee was polite", "the doctor
# said"): the next word must be a known given name or have a family-name form.
_WEAK_CUES_ARFA = (
    r"(?:و|ل|ب)?(?:الاسم|الأخ|الاخ|الأخت|الاخت|المهندس|المهندسة|الدكتور|الدكتورة|الموظف|الموظفة|"
    r"المندوب|الكابتن|السائق|الفني|المشرف|المدير|المديرة)|"
    r"(?:و)?لل(?:أخ|اخ|أخت|اخت|مهندس|مهندسة|دكتور|دكتورة|موظف|موظفة|مندوب|كابتن|سائق|مشرف|مدير)|"
    r"د\.|والدي|والدتي|زوجي|زوجتي|أخي|اخي|اخوي|أختي|اختي|ابني|بنتي|"
    r"دکتر|مهندس|اپراتور|همکارتون|همکار شما|پشتیبان|کارشناس|پیک|راننده|همسرم|پدرم|مادرم|"
    r"برادرم|خواهرم|دوستم|پسرم|دخترم|شوهرم|خانمم|همکارم|مسئول|نصاب|تکنسین|"
    r"(?:و|ل|ب)?(?:العميل|العميلة|الزبون|المستلم|الحارس|المحاسب|الممرضة|الطبيب|الطبيبة|"
    r"الكاشير|البائع|البائعة|المسؤول|المسؤولة|الفنية|المندوبة|المشرفة)|صديقي|صديقتي|زميلي|"
    r"زميلتي|عمي|خالي|جدي|جدتي|اسمه|اسمها|يدعى|تدعى|اسمش|اسمشون|أخوي|أخويا|اخويا|لأخويا|لاخويا|"
    r"لأخوي|لاخوي|السواق|سواق|المندوبة|الكابتن|بابام|مامانم|داداشم|آبجیم|رفیقم|همسایه‌م|"
    r"همسایمون|باسم|بإسم|على اسم|به اسم|به نام|با احترام|بنتي|ولدي|أبوي|ابوي|أمي|امي|زوجة أخي|خالتي|عمتي|"
    # round 6: kin with «لـ» («أرسلوا القطعة لأخي ماجد») and third-person kin
    # («سلمى وأختها لمى», «نگار و خواهرش الهام», «زميلها فهد»)
    r"(?:ل|ول)(?:أخي|اخي|أختي|اختي|أخوي|اخوي|ابني|بنتي|زوجي|زوجتي|عمي|خالي|عم|أبوي|ابوي|"
    r"أمي|امي|جدي|جدتي|صديقي|زميلي)|ابنتي|"
    r"(?:و)?(?:أختها|اختها|أخته|اخته|أخوها|اخوها|أخوه|اخوه|زوجها|زوجته|ابنه|ابنها|بنته|"
    r"بنتها|صديقه|صديقتها|زميلها|زميله|زميلتها)|خواهرش|برادرش|همسرش|مادرش|پدرش|دخترش|"
    r"پسرش|شوهرش|دوستش|همکارش"
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
        # common nouns that look like «ال…» family names or Persian -ان forms
        # («يا ليلى الطلب وصل», «آقا مجید نگهبان ساختمون»)
        "الطلب",
        "الطرد",
        "الشحنة",
        "الشحنه",
        "المبلغ",
        "المنتج",
        "الجهاز",
        "الفاتورة",
        "الحساب",
        "التطبيق",
        "الموظف",
        "المندوب",
        "الباقة",
        "الكوبون",
        "الطلبية",
        "الاغراض",
        "الأغراض",
        "الحين",
        "اليوم",
        "التوصيل",
        "الفلوس",
        "نگهبان",
        "دربان",
        "باغبان",
        "پشتیبان",
        "مهمان",
        "ساختمان",
        "ساختمون",
        "همکاران",
        "دوستان",
        "عزیزان",
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
    if fold_for_search(word) in NOT_NAMES:
        return False  # «اپراتور: مشتری», «مسئول پیگیری»: a -ی noun of service
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


_NAMING_CUES = ("اسمه", "اسمها", "اسمش", "يدعى", "تدعى")
_NAMED_CUES = ("باسم", "بإسم", "على اسم", "به اسم", "به نام")

_ARFA_CUE_RE = re.compile(
    r"(?<!\w)(?:" + _AR_CUES + "|" + _FA_CUES + r")(?:(?<=[:：])|(?!\w))"
    r"\s*[:：]?\s*"
    r"(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,3})"
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


# Verbs after a lone given name («علی زنگ زد», «محمد اتصل») and verbs / prepositions
# before one («بگید سروش», «خلّي أحمد»); both need an unambiguous gazetteer name.
_ARFA_VERB_AFTER = _wordset(
    """اتصل اتصلت قال قالت رفض رفضت طلب طلبت استلم استلمت رد ردت ترك تركت جاء جا جات
    وصل وصلت كلمني كلمتني ساعدني ساعدتني يستلم تستلم يستلمون راح راحت حكى حكت حكالي
    يتصل تتصل بيتصل بتتصل قاللي قالي وعدني وعدتني سلمني سلمتني أرسل ارسل أرسلت ارسلت
    زنگ گفت گفتن اومد اومدن آمد رفت رفته تماس کمک پیگیری جواب برداشت داد آورد آورده
    بیاد بیان میاد میگه گفته رسید تحویل زد
    يقول تقول قالوا يسأل تسأل سأل سألت اشتكى اشتكت يشتكي تشتكي فتح فتحت فتحه فتحها
    يبغى تبغى يبي تبي يريد تريد حاول حاولت جرب جربت دفع دفعت اشترى اشترت نسي نسيت
    ألغى الغى ألغت الغت حجز حجزت كتب كتبت بعث بعثت بعت بعتت لقى لقت شاف شافت عرف عرفت
    وعد وعدت حل حلت صلح صلحت سجل سجلت رجع رجعت يرد ترد ينتظر تنتظر يحاول تحاول يطلب تطلب
    يستخدم تستخدم يدفع تدفع وصله وصلها طلع طلعت خلص خلصت قفل قفلت سكر سكرت
    میگه می‌گه نوشت فرستاد فرستاده گرفت گرفته خرید خریده برد برده نداد نداده نکرد نکرده
    پرداخت زنگید گفتش اومده نیومد نیومده داده کرده زده
    برگردوند خواست خواسته میخواد دید دیده"""
)
_ARFA_NEG = frozenset(["ما", "لم", "لا", "مو", "مش", "هنوز", "اصلا", "أصلا"])


def _ambiguous_words() -> set[str]:
    return gazetteer()[1]


_TITLES_ARFA_FOLDED = frozenset(fold_for_search(t) for t in _TITLES_ARFA)  # once, not per call


def _skip_titles(name: str) -> tuple[int, list[str]]:
    """(characters skipped, words) with leading titles dropped: «دکتر کامرانی» -> «کامرانی»."""
    words = name.split()
    offset = 0
    while len(words) > 1 and fold_for_search(words[0]) in _TITLES_ARFA_FOLDED:
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
        elif word in ("بن", "ابن", "بنت", "عبد") and i + 1 < len(words):
            kept.extend(words[i : i + 2])  # «محمد بن سلمان», «محمود عبد الرحيم»
            i += 1
        elif word in _AR_NOT_GIVEN:
            break  # «شكراً حمودي على المساعدة»: «على» is a preposition here
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


# Sign-offs with a comma, the name ending the text («تحياتي، بسام», «با تشکر، حامد»).
_ARFA_SIGNOFF_RE = re.compile(
    r"(?<!\w)(?:تحياتي|مع تحيات|مع خالص التحية|أخوكم|اخوكم|با تشکر|با سپاس|ارادتمند شما|"
    r"ارادتمند|قربان شما)\s*[,،]\s*(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2})"
    r"\s*[.!]?\s*$"
)
# Letters only Persian writes: the rule above is Arabic (Persian puts adverbs before
# the verb, «پیک دیر رسید»).
_FA_LETTERS = re.compile("[\u06cc\u06a9\u06af\u067e\u0686\u0698]")
# A name right after a place word is the name of a place («جامعة الملك سعود», «خیابان
# شریعتی», «بزرگراه شهید همت»).
_PLACE_BEFORE = re.compile(
    r"(?<!\w)(?:شارع|جامعة|جامعه|مستشفى|حي|طريق|مدينة|مطار|جامع|مسجد|مدرسة|مركز|برج|ميدان|"
    r"دوار|مجمع|كلية|قاعة|ملعب|جسر|ضاحية|خیابان|کوچه|میدان|بلوار|بزرگراه|اتوبان|پل|"
    r"بیمارستان|دانشگاه|مدرسه|مسجد|پارک|شهرک|محله|ایستگاه|فرودگاه|مجتمع|پاساژ|"
    # round 12: shops named after a person («مطعم أبو حسن», «شاورما أبو علي»)
    r"مطعم|مطاعم|شاورما|مخبز|مقهى|كافيه|حلويات|كافتيريا|بوفيه|مشويات|فلافل|رستوران|فروشگاه)"
    r"\s+(?:(?:الملك|الأمير|الامير|الشيخ|الإمام|الامام|شهید|امام|حضرت|آیت\u200cالله)\s+)?$"
)


def after_place(text: str, start: int) -> bool:
    """Whether the name at `start` follows a place word (a street, a university)."""
    return _PLACE_BEFORE.search(text, max(0, start - 30), start) is not None


# Imperfect and first-person prefixes: an unknown word so begun is more likely a verb.
_AR_VERB_PREFIX = ("ي", "ت", "ب", "ن", "أ", "ا", "إ", "و", "ف", "ل", "ك")


# The word right before a cue («پروین خانم»): a given name there takes the honorific.
_GIVEN_BEFORE = re.compile(r"(" + _AR_WORD + r")\s+$")


def arfa_cue_names(text: str) -> list[tuple[int, int]]:
    """Candidate name spans after cues in Arabic script, in the order they should claim
    the text."""
    _all = gazetteer()[2]
    out: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        out.append((start, end))

    for m in _ARFA_CUE_RE.finditer(text):
        if m.group().startswith(("اسم من", "نام من")) and re.search(
            r"(?<!\w)(?:به|با|بر)\s*$", text[max(0, m.start() - 4) : m.start()]
        ):
            continue  # «به اسم من ثبت شد»: "in my name", no name follows
        before = _GIVEN_BEFORE.search(text, max(0, m.start() - 20), m.start())
        if (
            m.group().startswith(("خانم", "آقا", "اقا"))
            and before
            and fold_for_search(before.group(1)) in _all
        ):
            continue  # «فاطمه خانم سفارش داده»: «خانم» after the name, not before one
        offset, words = _skip_titles(m.group("name"))
        words = _name_words(words, _all, first_free=True)
        if words:
            start = m.start("name") + offset
            add(start, start + len(" ".join(words)))
    out.extend(_plain_names(_FA_SELF_RE, text, _all, first_free=False))
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
        if (
            not keep
            and text[m.start() : m.start() + 5].startswith(_NAMING_CUES)
            and fold_for_search(words[0]) in _all
        ):
            keep = [words[0]]  # «واحد اسمه كريم»: "his name is" takes any gazetteer name
        if not keep and len(words) > 1 and not m.group("punct"):
            # «الدكتورة سناء قالت»: an unknown word after a role, then a verb
            verb = words[2] if words[1] in _ARFA_NEG and len(words) > 2 else words[1]
            first = words[0]
            if (
                verb in _ARFA_VERB_AFTER
                and not _FA_LETTERS.search(text, m.start(), m.start("name") + len(first))
                and not _FA_LETTERS.search(verb)
                and first not in _ARFA_VERB_AFTER
                and fold_for_search(first) not in _STOP_AFTER_CUE
                and not first.startswith(_AR_VERB_PREFIX)
                and not first.endswith(("ين", "ون", "ات"))  # «أخوي مرتين يطلب»
                and not text[m.start() : m.start() + 6].lstrip("و").startswith(_NAMED_CUES)
            ):
                keep = [first]
        if keep:
            start = m.start("name") + offset
            add(start, start + len(" ".join(keep)))
    out.extend(_plain_names(_ARFA_SIGNOFF_RE, text, _all, first_free=True))
    return out


def _plain_names(
    pattern: re.Pattern[str], text: str, known: set[str], *, first_free: bool
) -> list[tuple[int, int]]:
    """The spans of the name words (`_name_words`) that open each `pattern` match's "name"
    group, no titles to skip: the self-introductions and the sign-offs."""
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        words = _name_words(m.group("name").split(), known, first_free=first_free)
        if words:
            spans.append((m.start("name"), m.start("name") + len(" ".join(words))))
    return spans
