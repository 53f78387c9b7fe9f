"""Name frames in Arabic and Persian text (see `pii_names_frames` for the frames).

Arabic frames run only on text without Persian letters and Persian frames only with
them; a slot takes a gazetteer name or, in a strong frame, any word that is not an
ordinary one (`_arfa_slot`), and a name runs on over family-name words (`_extend`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from sada.text.pii_names_frames_words import (
    _ambiguous,
    _fold,
    _folded,
    _folded_words,
    _known,
    _words,
)

_AR = "\u0621-\u065f\u0670\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698"
_AR_TOKEN = re.compile(rf"[{_AR}]+(?:\u200c[{_AR}]+)*|\d+|[^\s{_AR}\d]")
_CLAUSE_END = set(".!?,،؛;:—–-…()\n") | {"؟"}

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
