"""Search terms of a text in Arabic, Persian, Chinese or English.

Each language gets the same pipeline shape: Sada's normalization (`sada.text.normalize`),
word segmentation (jieba for Chinese, word characters elsewhere), dialect and colloquial
forms mapped to the written word (Gulf and Egyptian Arabic, colloquial Persian), stop words
dropped, a Snowball stemmer (PyStemmer: English, Arabic, Persian), and finally
`fold_for_search`, so two spellings a reader considers the same word are one term.

Terms are what both the index and the query see; workspace synonyms are applied to the
query (`expand`), so adding a synonym never needs a re-index.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sada.text.normalize import fold_for_search, normalize, to_simplified

_WORD = re.compile(r"[^\W_]+(?:[\u200c'][^\W_]+)*", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

STOP: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "a",
            "an",
            "the",
            "and",
            "or",
            "of",
            "to",
            "in",
            "on",
            "at",
            "for",
            "with",
            "by",
            "from",
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "being",
            "do",
            "does",
            "did",
            "i",
            "me",
            "my",
            "we",
            "our",
            "you",
            "your",
            "it",
            "its",
            "this",
            "that",
            "these",
            "those",
            "how",
            "what",
            "when",
            "where",
            "which",
            "who",
            "why",
            "can",
            "could",
            "should",
            "would",
            "will",
            "shall",
            "may",
            "might",
            "must",
            "have",
            "has",
            "had",
            "not",
            "no",
            "yes",
            "there",
            "here",
            "as",
            "if",
            "so",
            "than",
            "then",
            "into",
            "about",
            "also",
            "just",
            "please",
            "get",
            "got",
            "any",
            "some",
        ]
    ),
    "fa": frozenset(
        [
            "و",
            "در",
            "به",
            "از",
            "که",
            "این",
            "آن",
            "را",
            "با",
            "برای",
            "است",
            "هست",
            "بود",
            "می",
            "تا",
            "یا",
            "هم",
            "اگر",
            "چه",
            "چی",
            "چرا",
            "کجا",
            "کی",
            "چطور",
            "چطوری",
            "چگونه",
            "آیا",
            "من",
            "ما",
            "شما",
            "تو",
            "او",
            "ایشان",
            "یک",
            "یه",
            "رو",
            "ها",
            "های",
            "ای",
            "هر",
            "باید",
            "شود",
            "میشه",
            "بشه",
            "کنم",
            "کنید",
            "کرد",
            "داره",
            "دارد",
            "دارم",
            "خیلی",
            "لطفا",
            "لطفاً",
            "سلام",
            "ممنون",
        ]
    ),
    "ar": frozenset(
        [
            "و",
            "في",
            "من",
            "إلى",
            "الى",
            "على",
            "عن",
            "مع",
            "هذا",
            "هذه",
            "ذلك",
            "تلك",
            "هو",
            "هي",
            "أنا",
            "انا",
            "نحن",
            "أنت",
            "انت",
            "هل",
            "ما",
            "ماذا",
            "متى",
            "أين",
            "كيف",
            "لماذا",
            "لم",
            "لن",
            "لا",
            "نعم",
            "أو",
            "او",
            "ثم",
            "قد",
            "كان",
            "كانت",
            "يكون",
            "التي",
            "الذي",
            "الذين",
            "عند",
            "كل",
            "أي",
            "اي",
            "بعد",
            "قبل",
            "لو",
            "إذا",
            "اذا",
            "يا",
            "لي",
            "لك",
            "به",
            "بها",
            "فيه",
            "فيها",
            "مرحبا",
            "السلام",
            "عليكم",
            "شكرا",
        ]
    ),
    "zh": frozenset(
        [
            "的",
            "了",
            "吗",
            "呢",
            "吧",
            "啊",
            "是",
            "我",
            "你",
            "他",
            "她",
            "它",
            "我们",
            "你们",
            "在",
            "有",
            "和",
            "与",
            "就",
            "都",
            "也",
            "要",
            "会",
            "能",
            "可以",
            "怎么",
            "怎样",
            "如何",
            "什么",
            "为什么",
            "哪里",
            "请",
            "请问",
            "一个",
            "这个",
            "那个",
            "这",
            "那",
            "把",
            "被",
            "给",
            "到",
            "对",
            "说",
            "还",
            "没",
            "没有",
            "不",
            "很",
        ]
    ),
}

# Dialect and colloquial forms a customer types, mapped to the written form articles use.
# Keys are folded (`fold_for_search`) before lookup; values are written in the language.
COLLOQUIAL: dict[str, dict[str, str]] = {
    "fa": {
        "میخوام": "خواستن", "میخواهم": "خواستن", "میخوایم": "خواستن", "بخوام": "خواستن",
        "پسش": "بازگرداندن", "پس": "بازگرداندن", "برگردونم": "بازگرداندن",
        "برگردوندن": "بازگرداندن", "پسدادن": "بازگرداندن", "مرجوع": "بازگرداندن",
        "مرجوعی": "بازگرداندن", "عودت": "بازگرداندن", "پولمو": "پول", "پولم": "پول",
        "پولمون": "پول", "کی": "زمان", "کِی": "زمان", "چقد": "چقدر", "چن": "چند",
        "رمزمو": "رمز", "پسوردمو": "رمز", "پسورد": "رمز", "یادم": "فراموش",
        "سفارشمو": "سفارش", "سفارشم": "سفارش", "بستمو": "بسته", "بستم": "بسته",
        "بسته‌م": "بسته", "نرسیده": "نرسیدن", "نیومده": "نرسیدن", "نیومد": "نرسیدن",
        "کارتمو": "کارت", "آدرسمو": "آدرس", "ادرس": "آدرس", "اکانت": "حساب",
        "اکانتمو": "حساب", "حسابمو": "حساب", "ارسالش": "ارسال", "پیک": "ارسال",
        "فاکتور": "صورتحساب", "قسطی": "اقساط", "تخفیفی": "تخفیف", "کد": "کد",
        "گارانتیش": "گارانتی", "خراب": "معیوب", "خرابه": "معیوب", "شکسته": "معیوب",
        "عوض": "تعویض", "عوضش": "تعویض", "سایزش": "اندازه", "سایز": "اندازه",
    },
    "ar": {
        # Gulf
        "ابي": "اريد", "ابغى": "اريد", "ابغي": "اريد", "أبي": "اريد", "أبغى": "اريد",
        "ودي": "اريد", "شلون": "كيف", "كيفية": "كيف", "وين": "اين", "متى": "متى",
        "ليش": "لماذا", "ليه": "لماذا", "شنو": "ماذا", "ايش": "ماذا", "إيش": "ماذا",
        "فلوسي": "المبلغ", "فلوس": "المبلغ", "بيزاتي": "المبلغ", "بيزات": "المبلغ",
        "ارجع": "ارجاع", "ارجّع": "ارجاع", "رجع": "ارجاع", "ارجاع": "ارجاع", "رجّع": "ارجاع",
        "استرجع": "استرجاع", "اردها": "ارجاع", "ارده": "ارجاع", "اغير": "تغيير",
        "أغير": "تغيير", "بدل": "استبدال", "ابدل": "استبدال", "الطلبيه": "الطلب",
        "طلبيتي": "الطلب", "طلبي": "الطلب", "الشحنه": "الشحن", "شحنتي": "الشحن",
        "توصل": "وصول", "وصلت": "وصول", "يوصل": "وصول", "ماوصل": "وصول", "ما وصل": "وصول",
        "الباسورد": "كلمة المرور", "باسورد": "كلمة المرور", "الرقم السري": "كلمة المرور",
        "خربان": "تالف", "خربانه": "تالف", "مكسور": "تالف", "عطلان": "تالف",
        "الحين": "الان", "دحين": "الان", "زين": "جيد", "واجد": "كثير", "وايد": "كثير",
        # Egyptian / Levantine
        "عايز": "اريد", "عاوز": "اريد", "بدي": "اريد", "ازاي": "كيف", "إزاي": "كيف",
        "كيف": "كيف", "فين": "اين", "امتى": "متى", "مقاس": "المقاس",
    },
    "zh": {
        "咋": "怎么", "咋办": "怎么办", "啥": "什么", "退钱": "退款", "钱退": "退款",
        "退掉": "退货", "退回": "退货", "寄回": "退货", "咋退": "退货", "快递": "配送",
        "送货": "配送", "物流": "配送", "到货": "配送", "密码忘": "密码", "账号": "账户",
        "帐号": "账户", "帐户": "账户", "手机号": "手机号码", "坏了": "损坏", "破了": "损坏",
        "换货": "换货", "尺码": "尺寸", "码数": "尺寸", "发票": "发票", "优惠码": "优惠券",
    },
    "en": {
        "refund": "refund", "money back": "refund", "send back": "return",
        "pwd": "password", "passwd": "password", "acct": "account", "pls": "please",
        "u": "you", "ur": "your", "parcel": "package", "shipment": "delivery",
        "shipping": "delivery", "ship": "delivery", "broken": "damaged", "cracked": "damaged",
    },
}  # fmt: skip

_STEMMER_NAMES = {"en": "english", "ar": "arabic", "fa": "persian"}
_local = threading.local()


def _stemmer(lang: str) -> Any:
    """One PyStemmer object per thread and language (they are not thread-safe)."""
    name = _STEMMER_NAMES.get(lang)
    if name is None:
        return None
    cache = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if name not in cache:
        import Stemmer

        cache[name] = Stemmer.Stemmer(name, 2000)
    return cache[name]


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=4)
def _colloquial(lang: str) -> dict[str, list[str]]:
    """Folded colloquial word -> the written words it stands for (unfolded, to analyse)."""
    table = COLLOQUIAL.get(lang, {})
    return {fold_for_search(k): v.split() for k, v in table.items() if " " not in k}


@lru_cache(maxsize=4)
def _stop(lang: str) -> frozenset[str]:
    return frozenset(fold_for_search(w) for w in STOP.get(lang, frozenset()))


_AR_PREFIX = re.compile(r"^(?:و|ف|ب|ك|ل)?(?:ال|لل)(?=\w{2,})")
_FA_SUFFIX = re.compile(r"(?:\u200c?(?:های|ها|هایی|ایی|ای)|\u200c)$")


def words(text: str, lang: str) -> list[str]:
    """Surface words of `text` (normalized for `lang`), before stemming and folding."""
    text = normalize(text, lang)
    if lang == "zh" or _HAN.search(text):
        text = to_simplified(text)
        out: list[str] = []
        for chunk in _jieba().cut_for_search(text):
            chunk = chunk.strip()
            if chunk and (_HAN.search(chunk) or _WORD.fullmatch(chunk)):
                out.append(chunk.lower())
        return out
    return [m.group().lower() for m in _WORD.finditer(text)]


def _stem(word: str, lang: str) -> str:
    if lang == "fa":
        word = word.replace("\u200c", "") if len(word) < 4 else _FA_SUFFIX.sub("", word) or word
    stemmer = _stemmer(lang)
    if stemmer is not None and not word.isdigit():
        if lang == "ar":
            word = _AR_PREFIX.sub("", word) or word
        word = stemmer.stemWord(word)
    return fold_for_search(word.replace("\u200c", ""))


def terms(text: str, lang: str, *, keep_stop: bool = False) -> list[str]:
    """Index/query terms of `text` in `lang` (dialect mapped, stop words out, stemmed, folded)."""
    lang = lang if lang in STOP else "en"
    colloquial = _colloquial(lang)
    stop = _stop(lang)
    out: list[str] = []
    for word in words(text, lang):
        folded = fold_for_search(word)
        mapped = colloquial.get(folded)
        pieces = [w for m in mapped for w in words(m, lang)] if mapped else [word]
        for piece in pieces:
            if not keep_stop and fold_for_search(piece) in stop:
                continue
            term = fold_for_search(piece) if lang == "zh" else _stem(piece, lang)
            if term and (keep_stop or term not in stop):
                out.append(term)
    return out


def phrase_terms(text: str, lang: str) -> list[str]:
    """Multi-word colloquial phrases found in `text` (e.g. Arabic 'ما وصل'), as terms."""
    folded = fold_for_search(normalize(text, lang))
    found: list[str] = []
    for phrase, written in COLLOQUIAL.get(lang, {}).items():
        if " " in phrase and fold_for_search(phrase) in folded:
            found.extend(terms(written, lang))
    return found


def query_terms(text: str, lang: str, synonyms: dict[str, list[str]] | None = None) -> list[str]:
    """Terms of a question: its own terms, colloquial phrases, and workspace synonyms."""
    base = terms(text, lang) + phrase_terms(text, lang)
    if not synonyms:
        return base
    extra: list[str] = []
    for term in base:
        extra.extend(t for t in synonyms.get(term, []) if t not in base)
    return base + extra


def synonym_table(groups: Iterable[list[str]], lang: str) -> dict[str, list[str]]:
    """Workspace synonym groups -> term -> the other terms of its group."""
    table: dict[str, list[str]] = {}
    for group in groups:
        analysed = [t for word in group for t in terms(word, lang)]
        unique = list(dict.fromkeys(analysed))
        for term in unique:
            table.setdefault(term, []).extend(t for t in unique if t != term)
    return table
