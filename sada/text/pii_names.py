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
from collections.abc import Iterator
from functools import lru_cache

from sada.text.normalize import fold_for_search
from sada.text.pii_gazetteer import (
    _AR_GIVEN_MORE,
    _AR_GIVEN_R5,
    _ARFA_FAMILY_R5,
    _EN_FAMILY,
    _EN_GIVEN_MORE,
    _FA_GIVEN_MORE,
    _FA_GIVEN_R5,
    _LATIN_ARFAZH,
    _LATIN_R5,
    _PINYIN_FAMILY,
    _ZH_COMMON_WORDS,
    _ZH_SURNAMES_MORE,
)

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
tom mike dave chris steve matt tony nick dan sam ben alex kate liz jen meg jess tim greg jeff
ahmed ahmad mohammed mohamed muhammad mohammad ali omar umar khalid yusuf youssef ibrahim hassan
hussein hussain tariq faisal fahad sultan nasser majid abdullah abdul mustafa mahmoud yasser walid
karim reza hossein mehdi amir hamid javad saeed arash babak dariush farhad kamran nima sina
fatima fatemeh aisha ayesha maryam mariam zainab zahra noura nora layla leila sara yasmin huda
mona reem hind salma amira niloufar negar shirin parisa mina nazanin
wei li ming jun hui yan lei jing xin hao yu chen lin tao
priya raj rahul amit anil sunil deepak arjun ravi vijay anita sunita pooja neha kavya
carlos miguel luis jorge diego pedro pablo javier sofia lucia carmen elena ana
"""
_EN_AMBIGUOUS = """will bill mark hope grace joy faith rose may june april summer dawn sky rich
frank art penny ruby pearl jade crystal amber ray gene bob pat sue jack grant chase hunter
victoria jordan austin paris florence lincoln cash angel honey rain river stone king
max jade holly daisy poppy iris jasper hugo jan jo can rim amal iman noor nour hana sakura
harvey marks chance lily ivy violet olive sage autumn storm salem"""

_AR_GIVEN = """
نوال سعاد وفاء نجلاء ابتسام عبير سمر رشا أميرة اميرة لطيفة جواهر ملاك شهد نادية ناديه
طلال مشعل عبدالرحمن عبدالاله عبدالإله نواف متعب سعد صالح حمود حمدان جاسم يعقوب
محمد أحمد احمد علي عمر خالد يوسف إبراهيم ابراهيم عبدالله عبد_الله عبدالرحمن عبد_الرحمن عبدالعزيز
حسن حسين مصطفى محمود طارق سلمان فيصل فهد سلطان ناصر ماجد بدر تركي عادل هشام وليد زياد رامي سامي
ياسر عماد أيمن ايمن معاذ بلال حمزة أنس انس عثمان مروان باسل نايف منصور راشد حمد خليفة زايد مبارك
سعود عبدالمجيد عبدالرحيم عبدالكريم إسماعيل اسماعيل موسى عيسى هاني شادي وائل نبيل كريم
فاطمة عائشة مريم نورة خديجة زينب سارة ساره ريم هند لينا لمى رنا دانة دانه شيماء آمنة امنة حصة
منى هدى أسماء اسماء سلمى رهف جود لجين غادة غاده رغد ياسمين دينا مها ريما نوف العنود بشرى هيفاء
"""
_AR_AMBIGUOUS = """سعيد جميل نور أمل امل كريم منى هدى فرح حياة ورد سعد جمال كمال صلاح سالم عادل
فارس وفاء صفاء سماح هناء ضياء جميلة عزيز زياد يزيد ملاك نجوى ثابت حامد شاكر صابر
سلامة سلامه عايشه بشرى رحاب أكبر اكبر اصغر أصغر"""
_FA_GIVEN = """
علی رضا محمد حسین حسن مهدی امیر سعید مرتضی مصطفی حمید مجید جواد کاظم عباس ابراهیم اسماعیل یوسف
مسعود محمود بهزاد بهروز فرهاد فرزاد کامران کیوان آرش سیاوش داریوش کوروش بابک پویا پیمان پرویز
میلاد سینا نیما پارسا آرمین بردیا سهیل شهاب عرفان فرشید احسان ایمان محسن هادی وحید یاسر
نگار بهاره سپیده سحر آیدا پگاه مهشید فریبا شبنم رویا ژیلا نیلوفر آتنا
رامین شهرام شاهین بیژن هومن مازیار ماهان امیرحسین محمدرضا علیرضا حمیدرضا
زهرا فاطمه مریم سارا نرگس زینب مینا لیلا نازنین شیما پریسا الناز الهام مهسا سمیرا ساناز
نسرین فرزانه مهناز شیرین پروین آزاده اعظم معصومه طاهره ندا هانیه هستی ترانه یاسمن کیمیا مهتاب
"""
_FA_AMBIGUOUS = (
    "هدیه هديه سحر امید نور بهار آسمان گل ستاره باران دریا امین شادی اکبر اصغر عزیز زیاد صبا"
)
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
    r"spoke with|speak to|contact person\s*:?|customer\s*:|attn\.?:?|attention\s*:?|dear|"
    r"on behalf of|recipient\s*:|addressee\s*:|cheers,|best,|best regards,|kind regards,|"
    r"sincerely,|many thanks,|thank you,|(?:agent|person|guy|lady|man|woman|someone|rep|one) (?:called|named)|thanks to|thank you to|shout ?out to|"
    r"helped by|assisted by|served by|handled by|hi|hello|hey|thanks|regards|cheers|"
    r"yours truly,?|warm regards,?|best wishes,?|ask for|asked for|speak with|talk to|"
    r"talked with|chatted with|goes by|(?:his|her) name (?:is|was)|name was|named",
    "ar": r"اسمي|إسمي|انا اسمي|أنا اسمي|الاسم\s*:|اسم العميل\s*:?|السيد|السيدة|الأستاذ|الاستاذ|"
    r"الأستاذة|الاستاذة|مع تحيات|تحياتي|أخوكم|اخوكم|شكرا للأستاذ|شكرا للاستاذ|شكرا للأستاذة|"
    r"معك|معاك|معكم|المستلم\s*:|اسم المستلم\s*:?|المرسل\s*:|الاستلام\s*:|مقدم الطلب\s*:?|"
    r"(?:ل|لل|و|ب|وال|بال)(?:أستاذ|استاذ|أستاذة|استاذة|سيد|سيدة)|"
    r"اسم الموظف\s*:?|اسم المندوب\s*:?",
    "fa": r"اسمم|اسم من|نام من|اینجانب|نام\s*:|آقای|اقای|خانم|جناب|سرکار خانم|با تشکر|ارادتمند|"
    r"تحویل[\s\u200c]?گیرنده\s*:|گیرنده\s*:|نام گیرنده\s*:?|فرستنده\s*:|ارادتمند شما|"
    r"نام خانوادگی\s*:?",
    "zh": r"我叫|我的名字是|我是|本人|姓名[:：]?|联系人[:：]?|收件人[:：]?|收货人[:：]?|客服|"
    r"快递员|师傅|经理|名叫|叫做|署名|配送员|骑手|司机|店员|店长|导购|服务员|客服专员|"
    r"我老公|我老婆|我丈夫|我妻子|我先生|我太太|我儿子|我女儿|我朋友|我同事|我妈|我爸|"
    r"谢谢|感谢|多谢",
}
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


def _wordset(block: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(w.strip() for w in block.split(sep))


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
# Verbs and phrases around a lone English given name ("Sarah was great", "thanks to
# Ahmed", "delivered by Tom").
_EN_LONE_BEFORE = (
    r"(?:with|to|by|thank|thanks|and|or|asked|told|call|email|message|phone|ping|called|met|ask|tell|from|for|named|hi|hello|"
    r"hey|dear|cheers|thx|ty|contacted|emailed)"
)
_EN_LONE_AFTER = (
    r"(?:was|is|has|had|did|helped|said|told|called|came|arrived|delivered|fixed|explained|"
    r"answered|replied|took|sent|from|at|who|assisted|sorted|resolved|solved|handled|"
    r"promised|refused|hung|picked|dropped|left|gave|offered|kept|never|didn't|wasn't|isn't|"
    r"went|made|got|checked|looked|tried|processed|confirmed|apologized|apologised)"
)
# "Sarah from customer service", «ريم من خدمة العملاء», 「李明从客服」 is rarer.
_FROM_TEAM_EN = (
    r"\s+(?:from|at|in|with|on)\s+(?:the\s+|your\s+)?(?:customer|support|billing|sales|"
    r"delivery|store|shop|tech|technical|team|help|service|branch|reception|front desk|"
    r"returns|warehouse|call cent(?:er|re)|helpdesk|the store|accounts?)"
)
_FROM_TEAM_ARFA = (
    r"\s+(?:من|في|از|در)\s+(?:خدمة|الدعم|قسم|فريق|فرع|الفرع|الشركة|المحل|المتجر|"
    r"پشتیبانی|واحد|بخش|تیم|فروشگاه|شعبه)"
)
# Arabic kunya: «أبو فهد», «أم خالد» (the name is the pair).
_KUNYA = r"(?:أبو|ابو|أبا|ابا|أم|ام)"
# Organisation words: "Best regards, Customer Service Team" is no one's name.
_EN_ORG = _wordset(
    """team service support customer customers care department store shop company inc ltd llc
    bank center centre group management staff desk office sales delivery express services
    street road avenue airport mall hotel hospital restaurant app account order amazon prime
    google apple netflix uber careem talabat noon ikea samsung microsoft paypal visa times
    news park hall sun"""
)
# Chinese characters that end a name found after a cue (「陈静很耐心」 -> 「陈静」).
_ZH_STOP = frozenset(
    "很的了说是在也都和跟把就已还没不让给帮我你他她们这那个吗呢吧啊呀太非真特挺所人竟"
)
# Words after 「谢谢/感谢」 that begin with a surname character (「感谢周到的服务」).
_ZH_NOT_NAMES = frozenset(
    ["周到", "万能", "高效", "高速", "方便", "支持", "金牌", "江湖", "于是", "马上", "白白", "贺卡",
     "程序", "余额", "任何", "黄金", "叶子", "钱包", "高质", "毛毛"]
)  # fmt: skip
# Titles that may stand between a cue and the name ("جناب دکتر کامرانی", "spoke to Mr. Daniels").
_TITLES_ARFA = frozenset(
    ["دکتر", "مهندس", "استاد", "سید", "حاج", "حاجی", "الدكتور", "المهندس", "الأستاذ", "الاستاذ",
     "الشيخ", "د", "آقا", "اقا", "آقای", "خانم", "السيد", "السيدة", "الحاج", "الحاجة", "حاج"]
)  # fmt: skip
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
_ZH_TITLES_AFTER = (
    "先生|女士|小姐|经理|老师|师傅|医生|总|主任|同学|阿姨|叔叔|大哥|大姐|哥|姐|老板|店长|专员|"
    "工程师|律师|护士|教授|博士|总监|主管|太太|夫人"
)

_EN_NAME = r"(?:O['\u2019])?[A-Z][a-z]+(?:[-'\u2019][A-Z][a-z]+)?"
_EN_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir)\.?\s+)"
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


def _words(block: str) -> set[str]:
    return {fold_for_search(w.replace("_", " ")) for w in block.split()}


@lru_cache(maxsize=1)
def gazetteer() -> tuple[set[str], set[str], set[str], tuple[str, ...]]:
    """(unambiguous given names, ambiguous given names, all given names, zh surnames)."""
    given = _words(_EN_GIVEN + _EN_GIVEN_MORE + _LATIN_ARFAZH + _LATIN_R5)
    given |= _words(_AR_GIVEN + _AR_GIVEN_MORE + _AR_GIVEN_R5)
    given |= _words(_FA_GIVEN + _FA_GIVEN_MORE + _FA_GIVEN_R5)
    ambiguous = _words(_EN_AMBIGUOUS) | _words(_AR_AMBIGUOUS) | _words(_FA_AMBIGUOUS)
    surnames = tuple(sorted(set((_ZH_SURNAMES + _ZH_SURNAMES_MORE).split()), key=len, reverse=True))
    return given - ambiguous, ambiguous, given | ambiguous, surnames


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    en = re.compile(
        r"(?i:(?<![\w])(?:"
        + _CUES_BEFORE["en"]
        + r"))\s+"
        + _EN_TITLE
        + r"?(?P<name>"
        + _EN_NAME
        + r"(?:\s+(?:[A-Z]\.\s*)?"
        + _EN_NAME
        + r"){0,2})"
    )
    arfa = re.compile(
        r"(?<!\w)(?:" + _CUES_BEFORE["ar"] + "|" + _CUES_BEFORE["fa"] + r")(?:(?<=[:：])|(?!\w))"
        r"\s*[:：]?\s*"
        r"(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2})"
    )
    en_role = re.compile(
        r"(?i:(?<![\w])(?:" + _EN_ROLES + r"))\s*,?\s+" + _EN_TITLE + r"?(?P<name>" + _EN_NAME
        + r"(?:\s+" + _EN_NAME + r")?)"
    )  # fmt: skip
    fa_self = re.compile(
        r"(?<!\w)(?:من\s+)(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r")?)\s+هستم(?!\w)"
    )
    arfa_weak = re.compile(
        r"(?<!\w)(?:"
        + _WEAK_CUES_ARFA
        + r")(?:\u200c?(?:تون|مون|ت|م))?(?!\w)(?:\s+[\u0600-\u06ff]+\u200c?(?:تون|مون))?"
        + r"\s*(?P<punct>[:：,،]?)\s*(?=(?P<name>"
        + _AR_WORD
        + r"(?:\s+"
        + _AR_WORD
        + r"){0,3}))"
    )
    surnames = "|".join(gazetteer()[3])
    zh_after_cue = re.compile(
        r"(?:" + _CUES_BEFORE["zh"] + r")\s*(?P<name>(?:小|老|阿)(?:" + surnames + r")|(?:"
        + surnames + r")[\u4e00-\u9fff]{1,2})"
    )  # fmt: skip
    zh_before_title = re.compile(
        r"(?P<name>(?:" + surnames + r")[\u4e00-\u9fff]{0,2}?)(?:" + _ZH_TITLES_AFTER + r")"
    )
    en_pair = re.compile(r"(?<![\w])(?P<name>" + _EN_NAME + r"(?:\s+" + _EN_NAME + r"){1,2})")
    arfa_pair = re.compile(r"(?<!\w)(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){1,2})")
    given_only = re.compile(
        r"(?<!\w)"
        + _GIVEN_ONLY_CUES
        + r"\s+(?=(?P<name>"
        + _AR_WORD
        + r"(?:\s+"
        + _AR_WORD
        + r"){0,2}))"
    )
    thanks_li = re.compile(r"(?<!\w)" + _AR_THANKS_LI + r"(?P<name>" + _AR_WORD + r")")
    en_lone = re.compile(r"(?<![\w'\u2019])(?P<name>[A-Z][a-z]+)(?![\w'\u2019-])")
    from_team_en = re.compile(r"(?<![\w])(?P<name>" + _EN_NAME + r")" + _FROM_TEAM_EN + r"(?!\w)")
    from_team_arfa = re.compile(r"(?<!\w)(?P<name>" + _AR_WORD + r")" + _FROM_TEAM_ARFA)
    kunya = re.compile(r"(?<!\w)(?P<name>" + _KUNYA + r"\s+" + _AR_WORD + r")")
    fa_talk = re.compile(
        r"(?<!\w)با\s+(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2})\s+"
        r"(?:صحبت|تماس|حرف|هماهنگ)"
    )
    return {
        "given_only": given_only,
        "kunya": kunya,
        "thanks_li": thanks_li,
        "en_lone": en_lone,
        "from_team_en": from_team_en,
        "from_team_arfa": from_team_arfa,
        "fa_talk": fa_talk,
        "en": en,
        "arfa": arfa,
        "arfa_weak": arfa_weak,
        "zh_cue": zh_after_cue,
        "zh_title": zh_before_title,
        "en_pair": en_pair,
        "en_role": en_role,
        "fa_self": fa_self,
        "arfa_pair": arfa_pair,
    }


_PINYIN_SET = frozenset(_PINYIN_FAMILY.split()) - {"he", "you", "an"}
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
_PINYIN_GIVEN = re.compile(
    r"(?:(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|"
    r"ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|a|e|i|o|u|v)(?:r)?){1,3}"
)


def _sentence_start(text: str, pos: int) -> bool:
    return pos == 0 or bool(re.search(r"(?:^|[.!?:\n\"'(\u201c]\s*)$", text[:pos]))


_EN_WEAK_CUES = _wordset(
    "i am|i'm|this is|dear|thanks|regards|sir|madam|hi|hello|hey|cheers|thank you|"
    "best|many thanks|sincerely|best regards|kind regards",
    sep="|",
)
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


@lru_cache(maxsize=1)
def _en_family() -> frozenset[str]:
    common = set(_EN_FAMILY_COMMON_WORDS.split())
    return frozenset(fold_for_search(w) for w in _EN_FAMILY.split() if w not in common)


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


_HAS_LATIN = re.compile(r"[A-Z]")
_HAS_ARABIC = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
_HAS_HAN = re.compile(r"[\u4e00-\u9fff]")
_SCRIPT_OF = {
    **dict.fromkeys(["en", "en_role", "en_pair", "from_team_en", "en_lone"], 0),
    **dict.fromkeys(
        ["arfa", "fa_self", "arfa_weak", "arfa_pair", "given_only", "thanks_li",
         "from_team_arfa", "kunya", "fa_talk"],
        1,
    ),
    "zh_cue": 2,
}  # fmt: skip


def _scan(
    pats: dict[str, re.Pattern[str]], key: str, text: str, scripts: tuple[bool, bool, bool]
) -> Iterator[re.Match[str]]:
    """The matches of one pattern, or none when `text` lacks its script (cheap skip)."""
    return pats[key].finditer(text) if scripts[_SCRIPT_OF[key]] else iter(())


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of person names in `text` (offsets into `text`)."""
    if not text:
        return []
    pats = _patterns()
    unambiguous, ambiguous, _all, _surnames = gazetteer()
    family = _en_family()
    scripts = (
        _HAS_LATIN.search(text) is not None,
        _HAS_ARABIC.search(text) is not None,
        _HAS_HAN.search(text) is not None,
    )
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        if end > start and all(end <= a or start >= b for a, b in spans):
            spans.append((start, end))

    for m in _scan(pats, "en", text, scripts):
        name = m.group("name")
        first = fold_for_search(name.split()[0])
        cue = text[m.start() : m.start("name")].strip().lower()
        # "I am / this is / dear" need a known given name or two capitalized words.
        weak = cue.rstrip(",") in _EN_WEAK_CUES
        if weak and first not in _all and len(name.split()) < 2:
            continue
        words = name.split()
        if any(fold_for_search(w) in _EN_ORG for w in words):
            continue
        if first in _EN_NOT_NAMES:
            continue
        add(m.start("name"), m.end("name"))
    for m in _scan(pats, "en_role", text, scripts):
        words = m.group("name").split()
        if fold_for_search(words[0]) in _EN_NOT_NAMES:
            continue
        add(m.start("name"), m.end("name"))
    for m in _scan(pats, "en_pair", text, scripts):
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
    for m in _scan(pats, "arfa", text, scripts):
        offset, words = _skip_titles(m.group("name"))
        words = _name_words(words, _all, first_free=True)
        if words:
            start = m.start("name") + offset
            add(start, start + len(" ".join(words)))
    for m in _scan(pats, "fa_self", text, scripts):
        words = _name_words(m.group("name").split(), _all, first_free=False)
        if words:
            add(m.start("name"), m.start("name") + len(" ".join(words)))
    for m in _scan(pats, "arfa_weak", text, scripts):
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
    for m in _scan(pats, "arfa_pair", text, scripts):
        words = m.group("name").split()
        if fold_for_search(words[0]) not in unambiguous or words[0] in _AR_NOT_GIVEN:
            continue
        second = words[1]
        third = words[2] if len(words) > 2 else ""
        if (
            second in _ARFA_VERB_AFTER
            or second.endswith(("تني", "وني"))
            or second.startswith(("بي", "بت", "بن"))
            and len(second) == 4
            or third in _FA_LIGHT_VERBS
        ):
            continue  # «مريم جاوبتني», «فاطمه پیگیری کرد»: a verb, not a family name
        if second in ("بن", "ابن", "بنت") and len(words) > 2:
            add(m.start("name"), m.end("name"))
        elif (
            (_FA_FAMILY.match(second) and len(second) >= 5)
            or _AR_FAMILY.match(second)
            or (fold_for_search(second) in unambiguous)
        ):
            add(m.start("name"), m.start("name") + len(words[0]) + 1 + len(second))
    for m in _scan(pats, "given_only", text, scripts):
        words = m.group("name").split()
        if fold_for_search(words[0]) not in unambiguous or words[0] in _AR_NOT_GIVEN:
            continue
        keep = _name_words(words, _all, first_free=True)
        if keep:
            add(m.start("name"), m.start("name") + len(" ".join(keep)))
    for m in _scan(pats, "thanks_li", text, scripts):
        if fold_for_search(m.group("name")) in unambiguous:
            add(m.start("name"), m.end("name"))
    for m in _scan(pats, "from_team_arfa", text, scripts):
        lone = m.group("name")
        if fold_for_search(lone) in unambiguous and lone not in _AR_NOT_GIVEN:
            add(m.start("name"), m.end("name"))
    for m in _scan(pats, "from_team_en", text, scripts):
        lone_f = fold_for_search(m.group("name"))
        if (
            lone_f not in _EN_NOT_NAMES
            and lone_f not in _EN_ORG
            and (lone_f in unambiguous or not _sentence_start(text, m.start()))
        ):
            add(m.start("name"), m.end("name"))
    if scripts[0]:
        for m in _scan(pats, "en_lone", text, scripts):
            lone_f = fold_for_search(m.group("name"))
            if lone_f not in unambiguous:
                continue
            before = text[max(0, m.start() - 20) : m.start()].lower()
            after = text[m.end() : m.end() + 20].lower()
            if re.search(r"(?<![\w])" + _EN_LONE_BEFORE + r"[\s,]+$", before) or re.match(
                r"[\s,]+" + _EN_LONE_AFTER + r"(?![\w])", after
            ):
                add(m.start("name"), m.end("name"))
    for m in _scan(pats, "kunya", text, scripts):
        second = m.group("name").split()[1]
        if fold_for_search(second) in unambiguous and second not in _AR_NOT_GIVEN:
            add(m.start("name"), m.end("name"))
    if scripts[1]:
        for start, end in _arfa_lone(text, unambiguous):
            add(start, end)
    for m in _scan(pats, "fa_talk", text, scripts):
        offset, words = _skip_titles(m.group("name"))
        keep = _name_words(words, _all, first_free=False)
        if keep and len(keep) == len(words) and fold_for_search(words[0]) in _all:
            start = m.start("name") + offset
            add(start, start + len(" ".join(keep)))
    for m in _scan(pats, "zh_cue", text, scripts):
        name = m.group("name")
        cut = _ZH_TITLE_IN.search(name, 1)
        end = cut.start() if cut else len(name)
        if name[:2] in _ZH_NOT_NAMES:
            continue
        for i in range(1, end):
            if name[i] in _ZH_STOP and not (i == 1 and name[0] in "小老阿"):
                end = i
                break
        if end == 3 and name[2] in _ZH_NEXT and name[0] not in "小老阿":
            end = 2  # 「我妈张丽收的货」 -> 「张丽」
        add(m.start("name"), m.start("name") + end)
    for start, end in _zh_in_context(text, _surnames) if scripts[2] else ():
        add(start, end)
    for start, end in _zh_before_titles(text, _surnames) if scripts[2] else ():
        add(start, end)
    return sorted(spans)


