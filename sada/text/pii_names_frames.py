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
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import gazetteer
from sada.text.pii_gazetteer_world import ZH_TRANSLIT_GIVEN
from sada.text.pii_names_learned import _common_han, lexicon

# Folding is called for the same few words again and again.
_fold = lru_cache(maxsize=16384)(fold_for_search)

_AR = "\u0621-\u065f\u0670\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698"
_AR_TOKEN = re.compile(rf"[{_AR}]+(?:\u200c[{_AR}]+)*|\d+|[^\s{_AR}\d]")
_CLAUSE_END = set(".!?,،؛;:—–-…()\n") | {"؟"}


def _words(block: str) -> frozenset[str]:
    """The whitespace-separated words of a block."""
    return frozenset(block.split())


def _folded_words(block: str) -> frozenset[str]:
    """The words of a block folded for search."""
    return frozenset(_fold(w) for w in block.split())


def _folded(*words: str) -> frozenset[str]:
    """The words folded for search, each also with the conjunction «و» before it."""
    folded = {_fold(w) for w in words}
    return frozenset(folded | {"و" + w for w in folded if len(w) > 2})


# Frame words (folded with `fold_for_search` before comparing).
_AR_SELF = frozenset(_fold(w) for w in ("انا", "أنا", "اسمي", "معك", "معاك", "معكم"))
_FA_SELF_AFTER = _folded("هستم", "هستش", "هستن", "هستيم")
_AR_TEAM_AFTER = _folded(
    "فريق", "خدمه", "قسم", "الدعم", "الفرع", "فرع", "الشركه", "المبيعات", "الحسابات",
    "الاداره", "المحل", "المتجر", "الفني", "الصيانه", "المكتب", "مكتب", "العملاء", "الاستقبال",
)  # fmt: skip
_FA_TEAM_AFTER = _folded(
    "پشتیبانی", "واحد", "بخش", "تیم", "دفتر", "شعبه", "فروش", "فروشگاه", "حسابداری",
    "انبار", "مالی", "فنی", "مرکز",
)  # fmt: skip
_AR_THANKS = _folded("شكرا", "شكراً", "وشكرا", "مشكور", "مشكوره", "يسلمو", "تسلم", "تسلمي", "مرسي")
_FA_THANKS_FROM = _folded(
    "ممنون", "ممنونم", "مرسی", "تشکر", "متشکرم", "سپاس", "سپاسگزارم", "ممنونیم"
)
_AR_KIN = _folded(
    "صاحبي", "صديقي", "صديقتي", "زميلي", "زميلتي", "بنتي", "ابني", "ولدي", "والدي", "والدتي",
    "ابوي", "امي", "اخوي", "اخي", "اختي", "زوجي", "زوجتي", "جوزي", "مرتي", "خالي", "عمي",
    "خالتي", "عمتي", "جدي", "جدتي", "اخويا", "اختي", "مديري", "جاري", "جارتي",
    "خطيبي", "خطيبتي", "ابنتي",
)  # fmt: skip
_FA_KIN = _folded(
    "همکارم", "دخترم", "پسرم", "همسرم", "شوهرم", "خانمم", "دوستم", "مامانم", "مادرم", "بابام",
    "پدرم", "خواهرم", "برادرم", "داداشم", "آبجیم", "همسایه‌م", "همسایمون", "مدیرم", "رئیسم",
    "داییم", "خالم", "عمم", "نامزدم", "همسر", "همکار", "دختر", "پسر", "پدربزرگم",
    "مادربزرگم", "همکارمون", "رفیقم",
)  # fmt: skip
_AR_TITLES = _folded(
    "الحاج", "الحاجه", "الاستاذ", "الاستاذه", "الدكتور", "الدكتوره", "المهندس", "الشيخ"
)
_FA_AFTER = _folded("خانم", "خانوم", "آقا", "جان", "جون", "عزیز")
_AR_ASK = _folded("اسالوا", "اسالو", "اسال", "يسال", "ويسال", "تسال", "واسالوا")
_AR_ASK_ABOUT = _folded(
    "عن",
)
_AR_TALK = _folded(
    "التواصل",
    "بالتواصل",
    "تتواصلوا",
    "اتصلو",
    "كلم",
    "اكلم",
    "نكلم",
    "يكلم",
    "كلمت",
    "تواصل",
    "تواصلوا",
    "اتصلوا",
    "اتصل",
    "سلموه",
    "سلموها",
)
_AR_TALK_WITH = _folded("مع", "على", "علي")
_SIGNOFF_WORDS = _folded(
    "تحياتي", "الشكر", "شكرا", "شكراً", "مع", "ممنون", "تشکر", "سپاس", "مرسی", "باتشکر",
    "تشكراتي", "احترام", "احترامات",
)  # fmt: skip
_FA_TEXT = re.compile("[\u06cc\u06a9\u067e\u0686\u0698\u06af]")
_FA_LIGHT = _folded(
    "کرد", "کردم", "کردن", "کردند", "کنه", "کنم", "کنیم", "کردیم", "بندی", "زد", "زدم", "زدن",
    "داد", "دادم", "دادن", "گرفت", "گرفتم", "شد", "شدم", "شدن", "بود", "بودم", "داره", "دارم",
)  # fmt: skip
_AR_AFTER_NAME = _folded("بخصوص", "قبل", "بعد", "عشان", "علشان", "لان", "لأن", "حول", "عن")
_AR_FROM = _folded("من")
_YA = _fold("يا")
_THANKS_NEXT = _folded("و", "على", "که", "بابت", "عشان", "لانه")
_NOT_NAME_RAW = frozenset(["على", "علی", "الى", "إلى", "حتى", "عن", "فی", "آمين", "آمین"])
_VOC_TITLES = _folded(
    "استاذ", "استاذه", "أستاذ", "أستاذة", "دكتور", "دكتوره", "ست", "اخ", "اخت", "حاج", "حجي", "مدام"
)
_FA_TITLES = _folded("آقای", "اقای", "خانم", "جناب", "سرکار", "دکتر", "مهندس")
_FA_SUFFIXES = _words("تون تان شون شان ام اش ات مون مان ها های هایی ای")
# Words that sit in name slots but are never names (pronouns, fillers, dialect words).
_ARFA_NOT = _folded_words(
    """
    الطلب الاوردر المندوب الموظف الموظفه العميل الزبون خدمه فريق حد احد واحد وحده نفسي هنا
    هون هناك بدي ابغى ابي اريد عندي مستعجل مش مو ما من الى على عن مع في كمان بعد قبل اليوم
    امس بكره الحين هلا هسا هلق كتير كثير شوي جدا والله الله ان انه اني ياريت لو يا اخ اخت
    عميل زبون صاحب صاحبه بنت ولد ابن شخص ناس الكل كل سفارش مشتری کاربر همه یکی کسی من تو
    شما ایشون ایشان اون این خیلی دیگه هم که ولی اما برای از با به تا هنوز الان امروز دیروز
    فردا پیک مامور راننده پشتیبان اپراتور کارمند همکار مدیر فروشنده خانم آقا جان گفت گفتن
    بود هست نیست شد کرد داد زد داره جناب سرکار دايما دائما دايم ابدا ابد لكن ولكن بل
    """
)
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


