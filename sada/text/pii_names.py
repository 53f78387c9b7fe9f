"""Person names in Arabic, Persian, Chinese and English text: a gazetteer and context cues.

A name is found when

- a context cue stands before it ("my name is", "Mr", «اسمي», «الأستاذ»,
  «اسمم», «آقای», «خانم», 「我叫」, 「联系人」) or after it (「先生」, 「女士」,
  「经理」); the name is the one to three name-like words that follow (or, in
  Chinese, a common surname and one or two characters);
- or a given name of the gazetteer is followed by another capitalized word
  (English) or by a family-name form (Persian -ی / -زاده / -پور / -ان, Arabic
  «بن» / «ال…» forms), e.g. "Sarah Johnson", «رضا محمدی», «محمد بن سلمان».

Given names that are also common words (Hope, Grace; «امید», «نور», «سعيد»)
count only after a cue. The gazetteer is our own short list of frequent given
names and Chinese surnames; it is not exhaustive, which is what the cues are for.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sada.text.normalize import fold_for_search

_EN_GIVEN = """
james john robert michael william david richard joseph thomas charles christopher daniel matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward
jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin
samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan
henry douglas zachary peter kyle noah ethan jeremy walter christian keith roger terry austin sean
gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan alan
juan albert willie elijah wayne randy vincent liam oliver lucas mason
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra
margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy
rebecca sharon laura cynthia amy kathleen angela shirley brenda emma anna pamela nicole samantha
katherine christine helen debra rachel carolyn janet maria catherine heather diane olivia julie
joyce victoria ruth virginia lauren kelly christina joan evelyn judith andrea hannah megan cheryl
jacqueline martha madison teresa gloria sara janice ann kathryn abigail sophia frances jean alice
judy isabella julia beverly denise marilyn amber danielle brittany diana natalie sophie charlotte
ava mia chloe ella lily zoe lucy
"""
_EN_AMBIGUOUS = """will bill mark hope grace joy faith rose may june april summer dawn sky rich
frank art penny ruby pearl jade crystal amber ray gene bob pat sue jack grant chase hunter
victoria jordan austin paris florence lincoln cash angel honey rain river stone king"""

_AR_GIVEN = """
محمد أحمد احمد علي عمر خالد يوسف إبراهيم ابراهيم عبدالله عبد_الله عبدالرحمن عبد_الرحمن عبدالعزيز
حسن حسين مصطفى محمود طارق سلمان فيصل فهد سلطان ناصر ماجد بدر تركي عادل هشام وليد زياد رامي سامي
ياسر عماد أيمن ايمن معاذ بلال حمزة أنس انس عثمان مروان باسل نايف منصور راشد حمد خليفة زايد مبارك
سعود عبدالمجيد عبدالرحيم عبدالكريم إسماعيل اسماعيل موسى عيسى هاني شادي وائل نبيل كريم
فاطمة عائشة مريم نورة خديجة زينب سارة ساره ريم هند لينا لمى رنا دانة دانه شيماء آمنة امنة حصة
منى هدى أسماء اسماء سلمى رهف جود لجين غادة غاده رغد ياسمين دينا مها ريما نوف العنود بشرى هيفاء
"""
_AR_AMBIGUOUS = "سعيد جميل نور أمل امل كريم منى هدى فرح حياة ورد سعد"
_FA_GIVEN = """
علی رضا محمد حسین حسن مهدی امیر سعید مرتضی مصطفی حمید مجید جواد کاظم عباس ابراهیم اسماعیل یوسف
مسعود محمود بهزاد بهروز فرهاد فرزاد کامران کیوان آرش سیاوش داریوش کوروش بابک پویا پیمان پرویز
میلاد سینا نیما پارسا آرمین بردیا سهیل شهاب عرفان فرشید احسان ایمان محسن هادی وحید یاسر
زهرا فاطمه مریم سارا نرگس زینب مینا لیلا نازنین شیما پریسا الناز الهام مهسا سمیرا ساناز
نسرین فرزانه مهناز شیرین پروین آزاده اعظم معصومه طاهره ندا هانیه هستی ترانه یاسمن کیمیا مهتاب
"""
_FA_AMBIGUOUS = "امید نور بهار آسمان گل ستاره باران دریا امین شادی"
_ZH_SURNAMES = """
王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾
肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏
韦 付 傅 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴
莫 孔 向 汤 欧阳 司马 上官 诸葛 东方 慕容 令狐 陳 張 劉 楊 黃 趙 吳 孫 許 韓 馮 鄧 蔣 蘇 呂 盧
鍾 譚 陸 賈 韋 鄒 龍 陶 賀 顧 龔 錢 嚴 湯 歐陽
"""

# Cues before a name (matched case-insensitively on the text as written).
_CUES_BEFORE = {
    "en": r"my name is|my name's|name\s*:|this is|i am|i'm|signed|regards,|thanks,|"
    r"mr\.?|mrs\.?|ms\.?|miss|dr\.?|prof\.?|sir|madam|agent|ask for|talked to|spoke to|"
    r"spoke with|speak to|contact person\s*:?|customer\s*:|attn\.?:?|dear",
    "ar": r"اسمي|إسمي|انا اسمي|أنا اسمي|الاسم\s*:|اسم العميل\s*:?|السيد|السيدة|الأستاذ|الاستاذ|"
    r"الأستاذة|الاستاذة|مع تحيات|تحياتي|أخوكم|اخوكم|شكرا للأستاذ|شكرا للاستاذ|شكرا للأستاذة",
    "fa": r"اسمم|اسم من|نام من|اینجانب|نام\s*:|آقای|اقای|خانم|جناب|سرکار خانم|با تشکر|ارادتمند",
    "zh": r"我叫|我的名字是|我是|本人|姓名[:：]?|联系人[:：]?|收件人[:：]?|收货人[:：]?|客服|"
    r"快递员|师傅|经理",
}
# Cues that also stand before ordinary words ("the employee was polite", "the doctor
# said"): the next word must be a known given name or have a family-name form.
_WEAK_CUES_ARFA = (
    r"الأخ|الاخ|الأخت|الاخت|المهندس|المهندسة|الدكتور|الدكتورة|د\.|الموظف|الموظفة|المندوب|"
    r"الكابتن|دکتر|مهندس|اپراتور|همکارتون|همکار شما|پشتیبان|کارشناس|پیک"
)
_ZH_TITLES_AFTER = "先生|女士|小姐|经理|老师|师傅|医生|总|主任|同学"

_EN_NAME = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
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
    ]
}


def _words(block: str) -> set[str]:
    return {fold_for_search(w.replace("_", " ")) for w in block.split()}


@lru_cache(maxsize=1)
def gazetteer() -> tuple[set[str], set[str], set[str], tuple[str, ...]]:
    """(unambiguous given names, ambiguous given names, all given names, zh surnames)."""
    given = _words(_EN_GIVEN) | _words(_AR_GIVEN) | _words(_FA_GIVEN)
    ambiguous = _words(_EN_AMBIGUOUS) | _words(_AR_AMBIGUOUS) | _words(_FA_AMBIGUOUS)
    surnames = tuple(sorted(set(_ZH_SURNAMES.split()), key=len, reverse=True))
    return given - ambiguous, ambiguous, given | ambiguous, surnames


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    en = re.compile(
        r"(?i:(?<![\w])(?:"
        + _CUES_BEFORE["en"]
        + r"))\s+(?P<name>"
        + _EN_NAME
        + r"(?:\s+(?:[A-Z]\.\s*)?"
        + _EN_NAME
        + r"){0,2})"
    )
    arfa = re.compile(
        r"(?<!\w)(?:" + _CUES_BEFORE["ar"] + "|" + _CUES_BEFORE["fa"] + r")\s*[:：]?\s*"
        r"(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2})"
    )
    arfa_weak = re.compile(
        r"(?<!\w)(?:"
        + _WEAK_CUES_ARFA
        + r")\s*[:：]?\s*(?P<name>"
        + _AR_WORD
        + r"(?:\s+"
        + _AR_WORD
        + r")?)"
    )
    surnames = "|".join(gazetteer()[3])
    zh_after_cue = re.compile(
        r"(?:" + _CUES_BEFORE["zh"] + r")\s*(?P<name>(?:" + surnames + r")[\u4e00-\u9fff]{1,2})"
    )
    zh_before_title = re.compile(
        r"(?P<name>(?:" + surnames + r")[\u4e00-\u9fff]{0,2}?)(?:" + _ZH_TITLES_AFTER + r")"
    )
    en_pair = re.compile(r"(?<![\w])(?P<name>" + _EN_NAME + r"(?:\s+" + _EN_NAME + r"){1,2})")
    arfa_pair = re.compile(r"(?<!\w)(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){1,2})")
    return {
        "en": en,
        "arfa": arfa,
        "arfa_weak": arfa_weak,
        "zh_cue": zh_after_cue,
        "zh_title": zh_before_title,
        "en_pair": en_pair,
        "arfa_pair": arfa_pair,
    }


def _trim_arfa(name: str) -> str:
    """Keep the name words, dropping function words that follow it."""
    _unambiguous, _ambiguous, known, _surnames = gazetteer()
    kept: list[str] = []
    for word in name.split():
        folded = fold_for_search(word)
        if folded in _STOP_AFTER_CUE:
            break
        # "وعنواني", "ورقمي": a word joined by the conjunction و starts a new phrase
        if kept and word.startswith("و") and folded not in known:
            break
        kept.append(word)
    return " ".join(kept)


def _name_like(word: str, known: set[str]) -> bool:
    """A known given name, or a Persian / Arabic family-name form."""
    return fold_for_search(word) in known or bool(
        _FA_FAMILY.match(word)
        and len(word) >= 5
        or _AR_FAMILY.match(word)
        and word.startswith("ال")
    )


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of person names in `text` (offsets into `text`)."""
    if not text:
        return []
    pats = _patterns()
    unambiguous, _ambiguous, _all, _surnames = gazetteer()
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        if end > start and all(end <= a or start >= b for a, b in spans):
            spans.append((start, end))

    for m in pats["en"].finditer(text):
        name = m.group("name")
        first = fold_for_search(name.split()[0])
        cue = text[m.start() : m.start("name")].strip().lower()
        # "I am / this is / dear" need a known given name or two capitalized words.
        weak = cue in ("i am", "i'm", "this is", "dear", "thanks,", "regards,", "sir", "madam")
        if weak and first not in _all and len(name.split()) < 2:
            continue
        add(m.start("name"), m.end("name"))
    for m in pats["en_pair"].finditer(text):
        words = m.group("name").split()
        if fold_for_search(words[0]) in unambiguous:
            add(m.start("name"), m.end("name"))
    for m in pats["arfa"].finditer(text):
        name = _trim_arfa(m.group("name"))
        if name:
            add(m.start("name"), m.start("name") + len(name))
    for m in pats["arfa_weak"].finditer(text):
        words = _trim_arfa(m.group("name")).split()
        if not words or not _name_like(words[0], _all):
            continue
        keep = words[:1]
        if len(words) > 1 and _name_like(words[1], _all):
            keep = words[:2]
        add(m.start("name"), m.start("name") + len(" ".join(keep)))
    for m in pats["arfa_pair"].finditer(text):
        words = m.group("name").split()
        if fold_for_search(words[0]) not in unambiguous:
            continue
        second = words[1]
        if second in ("بن", "ابن", "بنت") and len(words) > 2:
            add(m.start("name"), m.end("name"))
        elif (
            _FA_FAMILY.match(second)
            or _AR_FAMILY.match(second)
            or (fold_for_search(second) in unambiguous)
        ):
            add(m.start("name"), m.start("name") + len(words[0]) + 1 + len(second))
    for key in ("zh_cue", "zh_title"):
        for m in pats[key].finditer(text):
            add(m.start("name"), m.end("name"))
    return sorted(spans)