# Verbs after a lone given name («علی زنگ زد», «محمد اتصل») and verbs / prepositions
# before one («بگید سروش», «خلّي أحمد»); both need an unambiguous gazetteer name.
_ARFA_VERB_AFTER = _wordset(
    """اتصل اتصلت قال قالت رفض رفضت طلب طلبت استلم استلمت رد ردت ترك تركت جاء جا جات
    وصل وصلت كلمني كلمتني ساعدني ساعدتني يستلم تستلم يستلمون راح راحت حكى حكت حكالي
    يتصل تتصل بيتصل بتتصل قاللي قالي وعدني وعدتني سلمني سلمتني أرسل ارسل أرسلت ارسلت
    زنگ گفت گفتن اومد اومدن آمد رفت رفته تماس کمک پیگیری جواب برداشت داد آورد آورده
    بیاد بیان میاد میگه گفته رسید تحویل زد"""
)
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
_ARFA_NEG = frozenset(["ما", "لم", "لا", "مو", "مش", "هنوز", "اصلا", "أصلا"])
_NAMED_CUES = ("باسم", "بإسم", "على اسم", "به اسم", "به نام")
_FA_LIGHT_VERBS = _wordset("کرد کردن کرده کردند کنه کنن کنید میکنه می‌کنه شد شده داد داده")
_ARFA_AND = frozenset(["و", "أو", "او", "یا", "ولا"])