@lru_cache(maxsize=1)
def _known() -> tuple[frozenset[str], frozenset[str]]:
    """(every given name of the gazetteer folded, the ordinary words of the lexicon)."""
    lex = lexicon()
    given = frozenset(_fold(w) for w in gazetteer()[2])
    return given, lex.common


@lru_cache(maxsize=1)
def _ambiguous() -> frozenset[str]:
    """The ambiguous given names of the gazetteer, folded («امل», «نور», "hope")."""
    return frozenset(_fold(w) for w in gazetteer()[1])


@lru_cache(maxsize=16)
def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _AR_TOKEN.finditer(text)]


_AR_WORD_RE = re.compile(f"[{_AR}\u200c]+")


@lru_cache(maxsize=16384)
def _is_word(tok: str) -> bool:
    return len(tok) >= 2 and _AR_WORD_RE.fullmatch(tok) is not None


def _arfa_slot(word: str, *, strong: bool) -> bool:
    """Whether an Arabic-script word may fill a name slot: a given name of the gazetteer,
    or (in a strong frame) any word that is not an ordinary one."""
    given, common = _known()
    f = _fold(word)
    if word in _NOT_NAME_RAW:
        return False
    if f in given:
        return True
    if not strong or not _is_word(word) or f in common or f in _ARFA_NOT or len(f) < 3:
        return False
    if "\u200c" in word and word.split("\u200c")[-1] in _FA_SUFFIXES:
        return False  # «پیگیری‌تون», «شماره‌ام»: a noun with a pronoun or plural suffix
    if f.startswith(("ال", "می", "نمی", "بال", "لل", "فال", "و")):
        return False  # a definite noun, a Persian verb, a preposition or «و» and a word
    if _FA_TEXT.search(word) is None:
        if word.startswith(("ي", "ت", "ن", "أ", "ا")) and len(f) <= 5:
            return False  # an Arabic imperfect verb («يشجع», «أجرب»); known names pass above
        if word.endswith(("ته", "تها", "هم", "كم", "تي")):
            return False  # an Arabic noun with a pronoun («زوجته»)
        if len(f) >= 5 and word.endswith(("لي", "لك", "له", "لها", "لنا", "لهم")):
            return False  # a spoken verb with its dative pronoun («شرحلي», «بعتلك»)
    return True


