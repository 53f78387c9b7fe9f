"""Person names by the word alone, where the word can hardly be anything else (round 12).

The rules of `pii_names_arfa_lone` take an unambiguous gazetteer given name only in
the positions they list (before a verb, after «با», opening a clause ...). Customers put
names anywhere: inside a possessive («گوشی مهسا», «به حساب ابوالفضل»), after a title
written without its article («أستاذة عبير», «الحاجة سعاد»), after «إن» / «که»
(«تبلغوا المدير إن سلمى رح تتأخر»), after «من و» («من و کیوان رفتیم»). Here:

- `arfa_anywhere`: an unambiguous Arabic-script given name of the gazetteer is a name in
  any position, unless it is also an ordinary word (`_ARFA_ALSO_WORDS`: «حسن», «مبارك»,
  «پیمان», «الهام» ...), follows a shop, brand or place word («مطعم», «فروشگاه»), or is
  followed by a word that makes it a thing (an «ال» noun after «دعاء»: «دعاء الوالدين»).
  An ambiguous given name («كريم», «امید») counts only after a verb taking a person
  («قابلت كريم», «تبلغون جمال») or after «من و» («من و امید رفتیم»);
- `latin_in_other_script`: a Latin-script given name of the gazetteer in a message
  written in Arabic, Persian or Chinese («المندوب اسمه Kevin», 「我的同事Michael」,
  「给 david 发了邮件」), with a capitalized Latin word after it as its family name
  (「我是Kevin Wong」). In such a message a lone Latin given name is a person far more
  often than a brand; brand words right before or after it («iPhone», "Store") stop it.

Both come after the rules' own spans in `find_names` (an earlier span wins an overlap).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import _wordset, gazetteer
from sada.text.pii_names_arfa import _AR_NOT_GIVEN, _PLACE_BEFORE

_AR_LETTERS = "\u0621-\u064a\u0671-\u06d3\u06cc\u06a9\u06af\u067e\u0686\u0698"
_ARFA_TOKEN = re.compile(rf"[{_AR_LETTERS}]+(?:\u200c[{_AR_LETTERS}]+)*")
_FA_LETTERS = re.compile("[\u06cc\u06a9\u06af\u067e\u0686\u0698]")
# Unambiguous given names of the gazetteer that are also ordinary words often enough in
# reviews and chats to need a cue («حسن التعامل», «مبارك عليكم», «پیمان کاری», «با الهام از»,
# «ایمان دارم», «نازنین» as "dear"); the cue rules still take them.
_ALSO_WORDS = """حسن صالح مبارك مبارک سلطان ناصر حمد سامي سامی غني صادق نادر حازم أمين امين راشد منصور
    رامي عماد بدر زايد خليفة خليفه عثمان تركي ترکی جود رغد دانة دانه حصة حصه ياسمين
    جواهر لطيفة ابتسام شهد أسماء اسماء أنس انس آمنة امنة هاني هانی موسى موسی عيسى عیسی
    يعقوب أحمد احمد علي عمر نبيل متعب مسعود پویا پیمان میلاد پگاه رویا ندا ترانه کیمیا
    مهتاب نازنین آزاده سپیده شبنم اعظم وحید ایمان احسان عرفان الهام روان جوری نسرین
    یاسمن معصومه طاهره شهاب ماهان سليم سلیم حديث وحيده وحيدة ليلي صديقه صديقة امير أمير
    لؤلؤة لؤلؤه الجوهرة جوهرة شهرة شهره زهرة زهره كبري كبرى وسام فريدة فريده جنى بسمة
    بسمه هبة هبه منال ريان راضية راضيه آزاد ازاد پروانه مهين فواد لانا ندی هما ریاض
    قاسم جابر حبیب عباس اکرم اشرف عادل کاظم جواد سحر"""
_ARFA_ALSO_WORDS = frozenset(fold_for_search(w) for w in _ALSO_WORDS.split())
# Words right before a name that make it the name of a shop, brand or product.
_ARFA_THING_BEFORE = _wordset(
    """مطعم مطاعم محل محلات شركة شركه متجر فندق تطبيق ماركة ماركه براند سوبرماركت صيدلية صيدليه
    شاورما مخبز بقالة بقاله مقهى كافيه قناة برنامج مسلسل فيلم أغنية اغنية سورة سوره
    رستوران فروشگاه شرکت هتل برند مارک اپ اپلیکیشن برنامه کافه سریال فیلم آهنگ سوره کانال
    داروخانه نانوایی شیرینی‌فروشی مجموعه پاساژ گل عطر ادکلن پرواز هواپیمایی امام الإمام الامام
    حرم حضرت بن ابن بنت ال آل"""
)
_FA_JOINED_PREFIXES = frozenset(["به", "بی", "می", "نمی", "هم", "با", "پر", "کم", "نا"])
_fold = lru_cache(maxsize=16384)(fold_for_search)
_KUNYA_BEFORE = frozenset(["أبو", "ابو", "أم", "ام", "بو", "أبا", "ابا"])


# Verbs whose object is a person («قابلت كريم», «كلمت وليد وبعدين منى», «تبلغون جمال»),
# and «من و» / «أنا و» ("X and I": «من و امید رفتیم»): even an ambiguous given name after
# them is a person.
_ARFA_PERSON_OBJECT = _wordset(
    """قابلت قابلنا كلمت كلمنا كلّمت بلغوا بلّغوا تبلغون تبلغوا بلغت بلّغت خبروا خبّروا
    سألت سالت شفت شافني راجعت ناديت انتظرت زرت وبعدين"""
)
_ARFA_ME_AND = frozenset(["من و", "أنا و", "انا و", "انا وياه"])


@lru_cache(maxsize=1)
def _ambiguous_given() -> frozenset[str]:
    return frozenset(w for w in gazetteer()[1] if re.match(f"[{_AR_LETTERS}]", w))


@lru_cache(maxsize=1)
def _arfa_given() -> frozenset[str]:
    unambiguous = gazetteer()[0]
    return frozenset(w for w in unambiguous if re.match(f"[{_AR_LETTERS}]", w))


def arfa_anywhere(text: str) -> list[tuple[int, int]]:
    """Unambiguous Arabic-script gazetteer given names in any position (see above)."""
    given = _arfa_given()
    toks = [(m.start(), m.end(), m.group()) for m in _ARFA_TOKEN.finditer(text)]
    out: list[tuple[int, int]] = []
    for i, (a, b, w) in enumerate(toks):
        if not 3 <= len(w) <= 14:
            continue
        folded = _fold(w)
        prev = toks[i - 1][2] if i > 0 and a - toks[i - 1][1] <= 2 else ""
        if folded in _ambiguous_given() or folded in _ARFA_ALSO_WORDS:
            pair = " ".join(t[2] for t in toks[max(0, i - 2) : i])
            after = toks[i + 1][2] if i + 1 < len(toks) else ""
            if after.startswith("ال") or after in ("جدا", "جداً", "خیلی", "بسیار"):
                continue  # «شفت جمال المكان»: a noun in a construct, not a person
            if prev in _ARFA_PERSON_OBJECT or pair in _ARFA_ME_AND and a - toks[i - 2][1] <= 5:
                out.append((a, b))
            continue
        if folded not in given or w in _AR_NOT_GIVEN:
            continue
        if w.split("\u200c")[0] in _FA_JOINED_PREFIXES:
            continue  # «به‌روز» (updated) folds to «بهروز»; «ذبیح‌الله» stays a name
        nxt = toks[i + 1][2] if i + 1 < len(toks) and toks[i + 1][0] - b <= 2 else ""
        if prev in _ARFA_THING_BEFORE or prev in _KUNYA_BEFORE:
            continue  # «مطعم أبو حسن», «فروشگاه مریم»
        if _PLACE_BEFORE.search(text, max(0, a - 30), a):
            continue
        if (
            nxt.startswith("ال")
            and not _FA_LETTERS.search(text)
            and len(nxt) >= 5
            and not nxt.endswith(("ي", "ى"))
        ):
            continue  # «دعاء الوالدين»: an «ال» noun after it makes it a thing, not a nisba
        out.append((a, b))
    return out


_LATIN_WORD = re.compile(r"(?<![A-Za-z0-9@#_.])([A-Za-z][a-z]{2,})(?![A-Za-z0-9_@])")
_LATIN_CAP_BEFORE = re.compile(r"(?<![A-Za-z0-9_@#])([A-Z][a-z]{1,})\s$")
_LATIN_CAP_AFTER = re.compile(r"\s([A-Z][a-z]{1,}(?:-[A-Z][a-z]+)?)(?![A-Za-z0-9_])")
_ANY_LATIN = re.compile("[A-Za-z]{3}")
_OTHER_SCRIPT = re.compile(f"[{_AR_LETTERS}\u4e00-\u9fff]")
# Latin words beside a given name that make it a brand or a product ("Louis Vuitton" is
# left to the rules), and Latin given names that are brands in these markets.
_LATIN_THING_NEAR = _wordset(
    """store shop app pro max plus mini phone iphone ipad galaxy watch air card bank pay
    mall cafe restaurant hotel brand series edition team airlines express"""
)
_LATIN_BRAND_NAMES = _wordset("""mercedes tiffany victoria tesla jordan dior chanel prada""")


def latin_in_other_script(text: str) -> list[tuple[int, int]]:
    """Latin-script gazetteer given names in Arabic, Persian or Chinese text."""
    if _ANY_LATIN.search(text) is None or _OTHER_SCRIPT.search(text) is None:
        return []
    latin = len(re.findall(r"[A-Za-z]+", text))
    other = len(re.findall("[\u4e00-\u9fff]", text)) + len(_ARFA_TOKEN.findall(text))
    if latin > other:
        return []  # more Latin words than others: the English rules' text
    unambiguous = gazetteer()[0]
    out: list[tuple[int, int]] = []
    for m in _LATIN_WORD.finditer(text):
        word = m.group(1)
        low = word.lower()
        if low not in unambiguous or low in _LATIN_BRAND_NAMES:
            continue
        if word.isupper() and len(word) > 1:
            continue
        before = re.search(r"([A-Za-z]+)\s*$", text[max(0, m.start() - 20) : m.start()])
        after = re.match(r"\s*([A-Za-z]+)", text[m.end() : m.end() + 20])
        if before and before.group(1).lower() in _LATIN_THING_NEAR:
            continue
        if after and after.group(1).lower() in _LATIN_THING_NEAR:
            continue
        start, end = m.start(), m.end()
        while word[0].isupper() and (lead := _LATIN_CAP_BEFORE.search(text, 0, start)):
            if lead.group(1).lower() in _LATIN_THING_NEAR or start - lead.start() > 16:
                break
            start = lead.start(1)  # "Zhang Wei", "Wong Ka Ming": the family name before
        fam = _LATIN_CAP_AFTER.match(text, end)
        if fam and word[0].isupper() and fam.group(1).lower() not in _LATIN_THING_NEAR:
            end = fam.end()
        out.append((start, end))
    return out