_fold = lru_cache(maxsize=8192)(fold_for_search)


def _arfa_lone(text: str, unambiguous: set[str]) -> list[tuple[int, int]]:
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
        if folded not in unambiguous:
            continue
        if w in _AR_NOT_GIVEN and not (w == "علی" and nxt in _ARFA_VERB_AFTER):
            continue  # «على» is a preposition; Persian «علی زنگ زد» is Ali
        after = [t[2] for t in toks[i + 1 : i + 5]]
        if nxt in _ARFA_NEG and len(after) > 1:
            nxt = after[1]  # «عمر ما رد»
        clause_start = i == 0 or bool(re.search(r"[.!?؟،,\n]\s*$", text[:a]))
        ok = (
            nxt in _ARFA_VERB_AFTER
            or prev.replace("\u200c", "") in _ARFA_BEFORE
            or clause_start
            and any(t in _ARFA_VERB_AFTER for t in after[:4])
        )
        if not ok and nxt in _ARFA_AND and i + 2 < len(toks):
            ok = _fold(toks[i + 2][2]) in unambiguous
        if not ok and prev in _ARFA_AND and i >= 2:
            ok = _fold(toks[i - 2][2]) in unambiguous
        if ok:
            out.append((a, b))
    return out


# Chinese full names by context: a verb or preposition that takes a person before
# (「跟孙浩聊过」「转告林雅琪」「搵陳嘉欣收」), a sign-off after closing punctuation
# (「谢谢！李晓燕」), or a sentence start before a verb of speech (「黎志明話會幫我」); the
# name is a surname and one or two characters followed by a verb, particle or punctuation.
_ZH_CTX_BEFORE = (
    "跟|給|给|让|讓|找了|找|(?<![这那])叫|转告|轉告|寄给|寄給|搵|告诉|告訴|通知|联系|聯繫|聯絡|联络|"
    "此致[，,]?|小哥|技术员|技術員|安装工|我妈妈|我爸爸|我媽媽|收件人是|收货人是|问|問"
)
_ZH_END = set("，。！？、,.!?；;：: \n）)")
_ZH_NEXT = set(
    "说說话話讲講会會帮幫把都也了在是收聊打回告给給和跟已今就还還到来來处處办辦负发發退联聯确確核查送"
)
# Two-character words that start with a surname character (「高兴」「方便」「王者」).
_ZH_COMMON = frozenset(_ZH_COMMON_WORDS.split())