def _arfa_family(word: str) -> bool:
    """A second name word: a gazetteer name, an «ال…»/«-ي» family form, or a Persian
    family ending, not an ordinary word."""
    given, common = _known()
    f = _fold(word)
    if not _is_word(word) or f in common or f in _ARFA_NOT:
        return False
    if f in given:
        return True
    return bool(
        re.fullmatch(r"ال[\u0600-\u06ff]{3,}", f)
        or (
            re.fullmatch(r"[\u0600-\u06ff]{2,}(?:ی|زاده|پور|یان|نژاد|فر|نیا)", f) is not None
            # «باسمي», «واخي», «اشتري»: a preposition, «و» or a verb prefix and a word
            and not f.startswith(("ب", "ل", "ف", "و"))
            and not (_FA_TEXT.search(word) is None and word.startswith(("ا", "أ", "ي", "ت", "ن")))
        )
    )


def _fa_compound(folded: str) -> bool:
    """A Persian light verb or verb form after a word: the word is a noun of a compound
    verb («شرط بندی», «پیگیری کرد»), not a name."""
    return folded in _FA_LIGHT or folded.startswith(("می", "نمی"))


def _function_word(folded: str) -> bool:
    """An ordinary word after a name («قبل», «بخصوص»): the name ends before it."""
    return folded in _known()[1] or folded in _ARFA_NOT or folded in _AR_AFTER_NAME


def _extend(toks: list[tuple[int, int, str]], i: int) -> int:
    """The last token index of a name that starts at `i`: «عبد X», a family word; an
    ambiguous given name takes no family word («امل الاطلاع»)."""
    j = i
    n = len(toks)
    first = _fold(toks[i][2])
    if first in ("عبد", "ابو", "ام") and i + 1 < n and _is_word(toks[i + 1][2]):
        j = i + 1
    if j + 2 < n and _fold(toks[j + 1][2]) == "عبد" and _is_word(toks[j + 2][2]):
        return j + 2
    if j + 1 < n and first not in _ambiguous() and _arfa_family(toks[j + 1][2]):
        return j + 1
    return j


# Words of place and state that stand before «هستم» and are not in our lexicons.
_FA_STATE = _folded(
    "اینجا", "آنجا", "اونجا", "همینجا", "همونجا", "تنها", "منتظر", "مطمئن", "موافق", "مخالف",
    "بیکار", "مریض", "شاکی", "نگران", "مجبور", "حاضر", "آماده", "دانشجو", "مشتری", "معلم",
)  # fmt: skip
_HERE = _fold("هنا")
_AR_GREETING_RE = re.compile(
    r"\s*(?:(?:ال)?سلام(?: عليكم)?|مرحبا|مرحباً|هلا|اهلا|أهلا|صباح الخير|مساء الخير)?[\s،,!.]*"
)
_FA_GREETING = _folded("سلام", "درود", "سلامی", "باسلام", "عرض")


def _fa_self_slot(word: str) -> bool:
    """An unknown word that may be a name before «هستم»: not an ordinary word and not
    shaped as a Persian adjective or noun of state («ناراضی», «خسته», «شرمنده»)."""
    folded = _fold(word)
    return (
        _arfa_slot(word, strong=True)
        and not folded.endswith(("ی", "ه", "ي"))
        and folded not in _FA_STATE
    )


def _clause_start(toks: list[tuple[int, int, str]], i: int) -> bool:
    return (
        i == 0
        or toks[i - 1][2] in _CLAUSE_END
        or _fold(toks[i - 1][2]) in ("و", "بس", "لكن", "ولی")
    )


def _team_after(word: Callable[[int], str], j: int, fa: bool) -> bool:
    """Whether «من فريق/قسم …» (Arabic) or «از پشتیبانی/واحد …» (Persian) follows `j`."""
    if fa:
        return word(j + 1) == "از" and word(j + 2) in _FA_TEAM_AFTER
    return word(j + 1) in _AR_FROM and word(j + 2) in _AR_TEAM_AFTER


_AR_MUCH = _folded("جزيلا", "جزيلاً", "كثير", "كتير", "خاص", "خاصه", "كبير")
_ROLES = _folded(
    "الموظف", "الموظفه", "المندوب", "المندوبه", "الكابتن", "السواق", "السائق", "الكاشير",
    "المشرف", "المشرفه", "الممرضه", "پشتیبان", "کارمند", "پیک", "اپراتور", "راننده", "مسئول",
)  # fmt: skip
_COPULAS = _folded(
    "كان", "كانت", "قال", "قالت", "رد", "ردت", "بود", "گفت",
)  # fmt: skip
# The words that make a frame, before or after its name.
_TRIGGERS = (
    _AR_SELF
    | _FA_SELF_AFTER
    | _AR_THANKS
    | _FA_THANKS_FROM
    | _AR_KIN
    | _FA_KIN
    | _AR_TITLES
    | _FA_TITLES
    | _VOC_TITLES
    | _FA_AFTER
    | _AR_ASK_ABOUT
    | _AR_TALK
    | _AR_TALK_WITH
    | _AR_FROM
    | _ROLES
    | _AR_MUCH
    | {_YA, "از", _fold("هنا")}
)


def _arfa_frames(text: str) -> list[tuple[int, int]]:
    toks = _tokens(text)
    out: list[tuple[int, int]] = []
    n = len(toks)
    # Persian letters: Persian frames; else Arabic ones (folded words of the two languages
    # collide: Arabic «خالي» "my uncle", Persian «خالی» "empty")
    fa = _FA_TEXT.search(text) is not None
    kin = _FA_KIN if fa else _AR_KIN
    given = _known()[0]

    folded = [_fold(t[2]) for t in toks]

    def word(k: int) -> str:
        return folded[k] if 0 <= k < n else ""

    def closed(j: int) -> bool:
        return j + 1 >= n or toks[j + 1][2] in _CLAUSE_END

    def add(i: int, j: int) -> None:
        out.append((toks[i][0], toks[j][1]))

    near = [w in _TRIGGERS for w in folded]
    for i in range(n):
        w = toks[i][2]
        # every frame has a trigger word within three words before or after
        if not any(near[max(0, i - 3) : i + 4]) or not _is_word(w):
            continue
        prev, nxt, known = word(i - 1), word(i + 1), _fold(w) in given
        # «أنا X،» opening a clause: an unknown word only before a comma
        if not fa and prev in _AR_SELF and _clause_start(toks, i - 1):
            j = _extend(toks, i)
            comma = j + 1 < n and toks[j + 1][2] in ",،"
            if (known and (closed(j) or word(j + 1) in _AR_FROM)) or (
                comma and _arfa_slot(w, strong=not w.startswith("م"))
            ):
                add(i, j)
                continue
        # «السلام عليكم، ايمن هنا»: a name before «هنا» opening the message after a greeting
        greeted = _AR_GREETING_RE.fullmatch(text[: toks[i][0]]) is not None
        slot = _arfa_slot(w, strong=True) or _fold(w) in _ambiguous()
        if not fa and nxt == _HERE and greeted and slot:
            add(i, i)
            continue
        # «X هستم» / «من X Y هستم»
        if fa and known and (_clause_start(toks, i) or prev == "من"):
            j = _extend(toks, i)
            if word(j + 1) in _FA_SELF_AFTER:
                add(i, j)
                continue
        if fa and (prev == "من" or prev in _FA_GREETING) and word(i + 1) not in _FA_SELF_AFTER:
            # «من راج پاتل هستم»: one or two unknown words, not adjectives (-ی, -ه)
            two = (
                i + 2 < n and _fa_self_slot(toks[i][2]) and _arfa_slot(toks[i + 1][2], strong=True)
            )
            if two and word(i + 2) in _FA_SELF_AFTER and prev == "من":
                add(i, i + 1)
                continue
        # «سلام امید هستم», «من کیانوش هستم»: an ambiguous or unknown name
        introduced = fa and word(i + 1) in _FA_SELF_AFTER and (prev == "من" or prev in _FA_GREETING)
        if introduced and (_fold(w) in _ambiguous() or _fa_self_slot(w)):
            add(i, i)
            continue
        if _clause_start(toks, i) and _arfa_slot(w, strong=True):
            j = _extend(toks, i)
            # «X من فريق الدعم» / «X از پشتیبانی»
            if _team_after(word, j, fa):
                add(i, j)
                continue
            # «X خانم», «X آقا» opening a clause (not «پشتیبان خانم X», «X جان کرد»)
            named_after = j + 2 < n and word(j + 2) in given
            if fa and word(j + 1) in _FA_AFTER and not named_after:
                add(i, j)
                continue
        # «يا نور،», «يا أستاذة رنا،»
        titled_voc = prev in _VOC_TITLES and word(i - 2) == _YA
        if not fa and (prev == _YA or titled_voc) and _arfa_slot(w, strong=titled_voc):
            j = _extend(toks, i)
            if closed(j):
                add(i, j)
                continue
        # «آقای جیمز ویلسون از دفتر», «خانم لی نا از پشتیبانی»: a title, one or two
        # words and a team
        if prev in _FA_TITLES or prev in _AR_TITLES:
            for j in (i, i + 1):
                # the second word may be any word that is not an ordinary one («ویلسون»)
                words_ok = all(
                    _is_word(toks[k][2])
                    and (
                        len(toks[k][2]) == 2
                        or _arfa_slot(toks[k][2], strong=True)
                        or (k > i and not _function_word(word(k)))
                    )
                    for k in range(i, min(j + 1, n))
                )
                if j + 2 < n and words_ok and _team_after(word, j, fa):
                    add(i, j)
                    break
        # «شكراً (جزيلاً) لرغد على …»: thanks and «لـ» before an unknown name
        thanks_li = not fa and w.startswith("ل") and not w.startswith("لل") and len(w) > 3
        # «لدعمك», «لجهودكم»: a noun with "your" or "our"
        thanks_li = thanks_li and not w.endswith(("ك", "كم", "كي", "ها", "هم", "نا"))
        thanks_li = thanks_li and (
            prev in _AR_THANKS or (prev in _AR_MUCH and word(i - 2) in _AR_THANKS)
        )
        if thanks_li and _arfa_slot(w[1:], strong=True) and (closed(i) or nxt in _THANKS_NEXT):
            out.append((toks[i][0] + 1, toks[i][1]))
            continue
        # «شكرا X» / «ممنون از X» / «تشکر از آقای X»
        titled = prev in _FA_TITLES and word(i - 2) == "از" and word(i - 3) in _FA_THANKS_FROM
        thanked = (not fa and prev in _AR_THANKS) or (
            prev == "از" and word(i - 2) in _FA_THANKS_FROM
        )
        if (thanked or titled) and _arfa_slot(w, strong=titled):
            j = _extend(toks, i)
            if closed(j) or word(j + 1) in _THANKS_NEXT:
                add(i, j)
                continue
        # «صاحبي X», «والدي الحاج X», «همکارم X»
        k = i - 1
        if word(k) in _AR_TITLES:
            k -= 1
        if word(k) in kin:
            j = _extend(toks, i)
            # an unknown word after an Arabic kin word may be a verb («أختي طلبنا»), one
            # after a Persian kin word a noun of a compound verb («پسرم شرط بندی»)
            if fa:
                ok = not _fa_compound(word(j + 1))
            else:
                # closed by a comma, a family word, or a verb with "me" («نصحني»)
                after = toks[j + 1][2] if j + 1 < n else ""
                ok = j > i or not after or after in ",،" or after.endswith("ني")
            if _arfa_slot(w, strong=ok) and (known or ok):
                add(i, j)
                continue
        # a role and a given name, ambiguous ones too, before a copula or a comma
        # («الموظفة صبا كانت», «پشتیبان شما، فاطمه،»)
        role_before = prev in _ROLES or (
            toks[i - 1][2] in ",،" and (word(i - 2) in _ROLES or word(i - 3) in _ROLES)
        )
        # (Persian: only between commas; «پیک زیاد بود» is "the courier fee was high")
        apposition = toks[i - 1][2] in ",،" and closed(i)
        if role_before and known and (apposition or (not fa and (closed(i) or nxt in _COPULAS))):
            add(i, i)
            continue
        # «X بنتي» / «X همکارم» opening a clause, X a given name
        if nxt in kin and known and _clause_start(toks, i):
            add(i, i)
            continue
        # «اسألوا عن X», «كلم X», «التواصل مع X»
        if fa:
            continue
        asked = prev in _AR_ASK_ABOUT and word(i - 2) in _AR_ASK
        talked = prev in _AR_TALK or (prev in _AR_TALK_WITH and word(i - 2) in _AR_TALK)
        # an unknown word after «و» is a new clause («اتصل وقال»)
        if (asked or talked) and _arfa_slot(w, strong=talked and not w.startswith("و")):
            j = _extend(toks, i)
            if closed(j) or _function_word(word(j + 1)):
                add(i, j)
                continue
    out += _arfa_signoff(text, toks)
    return out