def _zh_in_context(text: str, surnames: tuple[str, ...]) -> list[tuple[int, int]]:
    out = []

    def name_at(p: int) -> int:
        """End of a surname-led name of two or three characters at `p`, or -1."""
        for sn in _surname_index(surnames).get(text[p : p + 1], ()):
            if not text.startswith(sn, p):
                continue
            for size in (2, 1):
                end = p + len(sn) + size
                body = text[p + len(sn) : end]
                if len(body) < size or not all("\u4e00" <= ch <= "\u9fff" for ch in body):
                    continue
                if any(ch in _ZH_STOP for ch in body) or text[p:end] in _ZH_COMMON:
                    continue
                if text[p : p + 2] in _ZH_COMMON or text[p : p + 2] in _ZH_NOT_NAMES:
                    return -1
                nxt = text[end : end + 1]
                if nxt == "" or nxt in _ZH_END or nxt in _ZH_NEXT:
                    return end
            return -1
        return -1

    for m in _ZH_CTX_RE.finditer(text):
        end = name_at(m.end())
        if end > 0:
            out.append((m.end(), end))
    # 「小王帮我」「老李说」「阿明会」: a familiar prefix and a surname (or, after 阿, any
    # character but those of 阿姨 / 阿里 ...) at a clause start or after a cue, then a verb
    for m in _zh_familiar(surnames).finditer(text):
        if m.group("name")[:2] not in _ZH_FAMILIAR_NOT:
            out.append((m.start("name"), m.end("name")))
    # 「技术员叫穆罕默德，」: a transliterated foreign name after 叫/名叫, closed by punctuation
    for m in _ZH_TRANSLIT.finditer(text):
        out.append((m.start("name"), m.end("name")))
    # a sign-off: the last clause of the text is a name alone
    sign = _ZH_SIGNOFF.search(text)
    if sign:
        end = name_at(sign.start("name"))
        thanked = re.search(
            r"(?:谢谢|謝謝|感谢|感謝|多谢|多謝|此致|敬上|祝好)\W{0,3}$", text[: sign.start("name")]
        )
        if end == sign.end("name") and (end - sign.start("name") >= 3 or thanked):
            out.append((sign.start("name"), end))
    # a clause start before a verb of speech or a coordinated name
    for m in _ZH_CLAUSE.finditer(text):
        p = m.end()
        end = name_at(p)
        if end < 0:
            continue
        second = name_at(end + 1) if text[end : end + 1] in "和跟与與" else -1
        if (
            text.startswith(_ZH_SPEECH, end)
            and (text[end] != "都" or text.startswith(("都说", "都說"), end))
            and (end - p >= 3 or not text.startswith(_ZH_NOUN_TOO, end))
        ):
            # 「金钱已经…」: after a two-character name only verbs nouns rarely take
            out.append((p, end))
        elif second > 0 and text.startswith(_ZH_SPEECH, second):
            out.append((p, end))  # 「高雅和宋佳佳都说」: two names before a verb of speech
            out.append((end + 1, second))
    return out