def _arfa_signoff(text: str, toks: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """One or two words at the very end after a dash, or after a comma or full stop
    that follows a thanks word or ends a sentence: «— کاوه», «مع الشكر، سعيد الغامدي»."""
    last = len(toks) - 1
    while last >= 0 and not _is_word(toks[last][2]):
        last -= 1
    if last < 0:
        return []
    if any(not re.fullmatch(r"[.!\s🙏❤️👍]*", text[toks[last][1] :]) for _ in [0]):
        return []
    for first in (last - 1, last):
        if first < 1 or not all(_is_word(toks[k][2]) for k in range(first, last + 1)):
            continue
        mark = toks[first - 1][2]
        before = _fold(toks[first - 2][2]) if first >= 2 else ""
        # after a dash or a thanks word and a comma any name; after a full stop a known one
        strong = mark in "—–-" or (mark in ",،" and before in _SIGNOFF_WORDS)
        if not strong and mark not in ".،,":
            continue
        first_word = _fold(toks[first][2])
        if first_word in _SIGNOFF_WORDS or first_word in _FA_THANKS_FROM:
            continue
        if not _arfa_slot(toks[first][2], strong=strong):
            continue
        if first < last and not _arfa_family(toks[last][2]):
            continue
        return [(toks[first][0], toks[last][1])]
    return []


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
_ZH_BEFORE = (
    "我是客服", "我是", "客服专员", "客服", "谢谢", "謝謝", "感谢", "感謝", "多谢", "辛苦", "同事",
    "老公", "老婆", "用户", "客户", "持卡人是", "签收人是", "收件人是", "联系人是", "收货人是",
    "朋友", "我朋友", "转告", "转给", "找一下", "联系", "麻烦", "店员", "骑手", "快递员", "小哥",
    "持卡人", "签收人", "收件人", "联系人", "顾客",
)  # fmt: skip
_ZH_BEFORE_RE = re.compile(
    "(?:特别|特別)?(?:" + "|".join(sorted(map(re.escape, _ZH_BEFORE), key=len, reverse=True)) + ")+"
)
# 「跟嘉豪说一声」: a given name between 跟/找/问/告诉 and a verb of telling.
_ZH_TELL_RE = re.compile(
    "(?:跟|找|问|告诉|通知|转告)(?=[\u4e00-\u9fff]{2,3}(?:说|讲|聊|联系|确认|一声))"
)
# A Latin-script name in Chinese text: after thanks or a cue, or opening a clause
# before a verb (「感谢Ahmed和」「Priya 帮我改的」).
_ZH_LATIN_RE = re.compile(
    "(?:(?<=谢谢|感谢|多谢|客服|叫做|同事|朋友|用户|客户)|(?<=我是)|(?:^|(?<=[，。！？,.!?\n])))\\s*"
    "(?P<name>[A-Z][a-z]{1,15})(?=\\s*(?:和|跟|帮|说|給|给|已经|先生|女士|[，。！？,.!?]|$))"
)
_ZH_FAMILIAR_RE = re.compile(
    "(?:^|(?<=[，。！？,.!?\n]))([小老阿][\u4e00-\u9fff])(?=[ \u3000，,]|你好|您好)"
)
# What may follow a name: punctuation, an honorific, a verb or time word.
_ZH_AFTER_ONE = set(
    "，。！？、,.!?；;：: \n）)姐哥说說帮幫和跟都也已在是给給把让就收处推打发发来去昨今明刚的了很真太用买问找送寄讲叫"
)
# Time words a name opening a clause may stand before (「李娜明天」「张雨欣下午」).
_ZH_TIME = _words("明天 后天 前天 上午 下午 中午 晚上 早上 刚才 刚刚 周末 这周 下周 上周 明早 今晚")
_ZH_SIGNOFF_RE = re.compile("(?:——|—|-|～|~)\\s*(?P<name>[\u4e00-\u9fff]{2,4})[\\s。！!.]*$")
_ZH_PAIR_RE = re.compile(
    "(?P<a>[\u4e00-\u9fff]{2,4}?)和(?P<b>[\u4e00-\u9fff]{2,4}?)"
    "(?=都|一起|两个|俩|明天|今天|昨天|下午|上午|晚上)"
)
_ZH_SPLIT_TITLES = frozenset(
    ["小姐", "先生", "女士", "经理", "老师", "师傅", "老板", "大哥", "大姐", "总监"]
)
_ZH_HONORIFIC = ("姐", "哥", "你好", "您好")
_ZH_DOTS = "\u30fb\u00b7\u2022\uff65"
_ZH_TRANSLIT_CHARS = frozenset(
    "".join(ZH_TRANSLIT_GIVEN.split())
    + "史密斯加西亚罗伯特森汤姆逊克里夫兰巴布朗琼怀尔德诺曼戈泰勒芬奇彼得保罗乔治丝卡韦尼科拉基奥娃"
    "洛佩兹桑托马丁内古铁雷赫南福沙瓦汗默萨达格纳凯文莎拉琳露茜杰克逊菲普森霍金埃莉诺拜登"
)
_ZH_DOTTED_RE = re.compile(f"[\u4e00-\u9fff]{{2,5}}[{_ZH_DOTS}][\u4e00-\u9fff]{{2,5}}")
# First characters of kin and role words before 姐/哥 (表姐, 大哥, 小姐, 帅哥).
_ZH_NOT_FIRST = frozenset("表堂大二三四五小老帅美靓亲")
_ZH_HONORED_RE = re.compile("([\u4e00-\u9fff]{2})(姐|哥|你好|您好)")
_ZH_TRANSLIT_RUN_RE = re.compile("([\u4e00-\u9fff]{2,4}?)(?=说|說|和|帮|幫)")
_ZH_STRONG_RE = re.compile(
    "(?:用户|客户|同事|持卡人是|签收人是|收件人是|联系人是|收货人是)"
    "([\u4e00-\u9fff][\u4e00-\u9fff])(?=[，。！？、,.!?；;：:\\s（(]|$)"
)
_ZH_OPENERS = frozenset("。！？!?，,；;\n \t\u3000")


# A Chinese character that opens a clause.
_ZH_OPENING_RE = re.compile("(?:^|(?<=[。！？!?，,；;\n \t\u3000]))[\u4e00-\u9fff]")


def _zh_opens(text: str, p: int) -> bool:
    """Whether position `p` opens a clause (the text's start or after punctuation)."""
    return p == 0 or text[p - 1] in _ZH_OPENERS


@lru_cache(maxsize=1)
def _zh_surname_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Our Chinese surnames of two characters and of one."""
    surnames = gazetteer()[3]
    return frozenset(s for s in surnames if len(s) == 2), frozenset(
        s for s in surnames if len(s) == 1
    )


def _zh_surname_at(text: str, p: int) -> int:
    """The length of the surname at `p` (a two-character one first), 0 when none."""
    double, single = _zh_surname_sets()
    if text[p : p + 2] in double:
        return 2
    return 1 if text[p : p + 1] in single else 0


def _zh_slot(text: str, p: int, *, cued: bool) -> int:
    """The end of a Chinese name starting at `p`, or -1: a surname and one or two given
    characters, 小/老/阿 + a character, two given-name characters (after a cue), or a
    transliterated given name; the name must be followed by punctuation, an honorific,
    a verb or a time word (「张伟昨天」 -> 张伟, 「马丽推荐」 -> 马丽)."""
    lex = lexicon()
    ends: list[int] = []
    for tr in lex.zh_translit.get(text[p : p + 1], ()):
        if text.startswith(tr, p):
            ends.append(p + len(tr))
    if text[p : p + 1] in "小老阿" and p + 1 < len(text):
        ch = text[p + 1]
        if ch in lex.zh_surnames or ch in lex.zh_given_chars:
            ends.append(p + 2)
    sur = _zh_surname_at(text, p)
    if sur:
        q = p + sur
        for k in (2, 1):
            chars = text[q : q + k]
            if len(chars) == k and all(c in lex.zh_given_chars for c in chars):
                ends.append(q + k)
    if cued:
        pair = text[p : p + 2]
        given = len(pair) == 2 and any(c in lex.zh_given_chars for c in pair)
        if given and pair not in lex.zh_common and not _common_han(text, p, p + 2):
            ends.append(p + 2)
    for end in sorted(set(ends), key=lambda e: -(e - p)):
        nxt = text[end : end + 1]
        if text[end - 1 : end + 1] in _ZH_SPLIT_TITLES:
            continue  # 「林小姐」: the last character begins a title
        if end >= len(text) or nxt in _ZH_AFTER_ONE or not "\u4e00" <= nxt <= "\u9fff":
            # a three-character name whose last character begins the next word is two
            if end - p == 3 and text[end - 1] in _ZH_AFTER_ONE:
                continue
            return end
    return -1


def _zh_name_alone(word: str) -> bool:
    """Whether two to four Chinese characters read as a name by themselves: a surname
    and given characters, two given characters, or a transliteration; never an ordinary
    word (「国庆」 is both a name and a holiday: kept only beside another name)."""
    if word in lexicon().zh_common or _common_han(word, 0, len(word)):
        return False
    if all(c in _ZH_TRANSLIT_CHARS for c in word) and len(word) >= 3:
        return True
    return _zh_slot(word, 0, cued=len(word) == 2) == len(word)


def _zh_frames(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in _ZH_BEFORE_RE.finditer(text):
        # 「我是」 takes surnames only (「我是学生」「我是幸福的」)
        end = _zh_slot(text, m.end(), cued=not m.group().endswith(("我是", "联系", "麻烦")))
        if end > 0:
            out.append((m.end(), end))
    for m in _ZH_TELL_RE.finditer(text):
        end = _zh_slot(text, m.end(), cued=True)
        if end > 0:
            out.append((m.end(), end))
    for m in _ZH_LATIN_RE.finditer(text):
        cued = (
            text[: m.start("name")]
            .rstrip()
            .endswith(("谢谢", "感谢", "多谢", "客服", "同事", "我是"))
        )
        if _en_ok(m.group("name"), strong=cued):
            out.append(m.span("name"))
    for m in _ZH_FAMILIAR_RE.finditer(text):
        ch = m.group(1)[1]
        if ch in lexicon().zh_surnames or ch in lexicon().zh_given_chars:
            out.append(m.span(1))
    for m in _ZH_DOTTED_RE.finditer(text):
        a, b = m.span()
        while a < b and text[a] not in _ZH_TRANSLIT_CHARS:
            a += 1
        while b > a and text[b - 1] not in _ZH_TRANSLIT_CHARS:
            b -= 1
        if all(c in _ZH_TRANSLIT_CHARS or c in _ZH_DOTS for c in text[a:b]) and b - a >= 5:
            out.append((a, b))
    for opening in _ZH_OPENING_RE.finditer(text):
        p = opening.start()
        # 「李娜明天上午有空」「张雨欣下午三点去」: a name opening a clause before a time word
        timed = [
            p + k
            for k in (3, 2)
            if text[p + k : p + k + 2] in _ZH_TIME and _zh_slot(text[: p + k], p, cued=False) > 0
        ]
        if timed:
            out.append((p, timed[0]))
            continue
        end = _zh_slot(text, p, cued=False)
        if end < 0 or end - p < 2:
            continue
        rest = text[end : end + 2]
        if (
            rest.startswith(_ZH_HONORIFIC)
            or rest[:1] in "说和帮处推"
            or rest in ("昨天", "今天", "已经")
        ):
            out.append((p, end))
    for m in _ZH_HONORED_RE.finditer(text):
        # 「春花姐帮我」「杨洋你好」: a clause opens with a name and an honorific or greeting
        if _zh_opens(text, m.start()) and m.group(1) not in lexicon().zh_common:
            pair, after = m.group(1), m.group(2)
            surname = pair[0] in lexicon().zh_surnames
            given = (
                any(c in lexicon().zh_given_chars for c in pair) and pair[0] not in _ZH_NOT_FIRST
            )
            if (after in ("你好", "您好") and surname) or (after in ("姐", "哥") and given):
                out.append(m.span(1))
    for m in _ZH_TRANSLIT_RUN_RE.finditer(text):
        run = m.group(1)
        translit = all(c in _ZH_TRANSLIT_CHARS for c in run) and run not in lexicon().zh_common
        if translit and _zh_opens(text, m.start()):
            out.append(m.span(1))
    for m in _ZH_PAIR_RE.finditer(text):
        # 「艾力江和古丽娜尔明天一起来」「春花和国庆都是」: two names joined by 和, opening a
        # clause, before 都 / 一起 / a time word
        if _zh_opens(text, m.start()) and all(_zh_name_alone(m.group(g)) for g in ("a", "b")):
            out += [m.span("a"), m.span("b")]
    signoff = _ZH_SIGNOFF_RE.search(text)
    if signoff:
        # 「……——吴俊杰」: a name alone after a dash at the end of the message
        p = signoff.start("name")
        if _zh_slot(text[: signoff.end("name")], p, cued=False) == signoff.end("name"):
            out.append(signoff.span("name"))
    for m in _ZH_STRONG_RE.finditer(text):
        # 「用户田甜，」: after a relation cue, a surname and any one character
        if _zh_surname_at(text, m.start(1)) == 1:
            out.append(m.span(1))
    return out


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