_ZH_FAMILIAR_NOT = frozenset(
    ["阿姨", "阿里", "阿拉", "阿胶", "阿迪", "阿玛", "阿司", "阿尔", "阿婆", "阿公", "阿哥", "阿姐",
     "阿妹", "阿弟", "阿叔", "阿伯", "阿爸", "阿妈", "阿嬷", "阿富", "阿根", "阿森", "小于", "老是",
     "老于", "小时", "小白", "老年", "小米", "老公", "老婆", "小龙", "老牛", "老马", "小马"]
)  # fmt: skip


@lru_cache(maxsize=1)
def _surname_index(surnames: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Surnames by first character, longest first."""
    index: dict[str, list[str]] = {}
    for sn in surnames:
        index.setdefault(sn[0], []).append(sn)
    return {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _zh_familiar(surnames: tuple[str, ...]) -> re.Pattern[str]:
    single = "".join(sn for sn in surnames if len(sn) == 1)
    return re.compile(
        r"(?:^|[，。！？,.!?；;\s：:]|" + _ZH_CTX_BEFORE + r")"
        r"(?P<name>[小老]["
        + single
        + r"]|阿[\u4e00-\u9fff])(?=[说說话話讲講会會帮幫把都也已还還给給跟和打回来來])"
    )


# Characters of transliterated foreign names (穆罕默德, 约翰, 玛丽亚, 阿里, 卡里姆).
_ZH_TRANSLIT_CHARS = (
    "阿艾安奥巴贝本比波布查达德迪蒂杜多厄菲弗福盖格古哈汉赫亨胡霍基吉加贾杰金卡凯坎科克库拉莱兰劳勒雷里"
    "利莉丽林琳卢鲁路伦罗洛马玛迈曼梅米敏莫默穆纳娜内尼努诺欧帕佩皮珀普奇乔萨塞桑瑟莎森沙什斯索塔泰坦"
    "特提汀图托瓦威韦维温沃乌西希谢辛休亚扬耶伊因英尤约扎詹朱兹罕娅蕾茨"
)
_ZH_TRANSLIT = re.compile(
    r"(?:名叫|叫做|(?<![这那])叫)(?P<name>["
    + _ZH_TRANSLIT_CHARS
    + r"]{3,5})(?=[，。！？,.!?、\s]|$)"
)
_ZH_CTX_RE = re.compile(r"(?:" + _ZH_CTX_BEFORE + r")")
_ZH_SIGNOFF = re.compile(r"[，。！？,.!?\n]\s*(?P<name>[\u4e00-\u9fff]{2,4})\s*[。.!！]?\s*$")
_ZH_SPEECH = (
    "話",
    "话",
    "说",
    "說",
    "讲",
    "講",
    "都说",
    "都說",
    "会",
    "會",
    "都",
    "帮",
    "幫",
    "已经",
    "已經",
    "打电话",
    "打電話",
    "把",
    "给我",
    "給我",
    "跟我",
)
_ZH_NOUN_TOO = ("已经", "已經", "把", "打电话", "打電話", "给我", "給我", "跟我", "会", "會")
_ZH_CLAUSE = re.compile(r"(?:^|[，。！？,.!?；;\n])\s*")
_ZH_TITLE_IN = re.compile(_ZH_TITLES_AFTER)
_ZH_TITLE_RE = re.compile(r"(?:" + _ZH_TITLES_AFTER + r")")


def _zh_before_titles(text: str, surnames: tuple[str, ...]) -> list[tuple[int, int]]:
    """「林小姐」「陈静女士」「郝万山教授」: a surname-led name of one to three characters
    right before a title; the longest that holds no function character and is not the
    tail of 「谢谢」/「感谢」 (「谢谢林小姐」 -> 「林」)."""
    out = []
    for m in _ZH_TITLE_RE.finditer(text):
        p = m.start()
        best = None
        for size in (1, 2, 3):
            start = p - size
            if start < 0 or not all("\u4e00" <= ch <= "\u9fff" for ch in text[start:p]):
                break
            if any(ch in _ZH_STOP for ch in text[start:p]):
                break
            thanks = ("谢谢", "感谢", "多谢", "致谢", "答谢")
            if text[start : start + 2] in thanks or (
                start > 0 and text[start - 1 : start + 1] in thanks
            ):
                continue
            if any(text.startswith(sn, start) for sn in surnames):
                best = start
        if best is None:
            continue
        if m.group() == "总" and (
            p - best > 1
            or (
                best > 0
                and "\u4e00" <= text[best - 1] <= "\u9fff"
                and text[best - 1] not in "找问给和跟请让位是叫"
            )
        ):
            continue  # 「王总」 but not 「比喻总能」
        out.append((best, p))
    return out


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
